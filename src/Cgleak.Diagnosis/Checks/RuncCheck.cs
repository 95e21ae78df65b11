using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Components;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>runtime.runc: runc rc2-rc93 enables kmem implicitly unless built nokmem; rc94+ ignores kmem (R1-R11).</summary>
public sealed class RuncCheck : ICheck
{
    public string Id => "runtime.runc";

    public string Title => "runc enables kernel-memory accounting";

    public CheckResult Run(Findings f)
    {
        ComponentFact? runc = f.Facts.Component("runc");
        if (runc is null || (runc.VersionText is null && runc.BinaryPath is null))
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "runc was not found on this host.", [], []);
        }

        var evidence = new List<string> { $"{runc.Source}: {runc.VersionText ?? "version unknown"}" };
        if (runc.BinaryPath is not null)
        {
            evidence.Add($"{runc.BinaryPath}: build fingerprint {Fingerprint(runc.Build)} (R11)");
        }

        ComponentVersion? version = ComponentVersion.Find(runc.VersionText) ?? InferFromContainerd(f, evidence);
        VersionRule? rule = version is null ? null : ComponentRules.RuncRule(version);
        bool enables;
        string sentence;
        if (runc.Build == RuncBuild.Nokmem)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, "This runc was built with the nokmem tag: it never enables kmem accounting (R5, R11).", evidence, []);
        }

        if (rule is null)
        {
            if (runc.Build != RuncBuild.Kmem)
            {
                return new CheckResult(Id, Title, CheckStatus.Skip, "runc's version could not be read, so whether it enables kmem is unknown.", evidence, []);
            }

            enables = true;
            sentence = "This runc carries the kmem code (R11: rc7-rc93 built without nokmem): it enables kmem accounting on every memory cgroup it creates.";
        }
        else
        {
            evidence.Add($"runc {version}: {Describe(rule.Behaviour)} ({rule.Rows})");
            enables = rule.Behaviour == KmemBehaviour.EnablesImplicitly;
            sentence = rule.Behaviour switch
            {
                KmemBehaviour.Ignores => $"runc {version} ignores kernel-memory settings (R8).",
                KmemBehaviour.OnlyWhenAsked => $"runc {version} writes a kmem limit only when one is asked for (R1).",
                _ => $"runc {version} enables kmem accounting on every memory cgroup it creates with the cgroupfs driver (R2, R9)"
                    + (version! >= ComponentRules.FirstNokmemCapableRunc ? ", unless built with the nokmem tag, which its strings do not show." : "; it predates the nokmem tag (R5)."),
            };
        }

        if (!enables)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, []);
        }

        if (f.Kernel?.KmemLimitWriteNote is { } note)
        {
            evidence.Add($"{f.KernelRelease!.Text}: {note}");
        }

        return f.KernelExposed
            ? new CheckResult(Id, Title, CheckStatus.Fail, sentence + " On this kernel that leaks memory cgroup IDs.", evidence,
                [Remediations.Runc(f), Remediations.KernelArgument(f)], Concern.AtRisk)
            : new CheckResult(Id, Title, CheckStatus.Info, sentence + " This kernel does not lose IDs to it.", evidence, []);
    }

    /// <summary>
    /// Where runc's version cannot be read (a host tree; containerd.io ships runc inside its package), the runc
    /// that containerd's release pins stands in for it (D8, D10). Pins before rc6 are rc5-era commits.
    /// </summary>
    private static ComponentVersion? InferFromContainerd(Findings f, List<string> evidence)
    {
        if (f.Facts.Component("containerd")?.VersionText is not { } text
            || ComponentVersion.Find(text) is not { } containerd
            || ComponentRules.ContainerdPin(containerd) is not { } pin)
        {
            return null;
        }

        evidence.Add($"runc's version inferred from containerd {containerd}, which pins runc {pin.Runc} (D8, D10)");
        return pin.RuncVersion ?? ComponentVersion.Of(1, 0, 0, 5);
    }

    internal static string Describe(KmemBehaviour b) => b switch
    {
        KmemBehaviour.Ignores => "ignores kmem",
        KmemBehaviour.OnlyWhenAsked => "kmem only when asked",
        _ => "enables kmem implicitly",
    };

    private static string Fingerprint(RuncBuild b) => b switch
    {
        RuncBuild.Nokmem => "nokmem (\"kernel memory accounting disabled in this runc build\")",
        RuncBuild.Kmem => "kmem (\"kernel memory accounting not supported by this kernel\")",
        _ => "none found",
    };
}
