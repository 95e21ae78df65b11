using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>kubelet.kmem: kubelet 1.8 to 1.21.1 with the cgroupfs driver on cgroup v1 enables kmem (K1-K9).</summary>
public sealed class KubeletKmemCheck : ICheck
{
    public const string CheckId = "kubelet.kmem";

    public string Id => CheckId;

    public string Facts => "K1-K9";

    public string Title => "kubelet enables kernel-memory accounting on pod cgroups";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        ComponentFact? kubelet = f.Facts.Component("kubelet");
        if (kubelet is null || (kubelet.VersionText is null && kubelet.BinaryPath is null))
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("kubelet.not-found"), [], []);
        }

        var evidence = new List<Message> { new(
            "evidence.read",
            Message.Of(kubelet.Said),
            (object?)kubelet.VersionText ?? new Message("evidence.version-unknown")) };
        if (f.Facts.KubeletDriver is { } driver)
        {
            evidence.Add(new Message("evidence.cgroup-driver", Message.Of(driver.Said)));
        }

        ComponentVersion? version = ComponentVersion.Find(kubelet.VersionText);
        if (version is null || ComponentRules.KubeletRule(version) is not { } rule)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("kubelet.version-unknown"), evidence, []);
        }

        evidence.Add(new Message("evidence.kubelet-rule", version, RuncCheck.Describe(rule.Behaviour), rule.Rows));
        if (rule.Behaviour != KmemBehaviour.EnablesImplicitly)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                rule.Behaviour == KmemBehaviour.Ignores
                    ? new Message("kubelet.ignores", version)
                    : new Message("kubelet.predates", version), evidence, []);
        }

        if (f.Facts.KubeletDriver?.Driver == "systemd")
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                new Message("kubelet.systemd", version), evidence, []);
        }

        if (f.Facts.Layout.Memory != MemoryHierarchy.V1)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, new Message("kubelet.not-v1", version), evidence, []);
        }

        var sentence = new Message("kubelet.enables", version);
        return f.KernelExposed
            ? CheckResult.LeaksHere(
                Id, Title, sentence, evidence,
                [Remediations.Kubelet(f, version.ToString()), Remediations.KernelArgument(f)])
            : CheckResult.HarmlessHere(Id, Title, sentence, evidence);
    }
}
