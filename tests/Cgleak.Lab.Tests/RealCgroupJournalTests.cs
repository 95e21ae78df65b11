using System.Diagnostics;

namespace Cgleak.Lab.Tests;

/// <summary>
/// The journal cases on the real kernel: the victim is a process of the test's own in a real memory cgroup under
/// the test's own parent (cgleak-test-PID-RANDOM), removed in Dispose; processes are killed by PID. Run these
/// under `flock /tmp/cgleak-kernel.lock`. Without a cgroup v1 memory hierarchy (or root) they do nothing.
/// </summary>
public sealed class RealCgroupJournalTests : IDisposable
{
    private const string MemoryMount = "/sys/fs/cgroup/memory";

    private readonly string _parent = $"{MemoryMount}/cgleak-test-{Environment.ProcessId}-{Random.Shared.Next():x8}";
    private readonly string _temp = Directory.CreateTempSubdirectory("cgleak-realjournal-").FullName;
    private readonly List<Process> _processes = [];

    private static bool Available
        => File.Exists(MemoryMount + "/memory.usage_in_bytes") && Environment.UserName == "root";

    private string State => _temp + "/state";

    public void Dispose()
    {
        foreach (Process p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit();
            }

            p.Dispose();
        }

        if (Directory.Exists(_parent))
        {
            foreach (string dir in Directory.GetDirectories(_parent, "*", SearchOption.AllDirectories)
                .OrderByDescending(d => d.Length)
                .Append(_parent))
            {
                _ = Cleanup.RemoveWithRetry(LinuxCgroupFs.Instance, dir);
            }
        }

        Directory.Delete(_temp, recursive: true);
    }

    /// <summary>
    /// A sleep of the test's own, joined to a real memory cgroup <paramref name="cgroup"/> (made here).
    /// </summary>
    private Process Inside(string cgroup)
    {
        Directory.CreateDirectory(cgroup);
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo $$ > '{cgroup}/cgroup.procs' && exec sleep 300");
        Process p = Process.Start(start)!;
        _processes.Add(p);
        for (int i = 0; i < 250 && !File.ReadAllText(cgroup + "/cgroup.procs")
            .Contains(p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal); i++)
        {
            Thread.Sleep(20);
        }

        return p;
    }

    private void Entry(string parent, string mount)
    {
        Directory.CreateDirectory(State + "/journal");
        File.WriteAllText(
            $"{State}/journal/{parent}.entry",
            $"kind={parent.Split('-')[1]}\npid={parent.Split('-')[2]}\nstart=1\nparent={parent}\nmount={mount}\n");
    }

    [Fact]
    public void A_journal_mount_that_links_to_another_cgroup_kills_nobody()
    {
        if (!Available)
        {
            return;
        }

        Process victim = Inside(_parent + "/victim");
        Directory.CreateDirectory(_temp + "/evil");
        File.CreateSymbolicLink(_temp + "/evil/cgleak-probe-999999-0000abcd", _parent + "/victim");
        Entry("cgleak-probe-999999-0000abcd", _temp + "/evil");
        CleanupReport report = new Cleanup(LinuxCgroupFs.Instance, State, [_parent]).Run();
        Thread.Sleep(100);
        Assert.False(victim.HasExited);
        Assert.True(Directory.Exists(_parent + "/victim"));
        Assert.Contains(report.Left, l => l.Contains("not a cgroup mount", StringComparison.Ordinal));
    }

    [Fact]
    public void A_journal_mount_written_with_dotdot_kills_nobody()
    {
        if (!Available)
        {
            return;
        }

        Process victim = Inside(_parent + "/cgleak-probe-999999-0000abcd/pod");
        Directory.CreateDirectory(_parent + "/x");
        Entry("cgleak-probe-999999-0000abcd", _parent + "/x/..");
        new Cleanup(LinuxCgroupFs.Instance, State, [_parent]).Run();
        Thread.Sleep(100);
        Assert.False(victim.HasExited);
    }

    [Fact]
    public void A_valid_entry_of_a_dead_run_has_its_processes_killed_and_its_tree_removed()
    {
        if (!Available)
        {
            return;
        }

        const string Parent = "cgleak-repro-999999-0000abcd";
        Process pod = Inside($"{_parent}/{Parent}/kubepods/pod0");
        Entry(Parent, _parent);
        CleanupReport report = new Cleanup(LinuxCgroupFs.Instance, State, [_parent]).Run();
        Assert.True(pod.WaitForExit(5000));
        Assert.False(Directory.Exists($"{_parent}/{Parent}"));
        Assert.Empty(report.Left);
        Assert.False(File.Exists($"{State}/journal/{Parent}.entry"));
    }

    [Fact]
    public void A_tree_without_a_journal_entry_is_not_emptied_by_killing()
    {
        if (!Available)
        {
            return;
        }

        Process victim = Inside($"{_parent}/cgleak-probe-999998-00000001");
        CleanupReport report = new Cleanup(LinuxCgroupFs.Instance, State, [_parent]).Run();
        Assert.False(victim.HasExited);
        Assert.Contains(report.Left, l => l.Contains("none was killed", StringComparison.Ordinal));
    }
}
