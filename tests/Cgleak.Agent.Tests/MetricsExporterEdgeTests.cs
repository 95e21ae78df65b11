using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>What each sample exports, and what it leaves out when the host or the window does not say.</summary>
public class MetricsExporterEdgeTests
{
    private static readonly DoctorReport El7 = Doctor.Examine(HostRoot.At(Repo.Fixture("el7-957-leaking")));
    private static readonly DoctorReport V2 = Doctor.Examine(HostRoot.At(Repo.Fixture("cgroup-v2")));

    private static Task<string> Text(DoctorReport report, SampleExtras extras) =>
        MetricsExporter.TextAsync(MetricsExporter.Render(report, extras, "1.2.3"));

    private static Trend Rising => new(1, 2, TimeSpan.FromHours(1));

    [Fact]
    public async Task The_reported_count_the_limit_the_agents_health_and_version_are_always_there()
    {
        string text = await Text(El7, new SampleExtras(ScanSeconds: 1.5, ScanErrors: 3));
        Assert.Contains("\ncgleak_memory_cgroups_reported 45\n", text, StringComparison.Ordinal);
        Assert.Contains("\ncgleak_memory_cgroup_ids_limit 65535\n", text, StringComparison.Ordinal);
        Assert.Contains("\ncgleak_scan_duration_seconds 1.5\n", text, StringComparison.Ordinal);
        Assert.Contains("\ncgleak_scan_errors_total 3\n", text, StringComparison.Ordinal);
        Assert.Contains("\ncgleak_build_info{version=\"1.2.3\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kmem_accounting_is_counted_only_on_cgroup_v1()
    {
        Assert.Contains("\ncgleak_kmem_active_cgroups 39\n", await Text(El7, new SampleExtras()),
            StringComparison.Ordinal);
        Assert.DoesNotContain("cgleak_kmem_active_cgroups ", await Text(V2, new SampleExtras()),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trends_are_exported_only_when_there_are_some_and_the_ids_are_known()
    {
        string none = await Text(V2, new SampleExtras());
        Assert.DoesNotContain("\ncgleak_dying_memory_cgroups_growth_per_second ", none, StringComparison.Ordinal);
        Assert.DoesNotContain("\ncgleak_memory_cgroup_ids_exhaustion_eta_seconds ", none, StringComparison.Ordinal);

        string rising = await Text(V2, new SampleExtras(IdsTrend: Rising, DyingTrend: Rising));
        Assert.Contains($"\ncgleak_memory_cgroup_ids_exhaustion_eta_seconds {65535 - 61}\n", rising,
            StringComparison.Ordinal);
        Assert.Contains("\ncgleak_dying_memory_cgroups_growth_per_second 1\n", rising, StringComparison.Ordinal);

        // On 3.10 IDs in use are unknown: no time to exhaustion, whatever the trend.
        Assert.DoesNotContain("\ncgleak_memory_cgroup_ids_exhaustion_eta_seconds ",
            await Text(El7, new SampleExtras(IdsTrend: Rising)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_verdict_and_status_is_listed_with_one_set()
    {
        string text = await Text(V2, new SampleExtras());
        Assert.Contains("\ncgleak_verdict{verdict=\"ok\"} 1\n", text, StringComparison.Ordinal);
        foreach (string v in (string[])["at-risk", "affected", "unknown"])
        {
            Assert.Contains($"\ncgleak_verdict{{verdict=\"{v}\"}} 0\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("\ncgleak_check_status{check=\"kmem.active-cgroups\",status=\"skip\"} 1\n", text,
            StringComparison.Ordinal);
        Assert.Equal(6,
            text.Split('\n').Count(l => l.StartsWith("cgleak_check_status{check=\"kmem.active-cgroups\"",
            StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Before_the_first_sample_only_the_agents_own_health_is_served()
    {
        var registry = MetricsExporter.RenderWithoutSample(new SampleExtras(ScanErrors: 2), "1.2.3");
        string text = await MetricsExporter.TextAsync(registry);
        string[] samples = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal(["cgleak_build_info{version=\"1.2.3\"} 1", "cgleak_scan_errors_total 2"],
            samples.Order(StringComparer.Ordinal));

        // With the time of a sample attempt (what cgleak fleet shows as last seen), also before any succeeded.
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        string timed = await MetricsExporter.TextAsync(
            MetricsExporter.RenderWithoutSample(new SampleExtras(SampledAt: at), "1.2.3"));
        Assert.Contains("\ncgleak_last_sample_timestamp_seconds 1700000000\n", timed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_node_info_names_the_kernel_and_the_components_as_their_packages_spell_them()
    {
        string text = await Text(El7, new SampleExtras());
        Assert.Contains(
            "\ncgleak_node_info{kernel=\"3.10.0-957.27.2.el7.x86_64\",runc=\"\",containerd=\"1.2.0\",kubelet=\"1.16.4" +
            "\"} 1\n",
            text, StringComparison.Ordinal); // no runc binary on this host: an empty label, not a made-up version
    }
}
