using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.Diagnosis;

/// <summary>
/// The memory-cgroup counts of one host. Null means the kernel cannot tell (3.10 hides zombies, C2)
/// or the host did not say; never a made-up 0. <see cref="Basis"/> says how each derived number was got.
/// </summary>
public sealed record MemcgCounts(long Limit, long? Reported, long? Live, long? Dying, long? IdsInUse, IReadOnlyList<string> Basis)
{
    /// <summary>The ID limit: MEM_CGROUP_ID_MAX = 65535, v1 and v2 alike, the root included (I1, I3).</summary>
    public const long IdLimit = 65535;

    public double? IdsInUseRatio => IdsInUse is { } used ? (double)used / Limit : null;

    /// <summary>An upper bound on IDs in use where the exact number is unknown (a bounded probe), else IdsInUse.</summary>
    public long? IdsInUseAtMost { get; init; }

    /// <summary>
    /// A lower bound on IDs in use, else null: IdsInUse where known; where the kernel counts live memcgs only (3.10, C2),
    /// /proc/cgroups num_cgroups, because zombies hold IDs on top of it; else the live count (every live memcg holds one).
    /// </summary>
    public long? IdsInUseAtLeast { get; init; }

    public double? IdsInUseAtLeastRatio => IdsInUseAtLeast is { } least ? (double)least / Limit : null;

    public static MemcgCounts From(HostFacts facts, KernelTraits? kernel)
    {
        var basis = new List<string>();
        long? reported = facts.MemoryRow?.Value.NumCgroups;
        long? live = null, dying = null, ids = null;
        CgroupLayout layout = facts.Layout;

        if (facts.Tree is { } tree)
        {
            if (layout.Memory == MemoryHierarchy.V2)
            {
                live = tree.MemoryEnabled;
                basis.Add($"live: {live} cgroups with the memory controller under {layout.MemoryMountPoint}, the root included");
            }
            else if (layout.MemoryMountShowsWholeHierarchy)
            {
                live = tree.Directories;
                basis.Add($"live: {live} directories under {layout.MemoryMountPoint}, the root included");
            }
            else
            {
                basis.Add($"live: unknown: {layout.MemoryMountPoint} shows only the subtree {layout.MemoryMountRoot} of the hierarchy");
            }
        }

        if (layout.Memory == MemoryHierarchy.V2)
        {
            IReadOnlyDictionary<string, long>? stat = facts.RootCgroupStat?.Value;
            if (stat is not null && stat.TryGetValue("nr_dying_subsys_memory", out long memoryDying))
            {
                dying = memoryDying;
                basis.Add($"dying: {facts.RootCgroupStat!.Source} nr_dying_subsys_memory={memoryDying} (C5)");
            }
            else if (stat is not null && stat.TryGetValue("nr_dying_descendants", out long allDying))
            {
                dying = allDying;
                basis.Add($"dying: {facts.RootCgroupStat!.Source} nr_dying_descendants={allDying}, dying cgroups of every controller (C4)");
            }
            else
            {
                basis.Add("dying: unknown: the root cgroup.stat has no nr_dying_descendants (kernels before 4.14, C4)");
            }
        }
        else if (kernel?.CountsDying == true && reported is { } r && live is { } l)
        {
            dying = Math.Max(0, r - l);
            basis.Add($"dying: /proc/cgroups num_cgroups {r} - live {l}: this kernel counts dying cgroups (C1)");
        }
        else if (kernel?.CountsDying == false)
        {
            basis.Add("dying: unknown: this kernel does not count zombie memory cgroups in /proc/cgroups (C2)");
        }
        else if (kernel is not null && reported is not null && live is not null)
        {
            basis.Add("dying: unknown: whether this kernel counts dying cgroups in /proc/cgroups is not known (C1)");
        }

        long? upperBoundOnly = null; // set where ids is an upper bound: the lower bound is then the live count
        switch (kernel?.ReleasesIdAtOffline)
        {
            case true when live is { } l:
                if (facts.SwapActive?.Value == false)
                {
                    ids = l;
                    basis.Add($"IDs in use: the live count; IDs are released at offline and no swap area holds them (I5, {facts.SwapActive.Source})");
                }
                else if (dying is { } d)
                {
                    ids = l + d;
                    upperBoundOnly = l;
                    basis.Add("IDs in use: live + dying, an upper bound: with swap on, a dying memcg keeps its ID while swap records name it (I5)");
                }
                else
                {
                    ids = l;
                    basis.Add("IDs in use: the live count, a lower bound: swap may hold IDs of dying memcgs (I5)");
                }

                break;
            case false when layout.Memory == MemoryHierarchy.V1 && kernel.CountsDying == true && reported is { } r:
                ids = r;
                basis.Add("IDs in use: /proc/cgroups num_cgroups: dying memcgs keep their IDs on this kernel and are counted (C1, I5)");
                break;
            case false when kernel.CountsDying == false:
                basis.Add("IDs in use: unknown: zombie memcgs hold IDs but this kernel does not count them (C2); only a headroom probe can tell");
                break;
            default:
                break;
        }

        if (facts.Probe is { } probe)
        {
            if (probe.Exact)
            {
                ids = IdLimit - probe.FreeSlots;
                basis.Add($"IDs in use: {IdLimit} - {probe.FreeSlots} free slots a probe found before the kernel refused ({probe.Refusal}); kernels before ~5.18 allow one ID fewer (I2)");
            }
            else
            {
                basis.Add($"probe: at least {probe.FreeSlots} free slots (stopped at its bound after {probe.Created} cgroups): at most {IdLimit - probe.FreeSlots} IDs in use");
            }
        }

        long? atLeast = facts.Probe is { Exact: true } ? ids : upperBoundOnly ?? ids;
        if (atLeast is null && kernel?.CountsDying == false && layout.Memory == MemoryHierarchy.V1 && reported is { } counted)
        {
            atLeast = Math.Max(counted, live ?? 0);
            basis.Add($"IDs in use: at least {atLeast}, /proc/cgroups num_cgroups: this kernel counts live memcgs only and zombies hold IDs on top (C2)");
        }
        else if (atLeast is null && live is { } l)
        {
            atLeast = l;
        }

        return new MemcgCounts(IdLimit, reported, live, dying, ids, basis)
        {
            IdsInUseAtMost = ids ?? (facts.Probe is { Exact: false } p ? IdLimit - p.FreeSlots : null),
            IdsInUseAtLeast = atLeast,
        };
    }
}
