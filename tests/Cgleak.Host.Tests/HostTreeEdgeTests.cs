using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Kernel;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Tests;

/// <summary>A small host tree in a temporary directory, written file by file; removed after the test.</summary>
public sealed class SmallHostTree : IDisposable
{
    public SmallHostTree() => Host = HostRoot.At(Directory);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("cgleak-host-edge-").FullName;

    public HostRoot Host { get; }

    /// <summary>
    /// Where a host path is in this tree, worked out here and not by <see cref="HostRoot.Path"/>: under mutation
    /// testing HostRoot is the code being broken on purpose, and a mutant that drops the root made these tests
    /// write, and delete, the real /var/lib/dpkg/status, /usr/sbin/runc and /etc files.
    /// </summary>
    public string Local(string hostPath)
    {
        if (!hostPath.StartsWith('/') || hostPath.Split('/').Contains(".."))
        {
            throw new ArgumentException($"not a plain host path: {hostPath}", nameof(hostPath));
        }

        return Directory + hostPath;
    }

    public SmallHostTree Write(string hostPath, string text)
    {
        string local = Local(hostPath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        File.WriteAllText(local, text);
        return this;
    }

    /// <summary>A read error the captured host met, recorded beside the file (docs/host-tree.md).</summary>
    public SmallHostTree Fails(string hostPath, string errno) => Write(hostPath + HostRoot.ErrnoSidecarSuffix, errno);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>KmemReader: the fewest reads that decide one cgroup's kmem state (the runbook's EIO check first).</summary>
public sealed class KmemReaderTests : IDisposable
{
    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private (KmemState, string) Read(KmemReader probe, string cgroup)
    {
        KmemState state = probe.Read(_tree.Local(cgroup), out HostMessage evidence);
        return (state, evidence.English);
    }

    [Fact]
    public void Slabinfo_failing_with_EIO_is_off_and_listing_caches_is_active()
    {
        _tree.Fails("/cg/off/memory.kmem.slabinfo", "EIO")
            .Write("/cg/on/memory.kmem.slabinfo", "slabinfo - version: 2.1\nkmalloc-64 0 0 64 64 1 : tunables 0 0 0\n");
        var probe = new KmemReader(_tree.Host);
        Assert.Equal((KmemState.Off, "memory.kmem.slabinfo: Input/output error"), Read(probe, "/cg/off"));
        Assert.Equal((KmemState.Active, "memory.kmem.slabinfo readable"), Read(probe, "/cg/on"));
    }

    [Theory]
    [InlineData("0\n", KmemState.Inactive, "memory.kmem.usage_in_bytes=0")]
    [InlineData("4096", KmemState.Active, "memory.kmem.usage_in_bytes=4096")]
    [InlineData("many", KmemState.Unknown, "memory.kmem.usage_in_bytes: not a number")]
    [InlineData("-1", KmemState.Unknown, "memory.kmem.usage_in_bytes: not a number")]
    public void An_empty_slabinfo_leaves_it_to_the_kmem_usage(string usage, KmemState state, string evidence)
    {
        _tree.Write("/cg/a/memory.kmem.slabinfo", "").Write("/cg/a/memory.kmem.usage_in_bytes", usage);
        Assert.Equal((state, evidence), Read(new KmemReader(_tree.Host), "/cg/a"));
    }

    [Fact]
    public void Once_slabinfo_reads_empty_the_walk_reads_only_the_usage()
    {
        _tree.Write("/cg/a/memory.kmem.slabinfo", "").Write("/cg/a/memory.kmem.usage_in_bytes", "0")
            .Fails("/cg/b/memory.kmem.slabinfo", "EIO").Write("/cg/b/memory.kmem.usage_in_bytes", "0");
        var probe = new KmemReader(_tree.Host);
        Read(probe, "/cg/a");
        Assert.Equal(KmemState.Inactive, Read(probe, "/cg/b").Item1);      // slabinfo no longer read
        Assert.Equal(KmemState.Off, Read(new KmemReader(_tree.Host), "/cg/b").Item1);
    }

    [Fact]
    public void No_kmem_files_at_all_is_unknown()
    {
        System.IO.Directory.CreateDirectory(_tree.Local("/cg/gone"));
        (KmemState state, string evidence) = Read(new KmemReader(_tree.Host), "/cg/gone");
        Assert.Equal(KmemState.Unknown, state);
        Assert.StartsWith("no memory.kmem files", evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_file_is_unknown_and_named_with_its_error()
    {
        _tree.Fails("/cg/a/memory.kmem.slabinfo", "EACCES")
            .Fails("/cg/b/memory.kmem.slabinfo", "EACCES").Fails("/cg/b/memory.kmem.usage_in_bytes", "EINVAL")
            .Fails("/cg/c/memory.kmem.usage_in_bytes", "EINVAL");
        var probe = new KmemReader(_tree.Host);
        Assert.Equal((KmemState.Unknown, "memory.kmem.slabinfo: Permission denied (EACCES)"), Read(probe, "/cg/a"));
        Assert.Equal((KmemState.Unknown, "memory.kmem.usage_in_bytes: Invalid argument (EINVAL)"),
            Read(probe, "/cg/b"));
        Assert.Equal((KmemState.Unknown, "memory.kmem.usage_in_bytes: Invalid argument (EINVAL)"),
            Read(probe, "/cg/c"));
    }
}

/// <summary>CgroupLayout.From: the mode and where the memory controller is, from mountinfo alone.</summary>
public class CgroupLayoutEdgeTests
{
    private static MountInfoEntry Mount(string root, string point, string type, params string[] options) =>
        new(1, root, point, type, type, options);

    private static CgroupLayout From(string? controllers, params MountInfoEntry[] mounts) =>
        CgroupLayout.From(mounts, _ => controllers);

    [Fact]
    public void The_whole_hierarchy_is_preferred_then_the_shortest_mount_point()
    {
        CgroupLayout l = From(null,
            Mount("/kubepods", "/a", "cgroup", "rw", "memory"),
            Mount("/", "/host/sys/fs/cgroup/memory", "cgroup", "rw", "memory"),
            Mount("/", "/sys/fs/cgroup/memory", "cgroup", "rw", "memory"));
        Assert.Equal(("/sys/fs/cgroup/memory", "/"), (l.MemoryMountPoint, l.MemoryMountRoot));
        Assert.True(l.MemoryMountShowsWholeHierarchy);
        Assert.False(From(null, Mount("/kubepods", "/a", "cgroup", "memory")).MemoryMountShowsWholeHierarchy);
    }

    [Fact]
    public void Cgroup_v1_without_memory_has_no_memory_hierarchy()
    {
        CgroupLayout l = From("memory", Mount("/", "/sys/fs/cgroup/cpu", "cgroup", "rw", "cpu"));
        Assert.Equal((CgroupMode.V1, MemoryHierarchy.None, null), (l.Mode, l.Memory, l.MemoryMountPoint));
    }

    [Theory]
    [InlineData("cpuset cpu io memory pids", MemoryHierarchy.V2)]
    [InlineData("cpu\nmemory\n", MemoryHierarchy.V2)]
    [InlineData("cpu io pids", MemoryHierarchy.None)]
    [InlineData("memoryx", MemoryHierarchy.None)]
    [InlineData(null, MemoryHierarchy.None)]
    public void Cgroup_v2_has_the_memory_controller_only_when_the_root_lists_it(string? controllers,
        MemoryHierarchy memory)
    {
        CgroupLayout l = From(controllers, Mount("/sub", "/x/sys/fs/cgroup", "cgroup2", "rw"),
            Mount("/", "/sys/fs/cgroup", "cgroup2", "rw"));
        Assert.Equal((CgroupMode.V2, memory), (l.Mode, l.Memory));
        Assert.Equal(memory == MemoryHierarchy.V2 ? "/sys/fs/cgroup" : null, l.MemoryMountPoint);
    }

    [Fact]
    public void Both_kinds_mounted_are_hybrid_with_memory_on_v1()
    {
        CgroupLayout l = From("memory", Mount("/", "/sys/fs/cgroup/unified", "cgroup2", "rw"),
            Mount("/", "/sys/fs/cgroup/memory", "cgroup", "memory"));
        Assert.Equal((CgroupMode.Hybrid, MemoryHierarchy.V1, "/sys/fs/cgroup/memory"),
            (l.Mode, l.Memory, l.MemoryMountPoint));
        Assert.Equal(CgroupMode.None, From("memory", Mount("/", "/proc", "proc", "rw")).Mode);
    }
}

public class ErrnoTests
{
    [Theory]
    [InlineData("EIO", Errno.EIO)]
    [InlineData("5", Errno.EIO)]
    [InlineData("EOPNOTSUPP", Errno.EOPNOTSUPP)]
    [InlineData("ENOTEMPTY", Errno.ENOTEMPTY)]
    [InlineData("EPERM", Errno.EPERM)]
    public void Reads_an_errno_by_name_or_number(string text, int errno) => Assert.Equal(errno, Errno.Parse(text));

    [Theory]
    [InlineData("eio")]
    [InlineData("-5")]
    [InlineData(" 5")]
    [InlineData("errno 200")]
    [InlineData("")]
    public void Refuses_anything_else(string text) => Assert.Null(Errno.Parse(text));

    [Fact]
    public void Unknown_numbers_are_named_by_number() =>
        Assert.Equal(("errno 200", "errno 200"), (Errno.Name(200), Errno.Message(200)));
}

/// <summary>Which logs a host tree offers and which lines are the runbook's.</summary>
public sealed class SymptomLogEdgeTests : IDisposable
{
    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData("x: mkdir /sys/fs/cgroup/memory/kubepods/pod1: Cannot Allocate Memory", Symptom.MemcgMkdirFailed)]
    [InlineData("x: mkdir /sys/fs/cgroup/memory/kubepods/pod1: No Space Left On Device", Symptom.MemcgMkdirFailed)]
    [InlineData("x: mkdir /sys/fs/cgroup/memory/a: cannot allocate memory; SLUB: Unable to allocate memory on node -1",
        Symptom.SlubUnableToAllocate)]
    [InlineData("x: cannot allocate memory", null)]
    public void Classifies_whatever_the_case_of_the_errno_text(string line, Symptom? symptom) =>
        Assert.Equal(symptom, SymptomScanner.Classify(line));

    [Theory]
    [InlineData("Nov 27 04:22:17 host x", "Nov 27 04:22:17")]
    [InlineData("Nov 27 04:22", "")]                   // too short for a syslog stamp
    [InlineData("Nov-27 04:22:17 host x", "")]
    [InlineData("2026-11-27T04:22:17", "")]            // a stamp with nothing after it
    [InlineData(" 2026-11-27T04:22:17 x", "")]
    public void Reads_a_time_only_where_a_line_starts_with_one(string line, string stamp) =>
        Assert.Equal(stamp, SymptomScanner.TimestampOf(line));

    [Fact]
    public void Reads_every_uncompressed_rotation_of_each_log_in_order()
    {
        const string Mkdir = "Mar  3 11:49:17 n kubelet: mkdir /sys/fs/cgroup/memory/p: cannot allocate memory\n";
        _tree.Write("/var/log/messages", Mkdir).Write("/var/log/messages-20240301", Mkdir + Mkdir)
            .Write("/var/log/messages-20240201.gz", Mkdir).Write("/var/log/syslog.1", "")
            .Write("/var/log/syslog.2.xz", "")
            .Write("/var/log/kern.log.3.bz2", "").Write("/var/log/messagesold", Mkdir).Write("/var/log/kern.log", "");
        SymptomScan scan = new SymptomScanner(_tree.Host).Scan();
        Assert.Equal(["/var/log/messages", "/var/log/messages-20240301", "/var/log/syslog.1", "/var/log/kern.log"],
            scan.LogsRead);
        Assert.Equal([1, 2], scan.Sightings.Select(s => s.Count));
        // The ".gz" here is plain text, not gzip: a problem line for it alone, never for the logs that were read.
        Assert.All(scan.Problems, p => Assert.Contains(".gz", p.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void A_tree_without_var_log_reads_nothing() => Assert.Empty(new SymptomScanner(_tree.Host).Scan().LogsRead);
}

/// <summary>
/// ComponentSurvey on a host tree: versions from packaging, binaries found, never run, and kubelet's driver.
/// </summary>
public sealed class ComponentSurveyTreeTests : IDisposable
{
    private const string NokmemMark = "kernel memory accounting disabled in this runc build";

    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private ComponentFact Find(string name) => new ComponentSurvey(_tree.Host).Survey().Single(c => c.Name == name);

    [Fact]
    public void Versions_come_from_packaging_and_binaries_are_fingerprinted_not_run()
    {
        _tree.Write("/var/lib/dpkg/status",
            "Package: containerd\nStatus: install ok installed\nVersion: 1.6.20~ds1-1\n")
            .Write("/var/log/yum.log",
                "Jan 10 09:12:04 Installed: containerd.io-1.2.0-3.el7.x86_64\n"
                + "Jan 10 09:12:05 Installed: kubelet-1.16.4-0.x86_64\n")
            .Write("/usr/libexec/docker/docker-runc-current", "\0\0" + NokmemMark + "\0");
        ComponentFact runc = Find("runc");
        Assert.Equal((null, "/usr/libexec/docker/docker-runc-current", RuncBuild.Nokmem),
            (runc.VersionText, runc.BinaryPath, runc.Build));
        Assert.Equal("binary found, version not readable without running it", runc.Source);

        ComponentFact containerd = Find("containerd");
        Assert.Equal(("1.2.0-3.el7", "/var/log/yum.log (containerd.io)"), (containerd.VersionText, containerd.Source));
        Assert.Equal(("1.16.4-0", "/var/log/yum.log (kubelet)", null),
            (Find("kubelet").VersionText, Find("kubelet").Source, Find("kubelet").BinaryPath));
        Assert.Equal(("not found", RuncBuild.Unknown), (Find("docker").Source, Find("docker").Build));
    }

    [Fact]
    public void The_first_binary_directory_wins_and_only_runc_is_fingerprinted()
    {
        _tree.Write("/usr/local/bin/runc", "plain").Write("/usr/bin/runc", NokmemMark).Write("/usr/bin/kubelet",
            NokmemMark);
        ComponentFact runc = Find("runc");
        Assert.Equal(("/usr/local/bin/runc", RuncBuild.Unknown), (runc.BinaryPath, runc.Build));
        Assert.Equal(("/usr/bin/kubelet", RuncBuild.Unknown), (Find("kubelet").BinaryPath, Find("kubelet").Build));
    }

    [Fact]
    public void Package_names_are_tried_in_order_each_in_dpkg_then_yum()
    {
        _tree.Write("/var/lib/dpkg/status", "Package: docker.io\nStatus: install ok installed\nVersion: 20.10.24\n\n"
                + "Package: runc\nStatus: install ok installed\nVersion: 1.1.5+ds1-1\n")
            .Write("/var/log/yum.log",
                "Jan 10 09:12:04 Installed: docker-ce-18.09.0-3.el7.x86_64\n"
                + "Jan 10 09:12:05 Installed: runc-1.0.0-1.el7.x86_64\n");
        Assert.Equal("18.09.0-3.el7", Find("docker").VersionText);   // docker-ce is named before docker.io
        Assert.Equal(("1.1.5+ds1-1", "/var/lib/dpkg/status (runc)"), (Find("runc").VersionText, Find("runc").Source));
    }

    [Fact]
    public void An_unreadable_package_list_is_a_problem()
    {
        _tree.Fails("/var/lib/dpkg/status", "EACCES");
        var survey = new ComponentSurvey(_tree.Host);
        survey.Survey();
        Assert.Equal(["/var/lib/dpkg/status: Permission denied (EACCES)"], survey.Problems.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n", "systemd")]
    [InlineData("/etc/default/kubelet", "KUBELET_EXTRA_ARGS=\"--cgroup-driver cgroupfs\"\n", "cgroupfs")]
    [InlineData("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "Environment=\"KUBELET_CGROUP_ARGS=--cgroup-driver=systemd\"\n", "systemd")]
    [InlineData("/var/lib/kubelet/kubeadm-flags.env",
        "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni\"", "systemd")]
    [InlineData("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--cgroup-driver=\"cgroupfs\"\n", "cgroupfs")]
    [InlineData("/etc/sysconfig/kubelet", "KUBELET_EXTRA_ARGS=--cgroup-driver=docker\n", null)]
    public void Kubelet_driver_flags_are_found_where_packaging_puts_them(string file, string text, string? driver)
    {
        _tree.Write(file, text);
        KubeletCgroupDriver? d = new ComponentSurvey(_tree.Host).KubeletDriver(kubeletPresent: true);
        Assert.Equal(driver ?? "cgroupfs", d!.Driver);
        Assert.Equal(driver is not null, d.Source.StartsWith(file + ": --cgroup-driver=", StringComparison.Ordinal));
    }

    [Fact]
    public void A_commented_flag_is_ignored_and_config_yaml_decides()
    {
        _tree.Write("/etc/sysconfig/kubelet", "# KUBELET_EXTRA_ARGS=--cgroup-driver=cgroupfs\n")
            .Write("/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\ncgroupDriver: systemd\n");
        KubeletCgroupDriver d = new ComponentSurvey(_tree.Host).KubeletDriver(kubeletPresent: true)!;
        Assert.Equal(("systemd", "/var/lib/kubelet/config.yaml: cgroupDriver: systemd"), (d.Driver, d.Source));
    }

    [Fact]
    public void Without_a_setting_kubelets_default_is_cgroupfs_and_without_kubelet_there_is_none()
    {
        _tree.Write("/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\n# cgroupDriver: systemd\n");
        KubeletCgroupDriver d = new ComponentSurvey(_tree.Host).KubeletDriver(kubeletPresent: false)!;
        Assert.Equal("cgroupfs", d.Driver);
        Assert.StartsWith("/var/lib/kubelet/config.yaml sets no cgroupDriver", d.Source, StringComparison.Ordinal);

        using var empty = new SmallHostTree();
        Assert.Null(new ComponentSurvey(empty.Host).KubeletDriver(kubeletPresent: false));
        Assert.Equal("cgroupfs", new ComponentSurvey(empty.Host).KubeletDriver(kubeletPresent: true)!.Driver);
    }
}
