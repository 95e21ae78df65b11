using System.Diagnostics;
using System.Text;
using Cgleak.Diagnosis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cgleak.Agent;

/// <summary>
/// Samples the host with the doctor's code every interval, in the background: feeds the forecasts, renders
/// the metrics and /status once per sample and publishes them. A failed sample counts in
/// cgleak_scan_errors_total and leaves the last good one served. A sample that never ends (a read of the host
/// that blocks) holds up no other: /healthz says so after 3 intervals, and stopping does not wait for it.
/// </summary>
public sealed partial class Sampler(AgentOptions options, AgentState state, ILogger<Sampler> log) : BackgroundService
{
    private readonly Forecast _ids = new(options.Window);
    private readonly Forecast _dying = new(options.Window);
    private long _errors;
    private DoctorReport? _last;

    /// <summary>
    /// Raised after every sample with its report (null when it failed), for the node condition publisher.
    /// </summary>
    public event Action<DoctorReport?>? Sampled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval);
        do
        {
            // WaitAsync: SIGTERM ends the agent at once even while a sample is stuck in a read; the process exits
            // with that thread still blocked, where waiting for it took the host's whole shutdown timeout.
            await Task.Run(() => SampleOnce(DateTimeOffset.UtcNow, stoppingToken), stoppingToken)
                .WaitAsync(stoppingToken)
                .ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal void SampleOnce(DateTimeOffset now, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        DoctorReport? report = null;
        state.SampleBegins();
        try
        {
            report = options.Examine(options.Host, cancel);
            if (report.Facts.Problems.Count > 0)
            {
                _errors++;
                LogProblems(log, report.Facts.Problems.Count, report.Facts.Problems[0].ToString());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors++;
            LogFailed(log, e.Message);
        }

        if (report is not null)
        {
            // Kept until the next sample, with the container counts but not one record per container cgroup (the
            // checks' input is made again on the smaller facts: it would hold the list).
            _last = report.Facts.Tree is { } tree
                ? Trimmed(report, report.Facts with { Tree = tree.WithoutContainerList() })
                : report;
            if (report.Counts.IdsInUse is { } ids)
            {
                _ids.Add(new Sample(now, ids));
            }

            if (report.Counts.Dying is { } dying)
            {
                _dying.Add(new Sample(now, dying));
            }
        }

        var extras = new SampleExtras(_ids.Trend(), _dying.Trend(), clock.Elapsed.TotalSeconds, _errors, now);
        Prometheus.CollectorRegistry registry = _last is { } r
            ? MetricsExporter.Render(r, extras, options.Version)
            : MetricsExporter.RenderWithoutSample(extras, options.Version);
        string text = MetricsExporter.TextAsync(registry, cancel).GetAwaiter().GetResult();
        string status = _last is { } l ? StatusJson.Of(l, options.StatusRedacted) : "{}";
        state.Publish(new AgentState.Snapshot(
            Encoding.UTF8.GetBytes(text),
            Encoding.UTF8.GetBytes(status),
            _last,
            _last is not null,
            _errors));
        state.SampleEnded();
        Sampled?.Invoke(report);

        // A sample allocates briefly (the walk, child processes, logs) and then idles for 30 s on every node:
        // give the memory back to the node instead of keeping the heap at its peak.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>"at +41 IDs/h, 65535 in 9 d 3 h", for the node condition's message.</summary>
    public string? IdsForecast(DoctorReport report) =>
        _ids.Trend() is { } t && report.Counts.IdsInUse is { } now
            ? Forecast.Describe(t, report.Counts.Limit, now, "IDs")
            : null;

    private static DoctorReport Trimmed(DoctorReport report, Host.Facts.HostFacts facts) =>
        report with { Facts = facts, Input = new CheckInput(facts, report.Probe) };

    [LoggerMessage(Level = LogLevel.Warning, Message = "sample read the host with {Count} problems, first: {First}")]
    private static partial void LogProblems(ILogger logger, int count, string first);

    [LoggerMessage(Level = LogLevel.Error, Message = "sample failed: {Message}")]
    private static partial void LogFailed(ILogger logger, string message);
}
