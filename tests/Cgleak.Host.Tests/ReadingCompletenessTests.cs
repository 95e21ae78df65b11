using Cgleak.Host.Components;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;
using Cgleak.Testing;

namespace Cgleak.Host.Tests;

/// <summary>
/// Issue #13, reading completeness: evidence where real nodes keep it (rotations, compressed logs, binary installs).
/// </summary>
public class ReadingCompletenessTests
{
    private static readonly HostRoot Rotated = HostRoot.At(Repo.Fixture("el7-rotated-logs-binary-kubelet"));

    [Fact]
    public void Package_versions_come_from_a_rotated_yum_log_and_name_it()
    {
        var survey = new ComponentSurvey(Rotated);
        IReadOnlyList<ComponentFact> found = survey.Survey();
        ComponentFact docker = found.Single(c => c.Name == "docker");
        Assert.Equal(("19.03.13-3.el7", "/var/log/yum.log-20210101 (docker-ce)"), (docker.VersionText, docker.Source));
        Assert.Equal("1.3.7-3.1.el7", found.Single(c => c.Name == "containerd").VersionText);
        Assert.Equal("/usr/local/bin/kubelet", found.Single(c => c.Name == "kubelet").BinaryPath);
        Assert.Empty(survey.Problems);
    }

    [Fact]
    public void The_kubelet_config_is_the_one_its_units_config_flag_names()
    {
        KubeletCgroupDriver? driver = new ComponentSurvey(Rotated).KubeletDriver(kubeletPresent: true);
        Assert.Equal(
            ("systemd", "/etc/kubernetes/kubelet-conf.yml: cgroupDriver: systemd"),
            (driver?.Driver, driver?.Source));
    }

    [Fact]
    public void The_symptom_in_a_gzip_compressed_rotation_is_found()
    {
        SymptomScan scan = new SymptomScanner(Rotated).Scan();
        Assert.Equal(["/var/log/messages", "/var/log/messages-20201122.gz"], scan.LogsRead);
        SymptomSighting mkdir = scan.Sightings.Single(s => s.Symptom == Symptom.MemcgMkdirFailed);
        Assert.Equal(("/var/log/messages-20201122.gz", 2, "Nov 19 09:41:17"), (mkdir.Log, mkdir.Count, mkdir.LastSeen));
        Assert.Single(scan.Sightings, s => s.Symptom == Symptom.SlubUnableToAllocate);
        Assert.Empty(scan.Problems);
    }

    [Fact]
    public void Dnf_rpm_log_gives_the_version_installed_last_and_forgets_erased_and_obsoleted_packages()
    {
        // dnf 4's /var/log/dnf.rpm.log (el8, el9): an upgrade logs the new package ("Upgrade:") then the old
        // ("Upgraded:").
        IReadOnlyDictionary<string, string> v = DnfRpmLog.InstalledVersions(
            "2021-03-04T10:11:02+0800 INFO --- logging initialized ---\n" +
            "2021-03-04T10:11:12+0800 SUBDEBUG Installed: runc-1.0.0-64.rc9.module+el8.1.1+5259+bcdd613a.x86_64\n" +
            "2021-03-04T10:13:40+0800 SUBDEBUG Installed: containerd.io-1.4.3-3.1.el8.x86_64\n" +
            "2021-03-04T10:13:41+0800 SUBDEBUG Obsoleted: runc-1.0.0-64.rc9.module+el8.1.1+5259+bcdd613a.x86_64\n" +
            "2021-03-04T10:13:52+0800 SUBDEBUG Installed: docker-ce-3:20.10.5-3.el8.x86_64\n" +
            "2022-01-10T08:00:01+0800 SUBDEBUG Upgrade: containerd.io-1.4.12-3.1.el8.x86_64\n" +
            "2022-01-10T08:00:03+0800 SUBDEBUG Upgraded: containerd.io-1.4.3-3.1.el8.x86_64\n" +
            "2022-01-10T08:01:00+0800 SUBDEBUG Installed: kubelet-1.21.2-0.x86_64\n" +
            "2022-01-11T08:01:00+0800 SUBDEBUG Erase: kubelet-1.21.2-0.x86_64\n");
        Assert.Equal("1.4.12-3.1.el8", v["containerd.io"]);
        Assert.Equal("20.10.5-3.el8", v["docker-ce"]);
        Assert.False(v.ContainsKey("runc"));
        Assert.False(v.ContainsKey("kubelet"));
    }

    [Fact]
    public void A_dnf_host_reads_dnf_rpm_log_and_its_rotation()
    {
        using var t = new ScratchTree();
        t.File(
            "/var/log/dnf.rpm.log.1",
            "2021-03-04T10:13:40+0800 SUBDEBUG Installed: containerd.io-1.4.3-3.1.el8.x86_64\n");
        t.File(
            "/var/log/dnf.rpm.log",
            "2022-01-10T08:00:01+0800 SUBDEBUG Upgrade: containerd.io-1.4.12-3.1.el8.x86_64\n");
        ComponentFact containerd = new ComponentSurvey(t.Host).Survey().Single(c => c.Name == "containerd");
        Assert.Equal(
            ("1.4.12-3.1.el8", "/var/log/dnf.rpm.log (containerd.io)"),
            (containerd.VersionText, containerd.Source));
    }

    [Theory]
    [InlineData("3:18.09.0-3.el7", "18.09.0")]
    [InlineData("Docker version 18.09.0, build 4d60db4", "18.09.0")]
    [InlineData("runc version 1.0.0-rc93", "1.0.0-rc93")]
    [InlineData("Kubernetes v1.21.1", "1.21.1")]
    [InlineData("no version", null)]
    public void A_version_is_shown_as_its_source_spells_it(string text, string? shown) =>
        Assert.Equal(shown, ComponentVersion.FindText(text));
}
