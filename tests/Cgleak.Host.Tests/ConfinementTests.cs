using System.Diagnostics;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Tests;

/// <summary>A scratch host tree, removed after the test.</summary>
internal sealed class ScratchTree : IDisposable
{
    public ScratchTree(string? under = null)
    {
        Root = under is null
            ? Directory.CreateTempSubdirectory("cgleak-hostile-").FullName
            : Directory.CreateDirectory(
                Path.Combine(under, $"cgleak-hostile-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
    }

    public string Root { get; }

    public HostRoot Host => HostRoot.At(Root);

    /// <summary>Writes a file at a host path, creating its directories.</summary>
    public string File(string hostPath, string text)
    {
        string local = Root + hostPath;
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        System.IO.File.WriteAllText(local, text);
        return local;
    }

    /// <summary>A symbolic link at a host path pointing at <paramref name="target"/> (taken as written).</summary>
    public void Link(string hostPath, string target)
    {
        string local = Root + hostPath;
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        System.IO.File.CreateSymbolicLink(local, target);
    }

    public void Fifo(string hostPath)
    {
        string local = Root + hostPath;
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        using var mkfifo = Process.Start("mkfifo", [local]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    public void Dispose()
    {
        // rm, not Directory.Delete: names that are not UTF-8 cannot be spelled in a .NET string. Links are removed as
        // links.
        using var rm = Process.Start("rm", ["-rf", "--one-file-system", Root]);
        rm.WaitForExit();
    }
}

public class ConfinementTests
{
    [Fact]
    public void An_absolute_link_to_a_live_file_reads_the_trees_file_instead()
    {
        using var t = new ScratchTree();
        t.File("/etc/shadow", "tree's own shadow\n");
        t.Link("/proc/cmdline", "/etc/shadow");
        KernelRead r = t.Host.Read("/proc/cmdline");
        Assert.Equal("tree's own shadow\n", r.Text);
        Assert.Equal(t.Root + "/etc/shadow", t.Host.Resolve("/proc/cmdline"));
    }

    [Fact]
    public void An_absolute_link_to_a_file_the_tree_lacks_is_missing_not_the_live_one()
    {
        using var t = new ScratchTree();
        t.Link("/proc/cmdline", "/etc/hostname");
        Assert.Equal(ReadOutcome.Gone, t.Host.Read("/proc/cmdline").Outcome);
    }

    [Fact]
    public void A_directory_link_to_the_live_etc_stays_in_the_tree()
    {
        // T/etc -> /etc means T/etc itself: a loop, not the admin machine's distribution.
        using var t = new ScratchTree();
        t.Link("/etc", "/etc");
        KernelRead r = t.Host.Read("/etc/os-release");
        Assert.Equal((ReadOutcome.NotReadable, Errno.ELOOP), (r.Outcome, r.Errno));
        Assert.NotEqual(HostEntryType.RegularFile, t.Host.TypeOf("/etc/os-release"));
    }

    [Fact]
    public void Dot_dot_in_links_and_in_paths_stops_at_the_root()
    {
        using var t = new ScratchTree();
        t.File("/etc/passwd", "tree\n");
        t.Link("/var/log/messages", "../../../../../../../../etc/passwd");
        t.Link("/boot", "/../../../../elsewhere");
        t.File("/elsewhere/grub2/grub.cfg", "menu\n");
        Assert.Equal("tree\n", t.Host.Read("/var/log/messages").Text);
        Assert.Equal("tree\n", t.Host.Read("/../../../etc/passwd").Text);
        Assert.Equal("menu\n", t.Host.Read("/boot/grub2/grub.cfg").Text);
        Assert.Equal(t.Root + "/elsewhere/grub2/grub.cfg", t.Host.Resolve("/boot/grub2/grub.cfg"));
        Assert.Equal(t.Root, t.Host.Resolve("/../.."));
    }

    [Fact]
    public void A_relative_link_resolves_from_its_own_directory()
    {
        // el7's /etc/grub2.cfg -> ../boot/grub2/grub.cfg
        using var t = new ScratchTree();
        t.File("/boot/grub2/grub.cfg", "menu\n");
        t.Link("/etc/grub2.cfg", "../boot/grub2/grub.cfg");
        Assert.Equal("menu\n", t.Host.Read("/etc/grub2.cfg").Text);
        Assert.Equal("/boot/grub2/grub.cfg", t.Host.ResolveHostPath("/etc/grub2.cfg"));
        Assert.True(t.Host.IsRegularFile("/etc/grub2.cfg"));
    }

    [Fact]
    public void A_link_loop_ends_with_ELOOP()
    {
        using var t = new ScratchTree();
        t.Link("/a", "/b");
        t.Link("/b", "a");
        Assert.Equal(Errno.ELOOP, t.Host.Read("/a").Errno);
        Assert.Equal(HostEntryType.Unreachable, t.Host.TypeOf("/a/x"));
    }

    [Fact]
    public void A_fifo_is_refused_at_once_with_a_reason()
    {
        using var t = new ScratchTree();
        t.Fifo("/proc/cgroups");
        var clock = Stopwatch.StartNew();
        KernelRead r = t.Host.Read("/proc/cgroups");
        Assert.Equal(ReadOutcome.NotReadable, r.Outcome);
        Assert.Equal("a FIFO, not a regular file", r.ErrorText);
        Assert.Null(t.Host.OpenRead("/proc/cgroups", out KernelRead failure));
        Assert.Equal(r.ErrorText, failure.ErrorText);
        Assert.Equal(HostEntryType.Other, t.Host.TypeOf("/proc/cgroups"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_socket_is_refused_with_a_reason()
    {
        using var t = new ScratchTree();
        string local = t.File("/var/log/messages", "");
        File.Delete(local);
        using var socket = new System.Net.Sockets.Socket(
            System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(local));
        KernelRead r = t.Host.Read("/var/log/messages");
        Assert.Equal(ReadOutcome.NotReadable, r.Outcome);
        Assert.Equal("a socket, not a regular file", r.ErrorText);
    }

    [Fact]
    public void A_regular_file_of_a_gibibyte_is_read_at_most_16_MiB()
    {
        using var t = new ScratchTree();
        using (var file = File.OpenWrite(t.File("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\n")))
        {
            file.SetLength(1L << 30); // sparse: no disk, but read() returns a gibibyte of NULs
        }

        var clock = Stopwatch.StartNew();
        KernelRead r = t.Host.Read("/proc/cgroups");
        Assert.True(r.IsOk, r.ErrorText);
        Assert.StartsWith("#subsys_name", r.Text, StringComparison.Ordinal);
        Assert.InRange(r.Text.Length, 1, KernelFile.MaxBytes);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public void A_device_is_never_read_on_the_live_host_either()
    {
        KernelRead r = KernelFile.Read("/dev/zero");
        Assert.Equal("a character device, not a regular file", r.ErrorText);
        Assert.Equal("a character device, not a regular file", HostRoot.Live.Read("/dev/null").ErrorText);
    }

    [Fact]
    public void Listing_a_directory_behind_a_link_stays_in_the_tree()
    {
        using var t = new ScratchTree();
        t.File("/srv/log/messages", "x\n");
        t.Link("/var/log", "/srv/log");
        HostDirectory listed = t.Host.List("/var/log");
        Assert.True(listed.IsOk);
        Assert.Equal(["messages"], listed.Entries.Select(e => e.Name));
        Assert.True(t.Host.List("/nothing").IsGone);
    }

    [Fact]
    public void The_live_host_is_unaffected()
    {
        Assert.Equal("/etc/hostname", HostRoot.Live.Resolve("/etc/hostname"));
        Assert.True(HostRoot.Live.Read("/proc/self/mountinfo").IsOk); // /proc/self is a link, resolved by the kernel
        Assert.True(HostRoot.Live.IsDirectory("/proc/self"));
    }
}
