using System.Net;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The static binaries in a root that holds nothing else (EmptyRoot): what a node of any distribution gives
/// them, minus everything they could have borrowed from this machine.
/// </summary>
public sealed class EmptyRootTests(EmptyRoot root) : IClassFixture<EmptyRoot>, IDisposable
{
    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    [Fact]
    public void Doctor_and_fix_plan_on_every_fixture_equal_the_goldens() =>
        Goldens.AssertAllMatch(args => root.Run(args), EmptyRoot.Fixture);

    [Fact]
    public void The_live_doctor_reads_this_machine_through_the_read_only_proc_and_sys()
    {
        CgleakProcess.Result run = root.Run("doctor", "--json");
        Assert.InRange(run.ExitCode, 0, 3);
        Assert.Equal("", run.Stderr);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.True((bool)doc["host"]!["live"]!);
        Assert.Equal((string?)JsonNode.Parse(CgleakProcess.RunTool(NativeBinaries.Cgleak, "doctor", "--json")
            .Stdout)!["host"]!["memoryMount"],
            (string?)doc["host"]!["memoryMount"]);
        Assert.True((int?)doc["memoryCgroups"]!["live"] > 0, run.Stdout);
    }

    [Fact]
    public void The_agent_serves_metrics_and_stops_on_sigterm()
    {
        int port = AgentProcesses.FreePort();
        AgentProcesses.Started agent = _agents.Start(root.Start(null,
            "/bin/cgleak", "agent", "--host-root", EmptyRoot.Fixture(
                "el7-957-leaking"), "--interval", "1", "--listen", $"127.0.0.1:{port}"));
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        for (int scrape = 0; scrape < 3; scrape++)
        {
            Assert.Contains(
                "cgleak_verdict{verdict=\"affected\"} 1",
                _agents.Get(port, "/metrics"),
                StringComparison.Ordinal);
        }

        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void The_agent_reaches_the_kubernetes_api_over_https_with_no_libssl_on_disk()
    {
        using var pki = new TestPki();
        using var serviceAccount = new ServiceAccountDirectory(pki.CaPem, "token-1");
        using var api = new KubernetesApiStandIn(pki.Server);
        int port = AgentProcesses.FreePort();
        var start = root.Start(
            serviceAccount.Path,
            "/bin/cgleak-agent",
            "--kubernetes",
            "--host-root",
            EmptyRoot.Fixture("el7-957-leaking"),
            "--interval",
            "1",
            "--listen",
            $"127.0.0.1:{port}");
        KubernetesAgent.Environment(start, api.Port);
        AgentProcesses.Started agent = _agents.Start(start);

        KubernetesAgent.AssertConditionPatched(api);
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }
}
