using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>memcg.id-headroom at its lines: 70 % (45,874.5 of 65,535) warns, 90 % (58,981.5) fails.</summary>
public class IdHeadroomCheckTests
{
    // On 5.4 with no swap, IDs in use are the live cgroups (I5): the tree's directories.
    private static CheckResult WithLive(int live) => Check<IdHeadroomCheck>(Running(Ubuntu54).WithCounts(live, 0));

    [Theory]
    [InlineData(45_874, CheckStatus.Pass, Concern.None)]
    [InlineData(45_875, CheckStatus.Warn, Concern.AtRisk)]
    [InlineData(58_981, CheckStatus.Warn, Concern.AtRisk)]
    [InlineData(58_982, CheckStatus.Fail, Concern.Affected)]
    [InlineData(65_535, CheckStatus.Fail, Concern.Affected)]
    public void Warns_from_70_percent_and_fails_from_90_percent(int idsInUse, CheckStatus status, Concern concern)
    {
        CheckResult r = WithLive(idsInUse);
        Assert.Equal((status, concern), (r.Status, r.Concern));
        Assert.Contains($"{idsInUse} of 65535", r.Summary, StringComparison.Ordinal);
        Assert.Equal(status != CheckStatus.Pass, r.Commands().Contains("reboot"));
    }

    [Fact]
    public void A_few_ids_in_use_pass_with_the_memory_row_as_evidence()
    {
        CheckResult r = Check<IdHeadroomCheck>(Running(Ubuntu54).WithCounts(96, 41_873));
        Assert.Equal(CheckStatus.Pass, r.Status);
        Assert.Contains("96 of 65535", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Evidence, e => e.StartsWith("/proc/cgroups", StringComparison.Ordinal)
            && e.Contains("41969", StringComparison.Ordinal));
        Assert.Empty(r.Remediation);
    }

    [Fact]
    public void Without_a_memory_mount_there_is_nothing_to_run_out_of()
    {
        CheckResult r = Check<IdHeadroomCheck>(Running(Ubuntu54) with { Layout = CgroupLayout.None, Tree = null });
        Assert.Equal((CheckStatus.Skip, Concern.None), (r.Status, r.Concern));
        Assert.Contains(r.Evidence, e => e.Contains("num_cgroups=10", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(19_661, CheckStatus.Pass)]  // at most 45,874 in use: under 70 %
    [InlineData(19_660, CheckStatus.Skip)]  // at most 45,875: the bound no longer proves headroom
    public void A_bounded_probe_proves_headroom_only_under_70_percent(long freeSlots, CheckStatus status)
    {
        // 3.12: IDs in use cannot be worked out from the counts (neither C1 nor C2 is known there).
        var probe = new HeadroomProbe(1000, freeSlots, Exact: false, Refusal: null);
        CheckResult r = Check<IdHeadroomCheck>(Running("3.12.0"), probe);
        Assert.Equal(status, r.Status);
        if (status == CheckStatus.Pass)
        {
            Assert.Contains($"At most {65_535 - freeSlots}", r.Summary, StringComparison.Ordinal);
            Assert.Contains($"created {freeSlots}", r.Summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_exact_probe_gives_the_ids_in_use()
    {
        var probe = new HeadroomProbe(6_000, 6_000, Exact: true, Refusal: "ENOSPC");
        CheckResult r = Check<IdHeadroomCheck>(Running("3.12.0"), probe);
        Assert.Equal((CheckStatus.Fail, Concern.Affected), (r.Status, r.Concern));
        Assert.Contains("59535 of 65535", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ids_skip_and_tell_how_to_measure_them()
    {
        CheckResult r = Check<IdHeadroomCheck>(Running("3.12.0"));
        Assert.Equal((CheckStatus.Skip, Concern.None), (r.Status, r.Concern));
        Assert.DoesNotContain("C2", r.Summary, StringComparison.Ordinal);
        Assert.Contains("cgleak doctor --probe", r.Commands());
    }

    [Fact]
    public void How_each_count_was_got_is_evidence() =>
        Assert.Contains(
            "IDs in use: the live count; IDs are released at offline and no swap area holds them (I5, /proc/swaps)",
            WithLive(100).Evidence);

    [Fact]
    public void A_bounded_probe_reports_the_share_of_the_limit_it_proves()
    {
        var probe = new HeadroomProbe(1000, 45_535, Exact: false, Refusal: null);
        CheckResult r = Check<IdHeadroomCheck>(Running("3.12.0"), probe);
        Assert.Equal(("headroom.at-most", 20_000L), (r.Said!.Key, r.Said.Args[0]));
        Assert.Equal(20_000 / 65_535.0, r.Said.Args[2]);
    }

    [Theory]
    [InlineData(El7Old, "headroom.uncounted")]   // 3.10 hides zombies (C2): only a probe can tell
    [InlineData("3.12.0", "headroom.unknown")]
    public void Unknown_ids_say_why(string release, string key) =>
        Assert.Equal(key, Check<IdHeadroomCheck>(Running(release)).Said!.Key);
}
