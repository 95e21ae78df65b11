using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis;

/// <summary>The host's facts with what the knowledge tables derive from them, computed once for every check.</summary>
public sealed class CheckInput
{
    /// <param name="facts">what the host said.</param>
    /// <param name="probe">a headroom probe's result, when one ran: the counts use it.</param>
    public CheckInput(HostFacts facts, HeadroomProbe? probe = null)
    {
        Facts = facts;
        Kernel = facts.Kernel is { } k ? KernelKnowledge.Of(k.Value) : null;
        Counts = MemcgCounts.From(facts, Kernel, probe);
        NokmemOnCmdline = facts.Cmdline?.Value.HasListOption("cgroup.memory", "nokmem");
        Family = DistroFamilies.Of(facts.Distribution)
            ?? (facts.Kernel?.Value is { IsEl7: true } ? DistroFamilies.El7 : null);
    }

    public HostFacts Facts { get; }

    public KernelTraits? Kernel { get; }

    public KernelRelease? KernelRelease => Facts.Kernel?.Value;

    public MemcgCounts Counts { get; }

    /// <summary>
    /// The distribution family (package manager, boot tools, package names); null when the host does not say.
    /// </summary>
    public DistroFamily? Family { get; }

    /// <summary>cgroup.memory=nokmem on the running command line; null when /proc/cmdline was not read.</summary>
    public bool? NokmemOnCmdline { get; }

    /// <summary>nokmem is on the command line and this kernel honours it (L3, L5).</summary>
    public bool NokmemEffective => NokmemOnCmdline == true && Kernel?.HonoursNokmem == true;

    /// <summary>
    /// The ID leak can happen on this host's kernel: a family that loses IDs to kmem-pinned zombies
    /// (or may, for 4.4/4.6), with the memory controller on cgroup v1, and no effective nokmem.
    /// </summary>
    public bool KernelExposed =>
        Kernel?.LeaksIdsViaKmem != false && Kernel is not null && !NokmemEffective
            && Facts.Layout.Memory != MemoryHierarchy.V2;

    /// <summary>The container cgroups whose kmem state was read (v1 only).</summary>
    public IReadOnlyList<ContainerCgroupKmem> ContainerKmem => Facts.Tree?.Containers ?? [];

    /// <summary>True on Red Hat family hosts (the family table says so), where grubby edits the boot entries.</summary>
    public bool UsesGrubby => Family is { } family
        ? family.Boot == BootTooling.Grubby
        : KernelRelease?.DistroTag is not null;

    public string KernelImage
        => KernelRelease is { } r ? Fix.FixPlanner.Word($"/boot/vmlinuz-{r.Text}") : "/boot/vmlinuz-$(uname -r)";
}
