using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cgleak.Agent;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// check, metrics, fix apply/undo, verify, reclaim --dry-run, completion, man, fleet and agent: their handlers,
/// in-process.
/// </summary>
public sealed class CommandHandlerTests
{
    [Theory]
    [InlineData("el7-957-leaking", 1, "affected: kmem.active-cgroups")]
    [InlineData("ubuntu-5.4-dying", 1, "at-risk: memcg.dying")]
    [InlineData("cgroup-v2", 0, "ok: IDs 0.1% used")]
    [InlineData("malformed", 2, "unknown: ")]
    public void Check_speaks_node_problem_detectors_protocol(string scenario, int exitCode, string messageStart)
    {
        var run = InProcess.Run(o => CheckCommand.Run(new CheckArgs(Npd: true, Repo.Fixture(scenario)), o));
        Assert.Equal(exitCode, run.ExitCode);
        string message = run.Stdout.TrimEnd('\n');
        Assert.StartsWith(messageStart, message, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(message), 1, 80);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Check_without_npd_is_a_usage_error()
    {
        var e = Assert.Throws<UserFacingException>(
            () => CheckCommand.Run(new CheckArgs(Npd: false, Repo.Fixture("cgroup-v2")), TextWriter.Null));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void Metrics_take_their_timestamp_from_the_clock_and_their_counts_from_the_host()
    {
        var at = new DateTimeOffset(2026, 3, 3, 11, 12, 17, TimeSpan.Zero);
        var run = InProcess.Run(
            o => MetricsCommand.Run(new MetricsArgs(Repo.Fixture("el7-957-leaking"), null), o, new FixedClock(at)));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Dictionary<string, string> samples = run.Stdout.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' ')).Where(p => p
                .Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.Equal(
            at.ToUnixTimeSeconds(),
            double.Parse(samples["cgleak_last_sample_timestamp_seconds"], CultureInfo.InvariantCulture));
        // the clock stood still
        Assert.Equal(0, double.Parse(samples["cgleak_scan_duration_seconds"], CultureInfo.InvariantCulture));
        Assert.Equal(65535, double.Parse(samples["cgleak_memory_cgroup_ids_limit"], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("/tmp/cgleak.txt", ".prom")]
    [InlineData("/no/such/dir/cgleak.prom", "/no/such/dir")]
    public void A_textfile_that_node_exporter_would_ignore_or_cannot_be_written_is_refused(
        string textfile,
        string named)
    {
        var e = Assert.Throws<UserFacingException>(
            () => MetricsCommand.Run(new MetricsArgs(null, textfile), TextWriter.Null, TimeProvider.System));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fix_apply_edits_the_boot_files_and_undo_restores_them_byte_for_byte()
    {
        string copy = Directory.CreateTempSubdirectory("cgleak-apply-").FullName;
        try
        {
            Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("boot-el7-bios") + "/.", copy).ExitCode);
            byte[] cfg = File.ReadAllBytes(copy + "/boot/grub2/grub.cfg");
            string state = Path.Combine(copy, "state");
            var apply = InProcess.Run(
                o => FixCommand.RunApply(new FixApplyArgs(copy, null, "auto", Yes: true, state), o));
            Assert.Equal(ExitCodes.Ok, apply.ExitCode);
            Assert.Contains(
                "cgroup.memory=nokmem",
                File.ReadAllText(copy + "/boot/grub2/grub.cfg"),
                StringComparison.Ordinal);
            Assert.Contains(apply.Stdout.Split('\n'), l => l.StartsWith(
                "cgleak fix apply: changed ",
                StringComparison.Ordinal)
                && l.Contains("/boot/grub2/grub.cfg", StringComparison.Ordinal));

            var undo = InProcess.Run(o => FixCommand.RunUndo(new FixUndoArgs(copy, Yes: true, state), o));
            Assert.Equal(ExitCodes.Ok, undo.ExitCode);
            Assert.Equal(cfg, File.ReadAllBytes(copy + "/boot/grub2/grub.cfg"));
            Assert.Contains("cgleak fix undo: ", undo.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Fix_apply_with_nothing_to_change_changes_nothing_and_exits_0()
    {
        var run = InProcess.Run(
            o => FixCommand.RunApply(new FixApplyArgs(Repo.Fixture("cgroup-v2"), null, "auto", Yes: false, null), o));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("nothing was changed", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("el7-957-leaking")]
    [InlineData("el7-nokmem-fixed")]
    [InlineData("cgroup-v2")]
    [InlineData("malformed")]
    public void Verify_exits_with_its_verdict_in_text_and_json(string scenario)
    {
        var args = new VerifyArgs(Canary: false, UntilFull: false, Yes: false, Json: true, "/nonexistent-cgleak-state");
        HostRoot host = HostRoot.At(Repo.Fixture(scenario));
        var json = InProcess.Run(o => VerifyCommand.Run(args, o, host, CgroupAccess.Live, TimeProvider.System,
            InProcess.NoSignals));
        JsonNode doc = JsonNode.Parse(json.Stdout)!;
        int expected = (string?)doc["verdict"] switch { "verified" => 0, "not-verified" => 1, _ => 3 };
        Assert.Equal(expected, json.ExitCode);
        Assert.NotEmpty(doc["items"]!.AsArray());
        Assert.Null(doc["canary"]);

        var text = InProcess.Run(
            o => VerifyCommand.Run(args with { Json = false }, o, host, CgroupAccess.Live, TimeProvider.System,
                InProcess.NoSignals));
        Assert.Equal(json.ExitCode, text.ExitCode);
        foreach (JsonNode? item in doc["items"]!.AsArray())
        {
            Assert.Contains($" {(string)item!["id"]!}: ", text.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reclaim_dry_run_reads_this_host_and_writes_nothing()
    {
        var run = InProcess.Run(o => ReclaimCommand.Run(
            new ReclaimArgs(DryRun: true, Yes: false, Json: true, WaitSeconds: 30),
            o,
            HostRoot.Live,
            TimeProvider.System,
            InProcess.NoSignals));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.True((bool)doc["dryRun"]!);
        Assert.Null(doc["dyingAfter"]);
        Assert.All(
            doc["actions"]!.AsArray(),
            a => Assert.StartsWith("/proc/sys/", (string)a!["file"]!, StringComparison.Ordinal));
    }

    [Fact]
    public void Reclaim_with_a_negative_wait_is_a_usage_error()
    {
        var args = new ReclaimArgs(DryRun: false, Yes: true, Json: false, WaitSeconds: -1);
        var e = Assert.Throws<UserFacingException>(
            () => ReclaimCommand.Run(args, TextWriter.Null, HostRoot.Live, TimeProvider.System, InProcess.NoSignals));
        Assert.Equal(
            (ExitCodes.Usage, true),
            (e.ExitCode, e.Message.StartsWith("--wait -1:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    public void Completion_completes_the_commands_and_options_it_is_given(string shell)
    {
        var root = new RootCommand { DoctorCommand.Create(), FixCommand.Create() };
        var run = InProcess.Run(o => CompletionCommand.Run(new CompletionArgs(shell), root, o));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        foreach (string word in (string[])["doctor", "fix", "plan", "apply", "undo", "host-root", "probe-max"])
        {
            Assert.Contains(word, run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Man_writes_a_page_per_command_and_refuses_a_missing_directory()
    {
        string dir = Directory.CreateTempSubdirectory("cgleak-man-").FullName;
        try
        {
            var root = new RootCommand("cgleak") { DoctorCommand.Create(), CheckCommand.Create() };
            Assert.Equal(ExitCodes.Ok, ManCommand.Run(new ManArgs(dir), root));
            Assert.Equal(
                ["cgleak-check.1", "cgleak-doctor.1", "cgleak.1"],
                Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
            Assert.Contains(
                "--host-root",
                File.ReadAllText(Path.Combine(dir, "cgleak-doctor.1")).Replace("\\-", "-", StringComparison.Ordinal),
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        var e = Assert.Throws<UserFacingException>(() => ManCommand.Run(new ManArgs(dir), new RootCommand()));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void Fleet_arguments_that_cannot_work_are_one_line_usage_errors_naming_the_argument()
    {
        (FleetArgs Args, string Named)[] cases =
        [
            (Fleet() with { Kubeconfig = "/dev/null", InCluster = true }, "--in-cluster"),
            (Fleet() with { Prometheus = "ftp://prometheus:9090" }, "--prometheus ftp://prometheus:9090"),
            (Fleet() with { PrometheusTokenFile = "/dev/null" }, "--prometheus-token-file"),
            (Fleet() with { Prometheus = "http://127.0.0.1:9", Lookback = "1 day" }, "--lookback"),
            (Fleet() with { Kubeconfig = "/no/such/kubeconfig" }, "/no/such/kubeconfig"),
        ];
        foreach ((FleetArgs args, string named) in cases)
        {
            var e = Assert.Throws<UserFacingException>(
                () => FleetCommand.Run(args, TextWriter.Null, TimeProvider.System));
            Assert.Equal((ExitCodes.Usage, true), (e.ExitCode, e.Message.Contains(named, StringComparison.Ordinal)));
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Theory]
    [InlineData(0.5, "127.0.0.1:0", 6, "--interval")]
    [InlineData(30, "127.0.0.1:0", 0, "--window")]
    [InlineData(30, "127.0.0.1", 6, "127.0.0.1")]
    public void Agent_options_out_of_range_are_usage_errors(double interval, string listen, double window, string named)
    {
        var e = Assert.Throws<UserFacingException>(() => AgentCommand.Run(
            new AgentArgs(null, interval, listen, window),
            TimeProvider.System,
            CancellationToken.None));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_whose_port_is_taken_exits_69_naming_it()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        string listen = taken.LocalEndPoint!.ToString()!;
        var e = Assert.Throws<UserFacingException>(
            () => AgentCommand.Run(new AgentArgs(null, 30, listen, 6), TimeProvider.System, CancellationToken.None));
        Assert.Equal(ExitCodes.Unavailable, e.ExitCode);
        Assert.Contains($"--listen {listen}: address already in use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_serves_its_host_trees_metrics_and_status_on_loopback_until_stopped()
    {
        int port = AgentProcesses.FreePort();
        var args = new AgentArgs(Repo.Fixture("el7-957-leaking"), IntervalSeconds: 30, $"127.0.0.1:{port}",
            WindowHours: 6);
        using var stop = new CancellationTokenSource();
        Task<int> agent = Task.Run(() => AgentCommand.Run(args, TimeProvider.System, stop.Token));
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(5),
        };
        try
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!agent.IsCompleted && !await Ready(http))
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the agent was not ready in 30 s");
                await Task.Delay(100);
            }

            Assert.False(agent.IsCompleted, "the agent ended before it was ready");
            string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("cgleak_verdict{verdict=\"affected\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("cgleak_verdict{verdict=\"ok\"} 0", metrics, StringComparison.Ordinal);
            Assert.Contains("cgleak_kmem_active_cgroups 39", metrics, StringComparison.Ordinal);
            Assert.Contains("cgleak_memory_cgroup_ids_limit 65535", metrics, StringComparison.Ordinal);
            JsonNode status = JsonNode.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)))!;
            Assert.Equal(("affected", 2), ((string?)status["verdict"], (int)status["exitCode"]!));
            Assert.Equal("3.10.0-957.27.2.el7.x86_64", (string?)status["host"]!["kernelRelease"]);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Same(agent, await Task.WhenAny(agent, Task.Delay(TimeSpan.FromSeconds(10)))); // it stopped
        }

        Assert.Equal(ExitCodes.Ok, await agent);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port)); // stopped, it no longer listens
    }

    private static async Task<bool> Ready(HttpClient http)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static FleetArgs Fleet()
        => new(null, null, null, null, null, false, "node", "cgleak", "1d", "15m", "30s", "text");

    /// <summary>A clock that stands still at one instant.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override long GetTimestamp() => 0;
    }
}
