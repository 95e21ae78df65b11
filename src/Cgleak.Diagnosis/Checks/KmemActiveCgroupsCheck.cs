using Cgleak.Host.Cgroups;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// kmem.active-cgroups: the runbook's verification (memory.kmem.slabinfo fails with EIO when kmem
/// accounting is off, DIGEST section 6), done for every container cgroup (C6, L2, L4).
/// </summary>
public sealed class KmemActiveCgroupsCheck : ICheck
{
    private const int Examples = 5;

    public string Id => "kmem.active-cgroups";

    public string Title => "container cgroups with kernel-memory accounting active";

    public CheckResult Run(Findings f)
    {
        if (f.Facts.Layout.Memory == MemoryHierarchy.V2)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                "cgroup v2 has no per-cgroup kmem files: kernel memory is accounted for every cgroup unless cgroup.memory=nokmem (L4), and IDs are released at offline (I5).", [], []);
        }

        if (f.Facts.Layout.Memory == MemoryHierarchy.None || f.Facts.Tree is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "No memory cgroup hierarchy could be walked.", [], []);
        }

        IReadOnlyList<ContainerCgroupKmem> all = f.ContainerKmem;
        if (all.Count == 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                $"No container cgroups (kubepods*, docker, *containerd*, crio-*) under {f.Facts.Layout.MemoryMountPoint}: nothing to check.", [], []);
        }

        var active = all.Where(c => c.State == KmemState.Active).ToList();
        int off = all.Count(c => c.State == KmemState.Off);
        int inactive = all.Count(c => c.State == KmemState.Inactive);
        int unknown = all.Count(c => c.State == KmemState.Unknown);
        var evidence = new List<string> { $"{all.Count} container cgroups checked: {active.Count} active, {inactive} inactive, {off} off (EIO), {unknown} unreadable" };
        evidence.AddRange(active.Take(Examples).Select(c => $"{c.HostPath}: {c.Evidence}"));
        if (active.Count > Examples)
        {
            evidence.Add($"... and {active.Count - Examples} more with kmem accounting active");
        }

        evidence.AddRange(all.Where(c => c.State == KmemState.Unknown).Take(Examples).Select(c => $"{c.HostPath}: {c.Evidence}"));

        if (active.Count == 0)
        {
            return new CheckResult(Id, Title, unknown > 0 ? CheckStatus.Warn : CheckStatus.Pass,
                $"Kernel-memory accounting is not active on any of the {all.Count} container cgroups{(unknown > 0 ? $"; {unknown} could not be read" : "")}.", evidence, []);
        }

        if (f.KernelExposed)
        {
            return new CheckResult(Id, Title, CheckStatus.Fail,
                $"Kernel-memory accounting is active on {active.Count} of {all.Count} container cgroups, on a kernel that loses their IDs when they are removed: the leak is happening.",
                evidence, [Remediations.KernelArgument(f), Remediations.Runc(f), Remediations.Reboot()], Concern.Affected);
        }

        string why = f.Kernel?.KmemDefaultOn == true
            ? "this kernel accounts kernel memory for every cgroup (L4) and releases IDs at offline (I5): no ID leak"
            : "this kernel does not lose their IDs";
        return new CheckResult(Id, Title, CheckStatus.Info, $"Kernel-memory accounting is active on {active.Count} of {all.Count} container cgroups; {why}.", evidence, []);
    }
}
