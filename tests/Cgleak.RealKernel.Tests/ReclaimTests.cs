using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.RealKernel.Tests;

/// <summary>cgleak reclaim releases dying cgroups a test pinned with page cache (O1, O2, M1).</summary>
public class ReclaimTests
{
    private const int N = 200;

    [Fact]
    public void Reclaim_releases_dying_cgroups_pinned_by_page_cache()
    {
        Assert.True(
            ScratchCgroup.Available,
            "this test needs the cgroup v1 memory controller at /sys/fs/cgroup/memory");
        using var scratch = new ScratchCgroup();
        string[] cgroups = Enumerable.Range(0, N).Select(i => scratch.Create($"c{i}")).ToArray();
        Parallel.For(0, N, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            ScratchCgroup.RunInside(cgroups[i], $"head -c 65536 /dev/urandom > '{scratch.Files}/f{i}'"));
        scratch.RemoveChildren(); // now N dying cgroups, pinned by the files' page cache

        var dry = CgleakProcess.Run("reclaim", "--dry-run", "--json");
        Assert.Equal(0, dry.ExitCode);
        long dyingBefore = (long)JsonNode.Parse(dry.Stdout)!["dyingBefore"]!;
        Assert.True(dyingBefore >= N * 9 / 10, $"expected at least {N * 9 / 10} dying, saw {dyingBefore}");

        var run = CgleakProcess.Run("reclaim", "--yes", "--json", "--wait", "20");
        Assert.Equal(0, run.ExitCode);
        JsonNode r = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("1", (string?)r["actions"]![0]!["value"]); // 6.18: page cache is what pins them
        Assert.True((long)r["released"]! >= N * 9 / 10, run.Stdout);
        Assert.True((long)r["dyingAfter"]! <= (long)r["dyingBefore"]! - N * 9 / 10);
    }

    [Fact]
    public void Reclaim_without_a_terminal_or_yes_refuses_and_does_nothing()
    {
        var run = CgleakProcess.Run("reclaim");
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--yes", run.Stderr, StringComparison.Ordinal);
    }
}
