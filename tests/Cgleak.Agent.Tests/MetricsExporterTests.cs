using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

public class MetricsExporterTests
{
    private static async Task<string> Metrics(string scenario, SampleExtras? extras = null) =>
        await MetricsExporter.TextAsync(MetricsExporter.Render(
            Doctor.Examine(HostRoot.At(Repo.Fixture(scenario))),
            extras ?? new SampleExtras(),
            "0.1.0"));

    [Fact]
    public async Task Unknown_counts_are_absent_not_zero()
    {
        string text = await Metrics("el7-957-leaking"); // 3.10: zombies invisible (C2)
        Assert.Contains("cgleak_memory_cgroups{state=\"live\"} 42", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cgleak_memory_cgroups{state=\"dying\"}", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^cgleak_memory_cgroup_ids_in_use ", text);
        Assert.DoesNotMatch(@"(?m)^cgleak_memory_cgroup_ids_exhaustion_eta_seconds ", text);
        Assert.Contains("cgleak_kmem_active_cgroups 39", text, StringComparison.Ordinal);
        Assert.Contains("cgleak_verdict{verdict=\"affected\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("cgleak_verdict{verdict=\"ok\"} 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_check_has_exactly_one_status_set()
    {
        string text = await Metrics("ubuntu-5.4-dying");
        foreach (string check in Diagnosis.Checks.CheckCatalog.All.Select(c => c.Id))
        {
            var ones = text.Split('\n').Count(l => l.StartsWith(
                $"cgleak_check_status{{check=\"{check}\"",
                StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
            Assert.Equal(1, ones);
        }

        Assert.Contains("cgleak_memory_cgroups{state=\"dying\"} 41873", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_forecast_is_exported_when_ids_rise()
    {
        var f = new Forecast(Forecast.DefaultWindow);
        f.Add(new Sample(DateTimeOffset.UnixEpoch, 0));
        f.Add(new Sample(DateTimeOffset.UnixEpoch.AddHours(1), 3600));
        string text = await Metrics(
            "ubuntu-5.4-dying",
            new SampleExtras(IdsTrend: f.Trend(), DyingTrend: f.Trend(), ScanSeconds: 0.25));
        Assert.Contains(
            $"cgleak_memory_cgroup_ids_exhaustion_eta_seconds {65535 - 96}",
            text,
            StringComparison.Ordinal);
        Assert.Contains("cgleak_dying_memory_cgroups_growth_per_second 1", text, StringComparison.Ordinal);
        Assert.Contains("cgleak_scan_duration_seconds 0.25", text, StringComparison.Ordinal);
    }
}
