using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>memcg.dying: they pile up from 5,000, or from 1,000 when they are 3 times the live ones.</summary>
public class DyingCheckTests
{
    // 5.4 counts dying memcgs in /proc/cgroups (C1): dying = num_cgroups - live directories.
    private static CheckResult With(int live, long dying, string release = Ubuntu54) =>
        Check<DyingCheck>(Running(release).WithCounts(live, dying));

    [Theory]
    [InlineData(10_000, 4_999, CheckStatus.Pass)]  // under 5,000, and not 3 times the live ones
    [InlineData(10_000, 5_000, CheckStatus.Warn)]  // 5,000 alone
    [InlineData(0, 999, CheckStatus.Pass)]         // under the floor of the relative rule
    [InlineData(0, 1_000, CheckStatus.Warn)]       // at the floor, outnumbering no live ones
    [InlineData(334, 1_001, CheckStatus.Pass)]     // under 3 times the live ones
    [InlineData(334, 1_002, CheckStatus.Warn)]     // exactly 3 times the live ones
    public void Pile_up_from_5000_or_from_1000_at_three_times_the_live_ones(int live, long dying, CheckStatus status)
    {
        CheckResult r = With(live, dying);
        Assert.Equal(status, r.Status);
        Assert.Equal(status == CheckStatus.Warn ? Concern.AtRisk : Concern.None, r.Concern);
        Assert.StartsWith($"{dying} dying memory cgroups", r.Summary, StringComparison.Ordinal);
        Assert.Contains("sync; echo 3 > /proc/sys/vm/drop_caches   # the same by hand", r.Commands());
    }

    [Fact]
    public void The_summary_carries_the_ratio_to_the_live_ones_and_the_memory_they_hold()
    {
        CheckResult r = With(334, 1_002);
        Assert.Contains(", 3 per live one", r.Summary, StringComparison.Ordinal);
        Assert.Contains("about 24 MiB", r.Summary, StringComparison.Ordinal); // 1,002 x 25 KiB
        Assert.DoesNotContain("per live one", With(0, 1_000).Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40, "about 1000 KiB")]  // 40 x 25 KiB, under 1 MiB
    [InlineData(41, "about 1 MiB")]     // 1,025 KiB
    public void Sizes_under_a_mebibyte_are_told_in_kibibytes(long dying, string size) =>
        Assert.Contains(size, With(10, dying).Summary, StringComparison.Ordinal);

    [Fact]
    public void No_dying_memcgs_pass_with_nothing_to_do()
    {
        CheckResult r = With(10, 0);
        Assert.Equal(CheckStatus.Pass, r.Status);
        Assert.Empty(r.Remediation);
        Assert.Contains(r.Evidence, e => e.StartsWith("dying:", StringComparison.Ordinal));
        Assert.Contains(r.Evidence, e => e.StartsWith("live:", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Evidence, e => e.StartsWith("IDs in use", StringComparison.Ordinal));
        Assert.Contains(r.Evidence, e => e.Contains(": dying memcgs are pinned by", StringComparison.Ordinal));
    }

    [Fact]
    public void On_5_9_and_later_dropping_the_page_cache_alone_releases_them()
    {
        CheckResult r = With(10, 6_000, "6.1.0-18-amd64");
        Assert.Contains("sync; echo 1 > /proc/sys/vm/drop_caches   # the same by hand", r.Commands());
        Assert.Contains("cgleak reclaim", r.Commands());
    }

    [Fact]
    public void Where_the_reaper_exists_it_is_the_remedy()
    {
        CheckResult r = Check<DyingCheck>(Running(Ubuntu54).WithCounts(10, 6_000) with { MemcgReaperPresent = true });
        Assert.Equal(["echo 1 > /sys/kernel/mm/memcg_reaper/reap_background"], r.Commands());
    }

    [Fact]
    public void Unknown_on_a_kernel_that_hides_zombies_with_the_reboot_as_remedy()
    {
        CheckResult r = With(10, 35, El7Old);
        Assert.Equal(CheckStatus.Skip, r.Status);
        Assert.Contains("(C2)", r.Summary, StringComparison.Ordinal);
        Assert.Contains("reboot   # after draining the node", r.Commands());
    }

    [Fact]
    public void Unknown_where_the_kernel_may_or_may_not_count_them_with_no_remedy()
    {
        CheckResult r = With(10, 35, "3.12.0");
        Assert.Equal(CheckStatus.Skip, r.Status);
        Assert.DoesNotContain("C2", r.Summary, StringComparison.Ordinal);
        Assert.Empty(r.Remediation);
    }

    [Fact]
    public void Without_a_memory_mount_it_skips()
    {
        CheckResult r = Check<DyingCheck>(Running(Ubuntu54) with { Layout = CgroupLayout.None, Tree = null });
        Assert.Equal((CheckStatus.Skip, Concern.None), (r.Status, r.Concern));
        Assert.Empty(r.Remediation);
    }

    [Theory]
    [InlineData("6.1.0-18-amd64", "dying.what.page-cache")]    // 5.9+: slab no longer pins them (L7)
    [InlineData(Ubuntu54, "dying.what.page-cache-slab")]
    public void The_drop_caches_remedy_says_what_it_drops(string release, string what)
    {
        Remediation fix = With(10, 6_000, release).Remediation.Single();
        Assert.Equal(what, ((Text.Message)fix.Said!.Args[0]!).Key);
    }
}
