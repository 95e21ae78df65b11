using Cgleak.Host.Kernel;

namespace Cgleak.Host.Tests;

/// <summary>
/// Host paths resolved inside a scratch root at their edges: the root itself, the link count bound, relative link
/// targets, names too long, a file used as a directory, a root that is not there, captured read errors beside a file.
/// </summary>
public class HostRootEdgeTests
{
    [Fact]
    public void The_root_of_a_tree_is_a_directory_that_lists_its_entries_with_their_types()
    {
        using var t = new ScratchTree();
        t.File("/f", "x");
        t.Link("/l", "/f");
        Directory.CreateDirectory(t.Root + "/d");
        Assert.Equal(HostEntryType.Directory, t.Host.TypeOf("/"));
        Assert.Equal(HostEntryType.Directory, t.Host.TypeOf("/d/.."));
        HostDirectory root = t.Host.List("/");
        Assert.Equal((true, ""), (root.IsOk, root.ErrorText));
        Assert.Equal(
            [("d", true, false, false), ("f", false, true, false), ("l", false, false, true)],
            root.Entries.Select(e => (e.Name, e.IsDirectory, e.IsRegularFile, e.IsLink)));
    }

    [Fact]
    public void A_directory_that_is_not_there_says_why()
    {
        using var t = new ScratchTree();
        HostDirectory gone = t.Host.List("/nope");
        Assert.True(gone.IsGone);
        Assert.Contains("(ENOENT)", gone.ErrorText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConfinedPath.MaxLinks, true)]
    [InlineData(ConfinedPath.MaxLinks + 1, false)]
    public void Forty_links_in_a_row_are_followed_and_the_forty_first_is_a_loop(int links, bool read)
    {
        using var t = new ScratchTree();
        t.File("/target", "end\n");
        for (int i = 1; i <= links; i++)
        {
            t.Link($"/l{i}", i == links ? "/target" : $"/l{i + 1}");
        }

        KernelRead r = t.Host.Read("/l1");
        Assert.Equal(read ? (ReadOutcome.Ok, 0) : (ReadOutcome.NotReadable, Errno.ELOOP), (r.Outcome, r.Errno));
    }

    [Fact]
    public void A_relative_link_target_starts_from_the_links_directory_not_the_root()
    {
        using var t = new ScratchTree();
        t.File("/etc/y", "etc\n");
        t.File("/y", "root\n");
        t.Link("/etc/x", "y");
        Assert.Equal("etc\n", t.Host.Read("/etc/x").Text);
        Assert.Equal("/etc/y", t.Host.ResolveHostPath("/etc/x"));
    }

    [Fact]
    public void A_name_too_long_to_open_is_unreachable_not_missing()
    {
        using var t = new ScratchTree();
        string name = "/" + new string('a', 4096);
        Assert.Equal(HostEntryType.Unreachable, t.Host.TypeOf(name));
        KernelRead r = t.Host.Read(name);
        Assert.Equal((ReadOutcome.NotReadable, Errno.ENAMETOOLONG), (r.Outcome, r.Errno));
    }

    [Fact]
    public void A_regular_file_used_as_a_directory_is_missing()
    {
        using var t = new ScratchTree();
        t.File("/etc/passwd", "x\n");
        Assert.Equal(HostEntryType.Missing, t.Host.TypeOf("/etc/passwd/x"));
        Assert.Equal(ReadOutcome.Gone, t.Host.Read("/etc/passwd/x").Outcome);
    }

    [Fact]
    public void A_root_that_is_not_there_still_resolves_paths_lexically_with_dot_dot_clamped()
    {
        using var t = new ScratchTree();
        HostRoot missing = HostRoot.At(t.Root + "/not-there");
        Assert.Equal("/b", missing.ResolveHostPath("/a/../../b"));
        Assert.Equal("/a/c", missing.ResolveHostPath("/a/b/../c"));
        Assert.Equal(HostEntryType.Missing, missing.TypeOf("/a"));
    }

    [Fact]
    public void Host_paths_must_be_absolute()
    {
        using var t = new ScratchTree();
        Assert.Throws<ArgumentException>(() => t.Host.Resolve("etc/passwd"));
        Assert.Throws<ArgumentException>(() => t.Host.ResolveHostPath("etc/passwd"));
        Assert.Throws<ArgumentException>(() => t.Host.Read("etc/passwd"));
    }

    [Fact]
    public void At_slash_is_the_live_host_and_a_local_path_outside_a_tree_maps_to_itself()
    {
        Assert.Same(HostRoot.Live, HostRoot.At("/"));
        Assert.Same(HostRoot.Live, HostRoot.At("/tmp/.."));
        using var t = new ScratchTree();
        Assert.Equal("/elsewhere/x", t.Host.HostPathOf("/elsewhere/x"));
        Assert.Equal("/etc/x", t.Host.HostPathOf(t.Root + "/etc/x"));
        Assert.Equal("/", t.Host.HostPathOf(t.Root));
    }

    [Fact]
    public void Read_at_takes_a_files_own_text_over_its_sidecar_and_the_sidecar_only_for_a_missing_file()
    {
        using var t = new ScratchTree();
        t.File("/cg/memory.kmem.slabinfo", "slabinfo - version: 2.1\n");
        t.File("/cg/memory.kmem.slabinfo.errno", "EIO\n");
        t.File("/cg/memory.kmem.usage_in_bytes.errno", "EIO\n");
        int dir = LibC.Open(t.Root + "/cg", LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        Assert.True(dir >= 0);
        try
        {
            KernelRead present = t.Host.ReadAt(dir, "memory.kmem.slabinfo"u8.ToArray());
            Assert.Equal((ReadOutcome.Ok, "slabinfo - version: 2.1\n"), (present.Outcome, present.Text));
            KernelRead failed = t.Host.ReadAt(dir, "memory.kmem.usage_in_bytes"u8.ToArray());
            Assert.Equal((ReadOutcome.NotReadable, Errno.EIO), (failed.Outcome, failed.Errno));
            Assert.Equal(ReadOutcome.Gone, t.Host.ReadAt(dir, "memory.kmem.failcnt"u8.ToArray()).Outcome);
        }
        finally
        {
            _ = LibC.Close(dir);
        }
    }
}
