using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// runtime.runc: runc rc2-rc93 enables kmem implicitly unless built nokmem; rc94+ ignores kmem (R1-R11).
/// </summary>
public sealed class RuncCheck : ICheck
{
    public const string CheckId = "runtime.runc";

    public string Id => CheckId;

    public string Facts => "R1-R11";

    public string Title => "runc enables kernel-memory accounting";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        ComponentFact? runc = f.Facts.Component("runc");
        if (runc is null || (runc.VersionText is null && runc.BinaryPath is null))
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("runc.not-found"), [], []);
        }

        var evidence = new List<Message> { new(
            "evidence.read",
            Message.Of(runc.Said),
            (object?)runc.VersionText ?? new Message("evidence.version-unknown")) };
        if (runc.BinaryPath is not null)
        {
            evidence.Add(new Message("evidence.runc-fingerprint", runc.BinaryPath, Fingerprint(runc.Build)));
        }

        ComponentVersion? version = ComponentVersion.Find(runc.VersionText);
        if (version is null && InferFromContainerd(f.Facts) is { } inferred)
        {
            evidence.Add(new Message("evidence.runc-inferred", inferred.From));
            version = inferred.Version;
        }

        VersionRule? rule = version is null ? null : ComponentRules.RuncRule(version);
        bool enables;
        Message sentence;
        if (runc.Build == RuncBuild.Nokmem)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, new Message("runc.nokmem-build"), evidence, []);
        }

        if (rule is null)
        {
            if (runc.Build != RuncBuild.Kmem)
            {
                return new CheckResult(Id, Title, CheckStatus.Skip, new Message("runc.version-unknown"), evidence, []);
            }

            enables = true;
            sentence = new Message("runc.kmem-build");
        }
        else
        {
            evidence.Add(new Message("evidence.runc-rule", version, Describe(rule.Behaviour), rule.Rows));
            enables = rule.Behaviour == KmemBehaviour.EnablesImplicitly;
            sentence = rule.Behaviour switch
            {
                KmemBehaviour.Ignores => new Message("runc.ignores", version),
                KmemBehaviour.OnlyWhenAsked => new Message("runc.only-when-asked", version),
                _ => new Message(version! >= ComponentRules.FirstNokmemCapableRunc
                    ? "runc.enables-unless-nokmem"
                    : "runc.enables-pre-nokmem", version),
            };
        }

        if (!enables)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, []);
        }

        if (f.Kernel?.KmemLimitWriteSaid is { } note)
        {
            evidence.Add(new Message("evidence.read", f.KernelRelease!.Text, note));
        }

        return f.KernelExposed
            ? CheckResult.LeaksHere(
                Id, Title, sentence, evidence, [Remediations.Runc(f), Remediations.KernelArgument(f)])
            : CheckResult.HarmlessHere(Id, Title, sentence, evidence);
    }

    /// <summary>
    /// Where runc's version cannot be read (a host tree; containerd.io ships runc inside its package), the runc
    /// that containerd's release pins stands in for it (D8, D10). Pins before rc6 are rc5-era commits.
    /// The report's header shows the same, so header and check agree.
    /// </summary>
    public static (ComponentVersion Version, Message From)? InferFromContainerd(HostFacts facts)
    {
        if (facts.Component("containerd")?.VersionText is not { } text
            || ComponentVersion.Find(text) is not { } containerd
            || ComponentRules.ContainerdPin(containerd) is not { } pin)
        {
            return null;
        }

        return (pin.RuncVersion ?? ComponentVersion.Of(1, 0, 0, 5), new Message(
            "runc.inferred-from",
            containerd,
            pin.Runc));
    }

    internal static Message Describe(KmemBehaviour b) => new(b switch
    {
        KmemBehaviour.Ignores => "evidence.behaviour.ignores",
        KmemBehaviour.OnlyWhenAsked => "evidence.behaviour.when-asked",
        _ => "evidence.behaviour.implicit",
    });

    private static Message Fingerprint(RuncBuild b) => new(b switch
    {
        RuncBuild.Nokmem => "evidence.fingerprint.nokmem",
        RuncBuild.Kmem => "evidence.fingerprint.kmem",
        _ => "evidence.fingerprint.none",
    });
}
