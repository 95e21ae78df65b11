using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// reclaim --wait, in-process, on a copy of a host tree that counts dying cgroups (ubuntu-5.4-dying): it writes the
/// plan's files in the copy, and the test moves a fake clock and the copy's /proc/cgroups together, so the wait is
/// seen ending when the count holds still and when the time is up, without sleeping for it.
/// </summary>
public sealed partial class ReclaimWaitTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly string _tree = Directory.CreateTempSubdirectory("cgleak-reclaim-host-").FullName;
    private readonly long _live;

    public ReclaimWaitTests()
    {
        Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("ubuntu-5.4-dying") + "/.", _tree).ExitCode);
        Directory.CreateDirectory(Path.Combine(_tree, "proc/sys/vm"));
        File.WriteAllText(Path.Combine(_tree, "proc/sys/vm/drop_caches"), "");
        _live = Doctor.Examine(HostRoot.At(_tree)).Counts.Live!.Value;
        SetDying(40_000);
    }

    public void Dispose() => Directory.Delete(_tree, recursive: true);

    [Fact]
    public void Reclaim_wait_ends_two_seconds_after_the_dying_count_stops_falling()
    {
        // Falls by 1000 at every poll for 3 s, then holds: 2 s later (SettleTime) the wait ends, long before
        // --wait 600.
        var clock = new DrivenClock
        {
            BeforeMove = t => SetDying(40_000 - (1000 * Polls(Min(t, TimeSpan.FromSeconds(3))))),
        };
        JsonNode doc = Reclaim(clock, waitSeconds: 600);
        Assert.False((bool)doc["dryRun"]!);
        Assert.Equal(40_000, (long)doc["dyingBefore"]!);
        Assert.Equal(28_000, (long)doc["dyingAfter"]!);
        Assert.Equal(12_000, (long)doc["released"]!);
        Assert.Equal(5.0, (double)doc["seconds"]!);
        Assert.Equal(20, clock.Moves); // one poll every 250 ms, no more
        Assert.Equal(("/proc/sys/vm/drop_caches", "3"), ((string)doc["actions"]![0]!["file"]!, (
            string)doc["actions"]![0]!["value"]!));
        Assert.Equal("3\n", File.ReadAllText(Path.Combine(_tree, "proc/sys/vm/drop_caches")));
    }

    [Fact]
    public void Reclaim_wait_ends_on_time_while_the_dying_count_still_falls()
    {
        var clock = new DrivenClock { BeforeMove = t => SetDying(40_000 - (10 * Polls(t))) };
        JsonNode doc = Reclaim(clock, waitSeconds: 30);
        Assert.Equal(30.0, (double)doc["seconds"]!);
        Assert.Equal(40_000 - (10 * 120), (long)doc["dyingAfter"]!); // the count at 30 s, the last poll
        Assert.Equal(1200, (long)doc["released"]!);
        Assert.Equal(120, clock.Moves);
    }

    [Fact]
    public void Reclaim_wait_0_writes_the_files_and_reads_the_count_once_without_waiting()
    {
        var clock = new DrivenClock();
        JsonNode doc = Reclaim(clock, waitSeconds: 0);
        Assert.Equal((0.0, 40_000L, 0), ((double)doc["seconds"]!, (long)doc["dyingAfter"]!, clock.Moves));
        Assert.Equal("3\n", File.ReadAllText(Path.Combine(_tree, "proc/sys/vm/drop_caches")));
    }

    private JsonNode Reclaim(DrivenClock clock, double waitSeconds)
    {
        var args = new ReclaimArgs(DryRun: false, Yes: true, Json: true, waitSeconds);
        var run = clock.Run(() => InProcess.Run(o => ReclaimCommand.Run(args, o, HostRoot.At(_tree), clock,
            InProcess.NoSignals)));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        return JsonNode.Parse(run.Stdout)!;
    }

    private static int Polls(TimeSpan t) => (int)(t / Poll);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The copy's /proc/cgroups, its memory row counting the live cgroups and <paramref name="dying"/>
    /// more.</summary>
    private void SetDying(long dying)
    {
        string path = Path.Combine(_tree, "proc/cgroups");
        File.WriteAllText(path, MemoryRow().Replace(File.ReadAllText(path), m => m.Groups[1].Value + (_live
            + dying).ToString(CultureInfo.InvariantCulture)));
    }

    [GeneratedRegex(@"(?m)(^memory\t\d+\t)\d+")]
    private static partial Regex MemoryRow();
}
