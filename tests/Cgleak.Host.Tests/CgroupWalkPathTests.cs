using System.Diagnostics;
using Cgleak.Host.Cgroups;
using Cgleak.Testing;

namespace Cgleak.Host.Tests;

/// <summary>Issue #16: the walk's paths that a fixture's ordinary walk does not take.</summary>
public class CgroupWalkPathTests
{
    private const string Memory = "/sys/fs/cgroup/memory";

    private static ScratchTree CopyOf(string scenario)
    {
        var t = new ScratchTree();
        using var p = Process.Start("cp", ["-a", Repo.Fixture(scenario) + "/.", t.Root]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return t;
    }

    private static void AssertSameScan(CgroupTreeScan expected, CgroupTreeScan scan)
    {
        Assert.Equal(expected.Directories, scan.Directories);
        Assert.Equal(expected.MemoryEnabled, scan.MemoryEnabled);
        Assert.Equal(expected.Containers, scan.Containers);
        Assert.Equal(expected.Unreadable, scan.Unreadable);
        Assert.Equal(expected.Kmem, scan.Kmem);
    }

    [Theory]
    [InlineData("el7-957-leaking", Memory, MemoryHierarchy.V1)]
    [InlineData("cgroup-v2", "/sys/fs/cgroup", MemoryHierarchy.V2)]
    public void Entries_of_unknown_type_are_opened_to_tell_directories_and_the_scan_is_the_same(
        string scenario, string mount, MemoryHierarchy hierarchy)
    {
        HostRoot host = HostRoot.At(Repo.Fixture(scenario));
        CgroupTreeScan typed = new CgroupTreeWalker(host).Walk(mount, hierarchy);
        CgroupTreeScan untyped = new CgroupTreeWalker(host, ignoreDirectoryTypes: true).Walk(mount, hierarchy);
        Assert.True(typed.Directories > 1);
        AssertSameScan(typed, untyped);
    }

    [Fact]
    public void Links_to_dot_dot_of_unknown_type_end_the_walk_as_links_do()
    {
        using ScratchTree t = CopyOf("el7-957-leaking");
        CgroupTreeScan expected = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
        t.Link(Memory + "/kubepods/up", "..");
        t.Link(Memory + "/kubepods/besteffort/loop", "../../kubepods");
        var clock = Stopwatch.StartNew();
        CgroupTreeScan scan = new CgroupTreeWalker(t.Host, ignoreDirectoryTypes: true).Walk(Memory, MemoryHierarchy.V1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        AssertSameScan(expected, scan);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_entry_cap_stops_the_walk_and_says_so(bool ignoreDirectoryTypes)
    {
        HostRoot host = HostRoot.At(Repo.Fixture("el7-957-leaking"));
        CgroupTreeScan whole = new CgroupTreeWalker(host, ignoreDirectoryTypes).Walk(Memory, MemoryHierarchy.V1);
        Assert.False(whole.StoppedAtBound);
        var walker = new CgroupTreeWalker(host, ignoreDirectoryTypes, maxDirectories: 10);
        CgroupTreeScan capped = walker.Walk(Memory, MemoryHierarchy.V1);
        Assert.True(capped.StoppedAtBound);
        Assert.InRange(capped.Directories, 1, 10);
        Assert.True(capped.Directories < whole.Directories);
    }

    [Fact]
    public void A_tree_deeper_than_the_descriptors_held_is_walked_whole_and_every_descriptor_closed()
    {
        using var t = new ScratchTree();
        int depth = CgroupTreeWalker.MaxHeldDepth + 36;
        string deepest = t.Root + Memory + string.Concat(Enumerable.Range(0, depth).Select(i => $"/d{i}"));
        Directory.CreateDirectory(deepest);
        Directory.CreateDirectory(t.Root + Memory + "/d0/d1/kubepods/pod/c");
        CgroupTreeScan scan = new CgroupTreeWalker(t.Host).Walk(Memory, MemoryHierarchy.V1);
        Assert.Empty(OpenDescriptors.Under(t.Root)); // other tests run meanwhile: only this tree's are counted
        Assert.Equal(1 + depth + 3, scan.Directories);
        Assert.Equal(3, scan.Kmem.Checked);
        Assert.Empty(scan.Unreadable);
    }
}
