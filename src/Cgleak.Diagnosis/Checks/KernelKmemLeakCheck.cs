using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// kernel.kmem-leak: does this kernel family lose IDs to kmem-pinned zombies (L1, L2, I5, C2; 3.10 el7 included).
/// </summary>
public sealed class KernelKmemLeakCheck : ICheck
{
    public const string CheckId = "kernel.kmem-leak";

    public string Id => CheckId;

    public string Facts => "L1, L2, I5, C2";

    public string Title => "kernel family loses memory cgroup IDs to kmem-pinned zombies";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        if (f.Kernel is not { } k || f.Facts.Kernel is not { } release)
        {
            return new CheckResult(Id, Title, CheckStatus.Error, new Message("kernel.unreadable"), [], []);
        }

        var evidence = new List<Message> {
            new("evidence.read", release.Source, release.Value.Text),
            new("evidence.family", k.Family) };
        if (f.Facts.Layout.Memory == Host.Cgroups.MemoryHierarchy.V2)
        {
            evidence.Add(new Message("evidence.v2"));
        }

        if (k.KmemLimitFileGone && k.LeaksIdsViaKmem == false)
        {
            evidence.Add(new Message("evidence.read", release.Value.Text, k.KmemLimitWriteSaid));
            return new CheckResult(Id, Title, CheckStatus.Warn,
                new Message("kernel.kmem-file-gone"),
                evidence,
                [Remediation.Say(new Message("kernel.fix.kmem-file-back"),
                    "uname -r", "runc --version", "kubelet --version")]);
        }

        switch (k.LeaksIdsViaKmem)
        {
            case false:
                var why = new Message(
                    k.ReleasesIdAtOffline == true ? "kernel.releases-at-offline" : "kernel.no-kmem-before-3.8");
                return new CheckResult(Id, Title, CheckStatus.Pass, new Message("kernel.no-loss", why), evidence, []);
            case null:
                return new CheckResult(Id, Title, f.NokmemEffective ? CheckStatus.Pass : CheckStatus.Warn,
                    new Message(f.NokmemEffective ? "kernel.unknown-but-nokmem" : "kernel.unknown-sentence",
                        k.Unknown ?? new Message("kernel.unknown.generic")),
                    evidence, f.NokmemEffective ? [] : [Remediations.KernelArgument(f)]);
            default:
                if (f.NokmemEffective)
                {
                    return new CheckResult(Id, Title, CheckStatus.Pass,
                        new Message("kernel.leaks-but-nokmem"), evidence, []);
                }

                return new CheckResult(Id, Title, CheckStatus.Warn,
                    new Message("kernel.leaks"),
                    evidence, [Remediations.KernelArgument(f)]);
        }
    }
}
