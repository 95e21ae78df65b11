using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>
/// `cgleak agent --kubernetes`, the native binary as the DaemonSet runs it, against the Kubernetes API STAND-IN
/// over HTTPS: the service account (token, CA) mounted where kubelet mounts it, in a private mount namespace
/// of the agent's own (unshare), KUBERNETES_SERVICE_HOST/PORT and NODE_NAME as the pod gets them.
/// </summary>
public sealed class AgentProcessKubernetesTests : IDisposable
{
    private const string Node = "node-1";

    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    [Fact]
    public void With_kubernetes_the_agent_keeps_the_node_condition_over_https_and_rides_out_the_api_server_going_away()
    {
        using var pki = new TestPki();
        using var serviceAccount = new ServiceAccountDirectory(pki.CaPem, "token-1");
        using var api = new KubernetesApiStandIn(pki.Server, start: false); // the API server is down at first
        (int port, AgentProcesses.Started agent) = StartKubernetesAgent(api.Port, serviceAccount.Path);

        // Down: the agent samples and serves regardless.
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        Assert.Contains(
            "cgleak_verdict{verdict=\"affected\"} 1",
            _agents.Get(port, "/metrics"),
            StringComparison.Ordinal);
        AgentProcesses.WaitFor(() => Logged(agent, "did not take the node condition"));

        // The token rotates (kubelet rewrites the projected file) before the API server is back: read per request.
        File.WriteAllText(Path.Combine(serviceAccount.Path, "token"), "token-2\n");
        api.Start();
        var requests = api.WaitFor(
            rs => rs.Any(r => r.Method == "PATCH" && r.Path == $"/api/v1/nodes/{Node}"),
            TimeSpan.FromSeconds(60));
        var status = requests.First(r => r.Path == $"/api/v1/nodes/{Node}/status");
        JsonNode condition = JsonNode.Parse(status.Body)!["status"]!["conditions"]![0]!;
        Assert.Equal("MemoryCgroupPressure", (string?)condition["type"]);
        Assert.Equal("True", (string?)condition["status"]);
        Assert.Equal("KmemLeakActive", (string?)condition["reason"]);
        Assert.Equal("application/strategic-merge-patch+json; charset=utf-8", status.ContentType);
        Assert.Contains(requests, r => r.Method == "POST" && r.Path == "/api/v1/namespaces/default/events"
            && r.Body.Contains("\"reason\":\"KmemLeakActive\"", StringComparison.Ordinal));
        Assert.Contains(
            "cgleak.io/memcg-exhausted",
            requests.Last(r => r.Method == "PATCH").Body,
            StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal("Bearer token-2", r.Authorization));
        AgentProcesses.WaitFor(() => Logged(agent, "took the node condition again"));

        // Gone again mid-run: metrics go on; SIGTERM ends the agent cleanly.
        api.Stop();
        Thread.Sleep(1500);
        Assert.Contains(
            "cgleak_verdict{verdict=\"affected\"} 1",
            _agents.Get(port, "/metrics"),
            StringComparison.Ordinal);
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void With_kubernetes_the_agent_refuses_an_api_server_its_service_account_ca_did_not_sign()
    {
        using var trusted = new TestPki();
        using var impostor = new TestPki("impostor-ca");
        using var serviceAccount = new ServiceAccountDirectory(trusted.CaPem, "token-1");
        using var api = new KubernetesApiStandIn(impostor.Server);
        (int port, AgentProcesses.Started agent) = StartKubernetesAgent(api.Port, serviceAccount.Path);

        AgentProcesses.WaitFor(() => Logged(agent, "did not take the node condition"));
        Assert.Contains("SSL", agent.Log, StringComparison.OrdinalIgnoreCase);
        Thread.Sleep(2000);
        Assert.Empty(api.Take()); // the handshake failed: no request, and so no token, reached it
        Assert.Equal(HttpStatusCode.OK, _agents.Status(port, "/readyz"));
        Assert.Equal(0, AgentProcesses.Terminate(agent.Process));
    }

    [Fact]
    public void With_kubernetes_outside_a_pod_the_agent_says_what_is_missing()
    {
        var start = new ProcessStartInfo(
            CgleakProcess.Native,
            ["agent", "--kubernetes", "--listen", $"127.0.0.1:{AgentProcesses.FreePort()}"])
        { RedirectStandardError = true };
        start.Environment.Remove("NODE_NAME");
        using Process run = Process.Start(start)!;
        string stderr = run.StandardError.ReadToEnd();
        run.WaitForExit();
        Assert.Equal(64, run.ExitCode);
        // cgleak agent runs cgleak-agent
        Assert.Equal("cgleak-agent: --kubernetes needs NODE_NAME (from the downward API: spec.nodeName)\n", stderr);
    }

    /// <summary>
    /// The native agent in a mount namespace of its own, with the service account at the path kubelet uses.
    /// </summary>
    private (int Port, AgentProcesses.Started Agent) StartKubernetesAgent(int apiPort, string serviceAccount)
    {
        int port = AgentProcesses.FreePort();
        var start = new ProcessStartInfo("unshare",
        [
            "--mount", "--propagation", "private", "--", "sh", "-c",
            "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && " +
            "mount --bind \"$0\" /run/secrets/kubernetes.io/serviceaccount && exec \"$@\"",
            serviceAccount, CgleakProcess.Native, "agent", "--kubernetes", "--taint-when", "affected",
            "--host-root", Repo.Fixture("el7-957-leaking"), "--interval", "1", "--listen", $"127.0.0.1:{port}",
        ]);
        start.Environment["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
        start.Environment["KUBERNETES_SERVICE_PORT"] = apiPort.ToString(
            System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["NODE_NAME"] = Node;
        foreach (string proxy in (string[])["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
            "ALL_PROXY"])
        {
            start.Environment.Remove(proxy);
        }

        AgentProcesses.Started agent = _agents.Start(start);
        AgentProcesses.WaitFor(() => _agents.Status(port, "/healthz") == HttpStatusCode.OK);
        return (port, agent);
    }

    private static bool Logged(AgentProcesses.Started agent, string what)
        => agent.Log.Contains(what, StringComparison.Ordinal);
}
