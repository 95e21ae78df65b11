using Cgleak.Host.Kernel;

namespace Cgleak.Lab.Tests;

public sealed class ProbeAndCleanupTests : StandInTest
{
    [Theory]
    [InlineData(Errno.ENOSPC, "No space left on device (ENOSPC)")]
    [InlineData(Errno.ENOMEM, "Cannot allocate memory (ENOMEM)")]
    public void At_the_wall_the_free_slots_are_exact_and_everything_is_given_back(int errno, string refusal)
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 1234, errno);
        ProbeResult r = new Probe(fs, State, Cgroups, TimeProvider.System).Run(new ProbeRequest(Max: null),
            CancellationToken.None);
        Assert.True(r.Exact);
        Assert.Equal(1233, r.Created);          // the scratch parent took one slot
        Assert.Equal(1234, r.FreeSlots);
        Assert.Equal(65535 - 1234, r.IdsInUse);
        Assert.Equal(refusal, r.Refusal);
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetDirectories(Mount));
        Assert.Empty(Directory.GetFiles(Path.Combine(State, "journal")));
    }

    [Fact]
    public void A_bounded_probe_reports_a_lower_bound()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 5000);
        ProbeResult r = new Probe(fs, State, Cgroups, TimeProvider.System).Run(new ProbeRequest(Max: 100),
            CancellationToken.None);
        Assert.False(r.Exact);
        Assert.Equal((100, 101L), (r.Created, r.FreeSlots));
        Assert.Null(r.IdsInUse);
        Assert.Equal(0, fs.Taken);
    }

    [Fact]
    public void A_parent_refused_at_the_wall_means_no_free_slot()
    {
        ProbeResult r = new Probe(new RefusingCgroupFsStandIn(freeSlots: 0), State, Cgroups, TimeProvider.System).Run(
            new ProbeRequest(null),
            CancellationToken.None);
        Assert.Equal((0, 0L, true), (r.Created, r.FreeSlots, r.Exact));
    }

    [Fact]
    public void An_interrupted_probe_removes_what_it_made_and_says_so()
    {
        using var cancel = new CancellationTokenSource();
        var fs = new RefusingCgroupFsStandIn(freeSlots: 100_000);
        var probe = new Probe(fs, State, Cgroups, TimeProvider.System)
        {
            Progress = n =>
            {
                if (n >= 2048)
                {
                    cancel.Cancel();
                }
            },
        };
        Assert.ThrowsAny<OperationCanceledException>(() => probe.Run(new ProbeRequest(null), cancel.Token));
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetDirectories(Mount));
    }

    [Fact]
    public void Cleanup_removes_trees_of_dead_runs_by_journal_and_by_name_and_nothing_else()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 1000);
        // A run killed after journaling and creating: its entry names a pid that no longer runs.
        var dead = JournalEntry.Begin(State, "probe", "cgleak-probe-999999-0000abcd", [Mount]);
        Directory.CreateDirectory($"{Mount}/cgleak-probe-999999-0000abcd/1/2");
        File.WriteAllText(
            dead.File,
            File.ReadAllText(dead.File).Replace($"pid={Environment.ProcessId}", "pid=999999",
                StringComparison.Ordinal));
        dead.Dispose(); // the run died: its lock went with it
        // A tree without a journal (its state directory was lost), by name.
        Directory.CreateDirectory($"{Mount}/cgleak-repro-999998-00001234/kubepods");
        // A run still alive (this process), and things that are not scratch trees: all left alone.
        Directory.CreateDirectory($"{Mount}/cgleak-probe-{Environment.ProcessId}-0000beef");
        var alive = JournalEntry.Begin(State, "probe", $"cgleak-probe-{Environment.ProcessId}-0000beef", [Mount]);
        Directory.CreateDirectory($"{Mount}/process_api/cgleak-probe-999997-00000001");
        Directory.CreateDirectory($"{Mount}/cgleak-probe-notapid-1");
        Directory.CreateDirectory($"{Mount}/kubepods");

        CleanupReport report = new Cleanup(fs, State, [Mount]).Run();

        Assert.False(Directory.Exists($"{Mount}/cgleak-probe-999999-0000abcd"));
        Assert.False(Directory.Exists($"{Mount}/cgleak-repro-999998-00001234"));
        Assert.False(File.Exists(dead.File));
        Assert.True(Directory.Exists($"{Mount}/process_api/cgleak-probe-999997-00000001"));
        Assert.True(Directory.Exists($"{Mount}/cgleak-probe-notapid-1"));
        Assert.True(Directory.Exists($"{Mount}/kubepods"));
        Assert.True(File.Exists(alive.File));
        Assert.Empty(report.Left);
        Assert.Contains(report.Skipped, s => s.Contains("still running", StringComparison.Ordinal));
        Directory.Delete($"{Mount}/cgleak-probe-{Environment.ProcessId}-0000beef");
        alive.End();
    }

    [Fact]
    public void A_torn_journal_entry_is_reported_and_its_empty_tree_still_found_by_name()
    {
        Directory.CreateDirectory(Path.Combine(State, "journal"));
        File.WriteAllText(Path.Combine(State, "journal", "cgleak-probe-999996-0000aaaa.entry"), "kind=pro");
        Directory.CreateDirectory($"{Mount}/cgleak-probe-999996-0000aaaa/7");
        CleanupReport report = new Cleanup(new RefusingCgroupFsStandIn(10), State, [Mount]).Run();
        Assert.False(Directory.Exists($"{Mount}/cgleak-probe-999996-0000aaaa"));
        Assert.Contains(report.Left, l => l.Contains("cgleak-probe-999996-0000aaaa.entry", StringComparison.Ordinal)
            && l.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lock_left_without_its_entry_by_a_dead_run_is_removed_and_a_live_runs_lock_is_not()
    {
        string journal = Path.Combine(State, "journal");
        Directory.CreateDirectory(journal);
        // killed between its lock and its entry
        string dead = Path.Combine(journal, "cgleak-probe-999995-0000aaaa.lock");
        File.WriteAllText(dead, "");
        string notOurs = Path.Combine(journal, "notes.lock");
        File.WriteAllText(notOurs, "");
        using var alive = JournalEntry.Begin(State, "probe", $"cgleak-probe-{Environment.ProcessId}-0000beef", [Mount]);
        File.Delete(alive.File); // the live run between removing its entry and its lock

        CleanupReport report = new Cleanup(new RefusingCgroupFsStandIn(10), State, [Mount]).Run();
        Assert.Contains(dead, report.Removed);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(notOurs));
        Assert.True(File.Exists(alive.LockFile));
    }

    [Theory]
    [InlineData("cgleak-probe-123-0000abcd", true)]
    [InlineData("cgleak-repro-1-a", true)]
    [InlineData("cgleak-canary-77-ffffffff", true)]
    [InlineData("cgleak-test-5-1f", true)]
    [InlineData("cgleak-probe-123", false)]
    [InlineData("cgleak-bench-123", false)]
    [InlineData("process_api", false)]
    [InlineData("cgleak-probe-123-0000abcd/x", false)]
    public void Only_scratch_names_are_cleanup_material(string name, bool expected) =>
        Assert.Equal(expected, Scratch.IsScratchName(name));

    [Fact]
    public void Removing_a_tree_refuses_what_is_not_a_scratch_name() =>
        Assert.Throws<ArgumentException>(
            () => Cleanup.RemoveTrees(new RefusingCgroupFsStandIn(1), [Mount], "kubepods"));
}
