namespace Cgleak.Diagnosis.Checks;

/// <summary>kernel.kmem-leak: does this kernel family lose IDs to kmem-pinned zombies (L1, L2, I5, C2; 3.10 el7 included).</summary>
public sealed class KernelKmemLeakCheck : ICheck
{
    public string Id => "kernel.kmem-leak";

    public string Title => "kernel family loses memory cgroup IDs to kmem-pinned zombies";


    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(Findings f)
    {
        if (f.Kernel is not { } k || f.Facts.Kernel is not { } release)
        {
            return new CheckResult(Id, Title, CheckStatus.Error, "The kernel release could not be read.", [], []);
        }

        var evidence = new List<string> { $"{release.Source}: {release.Value.Text}", $"family: {k.Family}" };
        if (f.Facts.Layout.Memory == Host.Cgroups.MemoryHierarchy.V2)
        {
            evidence.Add("memory controller on cgroup v2: kmem is accounted per object and IDs are released at offline");
        }

        switch (k.LeaksIdsViaKmem)
        {
            case false:
                string why = k.ReleasesIdAtOffline == true
                    ? "IDs are released when a memory cgroup goes offline (I5, 4.7+)."
                    : "no per-cgroup kmem accounting before 3.8 (L1).";
                return new CheckResult(Id, Title, CheckStatus.Pass, $"This kernel does not lose memory cgroup IDs to kmem: {why}", evidence, []);
            case null:
                return new CheckResult(Id, Title, f.NokmemEffective ? CheckStatus.Pass : CheckStatus.Warn,
                    "4.4.y and 4.6.y stable kernels leak IDs unless they carry the backport of the 4.7 fix (I5, moby#24559)"
                    + (f.NokmemEffective ? "; cgroup.memory=nokmem is on, so kmem accounting is off." : "."),
                    evidence, f.NokmemEffective ? [] : [Remediations.KernelArgument(f)]);
            default:
                if (f.NokmemEffective)
                {
                    return new CheckResult(Id, Title, CheckStatus.Pass,
                        "This kernel family leaks IDs through kmem accounting, but cgroup.memory=nokmem is on and honoured.", evidence, []);
                }

                return new CheckResult(Id, Title, CheckStatus.Warn,
                    "This kernel family leaks a memory cgroup ID for every removed cgroup that had kmem accounting on (L1, L2; C2): with runc or kubelet enabling it, each deleted pod loses its slots until a reboot.",
                    evidence, [Remediations.KernelArgument(f)]);
        }
    }
}
