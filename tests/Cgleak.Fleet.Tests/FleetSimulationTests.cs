using System.Text.Json.Nodes;
using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Fleet.Tests;

/// <summary>
/// cgleak fleet against a simulated fleet of real programs (<see cref="SimulatedFleet"/>): 13 native agents,
/// real Prometheus with the shipped rules, then the same nodes' conditions in the Kubernetes API stand-in.
/// </summary>
public sealed class FleetSimulationTests
{
    private static readonly string[] Urgency = ["affected", "at-risk", "not reporting", "unknown", "ok"];

    [Fact]
    public void Fleet_lists_every_node_by_urgency_shows_a_stopped_agent_as_not_reporting_and_the_alerts_follow()
    {
        using var fleet = new SimulatedFleet();
        fleet.Start();
        var expected = fleet.Members.ToDictionary(m => m.Node, m => VerdictNames.Of(SimulatedFleet.DoctorVerdict(m)));
        // The kinds the issue names, as the doctor judges their trees (with or without the 3.10 bound's verdict).
        Assert.Equal("affected", expected["el7-leaking"]);
        Assert.Equal("at-risk", expected["el7-at-risk"]);
        Assert.Equal("ok", expected["el7-fixed"]);
        Assert.Equal("at-risk", expected["ubuntu-dying"]);
        Assert.Equal("ok", expected["v2-healthy"]);
        Assert.Equal("unknown", expected["broken"]);
        Assert.Equal("affected", expected["el7-at-the-wall"]); // 3.10: at least 64734 of 65535 IDs in use (num_cgroups)

        // Every node, with its agent's verdict, most urgent first; exit 2: some node is affected.
        CgleakProcess.Result run = Fleet("--prometheus", fleet.PrometheusUrl, "--json");
        Assert.True(run.ExitCode == 2, run.Stdout + run.Stderr);
        JsonArray nodes = JsonNode.Parse(run.Stdout)!["nodes"]!.AsArray();
        Assert.Equal(
            expected.Keys.Order(StringComparer.Ordinal),
            nodes.Select(n => (string)n!["node"]!).Order(StringComparer.Ordinal));
        Assert.All(nodes, n => Assert.Equal(expected[(string)n!["node"]!], (string?)n["state"]));
        AssertSortedByUrgency(nodes);
        JsonNode wall = nodes.Single(n => (string?)n!["node"] == "el7-at-the-wall")!;
        Assert.Equal(64734, (long)wall["idsInUse"]!);
        Assert.True((bool)wall["idsInUseIsLowerBound"]!);
        Assert.StartsWith("3.10.0-", (string?)wall["kernel"], StringComparison.Ordinal);
        Assert.Contains(
            "kmem.active-cgroups",
            nodes.Single(n => (string?)n!["node"] == "el7-leaking")!["failingChecks"]!.AsArray().Select(c => (
                string?)c));

        CgleakProcess.Result text = Fleet("--prometheus", fleet.PrometheusUrl);
        int affected = expected.Values.Count(v => v == "affected"), atRisk = expected.Values
            .Count(v => v == "at-risk"), ok = expected.Values.Count(v => v == "ok");
        Assert.Contains(
            $"{affected} affected, {atRisk} at risk, {ok} ok, 0 not reporting, 1 unknown",
            text.Stdout,
            StringComparison.Ordinal);
        Assert.Contains(">=64734/65535", text.Stdout, StringComparison.Ordinal);

        // The 3.10 node that is only at risk raises its alert (nothing else would: its IDs in use are unknown).
        AgentProcesses.WaitFor(() => fleet.AlertState("CgleakNodeAtRisk", "el7-at-risk") == "firing", seconds: 60);
        AgentProcesses.WaitFor(
            () => fleet.AlertState("CgleakMemoryCgroupIdsCritical", "el7-at-the-wall") == "firing",
            seconds: 60);
        Assert.Equal("inactive", fleet.AlertState("CgleakNodeAtRisk", "el7-fixed"));

        // One agent stops: the node stays in the table, as not reporting, and CgleakAgentDown goes pending.
        SimulatedFleet.Member stopping = fleet.Members.Single(m => m.Node == "v2-stopping");
        SimulatedFleet.Stop(stopping);
        AgentProcesses.WaitFor(() => fleet.AlertState("CgleakAgentDown", "v2-stopping") != "inactive", seconds: 30);
        Assert.Equal("pending", fleet.AlertState("CgleakAgentDown", "v2-stopping")); // for: 10m (10 s here)
        run = Fleet("--prometheus", fleet.PrometheusUrl, "--json");
        nodes = JsonNode.Parse(run.Stdout)!["nodes"]!.AsArray();
        JsonNode gone = nodes.Single(n => (string?)n!["node"] == "v2-stopping")!;
        Assert.Equal("not reporting", (string?)gone["state"]);
        Assert.Equal("ok", (string?)gone["verdict"]); // the last it said
        Assert.Equal(1, (int)JsonNode.Parse(run.Stdout)!["summary"]!["notReporting"]!);
        AssertSortedByUrgency(nodes);
        Assert.Contains("v2-stopping", Fleet("--prometheus", fleet.PrometheusUrl).Stdout.Split('\n')
            .Single(l => l.Contains("not reporting (was ok)", StringComparison.Ordinal)), StringComparison.Ordinal);

        // The same nodes' conditions in the API server give the same table through --kubeconfig.
        using var pki = new TestPki();
        using var api = new KubernetesApiStandIn(pki.Server);
        PublishConditions(fleet, api, pki, stopped: stopping.Node);
        string kubeconfig = Path.Combine(Path.GetTempPath(), $"cgleak-fleet-kubeconfig-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(kubeconfig, KubeconfigText(api.Url, pki.CaPem, "the-token"));
            CgleakProcess.Result fromKube = Fleet("--kubeconfig", kubeconfig, "--json");
            Assert.True(fromKube.ExitCode == 2, fromKube.Stdout + fromKube.Stderr);
            JsonArray kubeNodes = JsonNode.Parse(fromKube.Stdout)!["nodes"]!.AsArray();
            AssertSortedByUrgency(kubeNodes);
            Assert.Equal(nodes.Select(n => (string?)n!["state"]), kubeNodes.Select(n => (string?)n!["state"]));
            Assert.Equal(Rows(nodes), Rows(kubeNodes));
            Assert.All(
                api.Take().Where(r => r.Path == "/api/v1/nodes"),
                r => Assert.Equal("Bearer the-token", r.Authorization));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    /// <summary>
    /// Each node's condition as its agent writes it (the real client, KubernetesNodeApi), with nodeInfo as kubelet
    /// reports it.
    /// </summary>
    private static void PublishConditions(SimulatedFleet fleet, KubernetesApiStandIn api, TestPki pki, string stopped)
    {
        using HttpClient http = new FleetEndpoint(new Uri(api.Url)) { Ca = [pki.Ca] }.CreateClient(
            TimeSpan.FromSeconds(10));
        var client = new KubernetesNodeApi(http, new Uri(api.Url));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (SimulatedFleet.Member m in fleet.Members)
        {
            DoctorReport report = Doctor.Examine(HostRoot.At(m.Tree));
            api.Nodes[m.Node] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = m.Node },
                ["status"] = new JsonObject
                {
                    ["nodeInfo"] = new JsonObject
                    {
                        ["kernelVersion"] = report.Facts.Kernel?.Value.Text ?? "",
                        ["kubeletVersion"] = "v1.16.4",
                        ["containerRuntimeVersion"] = "docker://18.9.0"
                    },
                },
            };
            DateTimeOffset beat = m.Node == stopped ? now.AddHours(-1) : now; // its agent stopped beating an hour ago
            client.PatchConditionAsync(m.Node, NodeCondition.From(report, null), beat, beat, CancellationToken.None)
                .GetAwaiter()
                .GetResult();
        }
    }

    internal static string KubeconfigText(string server, string caPem, string token) => $"""
        apiVersion: v1
        kind: Config
        current-context: fleet
        contexts:
          - name: fleet
            context: {"{"}cluster: stand-in, user: platform{"}"}
        clusters:
          - name: stand-in
            cluster:
              server: {server}
              certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(caPem))}
        users:
          - name: platform
            user:
              token: {token}
        """;

    /// <summary>
    /// Node, state and the verdict column per state group (the order within a group may use numbers only Prometheus
    /// has).
    /// </summary>
    private static IEnumerable<string> Rows(JsonArray nodes) =>
        nodes.Select(n => $"{n!["state"]} {n["node"]} {n["verdict"]} {n["kernel"]}").Order(StringComparer.Ordinal);

    private static void AssertSortedByUrgency(JsonArray nodes)
    {
        int[] ranks = [.. nodes.Select(n => Array.IndexOf(Urgency, (string?)n!["state"]))];
        Assert.DoesNotContain(-1, ranks);
        Assert.Equal(ranks.Order(), ranks);
    }

    private static CgleakProcess.Result Fleet(params string[] args) =>
        CgleakProcess.Capture(new System.Diagnostics.ProcessStartInfo(CgleakProcess.Native, ["fleet", .. args])
        {
            Environment = { ["NO_COLOR"] = "1" }
        });
}
