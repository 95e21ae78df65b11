using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>
/// cgleak-agent (the native program the DaemonSet runs) against what a hostile client or an unlucky node does:
/// Host headers, connections that never finish, a read of the host that blocks, a port in use, SIGHUP.
/// </summary>
public sealed class AgentProcessHardeningTests : IDisposable
{
    private readonly AgentProcesses _agents = new();
    private readonly List<string> _directories = [];

    public void Dispose()
    {
        _agents.Dispose();
        _directories.ForEach(d => Directory.Delete(d, recursive: true));
    }

    private static string AgentBinary => Path.Combine(Path.GetDirectoryName(CgleakProcess.Native)!, "cgleak-agent");

    private static string Leaking => Repo.Fixture("el7-957-leaking");

    private (AgentProcesses.Started Agent, int Port) StartReady(params string[] args)
    {
        int port = AgentProcesses.FreePort();
        AgentProcesses.Started agent = _agents.Start(AgentBinary, ["--listen", $"127.0.0.1:{port}", .. args]);
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        return (agent, port);
    }

    private static long ResidentKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    [Fact]
    public void As_the_daemonsets_user_a_var_log_of_mode_0750_is_a_problem_line_and_the_agent_becomes_ready()
    {
        // The CIS benchmark's /var/log (root:root 0750), read as the DaemonSet's user 65534.
        string t = Path.Combine("/tmp", $"cgleak-cis-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _directories.Add(t);
        var copy = CgleakProcess.RunTool(
            "sh",
            "-c",
            $"mkdir -m 755 '{t}' && cp -a '{Leaking}/.' '{t}' && chmod 0750 '{t}/var/log'");
        Assert.True(copy.ExitCode == 0, copy.Stderr);
        int port = AgentProcesses.FreePort();
        _agents.Start("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", AgentBinary, "--listen",
            $"127.0.0.1:{port}", "--host-root", t]);
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        Assert.Contains("cgleak_memory_cgroups", _agents.Get(port, "/metrics"), StringComparison.Ordinal);
        Assert.Contains("Permission denied", _agents.Get(port, "/status"), StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_answer_whatever_the_host_header_says()
    {
        (_, int port) = StartReady("--host-root", Leaking);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (string host in (string[])[$"localhost:{port}", "node-7.example.com:9739", "10.0.0.7"])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/metrics"));
            request.Headers.Host = host;
            using HttpResponseMessage response = http.Send(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Host: {host} got {(int)response.StatusCode}");
        }
    }

    [Fact]
    public void Four_thousand_connections_that_never_finish_their_headers_leave_memory_bounded_and_the_agent_answering()
    {
        (AgentProcesses.Started agent, int port) = StartReady("--host-root", Leaking);
        _agents.Get(port, "/metrics");
        long before = ResidentKiB(agent.Process.Id);
        var slow = new List<Socket>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 4000 && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                slow.Add(s);
                s.Connect(IPAddress.Loopback, port);
                s.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow"u8.ToArray());
            }

            Thread.Sleep(1000);

            // Held open, each took about 13 KB and a descriptor (6,000 took the pod past 96 MiB). Capped, the agent
            // keeps at most 64; what remains is the collector's allowance for the garbage of the ones it closed.
            long after = ResidentKiB(agent.Process.Id);
            int descriptors = Directory.GetFiles($"/proc/{agent.Process.Id}/fd").Length;
            Assert.True(
                descriptors < 200,
                $"{descriptors} descriptors open in the agent with {slow.Count} unfinished requests");
            Assert.True(
                after - before < 20 * 1024,
                $"resident {before} KiB before, {after} KiB with {slow.Count} unfinished requests open");
            var scrape = Stopwatch.StartNew();
            Assert.Contains(
                "cgleak_verdict{verdict=\"affected\"} 1",
                _agents.Get(port, "/metrics"),
                StringComparison.Ordinal);
            Assert.True(scrape.Elapsed < TimeSpan.FromSeconds(2), $"a scrape took {scrape.Elapsed}");

            // Every one is closed by the agent: at once past the cap, the rest after the 10 s header timeout.
            Socket last = slow[^1];
            last.ReceiveTimeout = 15_000;
            slow[0].ReceiveTimeout = 1_000;
            Assert.True(TestSockets.ClosedByServer(last), "the last connection is still open after 15 s");
            Assert.True(TestSockets.ClosedByServer(slow[0]), "the first connection is still open");
        }
        finally
        {
            slow.ForEach(s => s.Dispose());
        }

        Assert.Equal(HttpStatusCode.OK, _agents.Status(port, "/healthz"));
    }

    [Fact]
    public void A_read_of_the_host_that_blocks_fails_healthz_and_sigterm_still_ends_the_agent_at_once()
    {
        // A copy of the fixture whose /proc/cgroups is a FIFO nobody writes: open() blocks for ever, unless the
        // reader refuses FIFOs (then the sample ends with a problem, and /healthz must stay 200).
        string root = Directory.CreateTempSubdirectory("cgleak-agent-fifo-").FullName;
        _directories.Add(root);
        Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Leaking + "/.", root).ExitCode);
        File.Delete(Path.Combine(root, "proc", "cgroups"));
        Assert.Equal(0, CgleakProcess.RunTool("mkfifo", Path.Combine(root, "proc", "cgroups")).ExitCode);

        int port = AgentProcesses.FreePort();
        AgentProcesses.Started agent = _agents.Start(
            AgentBinary,
            "--host-root",
            root,
            "--interval",
            "1",
            "--listen",
            $"127.0.0.1:{port}");
        var started = Stopwatch.StartNew();
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK
            || _agents.Status(port, "/healthz") == HttpStatusCode.ServiceUnavailable, seconds: 15);
        if (_agents.Status(port, "/readyz") != HttpStatusCode.OK)
        {
            Assert.True(started.Elapsed > TimeSpan.FromSeconds(2.5), "unhealthy before 3 intervals");
            string why = CgleakProcess.RunTool("curl", "-s", $"http://127.0.0.1:{port}/healthz").Stdout;
            Assert.StartsWith("a sample is stuck: running for ", why, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, _agents.Status(port, "/healthz"));
        }

        var stopping = Stopwatch.StartNew();
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(3), $"SIGTERM took {stopping.Elapsed}");
    }

    [Fact]
    public void Every_address_is_ipv4_and_ipv6_and_the_start_line_and_warning_say_where_and_what()
    {
        // In a network namespace of the test's own (only its loopback): [::] binds nothing on the machine's network.
        int port = 9739;
        AgentProcesses.Started agent = _agents.Start(
            "unshare",
            "--net",
            "--",
            "sh",
            "-c",
            "ip link set lo up && exec \"$0\" \"$@\"",
            AgentBinary,
            "--host-root",
            Leaking,
            "--listen",
            $"[::]:{port}");
        string Curl(
            string url) => CgleakProcess.RunTool("nsenter", $"--net=/proc/{agent.Process.Id}/ns/net", "curl", "-s",
                "-o", "/dev/null", "-w", "%{http_code}", url).Stdout;
        AgentProcesses.WaitFor(() => Curl($"http://127.0.0.1:{port}/readyz") == "200");
        Assert.Equal("200", Curl($"http://[::1]:{port}/metrics"));
        Assert.Equal("200", Curl($"http://localhost:{port}/metrics"));

        Assert.Contains(
            $"cgleak-agent 0.1.0 listening on [::]:{port} (IPv4 and IPv6) (host root {Leaking}, a sample every 30 s)",
            agent.Log,
            StringComparison.Ordinal);
        Assert.Contains(
            "listening beyond loopback: anyone who reaches this port reads, without authentication,",
            agent.Log,
            StringComparison.Ordinal);
        Assert.Contains(
            "full kernel command line and log lines that name pods; --status-redact",
            agent.Log,
            StringComparison.Ordinal);
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void On_loopback_the_start_line_has_no_warning()
    {
        (AgentProcesses.Started agent, int port) = StartReady("--host-root", Leaking, "--interval", "5");
        Assert.Contains(
            $"cgleak-agent 0.1.0 listening on 127.0.0.1:{port} (host root {Leaking}, a sample every 5 s)",
            agent.Log,
            StringComparison.Ordinal);
        Assert.DoesNotContain("beyond loopback", agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_in_use_is_one_line_and_exit_69()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        (int code, string stdout, string stderr) = CgleakProcess.RunTool(
            AgentBinary,
            "--host-root",
            Leaking,
            "--listen",
            $"127.0.0.1:{port}");
        Assert.Equal(69, code);
        Assert.Equal(
            $"cgleak-agent: --listen 127.0.0.1:{port}: address already in use (another agent or node_exporter?)\n",
            stderr);
        Assert.Equal("", stdout);

        (code, _, stderr) = CgleakProcess.RunTool(AgentBinary, "--listen", "node-7:9739");
        Assert.Equal(64, code);
        Assert.Equal(
            "cgleak-agent: --listen node-7:9739: HOST must be an IP address, localhost or empty (every address)\n",
            stderr);
    }

    [Fact]
    public void Sighup_is_ignored_and_said_so()
    {
        (AgentProcesses.Started agent, int port) = StartReady("--host-root", Leaking);
        CgleakProcess.RunTool("kill", "-HUP", agent.Process.Id.ToString(CultureInfo.InvariantCulture));
        AgentProcesses.WaitFor(
            () => agent.Log.Contains("SIGHUP ignored", StringComparison.Ordinal) || agent.Process.HasExited,
            seconds: 10);
        Assert.False(
            agent.Process.HasExited,
            $"SIGHUP ended the agent: exit {(agent.Process.HasExited ? agent.Process.ExitCode : 0)}");
        Assert.Equal(HttpStatusCode.OK, _agents.Status(port, "/healthz"));
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void Status_redact_leaves_the_command_line_and_log_lines_out_of_status()
    {
        (_, int port) = StartReady("--host-root", Leaking);
        string full = _agents.Get(port, "/status");
        (_, int redactedPort) = StartReady("--host-root", Leaking, "--status-redact");
        string redacted = _agents.Get(redactedPort, "/status");

        // What the fixture's /proc/cmdline and /var/log/messages hold: a pod's UID and name, the node's name.
        foreach (string secret in (string[])["crashkernel=auto", "kube-worker-03", "web-7d9f8b6c5-x2x9z",
            "4a9c1b2e-5d3f"])
        {
            Assert.Contains(secret, full, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        }

        Assert.Contains("\"verdict\": \"affected\"", redacted, StringComparison.Ordinal);
        Assert.Contains(
            "40 x memory cgroup mkdir failed, last Mar  3 11:49:17 (line left out: --status-redact)",
            redacted,
            StringComparison.Ordinal);
        Assert.Contains("\"cmdline\": null", redacted, StringComparison.Ordinal);
        Assert.Contains(
            "--status-redact",
            CgleakProcess.RunTool(AgentBinary, "--help").Stdout,
            StringComparison.Ordinal);
    }
}
