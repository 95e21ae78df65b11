using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>
/// cgleak_memory_cgroup_ids_in_use_lower_bound: on 3.10 the alerts need a number where IDs in use are unknown (C2).
/// </summary>
public class LowerBoundGaugeTests
{
    private static async Task<string> Metrics(string scenario) =>
        await MetricsExporter.TextAsync(
            MetricsExporter.Render(Doctor.Examine(HostRoot.At(Repo.Fixture(scenario))), new SampleExtras(), "0.1.0"));

    [Fact]
    public async Task A_3_10_node_at_the_wall_exports_num_cgroups_as_the_lower_bound()
    {
        string text = await Metrics("el7-3.10-at-the-wall");
        Assert.Contains("cgleak_memory_cgroup_ids_in_use_lower_bound 64734", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^cgleak_memory_cgroup_ids_in_use ", text); // the exact number stays unknown
        Assert.Contains("cgleak_verdict{verdict=\"affected\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_ids_in_use_are_known_the_bound_is_that_number()
    {
        string text = await Metrics("ubuntu-5.4-dying");
        Assert.Contains("cgleak_memory_cgroup_ids_in_use 96", text, StringComparison.Ordinal);
        Assert.Contains("cgleak_memory_cgroup_ids_in_use_lower_bound 96", text, StringComparison.Ordinal);
    }
}
