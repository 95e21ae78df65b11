using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Checks;

/// <summary>kubelet.kmem: kubelet 1.8 to 1.21.1 with the cgroupfs driver on cgroup v1 enables kmem (K1-K9).</summary>
public sealed class KubeletKmemCheck : ICheck
{
    public string Id => "kubelet.kmem";

    public string Title => "kubelet enables kernel-memory accounting on pod cgroups";

    public CheckResult Run(Findings f)
    {
        ComponentFact? kubelet = f.Facts.Component("kubelet");
        if (kubelet is null || (kubelet.VersionText is null && kubelet.BinaryPath is null))
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "kubelet was not found on this host.", [], []);
        }

        var evidence = new List<string> { $"{kubelet.Source}: {kubelet.VersionText ?? "version unknown"}" };
        if (f.Facts.KubeletDriver is { } driver)
        {
            evidence.Add($"cgroup driver: {driver.Source}");
        }

        ComponentVersion? version = ComponentVersion.Find(kubelet.VersionText);
        if (version is null || ComponentRules.KubeletRule(version) is not { } rule)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "kubelet's version could not be read, so whether it enables kmem is unknown.", evidence, []);
        }

        evidence.Add($"kubelet {version}: {RuncCheck.Describe(rule.Behaviour)} with the cgroupfs driver ({rule.Rows})");
        if (rule.Behaviour != KmemBehaviour.EnablesImplicitly)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                rule.Behaviour == KmemBehaviour.Ignores
                    ? $"kubelet {version} vendors a runc that ignores kmem (K7)."
                    : $"kubelet {version} predates implicit kmem enabling (K3).", evidence, []);
        }

        if (f.Facts.KubeletDriver?.Driver == "systemd")
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                $"kubelet {version} uses the systemd cgroup driver, which does not enable kmem implicitly (K2).", evidence, []);
        }

        if (f.Facts.Layout.Memory != MemoryHierarchy.V1)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass, $"kubelet {version} enables kmem only on cgroup v1; the memory controller here is not on v1 (K9).", evidence, []);
        }

        string sentence = $"kubelet {version} with the cgroupfs driver enables kmem accounting on the kubepods, QoS and pod cgroups it creates, and their children inherit it (K1, K9).";
        return f.KernelExposed
            ? new CheckResult(Id, Title, CheckStatus.Fail, sentence + " On this kernel that leaks memory cgroup IDs.", evidence,
                [Remediations.Kubelet(f, version.ToString()), Remediations.KernelArgument(f)], Concern.AtRisk)
            : new CheckResult(Id, Title, CheckStatus.Info, sentence + " This kernel does not lose IDs to it.", evidence, []);
    }
}
