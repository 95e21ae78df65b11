using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Host;
using Cgleak.Host.Kernel;
using Cgleak.Lab;
using Cgleak.Lab.Tests;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// probe, cleanup, repro, verify --canary and doctor --probe, in-process, their cgroups on the refusing stand-in.
/// </summary>
public sealed partial class LabCommandTests : StandInCommandTest
{
    [Fact]
    public void Probe_until_full_reports_the_exact_free_slots_in_json_and_gives_every_slot_back()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 1234, Errno.ENOMEM);
        var args = new ProbeArgs(Max: 10, UntilFull: true, Yes: true, Json: true, State, HoldSeconds: 0);
        var run = InProcess.Run(o => ProbeCommand.Run(args, o, Access(fs), TimeProvider.System, InProcess.NoSignals));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(Mount, (string?)doc["memoryMount"]);
        Assert.Equal(1233, (int)doc["created"]!); // the scratch parent took one slot
        Assert.Equal(1234, (long)doc["freeSlots"]!);
        Assert.True((bool)doc["exact"]!);
        Assert.Equal(65535 - 1234, (long)doc["idsInUse"]!);
        Assert.Contains("ENOMEM", (string?)doc["refusedWith"], StringComparison.Ordinal);
        Assert.Empty(doc["left"]!.AsArray());
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Fact]
    public void A_bounded_probe_in_text_names_the_mount_and_the_lower_bound()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 5000);
        var args = new ProbeArgs(Max: 100, UntilFull: false, Yes: false, Json: false, State, HoldSeconds: 0);
        var run = InProcess.Run(o => ProbeCommand.Run(args, o, Access(fs), TimeProvider.System, InProcess.NoSignals));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        string[] lines = run.Stdout.Split('\n');
        Assert.Contains(
            lines,
            l => l.Contains(" 100 ", StringComparison.Ordinal) && l.Contains(Mount, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Free slots", StringComparison.Ordinal)
            && l.Contains("101", StringComparison.Ordinal)
            && l.Contains("--max 100", StringComparison.Ordinal));
        Assert.Equal(0, fs.Taken);
    }

    [Theory]
    [InlineData(0, 0.0, "--max")]
    [InlineData(5, -1.0, "--hold")]
    public void Probe_arguments_out_of_range_are_usage_errors_before_any_cgroup_is_made(
        int max,
        double hold,
        string named)
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 10);
        var args = new ProbeArgs(max, UntilFull: false, Yes: false, Json: false, State, hold);
        var e = Assert.Throws<UserFacingException>(
            () => ProbeCommand.Run(args, TextWriter.Null, Access(fs), TimeProvider.System, InProcess.NoSignals));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.StartsWith(named, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Cleanup_removes_a_dead_runs_tree_and_names_it(bool json)
    {
        string dead = Path.Combine(Mount, "cgleak-repro-999998-00001234");
        Directory.CreateDirectory(Path.Combine(dead, "kubepods"));
        string kubepods = Directory.CreateDirectory(Path.Combine(Mount, "kubepods")).FullName;
        var run = InProcess.Run(
            o => CleanupCommand.Run(new CleanupArgs(json, State), o, Access(new RefusingCgroupFsStandIn(
                freeSlots: 10))));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.False(Directory.Exists(dead));
        Assert.True(Directory.Exists(kubepods));
        if (json)
        {
            JsonNode doc = JsonNode.Parse(run.Stdout)!;
            string[] removed = [.. doc["removed"]!.AsArray().Select(n => (string)n!)];
            Assert.Contains(dead, removed);
            // the tree, deepest first; nothing else
            Assert.All(removed, r => Assert.StartsWith(dead, r, StringComparison.Ordinal));
            Assert.Empty(doc["left"]!.AsArray());
        }
        else
        {
            Assert.Contains(run.Stdout.Split('\n'), l => l.EndsWith(dead, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Cleanup_with_nothing_left_exits_0_and_writes_empty_lists()
    {
        var run = InProcess.Run(
            o => CleanupCommand.Run(new CleanupArgs(true, State), o, Access(new RefusingCgroupFsStandIn(
                freeSlots: 10))));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(1, (int)doc["schemaVersion"]!);
        Assert.Empty(doc["removed"]!.AsArray());
    }

    /// <summary>repro --runtime none --pods 2 --probe-max 10 --json, state under this test's directory.</summary>
    private ReproArgs TwoPodsWithoutARuntime() => new(
        "none",
        Pods: 2,
        Parallel: 1,
        KeepFiles: false,
        Kmem: null,
        ProbeMax: 10,
        UntilFull: false,
        Yes: false,
        Json: true,
        State);

    [Fact]
    public void A_repro_at_the_wall_fails_with_the_refusal_and_leaves_nothing()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 2);
        ReproArgs args = TwoPodsWithoutARuntime();
        var e = Assert.Throws<LabException>(
            () => ReproCommand.Run(args, TextWriter.Null, Access(fs), TimeProvider.System, InProcess.NoSignals));
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Fact]
    public void A_repro_without_a_runtime_runs_its_pods_through_the_stand_in_and_removes_everything()
    {
        var fs = new CgroupfsStandIn(new RefusingCgroupFsStandIn(freeSlots: 1000));
        ReproArgs args = TwoPodsWithoutARuntime();
        // The counts settle on a fake clock; the pods' shells are real, so it runs no faster than 5x real time.
        var clock = new DrivenClock { RealPause = TimeSpan.FromMilliseconds(20) };
        var run = clock.Run(() => InProcess.Run(o => ReproCommand.Run(args, o, Access(fs), clock,
            InProcess.NoSignals)));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(("none", 2, false), ((string?)doc["runtime"], (int)doc["pods"]!, (bool)doc["keepFiles"]!));
        JsonArray steps = doc["steps"]!.AsArray();
        Assert.Equal(["before", "with pods", "after delete"], steps.Select(s => (string)s!["name"]!));
        // --probe-max 10 and the probe's parent
        Assert.All(steps, s => Assert.Equal((11L, false), ((long)s!["freeSlots"]!, (bool)s["freeSlotsExact"]!)));
        Assert.False(string.IsNullOrEmpty((string?)doc["conclusion"]));

        // The pods as kubelet lays them out, a pause and an app container each, every process in its cgroup and gone.
        string[] pods = [.. fs.Made.Where(p => PodCgroup().IsMatch(p[Mount.Length..]))];
        string[] containers = [.. fs.Made.Where(p => ContainerCgroup().IsMatch(p[Mount.Length..]))];
        Assert.Equal((2, 4), (pods.Length, containers.Length));
        Assert.All(containers, c => Assert.Contains(pods, p => c.StartsWith(p + "/", StringComparison.Ordinal)));
        Assert.Equal(4, fs.TasksSeen.Distinct().Count());
        Assert.All(fs.TasksSeen, pid => Assert.False(Directory.Exists($"/proc/{pid}")));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(6), $"{clock.Elapsed}"); // settled twice, 3 s each

        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
        Assert.Empty(Directory.GetFiles(Path.Combine(State, "journal")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(State, "bundles")));
    }

    [Theory]
    [InlineData(0, 4, null, "none", "--pods")]
    [InlineData(2, 0, null, "none", "--parallel")]
    [InlineData(2, 4, "64X", "runc", "64X")]
    [InlineData(2, 4, "64M", "none", "--kmem")]
    public void Repro_arguments_that_cannot_run_are_usage_errors(
        int pods,
        int parallel,
        string? kmem,
        string runtime,
        string named)
    {
        var args = new ReproArgs(
            runtime,
            pods,
            parallel,
            KeepFiles: false,
            kmem,
            ProbeMax: 10,
            UntilFull: false,
            Yes: false,
            Json: false,
            State);
        var e = Assert.Throws<UserFacingException>(
            () => ReproCommand.Run(args, TextWriter.Null, Access(new RefusingCgroupFsStandIn(10)), TimeProvider.System,
                InProcess.NoSignals));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verify_canary_at_the_wall_fails_with_the_refusal_and_leaves_nothing()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 0);
        var args = new VerifyArgs(Canary: true, UntilFull: false, Yes: false, Json: true, State);
        // a kernel that counts dying cgroups: the canary runs
        HostRoot host = HostRoot.At(Repo.Fixture("ubuntu-5.4-dying"));
        var e = Assert.Throws<LabException>(
            () => VerifyCommand.Run(args, TextWriter.Null, host, Access(fs), TimeProvider.System, InProcess.NoSignals));
        Assert.Contains("the node is at the wall", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Fact]
    public void A_verify_canary_on_a_kernel_that_hides_dying_cgroups_is_undecided_and_makes_no_cgroup()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 100);
        var args = new VerifyArgs(Canary: true, UntilFull: false, Yes: false, Json: true, State);
        HostRoot host = HostRoot.At(Repo.Fixture("el7-nokmem-fixed")); // 3.10: /proc/cgroups does not count dying ones
        var run = InProcess.Run(o => VerifyCommand.Run(args, o, host, Access(fs), TimeProvider.System,
            InProcess.NoSignals));
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(("none", 0), ((string?)doc["canary"]!["method"], (int)doc["canary"]!["canaries"]!));
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Fact]
    public void Doctor_probe_measures_the_headroom_through_the_stand_in_and_gives_it_back()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 40);
        var args = new DoctorArgs(HostRoot: null, Json: true, Probe: true, ProbeMax: 1000, StateDirectory: State);
        var run = InProcess.Run(o => DoctorCommand.Run(args, o, Access(fs), InProcess.NoSignals));
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Equal((int)doc["exitCode"]!, run.ExitCode);
        Assert.Equal(65535 - 40, (long)doc["memoryCgroups"]!["idsInUse"]!); // the kernel refused the 41st: exact
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [Fact]
    public void Doctor_probe_on_a_host_tree_is_refused_before_any_cgroup_is_made()
    {
        var args = new DoctorArgs(Repo.Fixture("el7-957-leaking"), Json: false, Probe: true, StateDirectory: State);
        var e = Assert.Throws<UserFacingException>(
            () => DoctorCommand.Run(args, TextWriter.Null, Access(new RefusingCgroupFsStandIn(10)),
                InProcess.NoSignals));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }

    [GeneratedRegex(@"^/cgleak-repro-\d+-[0-9a-f]+/kubepods/besteffort/pod[0-9a-f-]{36}$")]
    private static partial Regex PodCgroup();

    [GeneratedRegex(@"^/cgleak-repro-\d+-[0-9a-f]+/kubepods/besteffort/pod[0-9a-f-]{36}/[0-9a-f]{64}$")]
    private static partial Regex ContainerCgroup();
}
