using System.Diagnostics;
using System.Text;
using Cgleak.Host.Cgroups;

namespace Cgleak.Host.Tests;

/// <summary>CgroupTreeWalker on small trees built per test: counts, bounds, order and the kmem path taken.</summary>
public sealed class CgroupTreeWalkerEdgeTests : IDisposable
{
    private const string Memory = "/sys/fs/cgroup/memory";
    private const string Unified = "/sys/fs/cgroup";

    private readonly ScratchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private void Directories(params string[] hostPaths)
    {
        foreach (string hostPath in hostPaths)
        {
            Directory.CreateDirectory(_tree.Root + hostPath);
        }
    }

    private CgroupTreeScan Walk(string mount = Memory, MemoryHierarchy hierarchy = MemoryHierarchy.V1) =>
        new CgroupTreeWalker(_tree.Host).Walk(mount, hierarchy);

    [Fact]
    public void On_v1_every_directory_has_the_memory_controller()
    {
        Directories(Memory + "/system.slice/sshd.service", Memory + "/kubepods");
        CgroupTreeScan scan = Walk();
        Assert.Equal((4, 4), (scan.Directories, scan.MemoryEnabled));
    }

    [Fact]
    public void On_v2_the_root_and_the_cgroups_with_memory_current_have_the_memory_controller()
    {
        Directories(Unified + "/on/child", Unified + "/on2", Unified + "/off");
        _tree.File(Unified + "/on/memory.current", "4096\n");
        _tree.File(Unified + "/on2/memory.current", "0\n");
        _tree.File(Unified + "/cgroup.controllers", "cpu io memory pids\n"); // the root has no memory.current
        CgroupTreeScan scan = Walk(Unified, MemoryHierarchy.V2);
        Assert.Equal((5, 3), (scan.Directories, scan.MemoryEnabled));
        Assert.Empty(scan.Containers); // kmem is read on v1 only
    }

    [Theory]
    [InlineData(false, 6, false, 6)] // the root and its 5 cgroups: under the cap
    [InlineData(false, 5, true, 5)] // exactly at the cap: the 5th cgroup is not walked, and the scan says so
    [InlineData(true, 6, true, 0)] // types unknown: each entry counts, files too, until opened
    public void The_cap_counts_directories_and_entries_of_unknown_type(
        bool ignoreDirectoryTypes, int cap, bool stopped, int directories)
    {
        Directories([.. Enumerable.Range(0, 5).Select(i => $"{Memory}/c{i}")]);
        _tree.File(Memory + "/tasks", "");
        _tree.File(Memory + "/cgroup.procs", "");
        var walker = new CgroupTreeWalker(_tree.Host, ignoreDirectoryTypes, cap);
        CgroupTreeScan scan = walker.Walk(Memory, MemoryHierarchy.V1);
        Assert.Equal(stopped, scan.StoppedAtBound);
        if (directories > 0)
        {
            Assert.Equal(directories, scan.Directories);
        }
        else
        {
            Assert.InRange(scan.Directories, 1, cap); // which entries came first is the filesystem's order
        }
    }

    [Fact]
    public void Container_cgroups_are_listed_in_ordinal_order_of_their_paths()
    {
        Directories(
            Memory + "/kubepods/burstable/pod-b",
            Memory + "/kubepods/burstable/pod-a",
            Memory + "/kubepods/Besteffort",
            Memory + "/docker/4f3a",
            Memory + "/user.slice");
        List<string> paths = [.. Walk().Containers.Select(c => c.HostPath)];
        Assert.Equal(7, paths.Count);
        Assert.Equal([.. paths.Order(StringComparer.Ordinal)], paths);
    }

    [Fact]
    public void A_directory_whose_path_reaches_PATH_MAX_is_unreadable_and_the_one_below_it_is_walked()
    {
        // A chain whose last directory's local path is 3,900 bytes long, then three children: 4,095 bytes (walked),
        // 4,096 and 4,097 (PATH_MAX: not opened, named unreadable, in ordinal order).
        string rootLocal = _tree.Root + Memory;
        var parent = new StringBuilder(Memory + "/kubepods");
        int length = rootLocal.Length + "/kubepods".Length;
        int chain = 2; // the root and kubepods
        while (3900 - length > 256)
        {
            parent.Append('/').Append('d', 200);
            length += 201;
            chain++;
        }

        parent.Append('/').Append('e', 3900 - length - 1);
        chain++;
        string walked = new('w', 194), atMax = new('b', 195), overMax = new('a', 196);
        Directories(parent.ToString());
        Run("sh", "-c", "cd \"$1\" && mkdir \"$2\" \"$3\" \"$4\"", "sh", _tree.Root + parent, walked, atMax, overMax);
        CgroupTreeScan scan = Walk();
        Assert.Equal([$"{parent}/{overMax}", $"{parent}/{atMax}"], scan.Unreadable);
        Assert.Equal(chain + 3, scan.Directories); // unreadable directories are counted
        Assert.Equal(chain + 1, scan.MemoryEnabled); // but not as having the memory controller
        Assert.Contains(scan.Containers, c => c.HostPath == $"{parent}/{walked}");
        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }

    [Fact]
    public void A_directory_listing_longer_than_one_read_is_walked_whole()
    {
        // 300 records of 144 bytes: more than the walk's 32 KiB listing buffer holds.
        Directories([.. Enumerable.Range(0, 300).Select(i => $"{Memory}/wide/{i:D3}{new string('x', 117)}")]);
        CgroupTreeScan scan = Walk();
        Assert.Equal(302, scan.Directories);
        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }

    [Fact]
    public void A_cancelled_walk_throws_and_holds_no_descriptor()
    {
        Directories(Memory + "/kubepods/pod");
        var walker = new CgroupTreeWalker(_tree.Host);
        Assert.Throws<OperationCanceledException>(
            () => walker.Walk(Memory, MemoryHierarchy.V1, new CancellationToken(canceled: true)));
        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }

    [Fact]
    public void A_host_trees_recorded_slabinfo_error_reaches_the_walks_kmem_state()
    {
        _tree.File(Memory + "/kubepods/memory.kmem.slabinfo.errno", "EIO\n");
        _tree.File(Memory + "/kubepods/memory.kmem.usage_in_bytes", "0\n");
        ContainerCgroupKmem kubepods = Assert.Single(Walk().Containers);
        Assert.Equal((Memory + "/kubepods", KmemState.Off), (kubepods.HostPath, kubepods.State));
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
