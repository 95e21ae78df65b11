using System.Diagnostics;

namespace Cgleak.Lab.Tests;

/// <summary>
/// A journal is evidence, not an order: entries that name anything but cgleak's own scratch trees, bundles
/// and containers are reported and left. Each victim is a process of the test's own (sleep), listed in a
/// stand-in cgroup.procs where a hostile entry points; it must still run afterwards. Victims are killed by PID.
/// </summary>
public sealed class HostileJournalTests : IDisposable
{
    private const string Dead = "cgleak-probe-999999-0000abcd";

    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-hostile-").FullName;
    private readonly List<Process> _victims = [];

    public HostileJournalTests()
    {
        Directory.CreateDirectory(Mount);
        Directory.CreateDirectory(State + "/journal");
    }

    private string Mount => _root + "/mount";

    private string State => _root + "/state";

    public void Dispose()
    {
        foreach (Process p in _victims)
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit();
            }

            p.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A process of the test's own, listed in DIR/cgroup.procs as if it lived in that cgroup.</summary>
    private Process Victim(string cgroupDir)
    {
        Process p = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        _victims.Add(p);
        Directory.CreateDirectory(cgroupDir);
        File.WriteAllText(cgroupDir + "/cgroup.procs", $"{p.Id}\n");
        return p;
    }

    private string Entry(string parent, params string[] lines)
    {
        string file = $"{State}/journal/{parent}.entry";
        File.WriteAllText(file, $"kind={parent.Split('-')[1]}\npid={parent.Split('-')[2]}\nstart=1\nparent={parent}\n"
            + string.Concat(lines.Select(l => l + "\n")));
        return file;
    }

    private CleanupReport Run(Func<string, bool>? deleteContainer = null) =>
        new Cleanup(new RefusingCgroupFsStandIn(100), State, [Mount], deleteContainer).Run();

    private static void StillRuns(Process victim)
    {
        Thread.Sleep(50);
        Assert.False(victim.HasExited, "cleanup killed a process that is not cgleak's");
    }

    [Fact]
    public void A_mount_written_with_dotdot_reaches_nothing()
    {
        Process victim = Victim($"{_root}/kubepods/{Dead}");
        string file = Entry(Dead, $"mount={Mount}/../kubepods");
        CleanupReport report = Run();
        StillRuns(victim);
        Assert.True(File.Exists($"{_root}/kubepods/{Dead}/cgroup.procs"));
        Assert.Contains(report.Left, l => l.Contains(file, StringComparison.Ordinal)
            && l.Contains("not a cgroup mount", StringComparison.Ordinal));
        Assert.True(File.Exists(file));
    }

    [Fact]
    public void A_mount_through_a_symbolic_link_reaches_nothing()
    {
        Process victim = Victim($"{_root}/kubepods/{Dead}");
        File.CreateSymbolicLink($"{_root}/link", $"{_root}/kubepods");
        Entry(Dead, $"mount={_root}/link");
        Run();
        StillRuns(victim);
    }

    [Fact]
    public void A_scratch_name_that_is_a_link_into_another_cgroup_is_neither_followed_by_journal_nor_by_name()
    {
        Process victim = Victim($"{_root}/kubepods/pod1");
        File.CreateSymbolicLink($"{Mount}/{Dead}", $"{_root}/kubepods");
        Entry(Dead, $"mount={Mount}");
        CleanupReport report = Run();
        StillRuns(victim);
        Assert.True(File.Exists($"{_root}/kubepods/pod1/cgroup.procs"));
        Assert.Contains(report.Left, l => l.Contains("symbolic link", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bundle_outside_the_state_directory_is_not_deleted()
    {
        Directory.CreateDirectory($"{_root}/cgleak-precious/data");
        Entry(Dead, $"mount={Mount}", $"bundle={State}/bundles/../../cgleak-precious");
        Entry("cgleak-repro-999998-00000001", $"mount={Mount}", $"bundle={_root}/cgleak-precious");
        CleanupReport report = Run();
        Assert.True(Directory.Exists($"{_root}/cgleak-precious/data"));
        Assert.Equal(2, report.Left.Count(l => l.Contains("bundle", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_container_that_is_not_cgleaks_is_not_deleted()
    {
        var asked = new List<string>();
        Entry(
            "cgleak-repro-999999-0000abcd",
            $"mount={Mount}",
            "container=kube-apiserver",
            "container=cgleak-999999-0-pause");
        Entry("cgleak-repro-999998-0000abcd", $"mount={Mount}", "container=cgleak-12345-0-app"); // another run's pid
        Run(id => { asked.Add(id); return true; });
        Assert.Empty(asked);
    }

    [Fact]
    public void Only_a_valid_entry_has_its_containers_deleted_and_its_processes_killed()
    {
        const string Repro = "cgleak-repro-999999-0000abcd";
        Process pod = Victim($"{Mount}/{Repro}/kubepods/pod0");
        Directory.CreateDirectory($"{State}/bundles/{Repro}/rootfs");
        var asked = new List<string>();
        Entry(Repro, $"mount={Mount}", "container=cgleak-999999-0-pause", $"bundle={State}/bundles/{Repro}");
        Run(id => { asked.Add(id); return true; });
        Assert.True(pod.WaitForExit(5000), "the killed run's own pod was not killed");
        Assert.Equal(["cgleak-999999-0-pause"], asked);
        Assert.False(Directory.Exists($"{State}/bundles/{Repro}"));
    }

    [Fact]
    public void A_tree_found_only_by_name_is_removed_when_empty_but_its_processes_are_not_killed()
    {
        Process victim = Victim($"{Mount}/cgleak-probe-999997-00000001/x");
        CleanupReport report = Run();
        StillRuns(victim);
        Assert.Contains(report.Left, l => l.Contains("cgleak-probe-999997-00000001", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("foo.entry", "kind=probe\n")]
    [InlineData("cgleak-probe-999999-0000abcd.entry", "\u0000\u0001garbage")]
    [InlineData(
        "cgleak-probe-999998-0000abcd.entry",
        "kind=probe\npid=x\nstart=1\nparent=cgleak-probe-999998-0000abcd\n")]
    [InlineData(
        "cgleak-probe-999997-0000abcd.entry",
        "kind=probe\npid=999997\nstart=1\nparent=cgleak-probe-999997-0000abcd\nparent=kubepods\n")]
    public void An_unparsable_entry_is_reported_and_skipped(string name, string text)
    {
        File.WriteAllText($"{State}/journal/{name}", text);
        File.WriteAllBytes($"{State}/journal/cgleak-probe-999996-0000abcd.entry", [0xff, 0xfe, 0x0a]);
        CleanupReport report = Run();
        Assert.Contains(
            report.Left,
            l => l.Contains(name, StringComparison.Ordinal) && l.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains(
            report.Left,
            l => l.Contains("cgleak-probe-999996-0000abcd.entry: not UTF-8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fifo_entry_does_not_hang_cleanup()
    {
        string fifo = $"{State}/journal/{Dead}.entry";
        using (Process mk = Process.Start("mkfifo", fifo))
        {
            mk.WaitForExit();
        }

        Task<CleanupReport> run = Task.Run(() => Run());
        bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10))) == run;
        if (!finished)
        {
            using var unblock = new FileStream(fifo, FileMode.Open, FileAccess.Write); // let the stuck reader go
        }

        Assert.True(finished, "cleanup hung on a FIFO journal entry");
        Assert.Contains((await run).Left, l => l.Contains(fifo, StringComparison.Ordinal));
    }

    [Fact]
    public void An_entry_whose_lock_a_live_run_holds_is_not_taken_even_if_its_pid_looks_dead()
    {
        // The live run is another process holding the entry's lock (flock(1) stands in for a running probe).
        Process pod = Victim($"{Mount}/{Dead}/1");
        string entry = Entry(Dead, $"mount={Mount}");
        Process holder = Process.Start(new ProcessStartInfo(
            "flock",
            ["-x", Path.ChangeExtension(entry, ".lock"), "sleep", "300"])
        { UseShellExecute = false })!;
        _victims.Add(holder);
        for (int i = 0; i < 100 && !File.Exists(Path.ChangeExtension(entry, ".lock")); i++)
        {
            Thread.Sleep(20);
        }

        Thread.Sleep(100);
        CleanupReport report = Run();
        StillRuns(pod);
        Assert.True(File.Exists(entry));
        Assert.Contains(
            report.Skipped,
            s => s.Contains(Dead, StringComparison.Ordinal) && s.Contains("still running", StringComparison.Ordinal));
    }

    [Fact]
    public void A_live_runs_entry_is_never_taken_while_it_is_rewritten()
    {
        // A run of this process: its entry is rewritten as containers come; cleanup reads it at any moment.
        string name = $"cgleak-repro-{Environment.ProcessId}-0000cafe";
        Process pod = Victim($"{Mount}/{name}/pod");
        using JournalEntry live = JournalEntry.Begin(State, "repro", name, [Mount]);
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                live.AddContainer(Cleanup.ContainerId(Environment.ProcessId, i, "app"));
            }
        });
        writer.Start();
        for (int i = 0; i < 50; i++)
        {
            CleanupReport report = Run();
            Assert.DoesNotContain(report.Left, l => l.Contains(name, StringComparison.Ordinal)
                && !l.Contains(Mount + "/" + name, StringComparison.Ordinal));
        }

        stop.Cancel();
        writer.Join();
        StillRuns(pod);
        Assert.True(File.Exists(live.File));
    }
}
