using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Components;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>runtime.containerd: containerd's version and the runc it pins (D8, D9; el7 packaging D4-D6).</summary>
public sealed class ContainerdCheck : ICheck
{
    public const string CheckId = "runtime.containerd";

    public string Id => CheckId;

    public string Facts => "D4-D10";

    public string Title => "containerd and the runc it pins";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        ComponentFact? containerd = f.Facts.Component("containerd");
        if (containerd?.VersionText is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                new Message(
                    containerd?.BinaryPath is null ? "containerd.not-found" : "containerd.version-unknown"), [], []);
        }

        var evidence = new List<Message> { new("evidence.read", Message.Of(containerd.Said), containerd.VersionText) };
        ComponentVersion? version = ComponentVersion.Find(containerd.VersionText);
        ContainerdPin? pin = version is null ? null : ComponentRules.ContainerdPin(version);
        if (version is null || pin is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                new Message("containerd.no-pin", version?.ToString() ?? containerd.VersionText), evidence, []);
        }

        evidence.Add(new Message("evidence.containerd-pins", version, pin.Runc));
        if (pin.RuncVersion is { } runc && runc >= ComponentRules.SafeRunc)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                new Message("containerd.pins-safe", version, pin.Runc), evidence, []);
        }

        bool runcKnown = f.Facts.Component("runc") is { } r
            && (ComponentVersion.Find(r.VersionText) is not null || r.Build != RuncBuild.Unknown);
        var sentence = new Message(
            pin.NokmemPossible ? "containerd.pins-kmem-nokmem-possible" : "containerd.pins-kmem",
            version,
            pin.Runc);
        if (runcKnown)
        {
            return new CheckResult(
                Id, Title, CheckStatus.Info,
                new Message("join.sentences", sentence, new Message("containerd.runc-judged")), evidence, []);
        }

        return f.KernelExposed
            ? new CheckResult(
                Id, Title, CheckStatus.Warn,
                new Message("join.sentences", sentence, new Message("containerd.runc-unjudged")), evidence,
                [Remediations.Runc(f)], Concern.AtRisk)
            : CheckResult.HarmlessHere(Id, Title, sentence, evidence);
    }
}
