using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.RealKernel.Tests;

/// <summary>The doctor against this machine's kernel (6.18, cgroup v1 memory): kmem-facts O1-O3, O6.</summary>
public class DyingCountTests
{
    private const int N = 200;

    private static readonly SurveyOptions CountsOnly = new() { Components = false, Logs = false };

    private static MemcgCounts Counts() => Doctor.Examine(HostRoot.Live, CountsOnly).Counts;

    [Fact]
    public void Removed_cgroups_pinned_by_page_cache_show_as_dying_and_go_when_the_cache_goes()
    {
        Assert.True(
            ScratchCgroup.Available,
            "this test needs the cgroup v1 memory controller at /sys/fs/cgroup/memory");
        MachineWide.Holds(4, TimeSpan.FromSeconds(2), PageCachePinsAndReleases);
    }

    /// <summary>One run of O1 and O2 on N fresh cgroups; the first claim that does not hold, or null.</summary>
    private static string? PageCachePinsAndReleases()
    {
        MemcgCounts before = Counts();
        Assert.NotNull(before.Dying);
        using var scratch = new ScratchCgroup();
        string[] cgroups = Enumerable.Range(0, N).Select(i => scratch.Create($"c{i}")).ToArray();
        Parallel.For(0, N, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            ScratchCgroup.RunInside(cgroups[i], $"head -c 65536 /dev/urandom > '{scratch.Files}/f{i}'"));

        MemcgCounts with = Counts();
        string? miss = Outside("live after creating", with.Live!.Value - before.Live!.Value, N + 1 - 5, N + 1 + 5);
        if (miss is not null)
        {
            return miss;
        }

        scratch.RemoveChildren();
        MemcgCounts after = Counts();
        // O1: the directories are gone, the kernel still counts them: dying rose by about N, live did not.
        miss = Outside("dying after removing", after.Dying!.Value - before.Dying!.Value, N * 9 / 10, N + 20)
            ?? Outside("live after removing", after.Live!.Value - before.Live!.Value, 1 - 5, 1 + 5);
        if (miss is not null)
        {
            return miss;
        }

        Assert.Equal(after.Live, after.IdsInUse); // I5: IDs released at offline, no swap here (both from one reading)

        // O2: deleting the files frees the page cache, and with it the dying cgroups.
        foreach (string f in Directory.GetFiles(scratch.Files))
        {
            File.Delete(f);
        }

        long dying = after.Dying.Value;
        for (int i = 0; i < 100 && dying > before.Dying + N / 10; i++)
        {
            Thread.Sleep(200);
            dying = Counts().Dying!.Value;
        }

        return Outside("dying after deleting the files", dying, 0, before.Dying!.Value + N / 10);
    }

    private static string? Outside(string what, long value, long low, long high)
        => value >= low && value <= high ? null : $"{what}: {value}, expected {low}..{high}";

    [Fact]
    public void Container_cgroups_are_found_and_their_kmem_state_read_on_the_real_kernel()
    {
        Assert.True(
            ScratchCgroup.Available,
            "this test needs the cgroup v1 memory controller at /sys/fs/cgroup/memory");
        using var scratch = new ScratchCgroup();
        string pod = scratch.Create("kubepods/besteffort/pod0b1c2d3e-0000-4000-8000-000000000001");
        string busy = scratch.Create(
            "kubepods/besteffort/pod0b1c2d3e-0000-4000-8000-000000000001/" + new string('a', 64));
        string idle = scratch.Create(
            "kubepods/besteffort/pod0b1c2d3e-0000-4000-8000-000000000001/" + new string('b', 64));
        // Files and directories made from inside charge dentries and inodes: kernel memory (L4: accounted by default).
        ScratchCgroup.RunInside(busy, $"mkdir '{scratch.Files}/d' && for i in $(seq 200); do : > "
            + $"'{scratch.Files}/d/f'$i; done && cat /proc/self/status > /dev/null");

        DoctorReport report = Doctor.Examine(HostRoot.Live, CountsOnly);
        var mine = report.Facts.Tree!.Containers
            .Where(c => c.HostPath.StartsWith(scratch.Path, StringComparison.Ordinal))
            .ToList();
        Assert.Equal(5, mine.Count); // kubepods, besteffort, the pod and its two containers
        Assert.Equal(KmemState.Active, mine.Single(c => c.HostPath == busy).State);
        Assert.Contains(
            "memory.kmem.usage_in_bytes=",
            mine.Single(c => c.HostPath == busy).Evidence,
            StringComparison.Ordinal);
        Assert.Equal(KmemState.Inactive, mine.Single(c => c.HostPath == idle).State);
        Assert.Contains(mine, c => c.HostPath == pod);

        // On this kernel kmem accounting is the default and IDs are released at offline: information, not a leak.
        CheckResult kmem = report.Checks.Single(c => c.Id == "kmem.active-cgroups");
        Assert.Equal(CheckStatus.Info, kmem.Status);
        Assert.NotEqual(Verdict.Affected, report.Verdict);
    }

    [Fact]
    public void This_machine_reads_as_a_v1_memory_host_with_a_known_kernel_and_an_ok_verdict()
    {
        DoctorReport report = Doctor.Examine(HostRoot.Live);
        Assert.Equal(MemoryHierarchy.V1, report.Facts.Layout.Memory);
        Assert.Equal("/sys/fs/cgroup/memory", report.Facts.Layout.MemoryMountPoint);
        Assert.True(report.Kernel!.ReleasesIdAtOffline);
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(c => c.Id == "kernel.kmem-leak").Status);
        Assert.Equal(Verdict.Ok, report.Verdict);
    }
}

/// <summary>The component and command-line checks against this machine as it is (runc from Debian's package).</summary>
public class LiveHostTests
{
    [Fact]
    public void Runc_is_found_and_judged_by_running_it()
    {
        Assert.True(File.Exists("/usr/sbin/runc") || File.Exists("/usr/bin/runc"), "./test installs Debian's runc");
        DoctorReport report = Doctor.Examine(HostRoot.Live);
        var runc = report.Facts.Component("runc")!;
        Assert.EndsWith("runc --version", runc.Source, StringComparison.Ordinal);
        Assert.StartsWith("runc version 1.", runc.VersionText, StringComparison.Ordinal);
        CheckResult check = report.Checks.Single(c => c.Id == "runtime.runc");
        Assert.Equal(CheckStatus.Pass, check.Status); // Debian 12 ships runc 1.1.5: ignores kmem (R8)
    }

    [Fact]
    public void The_command_line_and_logs_of_this_machine_are_read()
    {
        DoctorReport report = Doctor.Examine(HostRoot.Live);
        Assert.Equal("/proc/cmdline", report.Facts.Cmdline!.Source);
        Assert.Equal(CheckStatus.Info, report.Checks.Single(c => c.Id == "kernel.nokmem-arg").Status);
        Assert.NotEmpty(report.Facts.Logs!.LogsRead);
    }
}
