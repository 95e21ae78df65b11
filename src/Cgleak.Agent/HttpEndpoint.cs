using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Agent;

/// <summary>
/// Serves the last sample: /metrics (Prometheus text format 0.0.4), /healthz, /readyz (ready after the
/// first good sample), /status (the doctor's last result as JSON). A small HttpListener rather than a web
/// framework: the agent runs on every node and its memory must stay under node_exporter's.
/// </summary>
public sealed partial class HttpEndpoint(AgentOptions options, AgentState state, ILogger<HttpEndpoint> log) : BackgroundService
{
    private static readonly byte[] Ok = "ok\n"u8.ToArray();
    private static readonly byte[] ReadyText = "ready\n"u8.ToArray();
    private static readonly byte[] NotReady = "no sample yet\n"u8.ToArray();
    private static readonly byte[] EmptyJson = "{}"u8.ToArray();
    private static readonly byte[] NotFound = "not found: /metrics /healthz /readyz /status\n"u8.ToArray();
    private HttpListener? _listener;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new HttpListener();
        _listener.Prefixes.Add(options.Prefix);
        _listener.Start(); // fails here, at start, when the port is taken: the host reports it
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HttpListener listener = _listener!;
        await using var _ = stoppingToken.Register(listener.Stop).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            try
            {
                Serve(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                LogClientGone(log, e.Message);
            }
        }
    }

    private void Serve(HttpListenerContext context)
    {
        AgentState.Snapshot snapshot = state.Current;
        (int status, string type, byte[] body) = context.Request.Url?.AbsolutePath switch
        {
            "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", snapshot.Metrics),
            "/healthz" => (200, "text/plain; charset=utf-8", Ok),
            "/readyz" => snapshot.Ready ? (200, "text/plain; charset=utf-8", ReadyText) : (503, "text/plain; charset=utf-8", NotReady),
            "/status" => snapshot.Ready ? (200, "application/json", snapshot.Status) : (503, "application/json", EmptyJson),
            _ => (404, "text/plain; charset=utf-8", NotFound),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }

    public override void Dispose()
    {
        _listener?.Close();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "client went away: {Message}")]
    private static partial void LogClientGone(ILogger logger, string message);
}
