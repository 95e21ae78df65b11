using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Live, dying and IDs in use, each from what this kernel family makes of the host's files (C1-C5, I5).
/// </summary>
public class MemcgCountsTests
{
    private static MemcgCounts Of(HostFacts facts, HeadroomProbe? probe = null) => new CheckInput(facts, probe).Counts;

    private static IEnumerable<string> English(MemcgCounts c) => c.Basis.Select(b => b.ToString());

    private static HostFacts V2Host(IReadOnlyDictionary<string, long>? stat, bool swap = false) =>
        Running("6.1.0-18-amd64") with
        {
            Layout = V2,
            MemoryRow = Row(500),
            Tree = new CgroupTreeScan(100, 61, [], []),
            RootCgroupStat = stat is null ? null : new(stat, "/sys/fs/cgroup/cgroup.stat"),
            SwapActive = new(swap, "/proc/swaps"),
        };

    [Fact]
    public void On_v1_the_live_ones_are_the_directories_and_the_dying_the_rest_of_num_cgroups()
    {
        MemcgCounts c = Of(Running(Ubuntu54).WithCounts(96, 41_873));
        Assert.Equal((41_969L, 96L, 41_873L, 96L), (c.Reported, c.Live, c.Dying, c.IdsInUse));
        Assert.Contains(English(c),
            b => b.StartsWith("live: 96 directories under /sys/fs/cgroup/memory", StringComparison.Ordinal));
        Assert.Equal(96.0 / 65_535, c.IdsInUseRatio);
        Assert.Equal(65_535, c.Limit);
    }

    [Fact]
    public void Dying_is_never_negative_when_the_tree_grew_after_proc_cgroups_was_read() =>
        Assert.Equal(0, Of(Running(Ubuntu54) with { MemoryRow = Row(8), Tree = Tree(10) }).Dying);

    [Fact]
    public void A_mount_of_a_subtree_cannot_count_the_live_ones()
    {
        HostFacts facts = Running(Ubuntu54) with { Layout = V1 with { MemoryMountRoot = "/kubepods" } };
        MemcgCounts c = Of(facts);
        Assert.Null(c.Live);
        Assert.Null(c.Dying);
        Assert.Contains(English(c), b => b.StartsWith("live: unknown", StringComparison.Ordinal)
            && b.Contains("/kubepods", StringComparison.Ordinal));
    }

    [Fact]
    public void On_v2_the_live_ones_are_the_cgroups_with_the_memory_controller()
    {
        MemcgCounts c = Of(V2Host(new Dictionary<string, long> { ["nr_dying_descendants"] = 120 }));
        Assert.Equal((61L, 120L, 61L), (c.Live, c.Dying, c.IdsInUse));
        Assert.Contains(English(c), b => b.Contains("nr_dying_descendants=120", StringComparison.Ordinal));
    }

    [Fact]
    public void On_v2_the_memory_controllers_own_dying_count_is_preferred()
    {
        MemcgCounts c = Of(V2Host(new Dictionary<string,
            long>
        { ["nr_dying_descendants"] = 120, ["nr_dying_subsys_memory"] = 40 }));
        Assert.Equal(40, c.Dying);
        Assert.Contains(English(c), b => b.Contains("nr_dying_subsys_memory=40 (C5)", StringComparison.Ordinal));
    }

    [Fact]
    public void On_v2_without_the_dying_counts_they_are_unknown()
    {
        Assert.Null(Of(V2Host(new Dictionary<string, long> { ["nr_descendants"] = 60 })).Dying);
        MemcgCounts c = Of(V2Host(null));
        Assert.Null(c.Dying);
        Assert.Contains(English(c), b => b.StartsWith("dying: unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void With_swap_on_dying_memcgs_may_keep_their_ids()
    {
        // Swap-out records keep a dying memcg's ID (I5): live + dying is the upper bound.
        Assert.Equal(181,
            Of(V2Host(new Dictionary<string, long> { ["nr_dying_descendants"] = 120 }, swap: true)).IdsInUse);
        Assert.Equal(181,
            Of(V2Host(new Dictionary<string,
            long>
            { ["nr_dying_descendants"] = 120 }) with
            { SwapActive = null }).IdsInUse);
        MemcgCounts lower = Of(V2Host(null, swap: true));
        Assert.Equal(61, lower.IdsInUse);
        Assert.Contains(English(lower), b => b.Contains("a lower bound", StringComparison.Ordinal));
    }

    [Fact]
    public void Before_4_7_dying_memcgs_keep_their_ids_and_num_cgroups_counts_them()
    {
        MemcgCounts c = Of(Running("4.1.0").WithCounts(100, 900));
        Assert.Equal((1_000L, 900L), (c.IdsInUse, c.Dying));
        Assert.Null(Of(Running("4.1.0").WithCounts(100, 900) with { Layout = V2 }).IdsInUse);
    }

    [Fact]
    public void Where_zombies_are_not_counted_only_a_probe_tells_the_ids_in_use()
    {
        MemcgCounts c = Of(Running(El7Old).WithCounts(42, 3));
        Assert.Equal((45L, 42L), (c.Reported, c.Live));
        Assert.Null(c.Dying);
        Assert.Null(c.IdsInUse);
        Assert.Contains(English(c), b => b.Contains("(C2)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_kernel_not_known_to_count_dying_ones_says_so()
    {
        MemcgCounts c = Of(Running("3.12.0"));
        Assert.Null(c.Dying);
        Assert.Contains(English(c), b => b.StartsWith("dying: unknown", StringComparison.Ordinal)
            && b.Contains("(C1)", StringComparison.Ordinal));
        Assert.DoesNotContain(English(Of(Running("3.12.0") with { MemoryRow = null })),
            b => b.StartsWith("dying", StringComparison.Ordinal));
    }

    [Fact]
    public void An_exact_probe_gives_the_ids_in_use_and_a_bounded_one_an_upper_bound()
    {
        MemcgCounts exact = Of(Running(El7Old), new HeadroomProbe(20_000, 20_000, Exact: true, Refusal: "ENOMEM"));
        Assert.Equal((45_535L, 45_535L), (exact.IdsInUse, exact.IdsInUseAtMost));

        MemcgCounts bounded = Of(Running(El7Old), new HeadroomProbe(1_000, 1_000, Exact: false, Refusal: null));
        Assert.Null(bounded.IdsInUse);
        Assert.Equal(64_535, bounded.IdsInUseAtMost);
        Assert.Contains(
            English(bounded),
            b => b.StartsWith("probe: at least 1000 free slots", StringComparison.Ordinal));

        Assert.Null(Of(Running(El7Old)).IdsInUseAtMost);
        Assert.Equal(10, Of(Running(Ubuntu54)).IdsInUseAtMost);
    }

    [Fact]
    public void Each_count_says_how_it_was_got()
    {
        Assert.Contains(English(Of(V2Host(null))), b => b.StartsWith(
            "live: 61 cgroups with the memory controller under /sys/fs/cgroup",
            StringComparison.Ordinal));
        MemcgCounts el7 = Of(Running(El7Old).WithCounts(42, 3));
        Assert.Contains(
            English(el7),
            b => b.StartsWith("dying: unknown: this kernel does not count", StringComparison.Ordinal));
        Assert.Contains(
            English(el7),
            b => b.StartsWith("IDs in use: unknown: zombie memcgs hold IDs", StringComparison.Ordinal));
        Assert.Contains(
            English(el7),
            b => b.StartsWith("IDs in use: at least 45, /proc/cgroups num_cgroups", StringComparison.Ordinal));
        MemcgCounts swap = Of(Running(Ubuntu54).WithCounts(10, 100) with { SwapActive = new(true, "/proc/swaps") });
        Assert.Equal((110L, 10L), (swap.IdsInUse, swap.IdsInUseAtLeast));
        Assert.Contains(
            English(swap),
            b => b.StartsWith("IDs in use: live + dying, an upper bound", StringComparison.Ordinal));
    }

    [Fact]
    public void Before_4_7_on_a_kernel_that_counts_dying_ones_num_cgroups_is_the_ids_in_use_and_its_lower_bound()
    {
        MemcgCounts c = Of(Running("3.19.0").WithCounts(10, 90));
        Assert.Equal((100L, 100L), (c.IdsInUse, c.IdsInUseAtLeast));
        Assert.Contains(English(c), b => b.StartsWith(
            "IDs in use: /proc/cgroups num_cgroups: dying memcgs keep their IDs",
            StringComparison.Ordinal));
    }

    [Fact]
    public void A_bounded_probe_says_the_upper_bound_it_proves() =>
        Assert.Contains(English(Of(Running("3.12.0"), new HeadroomProbe(1_000, 45_535, Exact: false, Refusal: null))),
            b => b.EndsWith("at most 20000 IDs in use", StringComparison.Ordinal));

    [Fact]
    public void An_exact_probe_is_the_lower_bound_too()
    {
        var probe = new HeadroomProbe(65_000, 65_000, Exact: true, Refusal: "ENOSPC");
        MemcgCounts swap = Of(
            Running(Ubuntu54).WithCounts(10, 100) with { SwapActive = new(true, "/proc/swaps") },
            probe);
        Assert.Equal((535L, 535L), (swap.IdsInUse, swap.IdsInUseAtLeast));
        Assert.Equal(535, Of(Running(El7Old), probe).IdsInUseAtLeast);
    }

    [Fact]
    public void Where_nothing_else_bounds_the_ids_in_use_the_live_ones_do()
    {
        Assert.Equal(10, Of(Running("3.12.0")).IdsInUseAtLeast);
        // 3.10 after the tree grew past /proc/cgroups: the live directories are the larger bound.
        Assert.Equal(12, Of(Running(El7Old) with { MemoryRow = Row(5), Tree = Tree(12) }).IdsInUseAtLeast);
    }

    [Fact]
    public void Each_line_of_the_basis_names_the_count_it_explains()
    {
        var probe = new HeadroomProbe(1_000, 45_535, Exact: false, Refusal: null);
        MemcgCounts[] hosts =
        [
            Of(V2Host(null)), Of(V2Host(new Dictionary<string, long> { ["nr_dying_descendants"] = 120 })),
            Of(Running(El7Old).WithCounts(42, 3)), Of(Running(Ubuntu54).WithCounts(10, 100)),
            Of(Running("3.19.0").WithCounts(10, 90)), Of(Running("3.12.0"), probe),
        ];
        var lines = hosts.SelectMany(c => c.Basis).ToList();
        Assert.Equal(
            [CountOf.Live, CountOf.Dying, CountOf.Ids, CountOf.Probe],
            lines.Select(b => b.Of).Distinct().Order());
        Assert.All(lines, b => Assert.StartsWith(
            $"basis.{b.Of.ToString().ToLowerInvariant()}.", b.Said.Key, StringComparison.Ordinal));
    }
}
