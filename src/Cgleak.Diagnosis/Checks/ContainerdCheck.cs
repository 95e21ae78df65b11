using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Components;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>runtime.containerd: containerd's version and the runc it pins (D8, D9; el7 packaging D4-D6).</summary>
public sealed class ContainerdCheck : ICheck
{
    public string Id => "runtime.containerd";

    public string Title => "containerd and the runc it pins";

    public CheckResult Run(Findings f)
    {
        ComponentFact? containerd = f.Facts.Component("containerd");
        if (containerd?.VersionText is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                containerd?.BinaryPath is null ? "containerd was not found on this host." : "containerd's version could not be read.", [], []);
        }

        var evidence = new List<string> { $"{containerd.Source}: {containerd.VersionText}" };
        ComponentVersion? version = ComponentVersion.Find(containerd.VersionText);
        ContainerdPin? pin = version is null ? null : ComponentRules.ContainerdPin(version);
        if (version is null || pin is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                $"containerd {version?.ToString() ?? containerd.VersionText}: no pinned runc is known for this version (D8).", evidence, []);
        }

        evidence.Add($"containerd {version} pins runc {pin.Runc} (D8)");
        if (pin.RuncVersion is { } runc && runc >= ComponentRules.SafeRunc)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                $"containerd {version} pins runc {pin.Runc}, which ignores kmem settings (D9, R8).", evidence, []);
        }

        bool runcKnown = f.Facts.Component("runc") is { } r && (ComponentVersion.Find(r.VersionText) is not null || r.Build != RuncBuild.Unknown);
        string sentence = $"containerd {version} pins runc {pin.Runc}, which enables kmem accounting"
            + (pin.NokmemPossible ? " unless built nokmem (containerd.io el7 packages are, except builds from 2019-07 to 2020-09, D4-D6)." : " and cannot be built without it (before rc6, R5).");
        if (runcKnown)
        {
            return new CheckResult(Id, Title, CheckStatus.Info, sentence + " runtime.runc judges the runc binary itself.", evidence, []);
        }

        return f.KernelExposed
            ? new CheckResult(Id, Title, CheckStatus.Warn, sentence + " The runc binary could not be judged, and this kernel leaks IDs.", evidence,
                [Remediations.Runc(f)], Concern.AtRisk)
            : new CheckResult(Id, Title, CheckStatus.Info, sentence + " This kernel does not lose IDs to it.", evidence, []);
    }
}
