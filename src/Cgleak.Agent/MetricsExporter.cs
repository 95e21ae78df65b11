using System.Text;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using Prometheus;

namespace Cgleak.Agent;

/// <summary>What one sample adds to the doctor's report: the trends and the agent's own health.</summary>
public sealed record SampleExtras(
    Trend? IdsTrend = null,
    Trend? DyingTrend = null,
    double ScanSeconds = 0,
    long ScanErrors = 0,
    DateTimeOffset? SampledAt = null);

/// <summary>
/// The doctor's report as Prometheus metrics (names under cgleak_, base units, ratios 0-1:
/// prometheus.io/docs/practices/naming).
/// Unknown values are absent, never 0. Each sample renders into a fresh registry, so a scrape serves the
/// last sample whole and never walks the cgroup tree.
/// </summary>
public static class MetricsExporter
{
    public static readonly string[] Statuses = ["pass", "warn", "fail", "info", "skip", "error"];
    public static readonly string[] Verdicts = [.. Enum.GetValues<Verdict>().Select(VerdictNames.Of)];

    public static CollectorRegistry Render(DoctorReport report, SampleExtras extras, string version)
    {
        CollectorRegistry registry = Metrics.NewCustomRegistry();
        MetricFactory f = Metrics.WithCustomRegistry(registry);
        MemcgCounts c = report.Counts;

        Gauge cgroups = f.CreateGauge("cgleak_memory_cgroups", "Memory cgroups by state: live (directories under the "
            + "memory mount) and dying (removed, still held by the kernel).",
            new GaugeConfiguration { LabelNames = ["state"] });
        Set(cgroups, c.Live, "live");
        Set(cgroups, c.Dying, "dying");
        Set(f.CreateGauge(
            "cgleak_memory_cgroups_reported",
            "The memory cgroups the kernel reports: the memory row of /proc/cgroups (num_cgroups).",
            Quiet), c.Reported);
        Set(f.CreateGauge(
            "cgleak_memory_cgroup_ids_in_use",
            "Memory cgroup IDs in use, as this kernel family implies; absent where the kernel hides zombies.",
            Quiet), c.IdsInUse);
        Set(f.CreateGauge("cgleak_memory_cgroup_ids_in_use_lower_bound", "Memory cgroup IDs in use are at least "
            + "this: the exact count where known, /proc/cgroups num_cgroups where the kernel counts live memcgs only "
                + "(3.10), else the live count.", Quiet), c.IdsInUseAtLeast);
        f.CreateGauge("cgleak_memory_cgroup_ids_limit", "The memory cgroup ID limit (MEM_CGROUP_ID_MAX).").Set(c.Limit);
        if (report.Facts.Layout.Memory == MemoryHierarchy.V1 && report.Facts.Tree is { } tree)
        {
            f.CreateGauge("cgleak_kmem_active_cgroups", "Container cgroups with kernel-memory accounting active.")
                .Set(tree.Kmem.Active);
        }

        Gauge checks = f.CreateGauge(
            "cgleak_check_status",
            "1 for the status each check has now, 0 for the others.",
            new GaugeConfiguration { LabelNames = ["check", "status"] });
        foreach (CheckResult r in report.Checks)
        {
            foreach (string s in Statuses)
            {
                checks.WithLabels(r.Id, s)
                    .Set(string.Equals(r.Status.ToString(), s, StringComparison.OrdinalIgnoreCase) ? 1 : 0);
            }
        }

        Gauge verdict = f.CreateGauge(
            "cgleak_verdict",
            "1 for the node's verdict now, 0 for the others.",
            new GaugeConfiguration { LabelNames = ["verdict"] });
        foreach (string v in Verdicts)
        {
            verdict.WithLabels(v).Set(VerdictNames.Of(report.Verdict) == v ? 1 : 0);
        }

        Gauge eta = f.CreateGauge(
            "cgleak_memory_cgroup_ids_exhaustion_eta_seconds",
            "Seconds until IDs in use reach the limit at the least-squares slope of the window; absent when not "
                + "rising.",
            Quiet);
        if (extras.IdsTrend?.SecondsUntil(c.Limit, c.IdsInUse ?? double.NaN) is { } seconds && c.IdsInUse is not null)
        {
            eta.Set(seconds);
        }

        Gauge growth = f.CreateGauge(
            "cgleak_dying_memory_cgroups_growth_per_second",
            "Least-squares slope of dying memory cgroups over the window.",
            Quiet);
        if (extras.DyingTrend is { } dying)
        {
            growth.Set(dying.SlopePerSecond);
        }

        // What the fleet table shows beside the numbers (cgleak fleet); a component not found is an empty label.
        f.CreateGauge(
            "cgleak_node_info",
            "The node's kernel and the versions of the components that decide kmem accounting.",
            new GaugeConfiguration { LabelNames = ["kernel", "runc", "containerd", "kubelet"] })
            .WithLabels(
                report.Facts.Kernel?.Value.Text ?? "",
                Version(report, "runc"),
                Version(report, "containerd"),
                Version(report, "kubelet")).Set(1);
        f.CreateGauge("cgleak_scan_duration_seconds", "How long the last sample of the host took.")
            .Set(extras.ScanSeconds);
        Health(f, extras, version);
        return registry;
    }

    /// <summary>Before the first sample (or when none ever succeeded): only the agent's own health.</summary>
    public static CollectorRegistry RenderWithoutSample(SampleExtras extras, string version)
    {
        CollectorRegistry registry = Metrics.NewCustomRegistry();
        Health(Metrics.WithCustomRegistry(registry), extras, version);
        return registry;
    }

    /// <summary>
    /// The agent's own health, with or without a sample. The last sample's time is what `cgleak fleet` shows as
    /// "last seen": last_over_time of it over a day is cheap for Prometheus, where the scrape times of a series
    /// (a subquery of timestamp()) took 1.5 s of the fleet's 2 s budget on 5,000 nodes.
    /// </summary>
    private static void Health(MetricFactory f, SampleExtras extras, string version)
    {
        f.CreateCounter("cgleak_scan_errors_total", "Samples that failed, or read the host with problems.")
            .IncTo(extras.ScanErrors);
        if (extras.SampledAt is { } at)
        {
            f.CreateGauge(
                "cgleak_last_sample_timestamp_seconds",
                "Unix time of the agent's last sample of the host, successful or not.")
                .Set(at.ToUnixTimeMilliseconds() / 1000.0);
        }

        f.CreateGauge("cgleak_build_info", "cgleak's version.", new GaugeConfiguration { LabelNames = ["version"] })
            .WithLabels(version)
            .Set(1);
    }

    public static async Task<string> TextAsync(CollectorRegistry registry, CancellationToken cancel = default)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, cancel).ConfigureAwait(false);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Version(DoctorReport report, string component) =>
        report.Facts.Component(component) is { } c
            ? Host.Parsing.ComponentVersion.Find(c.VersionText)?.ToString() ?? c.VersionText ?? ""
            : "";

    private static GaugeConfiguration Quiet => new() { SuppressInitialValue = true };

    private static void Set(Gauge gauge, long? value, string? label = null)
    {
        if (value is not { } v)
        {
            return;
        }

        if (label is null)
        {
            gauge.Set(v);
        }
        else
        {
            gauge.WithLabels(label).Set(v);
        }
    }
}
