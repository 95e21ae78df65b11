using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Agent;

/// <summary>Limits on what clients can hold: open connections, and time to send a request or take a response.</summary>
/// <param name="MaxConnections">Open connections; at the cap, the one waiting longest for a request is closed for the
/// new one.</param>
/// <param name="HeaderTimeout">From connecting (or a kept-alive request's first byte) to the end of its
/// headers.</param>
/// <param name="IdleTimeout">A kept-alive connection's wait for its next request.</param>
/// <param name="WriteTimeout">A response's delivery to a client that does not read it.</param>
public sealed record HttpLimits(
    int MaxConnections,
    TimeSpan HeaderTimeout,
    TimeSpan IdleTimeout,
    TimeSpan WriteTimeout,
    int MaxHeaderBytes)
{
    public static HttpLimits Default { get; }
        = new(64, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10), 8192);
}

/// <summary>
/// Serves the last sample over HTTP/1.1: /metrics (Prometheus text format 0.0.4), /healthz (fails while samples
/// do not end), /readyz (ready after the first good sample), /status (the doctor's last result as JSON). It is a
/// metrics endpoint, not a web server: any Host header, GET and HEAD only, no request bodies, keep-alive.
/// Written on a socket rather than HttpListener, which on Linux matched the Host header against --listen
/// (`curl localhost:9739` got 404), had no header timeout nor connection cap (6,000 connections that never
/// finished their headers took the pod past 96 MiB) and bound IPv4 only for [::]; and rather than Kestrel,
/// which would double the binary and the agent's memory on every node (bench/agent.sh).
/// </summary>
public sealed partial class HttpEndpoint(
    AgentOptions options,
    AgentState state,
    Socket listener,
    HttpLimits limits,
    ILogger<HttpEndpoint> log) : BackgroundService
{
    private const string TextPlain = "text/plain; charset=utf-8";
    private static readonly byte[] ReadyText = "ready\n"u8.ToArray();
    private static readonly byte[] NotReady = "no sample yet\n"u8.ToArray();
    private static readonly byte[] Ok = "ok\n"u8.ToArray();
    private static readonly byte[] EmptyJson = "{}"u8.ToArray();
    private static readonly byte[] NotFound = "not found: /metrics /healthz /readyz /status\n"u8.ToArray();
    private static readonly byte[] BadRequest = "bad request\n"u8.ToArray();
    private static readonly byte[] NotAllowed = "only GET and HEAD\n"u8.ToArray();
    private static readonly byte[] TooLarge = "request headers too large\n"u8.ToArray();
    private readonly HashSet<Connection> _open = [];
    private Timer? _sweeper;
    private long _evicted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string address = Describe(listener.LocalEndPoint);
        LogListening(log, options.Version, address, options.Host.Directory, options.Interval.TotalSeconds);
        if (!IPAddress.IsLoopback(((IPEndPoint)listener.LocalEndPoint!).Address))
        {
            if (options.StatusRedacted)
            {
                LogBeyondLoopbackRedacted(log);
            }
            else
            {
                LogBeyondLoopback(log);
            }
        }

        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and the like: say so, and give the node a moment instead of spinning.
                LogAcceptFailed(log, e.Message);
                await Task.Delay(100, stoppingToken).ConfigureAwait(false);
                continue;
            }

            if (Admit(client) is { } connection)
            {
                _ = ServeAsync(connection, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _sweeper?.Dispose();
        listener.Dispose();
        lock (_open)
        {
            foreach (Connection c in _open)
            {
                c.Socket.Dispose();
            }

            _open.Clear();
        }

        base.Dispose();
    }

    /// <summary>Open connections now (for tests).</summary>
    internal int OpenConnections
    {
        get
        {
            lock (_open)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Takes a new connection; at the cap, closes the one that has waited longest for a request.</summary>
    private Connection? Admit(Socket client)
    {
        long now = Environment.TickCount64;
        var connection = new Connection(client)
        {
            Deadline = now + (long)limits.HeaderTimeout.TotalMilliseconds,
            WaitingSince = now
        };
        Connection? evicted = null;
        lock (_open)
        {
            if (_open.Count >= limits.MaxConnections)
            {
                foreach (Connection c in _open)
                {
                    if (!c.Responding && (evicted is null || c.WaitingSince < evicted.WaitingSince))
                    {
                        evicted = c;
                    }
                }

                if (evicted is null)
                {
                    client.Dispose(); // every one is taking a response: the newcomer waits its turn by reconnecting
                    return null;
                }

                _open.Remove(evicted);
            }

            _open.Add(connection);
        }

        if (evicted is not null)
        {
            evicted.Socket.Dispose();
            if (Interlocked.Increment(ref _evicted) is 1 or 1000 or 1_000_000)
            {
                LogEvicted(log, limits.MaxConnections, Interlocked.Read(ref _evicted));
            }
        }

        return connection;
    }

    /// <summary>Every second: closes the connections past their deadline (headers, idle or write).</summary>
    private void Sweep()
    {
        long now = Environment.TickCount64;
        List<Connection>? expired = null;
        lock (_open)
        {
            foreach (Connection c in _open)
            {
                if (now > c.Deadline)
                {
                    (expired ??= []).Add(c);
                }
            }

            expired?.ForEach(c => _open.Remove(c));
        }

        expired?.ForEach(c => c.Socket.Dispose());
    }

    private async Task ServeAsync(Connection connection, CancellationToken stoppingToken)
    {
        Socket socket = connection.Socket;

        // Pooled: thousands of short-lived connections (a client that never finishes, closed at the cap) would
        // otherwise each leave 8 KiB for the collector, and the heap grows by its whole gen0 budget.
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(limits.MaxHeaderBytes);
        int filled = 0;
        try
        {
            while (true)
            {
                int end;
                while ((end = HeaderEnd(buffer.AsSpan(0, filled))) < 0)
                {
                    if (filled == limits.MaxHeaderBytes)
                    {
                        await RespondAsync(
                            connection,
                            431,
                            TextPlain,
                            TooLarge,
                            head: false,
                            keepAlive: false,
                            stoppingToken).ConfigureAwait(false);
                        await LingerAsync(connection, buffer, stoppingToken).ConfigureAwait(false);
                        return;
                    }

                    int n = await socket.ReceiveAsync(
                        buffer.AsMemory(filled, limits.MaxHeaderBytes - filled),
                        SocketFlags.None,
                        stoppingToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    if (filled == 0 && connection.Idle)
                    {
                        connection.Idle = false;
                        connection.Deadline = Environment.TickCount64 + (long)limits.HeaderTimeout.TotalMilliseconds;
                    }

                    filled += n;
                }

                Request request = Request.Parse(buffer.AsSpan(0, end));
                (int status, string type, byte[] body) = Route(request);
                bool keepAlive = request.KeepAlive && status is not (400 or 405);
                await RespondAsync(connection, status, type, body, request.Head, keepAlive, stoppingToken)
                    .ConfigureAwait(false);
                if (!keepAlive)
                {
                    await LingerAsync(connection, buffer, stoppingToken).ConfigureAwait(false);
                    return;
                }

                // Pipelined requests: what came after these headers is the start of the next one.
                buffer.AsSpan(end, filled - end).CopyTo(buffer);
                filled -= end;
                connection.Idle = filled == 0;
                connection.Deadline = Environment.TickCount64 + (long)(filled == 0
                    ? limits.IdleTimeout
                    : limits.HeaderTimeout).TotalMilliseconds;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogClientGone(log, e.Message); // closed by the client, a deadline, the cap or shutdown
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(connection);
            }

            socket.Dispose();
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Closes after a response without a reset: what the client sent that was not read (a body, the rest of a
    /// header) is drained for up to a second, else closing with unread bytes sends RST and can lose the response.
    /// </summary>
    private static async Task LingerAsync(Connection connection, byte[] buffer, CancellationToken cancel)
    {
        connection.Deadline = Environment.TickCount64 + 1000; // the sweeper ends it then
        connection.Socket.Shutdown(SocketShutdown.Send);
        while (await connection.Socket.ReceiveAsync(buffer, SocketFlags.None, cancel).ConfigureAwait(false) > 0)
        {
        }
    }

    private (int Status, string Type, byte[] Body) Route(Request request)
    {
        if (!request.Valid)
        {
            return (400, TextPlain, BadRequest);
        }

        if (!request.Head && !request.Get)
        {
            return (405, TextPlain, NotAllowed);
        }

        AgentState.Snapshot snapshot = state.Current;
        return request.Path switch
        {
            "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", snapshot.Metrics),
            "/healthz" => state.Unhealthy(options.Stale) is { } why
                ? (503, TextPlain, Encoding.UTF8.GetBytes(why))
                : (200, TextPlain, Ok),
            "/readyz" => snapshot.Ready ? (200, TextPlain, ReadyText) : (503, TextPlain, NotReady),
            "/status" => snapshot.Ready
                ? (200, "application/json", snapshot.Status)
                : (503, "application/json", EmptyJson),
            _ => (404, TextPlain, NotFound),
        };
    }

    private async Task RespondAsync(
        Connection connection,
        int status,
        string type,
        byte[] body,
        bool head,
        bool keepAlive,
        CancellationToken cancel)
    {
        connection.Responding = true;
        connection.Deadline = Environment.TickCount64 + (long)limits.WriteTimeout.TotalMilliseconds;
        string reason = status switch
        {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Service Unavailable",
        };
        string allow = status == 405 ? "Allow: GET, HEAD\r\n" : "";
        byte[] headers = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {type}\r\nContent-Length: "
                + $"{body.Length}\r\n{allow}Connection: {(keepAlive ? "keep-alive" : "close")}\r\n\r\n"));
        if (head)
        {
            await connection.Socket.SendAsync(headers, SocketFlags.None, cancel).ConfigureAwait(false);
        }
        else
        {
            await connection.Socket.SendAsync(
                [new ArraySegment<byte>(headers), new ArraySegment<byte>(body)],
                SocketFlags.None).WaitAsync(cancel).ConfigureAwait(false);
        }

        connection.Responding = false;
        connection.WaitingSince = Environment.TickCount64;
    }

    /// <summary>
    /// The length of the request head through its blank line (CRLF CRLF, or bare LF LF); -1 until it has arrived.
    /// </summary>
    internal static int HeaderEnd(ReadOnlySpan<byte> received)
    {
        int crlf = received.IndexOf("\r\n\r\n"u8);
        int lf = received.IndexOf("\n\n"u8);
        return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    }

    private static string Describe(EndPoint? endPoint) =>
        endPoint is IPEndPoint { Address: var a } e && a.Equals(IPAddress.IPv6Any)
            ? $"{e} (IPv4 and IPv6)"
            : $"{endPoint}";

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;

        /// <summary>Environment.TickCount64 after which the sweeper closes it.</summary>
        public long Deadline { get; set; }

        /// <summary>Since when it has waited for a request (the cap closes the longest waiting first).</summary>
        public long WaitingSince { get; set; }

        public bool Responding { get; set; }

        /// <summary>Kept alive after a response, no byte of the next request yet.</summary>
        public bool Idle { get; set; }
    }

    /// <summary>A request head: "GET /metrics HTTP/1.1", then headers; only what routing needs is kept.</summary>
    internal readonly record struct Request(bool Valid, bool Get, bool Head, string Path, bool KeepAlive)
    {
        public static Request Parse(ReadOnlySpan<byte> head)
        {
            int eol = head.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = head[..eol].TrimEnd((byte)'\r');
            int sp1 = line.IndexOf((byte)' '), sp2 = line.LastIndexOf((byte)' ');
            if (sp1 <= 0 || sp2 <= sp1 + 1)
            {
                return default;
            }

            ReadOnlySpan<byte> method = line[..sp1], target = line[(sp1 + 1)..sp2], version = line[(sp2 + 1)..];
            bool http11 = version.SequenceEqual("HTTP/1.1"u8);
            if (!http11 && !version.SequenceEqual("HTTP/1.0"u8))
            {
                return default;
            }

            // absolute-form ("GET http://node:9739/metrics HTTP/1.1", as a proxy sends it): the path after the
            // authority
            if (target.StartsWith("http://"u8) || target.StartsWith("https://"u8))
            {
                ReadOnlySpan<byte> rest = target[(target.IndexOf("//"u8) + 2)..];
                int slash = rest.IndexOf((byte)'/');
                target = slash < 0 ? "/"u8 : rest[slash..];
            }

            int query = target.IndexOfAny((byte)'?', (byte)'#');
            string path = Encoding.ASCII.GetString(query < 0 ? target : target[..query]);
            bool keepAlive = http11, valid = true;
            foreach (Range r in head[(eol + 1)..].Split((byte)'\n'))
            {
                ReadOnlySpan<byte> header = head[(eol + 1)..][r].TrimEnd((byte)'\r');
                int colon = header.IndexOf((byte)':');
                if (colon <= 0)
                {
                    continue;
                }

                ReadOnlySpan<byte> name = header[..colon], value = header[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    keepAlive = !Ascii.EqualsIgnoreCase(value, "close"u8)
                        && (keepAlive || Ascii.EqualsIgnoreCase(value, "keep-alive"u8));
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)
                    || (Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && !value.SequenceEqual("0"u8)))
                {
                    valid = false; // a body: nothing here takes one, and skipping it would need reading it
                }
            }

            return new Request(
                valid,
                method.SequenceEqual("GET"u8),
                method.SequenceEqual("HEAD"u8),
                path,
                keepAlive && valid);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "cgleak-agent {Version} listening on {Address} (host root {Root}, a sample every {Interval} s)")]
    private static partial void LogListening(
        ILogger logger,
        string version,
        string address,
        string root,
        double interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listening beyond loopback: anyone who reaches this port "
        + "reads, without authentication, /metrics and "
        + "/status, the doctor's report with this node's full kernel command line and log lines that name pods; "
            + "--status-redact leaves those out of /status")]
    private static partial void LogBeyondLoopback(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listening beyond loopback: anyone who reaches this port "
        + "reads, without authentication, /metrics and "
        + "/status (without the kernel command line and log lines: --status-redact)")]
    private static partial void LogBeyondLoopbackRedacted(ILogger logger);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "more than {Max} connections open: closed the one waiting longest for a request ({Count} so far)")]
    private static partial void LogEvicted(ILogger logger, int max, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accepting a connection failed: {Message}")]
    private static partial void LogAcceptFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "client went away: {Message}")]
    private static partial void LogClientGone(ILogger logger, string message);
}
