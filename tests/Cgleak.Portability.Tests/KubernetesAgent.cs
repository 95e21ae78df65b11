using System.Diagnostics;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>The agent with --kubernetes as a pod runs it, against the API stand-in (tests/Shared/Kubernetes).</summary>
internal static class KubernetesAgent
{
    public const string Node = "node-1";

    public static void Environment(ProcessStartInfo start, int apiPort)
    {
        start.Environment["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
        start.Environment["KUBERNETES_SERVICE_PORT"] = apiPort.ToString(
            System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["NODE_NAME"] = Node;
    }

    /// <summary>The TLS handshake, the token and the condition's PATCH all went through.</summary>
    public static void AssertConditionPatched(KubernetesApiStandIn api)
    {
        var requests = api.WaitFor(
            rs => rs.Any(r => r.Method == "PATCH" && r.Path == $"/api/v1/nodes/{Node}/status"),
            TimeSpan.FromSeconds(60));
        var status = requests.First(r => r.Path == $"/api/v1/nodes/{Node}/status");
        JsonNode condition = JsonNode.Parse(status.Body)!["status"]!["conditions"]![0]!;
        Assert.Equal("MemoryCgroupPressure", (string?)condition["type"]);
        Assert.Equal("True", (string?)condition["status"]);
        Assert.All(requests, r => Assert.Equal("Bearer token-1", r.Authorization));
    }
}
