using Cgleak.Host.Components;
using Cgleak.Host.Facts;

namespace Cgleak.Host.Tests;

/// <summary>
/// The survey's parts that rest on more than one file: which os-release and release file win when there are two,
/// and when kubelet's cgroup driver is looked for (only with components read, and only where kubelet is found).
/// </summary>
public sealed class HostSurveyPartsTests : IDisposable
{
    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private HostFacts Survey(bool components) =>
        new HostSurvey(_tree.Host, new SurveyOptions { Components = components, Logs = false }).Read();

    [Fact]
    public void Etc_os_release_wins_over_usr_lib_and_centos_release_over_redhat_release()
    {
        _tree.Write("/etc/os-release", "ID=centos\nVERSION_ID=\"7\"\n")
            .Write("/usr/lib/os-release", "ID=rocky\nVERSION_ID=\"9.3\"\n")
            .Write("/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n")
            .Write("/etc/redhat-release", "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n");
        Distribution d = Survey(components: false).Distribution!;
        Assert.Equal(("centos", "7", "CentOS Linux release 7.9.2009 (Core)"), (d.Id, d.VersionId, d.ReleaseFile));
    }

    [Theory]
    [InlineData("/usr/bin/kubelet", "ELF", null, "/usr/bin/kubelet")] // a binary alone
    [InlineData("/var/log/yum.log", "Jan 10 09:12:05 Installed: kubelet-1.16.4-0.x86_64\n", "1.16.4-0", null)]
    public void Kubelet_found_by_its_binary_or_its_package_alone_is_given_its_default_driver(string file, string text,
        string? version, string? binary)
    {
        _tree.Write(file, text);
        HostFacts facts = Survey(components: true);
        ComponentFact kubelet = facts.Component("kubelet")!;
        Assert.Equal((version, binary), (kubelet.VersionText, kubelet.BinaryPath));
        Assert.Equal("cgroupfs", facts.KubeletDriver!.Driver);
    }

    [Fact]
    public void Other_components_found_without_kubelet_give_no_kubelet_driver()
    {
        _tree.Write("/usr/bin/runc", "ELF").Write("/usr/bin/dockerd", "ELF");
        HostFacts facts = Survey(components: true);
        Assert.Equal("/usr/bin/runc", facts.Component("runc")!.BinaryPath);
        Assert.Null(facts.Component("kubelet")!.BinaryPath);
        Assert.Null(facts.Component("podman"));
        Assert.Null(facts.KubeletDriver);
    }

    [Fact]
    public void Without_components_no_driver_is_looked_for_even_where_a_config_sets_one()
    {
        _tree.Write("/usr/bin/kubelet", "ELF").Write("/var/lib/kubelet/config.yaml", "cgroupDriver: systemd\n");
        HostFacts facts = Survey(components: false);
        Assert.Empty(facts.Components);
        Assert.Null(facts.KubeletDriver);
        Assert.Equal("systemd", Survey(components: true).KubeletDriver!.Driver);
    }
}
