namespace Cgleak.Diagnosis.Checks;

/// <summary>kernel.kmem-leak: does this kernel family lose IDs to kmem-pinned zombies (L1, L2, I5, C2; 3.10 el7 included).</summary>
public sealed class KernelKmemLeakCheck : ICheck
{
    public string Id => "kernel.kmem-leak";

    public string Title => "kernel family loses memory cgroup IDs to kmem-pinned zombies";

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

        if (k.KmemLimitWriteNote is { } note)
        {
            evidence.Add($"{release.Value.Text}: {note}");
        }

        if (k.KmemLimitFileGone && k.LeaksIdsViaKmem == false)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn,
                "This kernel does not lose memory cgroup IDs to kmem (I5), but it has no memory.kmem.limit_in_bytes (L13): runc before 1.1.10 "
                + "cannot read cgroup stats, so kubelets that vendor it do not start, and runc rc93 and older cannot create containers (R16, K10).",
                evidence,
                [Remediation.Say("Boot a kernel where the file is back as a no-op (6.1.55+, 6.5.5+, 6.6+: L14), or move runc to 1.1.10+ and kubelet to a release that vendors it.",
                    "uname -r", "runc --version", "kubelet --version")]);
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
                    (k.Unknown ?? "Whether this kernel loses memory cgroup IDs to kmem is unknown")
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
