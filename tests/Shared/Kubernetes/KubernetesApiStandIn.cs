using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cgleak.Testing;

/// <summary>
/// A STAND-IN for the Kubernetes API server (none can be installed here): Kestrel on loopback, plain HTTP or
/// HTTPS with a given certificate, that records every request (with its Authorization header) and answers
/// the node and event calls the agent makes, holding one node's taints. It can answer 500, or be down
/// (<see cref="Stop"/>, <see cref="Start"/> again on the same port), to test backoff and recovery.
/// </summary>
internal sealed class KubernetesApiStandIn : IDisposable
{
    private readonly X509Certificate2? _certificate;
    private WebApplication? _app;

    /// <param name="certificate">serve HTTPS with it (its key included); null: plain HTTP.</param>
    /// <param name="start">false: only reserve the port; the API server is down until <see cref="Start"/>.</param>
    public KubernetesApiStandIn(X509Certificate2? certificate = null, bool start = true)
    {
        _certificate = certificate;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        if (start)
        {
            Start();
        }
    }

    public sealed record Request(string Method, string Path, string ContentType, string Body, string Authorization);

    public int Port { get; }

    public string Url => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}";

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>When set, every request gets this status (500: the API server is failing).</summary>
    public int? FailWith { get; set; }

    /// <summary>The node's taints as JSON array text.</summary>
    public string TaintsJson { get; set; }
        = "[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"}]";

    /// <summary>
    /// Nodes by name, as GET /api/v1/nodes lists them: each PATCH of nodes/NAME/status merges its conditions in
    /// (by type, as the strategic merge does); a test may add nodes and their status.nodeInfo directly.
    /// </summary>
    public ConcurrentDictionary<string, JsonObject> Nodes { get; } = new(StringComparer.Ordinal);

    public Request[] Take()
    {
        var all = new List<Request>();
        while (Requests.TryDequeue(out Request? r))
        {
            all.Add(r);
        }

        return [.. all];
    }

    /// <summary>
    /// Waits until <paramref name="enough"/> holds for the requests so far (taken), or the time is up.
    /// </summary>
    public Request[] WaitFor(Func<IReadOnlyList<Request>, bool> enough, TimeSpan timeout)
    {
        var seen = new List<Request>();
        DateTime end = DateTime.UtcNow + timeout;
        while (!enough(seen) && DateTime.UtcNow < end)
        {
            Thread.Sleep(100);
            seen.AddRange(Take());
        }

        return [.. seen];
    }

    public void Start()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port, l =>
        {
            if (_certificate is not null)
            {
                l.UseHttps(_certificate);
            }
        }));
        _app = builder.Build();
        _app.Run(Answer);
        _app.StartAsync().GetAwaiter().GetResult();
    }

    /// <summary>The API server goes away: connections are refused until <see cref="Start"/>.</summary>
    public void Stop()
    {
        if (_app is { } app)
        {
            app.StopAsync().GetAwaiter().GetResult();
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _app = null;
        }
    }

    private async Task Answer(HttpContext c)
    {
        string body = await new StreamReader(c.Request.Body, Encoding.UTF8).ReadToEndAsync();
        string path = c.Request.Path.Value ?? "/";
        string method = c.Request.Method;
        Requests.Enqueue(
            new Request(method, path, c.Request.ContentType ?? "", body, c.Request.Headers.Authorization.ToString()));
        (int status, string answer) = FailWith is { } fail
            ? (fail, "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":" + fail + "}")
            : (method, path) switch
            {
                ("POST", _) when path.EndsWith("/events", StringComparison.Ordinal) => (201, body),
                ("GET", "/api/v1/nodes") => (200, NodeList()),
                ("PATCH", _) when path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal)
                    && path.EndsWith("/status", StringComparison.Ordinal) => (200, PatchStatus(path, body)),
                ("PATCH", _) when path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal) => (200, Node(path)),
                ("GET", _) when path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal) => (200, Node(path)),
                _ => (404, "{}"),
            };
        if (method == "PATCH" && !path.EndsWith("/status", StringComparison.Ordinal) && FailWith is null)
        {
            int at = body.IndexOf("\"taints\":", StringComparison.Ordinal);
            TaintsJson = at < 0 ? TaintsJson : body[(at + 9)..body.LastIndexOf(']')] + "]";
        }

        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync(answer);
    }

    private string Node(string path) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":" +
            $"{{\"name\":\"{path.Split('/')[4]}\",\"resourceVersion\":\"42\"}},\"spec\":{{\"taints\":{TaintsJson}}}}}";

    private string PatchStatus(string path, string body)
    {
        string name = path.Split('/')[4];
        JsonObject node = Nodes.GetOrAdd(
            name,
            n => new JsonObject { ["metadata"] = new JsonObject { ["name"] = n }, ["status"] = new JsonObject() });
        lock (node)
        {
            var status = (JsonObject)node["status"]!;
            var conditions = status["conditions"] as JsonArray ?? [];
            status["conditions"] = conditions;
            foreach (JsonNode? c in JsonNode.Parse(body)?["status"]?["conditions"]?.AsArray() ?? [])
            {
                JsonNode? same = conditions.FirstOrDefault(x => (string?)x?["type"] == (string?)c?["type"]);
                if (same is not null)
                {
                    conditions.Remove(same);
                }

                conditions.Add(c?.DeepClone());
            }

            return node.ToJsonString();
        }
    }

    private string NodeList()
    {
        var items = new JsonArray();
        foreach (JsonObject node in Nodes.Values)
        {
            lock (node)
            {
                items.Add(node.DeepClone());
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "NodeList",
            ["metadata"] = new JsonObject(),
            ["items"] = items
        }.ToJsonString();
    }

    public void Dispose() => Stop();
}
