using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cgleak.Testing;

/// <summary>
/// Processes a test starts (agents, Prometheus, node_exporter) and talks to over loopback HTTP; all killed on
/// dispose. Each one's output (both streams) is kept for tests that read its log.
/// </summary>
internal sealed class AgentProcesses : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public sealed record Started(Process Process, StringBuilder Output)
    {
        public string Log
        {
            get
            {
                lock (Output)
                {
                    return Output.ToString();
                }
            }
        }
    }

    public Started Start(string file, params string[] args) => Start(new ProcessStartInfo(file, args));

    public Started Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var output = new StringBuilder();
        Process p = Process.Start(start)!;
        p.OutputDataReceived += (_, e) => Append(output, e.Data);
        p.ErrorDataReceived += (_, e) => Append(output, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add(p);
        return new Started(p, output);
    }

    public string Get(int port, string path)
        => _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}")).GetAwaiter().GetResult();

    /// <summary>The status of GET path; null when nothing answers.</summary>
    public HttpStatusCode? Status(int port, string path)
    {
        try
        {
            using var response = _http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}")).GetAwaiter().GetResult();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static void WaitFor(Func<bool> condition, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(seconds), "timed out waiting");
            Thread.Sleep(200);
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM, as kubelet stops a pod; the exit code.</summary>
    public static int Terminate(Process p)
    {
        Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!
            .WaitForExit();
        Assert.True(p.WaitForExit(10_000), "the process did not stop on SIGTERM");
        return p.ExitCode;
    }

    public void StopAll()
    {
        foreach (Process p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }

            p.Dispose();
        }

        _processes.Clear();
    }

    public void Dispose()
    {
        StopAll();
        _http.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
