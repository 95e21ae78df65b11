using System.Diagnostics;
using System.Text.Json.Nodes;
using Cgleak.Lab;
using Cgleak.Testing;

namespace Cgleak.RealKernel.Tests;

/// <summary>cgleak probe and cgleak cleanup on the real kernel: bounded, never --until-full here.</summary>
public sealed class ProbeTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("cgleak-state-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static string[] ScratchTrees() =>
        Directory.GetDirectories(ScratchCgroup.MemoryMount).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith("cgleak-probe-", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void A_bounded_probe_creates_and_removes_2000_cgroups_and_reports_a_lower_bound()
    {
        var run = CgleakProcess.Run("probe", "--max", "2000", "--json", "--state-dir", _state);
        Assert.Equal(0, run.ExitCode);
        JsonNode r = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(2000, (int)r["created"]!);
        Assert.Equal(2001, (long)r["freeSlots"]!);
        Assert.False((bool)r["exact"]!);
        Assert.Null(r["idsInUse"]);
        Assert.Empty(r["left"]!.AsArray());
        Assert.Empty(ScratchTrees());
        Assert.Empty(Directory.GetFiles(Path.Combine(_state, "journal")));
    }

    [Fact]
    public void Doctor_with_a_probe_bounds_the_ids_in_use_and_leaves_nothing()
    {
        var run = CgleakProcess.Run("doctor", "--probe", "--probe-max", "500", "--json", "--state-dir", _state);
        Assert.Equal(0, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        Assert.Contains(
            doc["memoryCgroups"]!["basis"]!.AsArray(),
            b => ((string)b!).StartsWith("probe: at least 501 free slots", StringComparison.Ordinal));
        Assert.Empty(ScratchTrees());
    }

    [Fact]
    public void Killed_with_SIGKILL_at_random_moments_a_probe_leaves_only_what_cleanup_removes()
    {
        // A tree that merely looks like cgleak's but belongs to a live process (this one): never touched.
        string sentinel = $"{ScratchCgroup.MemoryMount}/cgleak-probe-{Environment.ProcessId}-5e171e1";
        Directory.CreateDirectory(sentinel);
        long baseline = KernelCount();
        try
        {
            var random = new Random(20261127);
            for (int i = 0; i < 15; i++)
            {
                using Process p = CgleakProcess.Start("probe", "--max", "3000", "--hold", "1", "--state-dir", _state);
                Thread.Sleep(random.Next(50, 900)); // before, during and after creation, while holding
                p.Kill();
                p.WaitForExit();
            }

            var cleanup = CgleakProcess.Run("cleanup", "--json", "--state-dir", _state);
            Assert.Equal(0, cleanup.ExitCode);
            Assert.NotEmpty(JsonNode.Parse(cleanup.Stdout)!["removed"]!.AsArray()); // the kills did leave trees behind
            Assert.Equal([Path.GetFileName(sentinel)], ScratchTrees());
            Assert.Empty(Directory.GetFiles(Path.Combine(_state, "journal")));
            Assert.Contains("still running", cleanup.Stdout, StringComparison.Ordinal);

            // Empty cgroups are freed within seconds of rmdir (O3): the kernel's count returns to where it was.
            long count = 0;
            for (int t = 0; t < 100 && (count = KernelCount()) > baseline + 50; t++)
            {
                Thread.Sleep(100);
            }

            Assert.InRange(count, 0, baseline + 50);
        }
        finally
        {
            Directory.Delete(sentinel);
        }
    }

    [Fact]
    public void Interrupted_with_SIGINT_a_probe_removes_its_tree_itself()
    {
        using Process p = CgleakProcess.Start("probe", "--max", "3000", "--hold", "5", "--state-dir", _state);
        Thread.Sleep(1500);
        Assert.Equal(0, Kill(p.Id, 2));
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(130, p.ExitCode);
        Assert.Empty(ScratchTrees());
        Assert.Empty(Directory.GetFiles(Path.Combine(_state, "journal")));
    }

    private static long KernelCount()
        => LiveCgroups.KernelCount() ?? throw new InvalidOperationException("/proc/cgroups has no memory row");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
