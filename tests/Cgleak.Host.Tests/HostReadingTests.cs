using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Kernel;
using Cgleak.Host.Logs;
using Cgleak.Testing;

namespace Cgleak.Host.Tests;

public class KernelFileTests
{
    [Fact]
    public void Reads_a_sysfs_attribute_whose_reported_size_is_a_page()
    {
        // /sys files report 4096 bytes and hold a few: the reader must read to EOF.
        KernelRead r = KernelFile.Read("/sys/kernel/mm/transparent_hugepage/enabled");
        if (r.Outcome == ReadOutcome.Gone)
        {
            r = KernelFile.Read("/proc/sys/kernel/osrelease");
        }

        Assert.True(r.IsOk);
        Assert.InRange(r.Text.Length, 2, 4095);
    }

    [Fact]
    public void Reads_files_many_pages_long_whole_a_plain_one_and_proc_self_smaps()
    {
        // Past the first page the buffer grows outside the shared pool (the agent must not keep it).
        string path = Path.Combine(Path.GetTempPath(), $"cgleak-kernelfile-{Environment.ProcessId}");
        string text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i}\n"));
        try
        {
            File.WriteAllText(path, text);
            Assert.Equal(text, KernelFile.Read(path).Text);
            Assert.Equal(text, KernelFile.Read(path).Text); // twice: nothing of the first read left in the buffer
        }
        finally
        {
            File.Delete(path);
        }

        KernelRead self = KernelFile.Read("/proc/self/smaps"); // a procfs file far past one page, read to EOF
        Assert.True(self.IsOk);
        Assert.True(self.Text.Length > 16_384, $"{self.Text.Length} characters");
    }

    [Fact]
    public void Tells_a_missing_file_from_an_unreadable_one()
    {
        Assert.Equal(ReadOutcome.Gone, KernelFile.Read("/proc/no-such-file").Outcome);
        KernelRead dir = KernelFile.Read("/proc");
        Assert.Equal((ReadOutcome.NotReadable, Errno.EISDIR), (dir.Outcome, dir.Errno));
    }

    [Fact]
    public void A_host_tree_records_a_read_error_beside_the_file()
    {
        string dir = Repo.Fixture("el7-nokmem-fixed") + "/sys/fs/cgroup/memory/kubepods";
        KernelRead r = HostRoot.At(Repo.Fixture("el7-nokmem-fixed")).ReadLocal(dir + "/memory.kmem.slabinfo");
        Assert.Equal((ReadOutcome.NotReadable, Errno.EIO), (r.Outcome, r.Errno));
        Assert.Equal("Input/output error (EIO)", r.ErrorText);
    }

    [Fact]
    public void The_live_host_ignores_sidecar_files()
    {
        KernelRead r = HostRoot.Live
            .ReadLocal(Repo.Fixture("el7-nokmem-fixed") + "/sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo");
        Assert.Equal(ReadOutcome.Gone, r.Outcome);
    }
}

public class CgroupLayoutTests
{
    [Fact]
    public void Hybrid_host_with_v1_memory()
    {
        var mounts = Parsing.MountInfo.Parse(
            "30 24 0:26 / /sys/fs/cgroup/memory rw shared:14 - cgroup cgroup rw,memory\n" +
            "26 24 0:22 / /sys/fs/cgroup/unified rw shared:10 - cgroup2 cgroup2 rw,nsdelegate\n").Value;
        CgroupLayout layout = CgroupLayout.From(mounts, _ => throw new InvalidOperationException("not asked on v1"));
        Assert.Equal(
            (CgroupMode.Hybrid, MemoryHierarchy.V1, "/sys/fs/cgroup/memory"),
            (layout.Mode, layout.Memory, layout.MemoryMountPoint));
    }

    [Fact]
    public void Prefers_the_mount_that_shows_the_whole_hierarchy()
    {
        var mounts = Parsing.MountInfo.Parse(
            "50 24 0:26 /kubepods/pod1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
            "60 24 0:26 / /host/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n").Value;
        CgroupLayout layout = CgroupLayout.From(mounts, _ => null);
        Assert.Equal("/host/sys/fs/cgroup/memory", layout.MemoryMountPoint);
        Assert.True(layout.MemoryMountShowsWholeHierarchy);
    }

    [Fact]
    public void Unified_host_has_memory_only_when_the_root_lists_it()
    {
        var mounts = Parsing.MountInfo.Parse("26 22 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n").Value;
        Assert.Equal(MemoryHierarchy.V2, CgroupLayout.From(mounts, _ => "cpu io memory pids\n").Memory);
        Assert.Equal(MemoryHierarchy.None, CgroupLayout.From(mounts, _ => "cpu io pids\n").Memory);
    }
}

public class CgroupTreeWalkerTests
{
    [Theory]
    [InlineData("kubepods", true)]
    [InlineData("kubepods.slice", true)]
    [InlineData("docker", true)]
    [InlineData("docker-4f3a.scope", true)]
    [InlineData("cri-containerd-4f3a.scope", true)]
    [InlineData("crio-4f3a.scope", true)]
    [InlineData("system.slice", false)]
    [InlineData("dockerd", false)]
    [InlineData("process_api", false)]
    [InlineData("containerd", true)]
    [InlineData("docker-4f3a", false)]
    [InlineData("session-4.scope", false)]
    public void Recognises_container_runtime_cgroup_names(string name, bool expected)
    {
        Assert.Equal(expected, CgroupTreeWalker.IsContainerSubtreeName(name));
        Assert.Equal(expected, CgroupTreeWalker.IsContainerSubtreeName(System.Text.Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void Counts_every_directory_and_reads_kmem_of_container_cgroups_on_a_fixture()
    {
        string root = Repo.Fixture("el7-957-leaking");
        int expectedDirs = Directory.GetDirectories(root + "/sys/fs/cgroup/memory", "*", SearchOption.AllDirectories)
            .Length + 1;
        CgroupTreeScan scan = new CgroupTreeWalker(HostRoot.At(root)).Walk("/sys/fs/cgroup/memory", MemoryHierarchy.V1);
        Assert.Equal(expectedDirs, scan.Directories);
        Assert.Equal(39, scan.Containers.Count);
        Assert.All(scan.Containers, c => Assert.Equal(KmemState.Active, c.State));
        Assert.All(
            scan.Containers,
            c => Assert.StartsWith("/sys/fs/cgroup/memory/kubepods", c.HostPath, StringComparison.Ordinal));
        Assert.Equal(new KmemCounts(39, 39, 0, 0, 0), scan.Kmem);
    }

    [Fact]
    public void Without_its_container_list_a_scan_keeps_the_counts()
    {
        CgroupTreeScan scan = new CgroupTreeWalker(HostRoot.At(Repo.Fixture("el7-957-leaking"))).Walk(
            "/sys/fs/cgroup/memory",
            MemoryHierarchy.V1);
        CgroupTreeScan kept = scan.WithoutContainerList();
        Assert.Empty(kept.Containers);
        Assert.Equal(scan.Kmem, kept.Kmem);
        Assert.Equal(scan.Directories, kept.Directories);
    }
}

public class SymptomScannerTests
{
    [Theory]
    [InlineData("kubelet: failed to create container for [kubepods besteffort pod1] : mkdir "
        + "/sys/fs/cgroup/memory/kubepods/besteffort/pod1: cannot allocate memory", Symptom.MemcgMkdirFailed)]
    [InlineData("dockerd: mkdir /sys/fs/cgroup/memory/docker/abc: no space left on device", Symptom.MemcgMkdirFailed)]
    [InlineData("kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x8020)", Symptom.SlubUnableToAllocate)]
    [InlineData("mkdir /sys/fs/cgroup/cpu/kubepods: no space left on device", null)]
    [InlineData("mkdir /sys/fs/cgroup/memory/x: file exists", null)]
    [InlineData("mkdir /sys/fs/cgroup/memory/kubepods/besteffort/podX: no space lef", null)]
    public void Classifies_the_runbooks_lines(string line, Symptom? expected) =>
        Assert.Equal(expected, SymptomScanner.Classify(line));

    [Theory]
    [InlineData("Mar  3 11:10:17 host kubelet: x", "Mar  3 11:10:17")]
    [InlineData("2026-11-27T04:22:17+0000 host kubelet[1]: x", "2026-11-27T04:22:17+0000")]
    [InlineData("garbage", "")]
    public void Reads_the_time_a_line_was_logged(string line, string expected) =>
        Assert.Equal(expected, SymptomScanner.TimestampOf(line));

    [Fact]
    public void Counts_sightings_in_a_fixture_log()
    {
        SymptomScan scan = new SymptomScanner(HostRoot.At(Repo.Fixture("el7-957-leaking"))).Scan();
        SymptomSighting mkdir = scan.Sightings.Single(s => s.Symptom == Symptom.MemcgMkdirFailed);
        Assert.Equal(("/var/log/messages", 40, "Mar  3 11:49:17"), (mkdir.Log, mkdir.Count, mkdir.LastSeen));
        Assert.Equal(5, scan.Sightings.Single(s => s.Symptom == Symptom.SlubUnableToAllocate).Count);
    }
}

public class HostSurveyTests
{
    [Fact]
    public void A_directory_that_is_no_host_tree_gives_one_problem_per_missing_essential()
    {
        string empty = Directory.CreateTempSubdirectory("cgleak-empty-").FullName;
        try
        {
            HostFacts facts = new HostSurvey(HostRoot.At(empty)).Read();
            Assert.Null(facts.Kernel);
            Assert.Contains(facts.Problems, p => p.Path == "/proc/cgroups" && p.Message == "missing");
            Assert.Contains(facts.Problems, p => p.Path == "/proc/sys/kernel/osrelease");
            Assert.Contains(facts.Problems, p => p.Path == "/proc/1/mountinfo");
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}

public class RuncFingerprintTests
{
    [Theory]
    [InlineData("kernel memory accounting disabled in this runc build", Components.RuncBuild.Nokmem)]
    [InlineData("kernel memory accounting not supported by this kernel", Components.RuncBuild.Kmem)]
    [InlineData("runc version 1.1.5", Components.RuncBuild.Unknown)]
    public void Finds_the_marker_wherever_it_falls_across_chunk_boundaries(string marker, Components.RuncBuild expected)
    {
        foreach (int offset in (int[])[0, 65536 - 20, 65536 - 1, 65536, 3 * 65536 + 7])
        {
            byte[] binary = new byte[(4 * 65536) + 100];
            System.Text.Encoding.ASCII.GetBytes(marker).CopyTo(binary, offset);
            Assert.Equal(expected, Components.ComponentSurvey.Fingerprint(new MemoryStream(binary)));
        }
    }
}
