using System.Text.Json.Nodes;
using Cgleak.Agent.Kubernetes;
using Cgleak.Cli.Commands;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cgleak.Fleet.Tests;

/// <summary>
/// cgleak fleet's handler run in this process, through --kubeconfig, against the Kubernetes API stand-in holding four
/// nodes' conditions as their agents write them; "now" is a fake clock's, years from the real one, so what is stale
/// is decided by the clock the command is given.
/// </summary>
public sealed class FleetCommandInProcessTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2031, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-fleet-inprocess-").FullName;
    private readonly TestPki _pki = new();
    private readonly KubernetesApiStandIn _api;
    private readonly Dictionary<string, NodeCondition> _published = new(StringComparer.Ordinal);

    public FleetCommandInProcessTests() => _api = new KubernetesApiStandIn(_pki.Server);

    public void Dispose()
    {
        _api.Dispose();
        _pki.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Fleet_from_node_conditions_lists_every_node_by_urgency_and_a_silent_agent_as_not_reporting()
    {
        Publish("el7-leaking", "el7-957-leaking", Now.AddMinutes(-1));
        Publish("ubuntu-dying", "ubuntu-5.4-dying", Now.AddMinutes(-2));
        Publish("v2-healthy", "cgroup-v2", Now.AddSeconds(-30));
        Publish("el7-fixed-silent", "el7-nokmem-fixed", Now.AddHours(-1)); // older than --stale 15m at Now
        string kubeconfig = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(kubeconfig, FleetSimulationTests.KubeconfigText(_api.Url, _pki.CaPem, "the-token"));
        var args = new FleetArgs(null, null, null, kubeconfig, null, false, "node", "cgleak", "1d", "15m", "30s",
            "json");

        using var json = new StringWriter();
        int exitCode = FleetCommand.Run(args, json, new FakeTimeProvider(Now));
        Assert.Equal(2, exitCode); // a node is affected
        JsonNode doc = JsonNode.Parse(json.ToString())!;
        JsonArray nodes = doc["nodes"]!.AsArray();
        Assert.Equal(
            ["el7-leaking affected affected", "ubuntu-dying at-risk at-risk", "el7-fixed-silent not reporting ok",
                "v2-healthy ok ok"],
            nodes.Select(n => $"{n!["node"]} {n["state"]} {n["verdict"]}"));
        Assert.Equal(_published["el7-leaking"].Message, (string?)nodes[0]!["message"]); // the condition the agent wrote
        Assert.Equal(Now.AddHours(-1), nodes[2]!["lastSeen"]!.GetValue<DateTimeOffset>());
        Assert.StartsWith("3.10.0-957", (string?)nodes[0]!["kernel"], StringComparison.Ordinal);
        Assert.Equal(1, (int)doc["summary"]!["notReporting"]!);
        Assert.All(_api.Take().Where(r => r.Path == "/api/v1/nodes"), r => Assert.Equal("Bearer the-token",
            r.Authorization));

        using var text = new StringWriter();
        Assert.Equal(2, FleetCommand.Run(args with { Format = "text" }, text, new FakeTimeProvider(Now)));
        Assert.Contains("1 affected, 1 at risk, 1 ok, 1 not reporting\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains(text.ToString().Split('\n'), l => l.Contains("el7-fixed-silent", StringComparison.Ordinal)
            && l.Contains("not reporting (was ok)", StringComparison.Ordinal));
    }

    /// <summary>A node and its condition as its agent writes it (the real client), its last heartbeat at <paramref
    /// name="beat"/>.</summary>
    private void Publish(string node, string fixture, DateTimeOffset beat)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(fixture)));
        _api.Nodes[node] = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = node },
            ["status"] = new JsonObject
            {
                ["nodeInfo"] = new JsonObject
                {
                    ["kernelVersion"] = report.Facts.Kernel?.Value.Text ?? "",
                    ["kubeletVersion"] = "v1.16.4",
                    ["containerRuntimeVersion"] = "docker://18.9.0",
                },
            },
        };
        using HttpClient http = new FleetEndpoint(new Uri(_api.Url)) { Ca = [_pki.Ca] }.CreateClient(
            TimeSpan.FromSeconds(10));
        _published[node] = NodeCondition.From(report, null);
        new KubernetesNodeApi(http, new Uri(_api.Url))
            .PatchConditionAsync(node, _published[node], beat, beat, CancellationToken.None)
            .GetAwaiter()
            .GetResult();
    }
}
