using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cgleak.Host;
using Cgleak.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cgleak.Agent.Tests;

/// <summary>
/// The agent's HTTP endpoint and health in process, over loopback sockets, with limits a test can wait for.
/// </summary>
public sealed class HttpEndpointTests : IAsyncLifetime, IDisposable
{
    private static readonly HttpLimits Quick = new(
        4,
        TimeSpan.FromSeconds(1),
        TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(1),
        1024);
    private readonly AgentState _state = new();
    private readonly List<IDisposable> _disposables = [];
    private HttpEndpoint? _endpoint;
    private int _port;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.StopAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _endpoint?.Dispose();
        _disposables.ForEach(d => d.Dispose());
    }

    private static AgentOptions Options(TimeSpan interval) =>
        new(
            HostRoot.At(Repo.Fixture("el7-957-leaking")),
            interval,
            new ListenAddress(IPAddress.Loopback, 0),
            TimeSpan.FromHours(1),
            "0.1.0");

    private async Task Serve(AgentOptions options, HttpLimits limits)
    {
        Socket listener = options.Listen.Bind(backlog: 16);
        _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _endpoint = new HttpEndpoint(options, _state, listener, limits, NullLogger<HttpEndpoint>.Instance);
        await _endpoint.StartAsync(CancellationToken.None);
    }

    private Socket Connect()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        _disposables.Add(s);
        s.Connect(IPAddress.Loopback, _port);
        return s;
    }

    /// <summary>Sends the bytes and reads until the server closes the connection.</summary>
    private string Exchange(string request)
    {
        Socket s = Connect();
        s.Send(Encoding.ASCII.GetBytes(request));
        return ReadToClose(s);
    }

    private static string ReadToClose(Socket s)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = s.Receive(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    [Fact]
    public async Task Any_host_header_gets_the_metrics_and_head_gets_no_body()
    {
        await Serve(Options(TimeSpan.FromSeconds(30)), Quick);
        string response = Exchange("GET /metrics HTTP/1.1\r\nHost: localhost:9739\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n# cgleak agent: no sample yet\n", response, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Exchange(
            "GET http://node-7.example:9739/metrics?x=1 HTTP/1.1\r\nHost: node-7.example\r\nConnection: close\r\n\r\n"),
                StringComparison.Ordinal);
        string head = Exchange("HEAD /metrics HTTP/1.0\r\n\r\n");
        Assert.Contains("Content-Length: 30\r\n", head, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_it_does_not_serve_get_their_status_and_the_connection_closes()
    {
        await Serve(Options(TimeSpan.FromSeconds(30)), Quick);
        Assert.StartsWith(
            "HTTP/1.1 405 Method Not Allowed\r\n",
            Exchange("POST /metrics HTTP/1.1\r\nHost: a\r\n\r\n"),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "HTTP/1.1 400 Bad Request\r\n",
            Exchange("GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Exchange("hello there\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith(
            "HTTP/1.1 404 Not Found\r\n",
            Exchange("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
            StringComparison.Ordinal);
        Assert.StartsWith(
            "HTTP/1.1 431 Request Header Fields Too Large\r\n",
            Exchange("GET /metrics HTTP/1.1\r\nX-Padding: " + new string('a', 2000) + "\r\n\r\n"),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kept_alive_connections_take_pipelined_requests_in_order()
    {
        await Serve(Options(TimeSpan.FromSeconds(30)), Quick);
        string responses = Exchange("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: "
            + "a\r\n\r\nGET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
        int ready = responses.IndexOf("HTTP/1.1 503 Service Unavailable", StringComparison.Ordinal);
        int healthy = responses.IndexOf("HTTP/1.1 200 OK", StringComparison.Ordinal);
        int missing = responses.IndexOf("HTTP/1.1 404 Not Found", StringComparison.Ordinal);
        Assert.True(ready >= 0 && ready < healthy && healthy < missing, responses);
    }

    [Fact]
    public async Task Connections_that_never_finish_their_headers_are_closed_and_capped()
    {
        await Serve(Options(TimeSpan.FromSeconds(30)), Quick);
        Socket[] slow = [.. Enumerable.Range(0, 4).Select(_ => Connect())];
        foreach (Socket s in slow)
        {
            s.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n"u8.ToArray());
        }

        // A fifth past the cap of 4: served, and the one waiting longest is closed for it.
        Assert.StartsWith(
            "HTTP/1.1 200 OK\r\n",
            Exchange("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"),
            StringComparison.Ordinal);
        Assert.True(TestSockets.ClosedByServer(slow[0]));

        // The others, after the header timeout (1 s here, 10 s by default).
        var clock = Stopwatch.StartNew();
        foreach (Socket s in slow[1..])
        {
            Assert.True(TestSockets.ClosedByServer(s));
        }

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4));
        AgentProcesses.WaitFor(() => _endpoint!.OpenConnections == 0, seconds: 5);
    }

    [Fact]
    public async Task Healthz_fails_while_a_sample_is_stuck_and_stopping_does_not_wait_for_it()
    {
        using var release = new ManualResetEventSlim();
        AgentOptions options = Options(TimeSpan.FromSeconds(1)) with
        {
            Examine = (_, _) =>
            {
                // a read of the host that never returns (a FIFO, a hung NFS mount)
                release.Wait(CancellationToken.None);
                throw new IOException("released");
            },
        };
        await Serve(options, Quick);
        var sampler = new Sampler(options, _state, NullLogger<Sampler>.Instance);
        try
        {
            await sampler.StartAsync(CancellationToken.None);
            string health = "";
            AgentProcesses.WaitFor(() => (health = Exchange("GET /healthz HTTP/1.0\r\n\r\n")).StartsWith(
                "HTTP/1.1 503",
                StringComparison.Ordinal), seconds: 10);
            Assert.Contains("a sample is stuck: running for ", health, StringComparison.Ordinal);

            var clock = Stopwatch.StartNew();
            await sampler.StopAsync(CancellationToken.None);
            Assert.True(
                clock.Elapsed < TimeSpan.FromSeconds(2),
                $"stopping waited {clock.Elapsed} for the stuck sample");
        }
        finally
        {
            release.Set();
            sampler.Dispose();
        }
    }

    [Fact]
    public void Health_is_whether_a_sample_ended_within_three_intervals()
    {
        var clock = new ManualClock();
        var state = new AgentState(clock);
        TimeSpan stale = 3 * TimeSpan.FromSeconds(30);
        Assert.Null(state.Unhealthy(stale));
        clock.Advance(TimeSpan.FromSeconds(91));
        Assert.Equal("samples stopped: no sample has ended in the 91 s since start\n", state.Unhealthy(stale));

        state.SampleBegins();
        state.SampleEnded();
        Assert.Null(state.Unhealthy(stale));
        clock.Advance(TimeSpan.FromSeconds(30));
        state.SampleBegins();
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Null(state.Unhealthy(stale)); // 90 s since the last ended: still within
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(
            "a sample is stuck: running for 65 s (a read of the host that blocks?); the last sample ended 95 s ago\n",
            state.Unhealthy(stale));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
