using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.Diagnosis;

/// <summary>
/// The memory-cgroup counts of one host. Null means the kernel cannot tell (3.10 hides zombies, C2)
/// or the host did not say; never a made-up 0. <see cref="Basis"/> says how each derived number was got.
/// </summary>
public sealed record MemcgCounts(
    long Limit, long? Reported, long? Live, long? Dying, long? IdsInUse, IReadOnlyList<CountBasis> Basis)
{
    public double? IdsInUseRatio => IdsInUse is { } used ? (double)used / Limit : null;

    /// <summary>
    /// An upper bound on IDs in use where the exact number is unknown (a bounded probe), else IdsInUse.
    /// </summary>
    public long? IdsInUseAtMost { get; init; }

    /// <summary>
    /// A lower bound on IDs in use, else null: IdsInUse where known; where the kernel counts live memcgs only (3.10,
    /// C2),
    /// /proc/cgroups num_cgroups, because zombies hold IDs on top of it; else the live count (every live memcg holds
    /// one).
    /// </summary>
    public long? IdsInUseAtLeast { get; init; }

    public double? IdsInUseAtLeastRatio => IdsInUseAtLeast is { } least ? (double)least / Limit : null;

    /// <summary>
    /// The counts from what the host said, the kernel's traits, and a headroom probe's result if one ran.
    /// </summary>
    public static MemcgCounts From(HostFacts facts, KernelTraits? kernel, HeadroomProbe? probe = null)
    {
        var basis = new List<CountBasis>();
        long? reported = facts.MemoryRow?.Value.NumCgroups;
        long? live = null, dying = null, ids = null;
        CgroupLayout layout = facts.Layout;

        if (facts.Tree is { } tree)
        {
            if (layout.Memory == MemoryHierarchy.V2)
            {
                live = tree.MemoryEnabled;
                basis.Add(new(CountOf.Live, new Message("basis.live.v2", live, layout.MemoryMountPoint)));
            }
            else if (layout.MemoryMountShowsWholeHierarchy)
            {
                live = tree.Directories;
                basis.Add(new(CountOf.Live, new Message("basis.live.v1", live, layout.MemoryMountPoint)));
            }
            else
            {
                basis.Add(new(
                    CountOf.Live,
                    new Message("basis.live.subtree", layout.MemoryMountPoint, layout.MemoryMountRoot)));
            }
        }

        if (layout.Memory == MemoryHierarchy.V2)
        {
            IReadOnlyDictionary<string, long>? stat = facts.RootCgroupStat?.Value;
            if (stat is not null && stat.TryGetValue("nr_dying_subsys_memory", out long memoryDying))
            {
                dying = memoryDying;
                basis.Add(
                    new(CountOf.Dying, new Message("basis.dying.subsys", facts.RootCgroupStat!.Source, memoryDying)));
            }
            else if (stat is not null && stat.TryGetValue("nr_dying_descendants", out long allDying))
            {
                dying = allDying;
                basis.Add(
                    new(CountOf.Dying, new Message("basis.dying.descendants", facts.RootCgroupStat!.Source, allDying)));
            }
            else
            {
                basis.Add(new(CountOf.Dying, new Message("basis.dying.no-stat")));
            }
        }
        else if (kernel?.CountsDying == true && reported is { } r && live is { } l)
        {
            dying = Math.Max(0, r - l);
            basis.Add(new(CountOf.Dying, new Message("basis.dying.counted", r, l)));
        }
        else if (kernel?.CountsDying == false)
        {
            basis.Add(new(CountOf.Dying, new Message("basis.dying.uncounted")));
        }
        else if (kernel is not null && reported is not null && live is not null)
        {
            basis.Add(new(CountOf.Dying, new Message("basis.dying.unknown")));
        }

        long? upperBoundOnly = null; // set where ids is an upper bound: the lower bound is then the live count
        switch (kernel?.ReleasesIdAtOffline)
        {
            case true when live is { } l:
                if (facts.SwapActive?.Value == false)
                {
                    ids = l;
                    basis.Add(new(CountOf.Ids, new Message("basis.ids.live-no-swap", facts.SwapActive.Source)));
                }
                else if (dying is { } d)
                {
                    ids = l + d;
                    upperBoundOnly = l;
                    basis.Add(new(CountOf.Ids, new Message("basis.ids.upper-bound")));
                }
                else
                {
                    ids = l;
                    basis.Add(new(CountOf.Ids, new Message("basis.ids.lower-bound")));
                }

                break;
            case false when layout.Memory == MemoryHierarchy.V1 && kernel.CountsDying == true && reported is { } r:
                ids = r;
                basis.Add(new(CountOf.Ids, new Message("basis.ids.counted")));
                break;
            case false when kernel.CountsDying == false:
                basis.Add(new(CountOf.Ids, new Message("basis.ids.unknown")));
                break;
            default:
                break;
        }

        if (probe is not null)
        {
            if (probe.Exact)
            {
                ids = MemcgIdSpace.Limit - probe.FreeSlots;
                var said = new Message("basis.ids.probe", MemcgIdSpace.Limit, probe.FreeSlots, probe.Refusal);
                basis.Add(new(CountOf.Ids, said));
            }
            else
            {
                basis.Add(new(CountOf.Probe, new Message(
                    "basis.probe.bounded",
                    probe.FreeSlots,
                    probe.Created,
                    MemcgIdSpace.Limit - probe.FreeSlots)));
            }
        }

        long? atLeast = probe is { Exact: true } ? ids : upperBoundOnly ?? ids;
        if (atLeast is null && kernel?.CountsDying == false && layout.Memory == MemoryHierarchy.V1
            && reported is { } counted)
        {
            atLeast = Math.Max(counted, live ?? 0);
            basis.Add(new(CountOf.Ids, new Message("basis.ids.at-least", atLeast)));
        }
        else if (atLeast is null && live is { } l)
        {
            atLeast = l;
        }

        return new MemcgCounts(MemcgIdSpace.Limit, reported, live, dying, ids, basis)
        {
            IdsInUseAtMost = ids ?? (probe is { Exact: false } ? MemcgIdSpace.Limit - probe.FreeSlots : null),
            IdsInUseAtLeast = atLeast,
        };
    }
}

/// <summary>Which number a line of the basis explains.</summary>
public enum CountOf
{
    Live,
    Dying,
    Ids,
    Probe,
}

/// <summary>
/// How one of the counts was got (a message: keys basis.live.*, basis.dying.*, basis.ids.*, basis.probe.*).
/// </summary>
public sealed record CountBasis(CountOf Of, Message Said)
{
    /// <summary>The English, as the JSON's "basis" carries it.</summary>
    public override string ToString() => Said.ToString();
}
