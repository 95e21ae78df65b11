using Cgleak.Host.Components;

namespace Cgleak.Host.Tests;

/// <summary>
/// ComponentSurvey at its edges on small host trees: which --config counts, drop-ins that are not ".conf", what it
/// says when a directory or file cannot be read, and runc binaries larger than what is searched.
/// </summary>
public sealed class ComponentSurveyEdgeTests : IDisposable
{
    // runc's strings that tell its build (kmem-facts R11).
    private const string NokmemMark = "kernel memory accounting disabled in this runc build";
    private const string KmemMark = "kernel memory accounting not supported by this kernel";

    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void The_first_file_that_names_a_config_decides_which_config_is_read()
    {
        _tree.Write("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--config=/etc/kubernetes/a.yml\n")
            .Write("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                "Environment=\"KUBELET_CONFIG_ARGS=--config=/etc/kubernetes/b.yml\"\n")
            .Write("/etc/kubernetes/a.yml", "cgroupDriver: systemd\n")
            .Write("/etc/kubernetes/b.yml", "cgroupDriver: cgroupfs\n");
        KubeletCgroupDriver d = new ComponentSurvey(_tree.Host).KubeletDriver(kubeletPresent: true)!;
        Assert.Equal(("systemd", "/etc/kubernetes/a.yml: cgroupDriver: systemd"), (d.Driver, d.Source));
    }

    [Fact]
    public void A_drop_in_that_is_not_a_conf_file_is_not_read()
    {
        _tree.Write("/etc/systemd/system/kubelet.service.d/00-old.bak", "Environment=\"A=--cgroup-driver=cgroupfs\"\n")
            .Write("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                "Environment=\"A=--cgroup-driver=systemd\"\n");
        var survey = new ComponentSurvey(_tree.Host);
        Assert.Equal("systemd", survey.KubeletDriver(kubeletPresent: true)!.Driver);
        Assert.Empty(survey.Problems); // the other drop-in directories are missing: no problem
    }

    [Fact]
    public void A_config_named_by_a_flag_that_cannot_be_read_is_a_problem_and_an_unnamed_one_is_not()
    {
        _tree.Write("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=--config=/etc/kubernetes/kubelet-conf.yml\n")
            .Fails("/etc/kubernetes/kubelet-conf.yml", "EACCES");
        var named = new ComponentSurvey(_tree.Host);
        Assert.Equal("cgroupfs", named.KubeletDriver(kubeletPresent: true)!.Driver);
        Assert.Equal("/etc/kubernetes/kubelet-conf.yml", Assert.Single(named.Problems).Path);

        using var unnamed = new SmallHostTree();
        unnamed.Fails("/var/lib/kubelet/config.yaml", "EACCES");
        var survey = new ComponentSurvey(unnamed.Host);
        Assert.Equal("cgroupfs", survey.KubeletDriver(kubeletPresent: true)!.Driver);
        Assert.Empty(survey.Problems);
    }

    [Fact]
    public void A_drop_in_directory_that_cannot_be_listed_is_a_problem_naming_it()
    {
        Directory.CreateDirectory(_tree.Local("/etc/systemd/system"));
        const string DropIns = "/etc/systemd/system/kubelet.service.d";
        File.CreateSymbolicLink(_tree.Local(DropIns), DropIns); // a loop: ELOOP
        var survey = new ComponentSurvey(_tree.Host);
        survey.KubeletDriver(kubeletPresent: true);
        Assert.Equal(DropIns, Assert.Single(survey.Problems).Path);
    }

    [Fact]
    public void A_host_trees_binaries_are_never_run_even_when_they_could_be()
    {
        string runc = _tree.Write("/usr/bin/runc", "#!/bin/sh\necho runc version 9.9.9\n").Local("/usr/bin/runc");
        File.SetUnixFileMode(runc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _tree.Write("/var/lib/dpkg/status", "Package: runc\nStatus: install ok installed\nVersion: 1.1.5+ds1-1\n");
        ComponentFact fact = new ComponentSurvey(_tree.Host).Survey().Single(c => c.Name == "runc");
        Assert.Equal(("1.1.5+ds1-1", "/usr/bin/runc"), (fact.VersionText, fact.BinaryPath));
    }

    [Fact]
    public void A_runc_larger_than_the_searched_size_is_searched_at_its_start_only_and_says_so()
    {
        string runc = _tree.Write("/usr/bin/runc", "").Local("/usr/bin/runc");
        using (FileStream f = File.OpenWrite(runc))
        {
            // Sparse: the NULs before the marker cost no disk.
            f.Seek(ComponentSurvey.MaxBinaryBytes + 4096, SeekOrigin.Begin);
            f.Write(System.Text.Encoding.ASCII.GetBytes(NokmemMark));
        }

        var survey = new ComponentSurvey(_tree.Host);
        Assert.Equal(RuncBuild.Unknown, survey.Survey().Single(c => c.Name == "runc").Build);
        Assert.Equal("/usr/bin/runc", Assert.Single(survey.Problems).Path);
    }

    [Fact]
    public void The_kmem_string_seen_twice_is_still_a_kmem_build()
    {
        byte[] binary = new byte[256 * 1024];
        System.Text.Encoding.ASCII.GetBytes(KmemMark).CopyTo(binary, 1000);
        System.Text.Encoding.ASCII.GetBytes(KmemMark).CopyTo(binary, 200_000); // in a later 64 KiB chunk
        Assert.Equal(RuncBuild.Kmem, ComponentSurvey.Fingerprint(new MemoryStream(binary)));
    }

    [Fact]
    public void Compressed_package_log_rotations_are_not_read_and_an_unreadable_one_is_a_problem()
    {
        _tree.Write("/var/log/yum.log", "Jan 10 09:12:05 Installed: kubelet-1.16.4-0.x86_64\n")
            .Write("/var/log/yum.log-20240101.gz", "Jan 11 09:12:05 Installed: kubelet-1.99.0-0.x86_64\n")
            .Write("/var/log/yum.log-20220101", "Jan 09 09:12:05 Installed: runc-1.0.0-1.el7.x86_64\n");
        // A rotation that is a link to itself: listed, and unreadable (ELOOP).
        File.CreateSymbolicLink(_tree.Local("/var/log/yum.log-20230101"), "/var/log/yum.log-20230101");
        var survey = new ComponentSurvey(_tree.Host);
        IReadOnlyList<ComponentFact> facts = survey.Survey();
        Assert.Equal("1.16.4-0", facts.Single(c => c.Name == "kubelet").VersionText);
        Assert.Equal("1.0.0-1.el7", facts.Single(c => c.Name == "runc").VersionText);
        Assert.Equal("/var/log/yum.log-20230101", Assert.Single(survey.Problems).Path);
    }
}
