using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cgleak.Agent.Tests;

/// <summary>
/// A STAND-IN for the Kubernetes API server (none can be installed here): an in-process HTTP server on
/// loopback that records every request and answers the node and event calls the agent makes, holding
/// one node's taints. It can answer 500, or be down, to test the publisher's backoff.
/// </summary>
internal sealed class KubernetesApiStandIn : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public KubernetesApiStandIn()
    {
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public sealed record Request(string Method, string Path, string ContentType, string Body);

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>When set, every request gets this status (500: the API server is failing).</summary>
    public int? FailWith { get; set; }

    /// <summary>The node's taints as JSON array text.</summary>
    public string TaintsJson { get; set; } = "[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"}]";

    public Request[] Take()
    {
        var all = new List<Request>();
        while (Requests.TryDequeue(out Request? r))
        {
            all.Add(r);
        }

        return [.. all];
    }

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext c;
            try
            {
                c = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            string body = await new StreamReader(c.Request.InputStream, Encoding.UTF8).ReadToEndAsync();
            string path = c.Request.Url!.AbsolutePath;
            Requests.Enqueue(new Request(c.Request.HttpMethod, path, c.Request.ContentType ?? "", body));
            (int status, string answer) = FailWith is { } fail ? (fail, "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":" + fail + "}")
                : (c.Request.HttpMethod, path) switch
                {
                    ("POST", _) when path.EndsWith("/events", StringComparison.Ordinal) => (201, body),
                    ("PATCH", _) when path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal) => (200, Node(path)),
                    ("GET", _) when path.StartsWith("/api/v1/nodes/", StringComparison.Ordinal) => (200, Node(path)),
                    _ => (404, "{}"),
                };
            if (c.Request.HttpMethod == "PATCH" && !path.EndsWith("/status", StringComparison.Ordinal) && FailWith is null)
            {
                int at = body.IndexOf("\"taints\":", StringComparison.Ordinal);
                TaintsJson = at < 0 ? TaintsJson : body[(at + 9)..body.LastIndexOf(']')] + "]";
            }

            byte[] bytes = Encoding.UTF8.GetBytes(answer);
            c.Response.StatusCode = status;
            c.Response.ContentType = "application/json";
            await c.Response.OutputStream.WriteAsync(bytes);
            c.Response.Close();
        }
    }

    private string Node(string path) =>
        $"{{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{{\"name\":\"{path.Split('/')[4]}\",\"resourceVersion\":\"42\"}},\"spec\":{{\"taints\":{TaintsJson}}}}}";

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // the listener was closed under it
        }

        _stop.Dispose();
    }
}
