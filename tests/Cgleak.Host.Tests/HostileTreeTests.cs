using System.Diagnostics;
using System.IO.Compression;
using Cgleak.Host.Boot;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using Cgleak.Testing;

namespace Cgleak.Host.Tests;

/// <summary>Issue #12, "Reading a host tree": each hostile tree is generated here from a fixture's copy.</summary>
public class HostileTreeTests
{
    private const string Memory = "/sys/fs/cgroup/memory";

    /// <summary>A copy of a fixture host tree (links kept), removed after the test.</summary>
    private static ScratchTree CopyOf(string scenario)
    {
        var t = new ScratchTree();
        Run("cp", "-a", Repo.Fixture(scenario) + "/.", t.Root);
        return t;
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    private static void Replace(ScratchTree t, string hostPath, Action<string> make)
    {
        File.Delete(t.Root + hostPath);
        make(hostPath);
    }

    [Fact]
    public void Links_to_dot_dot_in_the_cgroup_tree_are_not_walked()
    {
        using var t = CopyOf("el7-957-leaking");
        int expected = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1).Directories;
        t.Link(Memory + "/kubepods/up", "..");
        t.Link(Memory + "/kubepods/besteffort/up2", "../..");
        var clock = Stopwatch.StartNew();
        CgroupTreeScan scan = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Equal(expected, scan.Directories);
        Assert.Empty(scan.Unreadable);
    }

    [Fact]
    public void A_bind_mount_of_a_parent_inside_the_tree_is_walked_once()
    {
        using var t = CopyOf("el7-957-leaking");
        int expected = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1).Directories;
        string loop = t.Root + Memory + "/kubepods/loop";
        Directory.CreateDirectory(loop);
        Run("mount", "--bind", t.Root + Memory, loop);
        try
        {
            CgroupTreeScan scan = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
            Assert.Equal(expected, scan.Directories); // "loop" is the root again: seen, not counted twice
        }
        finally
        {
            Run("umount", loop);
        }
    }

    [Fact]
    public void A_cgroup_name_that_is_not_utf8_is_counted_and_shown_escaped()
    {
        using var t = CopyOf("el7-957-leaking");
        CgroupTreeScan before = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
        // A pod cgroup named with a Latin-1 byte, kmem active: it must not be dropped from the counts.
        Run("sh", "-c", $"d=\"{t.Root}{Memory}/kubepods/besteffort/pod$(printf '\\351')\" && mkdir \"$d\" && echo "
            + $"4096 > \"$d/memory.kmem.usage_in_bytes\"");
        CgroupTreeScan scan = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
        Assert.Equal(before.Directories + 1, scan.Directories);
        Assert.Equal(before.Kmem.Active + 1, scan.Kmem.Active);
        Assert.Equal(1, scan.NonUtf8Names);
        Assert.Contains(
            scan.Containers,
            c => c.HostPath == Memory + @"/kubepods/besteffort/pod\xE9" && c.State == KmemState.Active);
        HostFacts facts = new HostSurvey(t.Host, new SurveyOptions { Components = false, Logs = false }).Read();
        Assert.Contains(
            facts.Problems,
            p => p.Message.StartsWith("1 cgroup names are not valid UTF-8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fifos_in_every_file_the_doctor_and_the_fix_plan_read_are_problems_not_hangs()
    {
        using var t = CopyOf("el7-957-leaking");
        string[] fifos = ["/proc/cgroups", "/var/log/messages", "/usr/bin/runc", Memory
            + "/kubepods/besteffort/memory.kmem.slabinfo"];
        foreach (string f in fifos)
        {
            Replace(t, f, t.Fifo);
        }

        t.Fifo("/boot/grub2/grub.cfg");
        var clock = Stopwatch.StartNew();
        HostFacts facts = await Task.Run(() => new HostSurvey(t.Host).Read()).WaitAsync(TimeSpan.FromSeconds(10));
        BootConfig boot = await Task.Run(() => BootConfig.Read(t.Host)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains(facts.Problems, p => p.ToString() == "/proc/cgroups: cannot read: a FIFO, not a regular file");
        Assert.Contains(
            facts.Problems,
            p => p.ToString() == "/var/log/messages: cannot read: a FIFO, not a regular file");
        Assert.Contains(
            facts.Problems,
            p => p.ToString() == "/usr/bin/runc: cannot read for its build fingerprint: a FIFO, not a regular file");
        Assert.Contains(facts.Tree!.Containers, c => c.HostPath == Memory + "/kubepods/besteffort"
            && c.Evidence.StartsWith("memory.kmem.usage_in_bytes=", StringComparison.Ordinal));
        Assert.Contains("/boot/grub2/grub.cfg: cannot read: a FIFO, not a regular file", boot.Problems);
    }

    [Fact]
    public async Task Runc_and_messages_linked_to_dev_zero_are_not_read_for_ever()
    {
        using var t = CopyOf("el7-957-leaking");
        Replace(t, "/usr/bin/runc", f => t.Link(f, "/dev/zero"));
        Replace(t, "/var/log/messages", f => t.Link(f, "../../dev/zero"));
        Directory.CreateDirectory(t.Root + "/dev");
        Run("mknod", t.Root + "/dev/zero", "c", "1", "5"); // the tree's own /dev/zero, a real device node
        var clock = Stopwatch.StartNew();
        HostFacts facts = await Task.Run(() => new HostSurvey(t.Host).Read()).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains(facts.Problems, p => p.ToString()
            == "/usr/bin/runc: cannot read for its build fingerprint: a character device, not a regular file");
        Assert.Contains(
            facts.Problems,
            p => p.ToString() == "/var/log/messages: cannot read: a character device, not a regular file");
    }

    [Fact]
    public void Mountinfo_mount_points_that_are_relative_or_climb_are_problems()
    {
        using var t = CopyOf("el7-957-leaking");
        File.WriteAllText(t.Root + "/proc/1/mountinfo",
            "36 25 0:31 / sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory\n"
            + "37 25 0:32 / /../../.. rw,relatime shared:15 - cgroup cgroup rw,memory\n");
        HostFacts facts = new HostSurvey(t.Host, new SurveyOptions { Components = false, Logs = false }).Read();
        Assert.Null(facts.Tree);
        Assert.Equal(2, facts.Problems.Count(p => p.Path == "/proc/1/mountinfo"
            && p.Message.Contains("the mount point is not an absolute path", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_run_of_nul_bytes_and_an_endless_line_in_a_log_are_skipped_and_the_symptom_after_them_found()
    {
        using var t = new ScratchTree();
        const string Symptom = "Mar  3 11:49:17 node1 kubelet: mkdir /sys/fs/cgroup/memory/kubepods/besteffort/pod1: "
            + "cannot allocate memory\n";
        using (FileStream log = File.Create(
            t.Root + "/var/log/messages".Also(p => Directory.CreateDirectory(t.Root + "/var/log"))))
        {
            log.Write(new byte[16 << 20]); // after a crash: a run of NULs where the lost tail was
            log.Write(System.Text.Encoding.ASCII.GetBytes(Symptom));
            log.Write(System.Text.Encoding.ASCII.GetBytes(new string('x', 4 << 20) + "\n")); // a 4 MiB line
            log.Write(System.Text.Encoding.ASCII.GetBytes("\0\0" + Symptom));
        }

        SymptomScan scan = new SymptomScanner(t.Host).Scan();
        SymptomSighting s = Assert.Single(scan.Sightings);
        Assert.Equal((2, "Mar  3 11:49:17", Symptom.TrimEnd('\n')), (s.Count, s.LastSeen, s.LastLine));
    }

    [Fact]
    public void Rotated_and_compressed_logs_are_read_newest_first_and_a_gzip_bomb_stops_at_the_budget()
    {
        using var t = new ScratchTree();
        const string Line
            = "Mar  3 11:49:17 node1 dockerd: mkdir /sys/fs/cgroup/memory/docker/abc: no space left on device\n";
        t.File("/var/log/syslog", "");
        t.File("/var/log/syslog.1", Line);
        Gzip(t.Root + "/var/log/syslog.2.gz", w => w.Write(System.Text.Encoding.ASCII.GetBytes(Line + Line)));
        Gzip(t.Root + "/var/log/messages-20240101.gz", w =>
        {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++)
            {
                w.Write(zeros); // 300 MiB of NULs in 300 KiB: more than a log's budget once decompressed
            }
        });
        t.File("/var/log/syslog.3.xz", "not gzip");
        SymptomScan scan = new SymptomScanner(t.Host).Scan();
        Assert.Equal(
            ["/var/log/messages-20240101.gz", "/var/log/syslog", "/var/log/syslog.1", "/var/log/syslog.2.gz"],
            scan.LogsRead);
        Assert.Equal([1, 2], scan.Sightings.Select(s => s.Count));
        Assert.Contains(
            "/var/log/messages-20240101.gz: more than 256 MiB once decompressed: searched its start only",
            scan.Problems.Select(p => p.ToString()));
    }

    [Theory]
    [InlineData("messages", "messages", 0L)]
    [InlineData("messages", "messages-20240107", 100_000_000L - 20240107)]
    [InlineData("syslog", "syslog.2.gz", 2L)]
    public void Rotations_are_ordered_newest_first(string log, string file, long age)
    {
        Assert.True(SymptomScanner.IsLogOrRotation(log, file));
        Assert.Equal(age, SymptomScanner.RotationAge(log, file));
    }

    private static void Gzip(string path, Action<Stream> write)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        write(gzip);
    }
}

internal static class TestExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
