using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Tests;

/// <summary>
/// KernelFile's outcomes on a temp directory's files: read whole, gone, and refused (a link, a FIFO, a socket, a
/// directory), each by path and relative to an open directory, with and without the O_PATH probe.
/// </summary>
public sealed class KernelFileEdgeTests : IDisposable
{
    private readonly ScratchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private string Local(string name) => Path.Combine(_tree.Root, name);

    private KernelRead ReadAt(string name, bool probeFirst)
    {
        using var directory = new OpenDirectory(_tree.Root);
        return KernelFile.ReadAt(directory.Fd, Encoding.UTF8.GetBytes(name), probeFirst);
    }

    /// <summary>A read that could block (a FIFO opened without O_NONBLOCK) fails the test, not hangs it.</summary>
    private static KernelRead Promptly(Func<KernelRead> read) =>
        Task.Run(read).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_regular_file_is_read_whole_and_its_descriptor_closed(bool probeFirst)
    {
        string value = _tree.File("/value", "4096\n");
        Assert.Equal(new KernelRead(ReadOutcome.Ok, "4096\n", 0), ReadAt("value", probeFirst));
        KernelRead read = KernelFile.Read(value);
        Assert.Equal((ReadOutcome.Ok, "4096\n", ""), (read.Outcome, read.Text, read.ErrorText));
        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_missing_file_is_gone(bool probeFirst)
    {
        Assert.Equal(new KernelRead(ReadOutcome.Gone, "", Errno.ENOENT), ReadAt("absent", probeFirst));
        Assert.Equal(new KernelRead(ReadOutcome.Gone, "", Errno.ENOENT), KernelFile.Read(Local("absent")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_link_in_the_directory_read_is_not_followed(bool probeFirst)
    {
        _tree.File("/value", "4096\n");
        _tree.Link("/link", "value");
        KernelRead read = ReadAt("link", probeFirst);
        Assert.Equal((ReadOutcome.NotReadable, ""), (read.Outcome, read.Text));
        Assert.Equal(probeFirst ? 0 : Errno.ELOOP, read.Errno); // the probe sees a link; an open meets ELOOP
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fifo_is_refused_without_waiting_for_a_writer(bool probeFirst)
    {
        _tree.Fifo("/fifo");
        foreach (KernelRead read in new[]
        {
            Promptly(() => ReadAt("fifo", probeFirst)), Promptly(() => KernelFile.Read(Local("fifo"))),
        })
        {
            Assert.Equal((ReadOutcome.NotReadable, 0), (read.Outcome, read.Errno));
            Assert.Equal("read.not-regular.fifo", read.Refusal?.Key);
            Assert.Contains("FIFO", read.ErrorText, StringComparison.Ordinal);
        }

        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }

    [Fact]
    public void A_socket_is_refused_by_what_it_is_not_by_the_error_opening_it_gives()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Local("socket")));
        foreach (KernelRead read in new[] { ReadAt("socket", probeFirst: true), KernelFile.Read(Local("socket")) })
        {
            Assert.Equal((ReadOutcome.NotReadable, 0), (read.Outcome, read.Errno));
            Assert.Equal("read.not-regular.socket", read.Refusal?.Key);
            Assert.Contains("socket", read.ErrorText, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_directory_is_not_readable(bool probeFirst)
    {
        Directory.CreateDirectory(Local("sub"));
        Assert.Equal(new KernelRead(ReadOutcome.NotReadable, "", Errno.EISDIR), ReadAt("sub", probeFirst));
        Assert.Equal(new KernelRead(ReadOutcome.NotReadable, "", Errno.EISDIR), KernelFile.Read(Local("sub")));
    }
}

/// <summary>The few system calls LibC and DirectoryReader wrap, on a temp directory's files.</summary>
public sealed class SystemCallTests : IDisposable
{
    private const int EBADF = 9;

    private readonly ScratchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Fstat_gives_a_files_size_and_type_and_the_errno_of_a_bad_descriptor()
    {
        string value = _tree.File("/value", "0123456789");
        int fd = LibC.Open(value, LibC.O_RDONLY | LibC.O_CLOEXEC);
        try
        {
            Assert.Equal(0, LibC.Stat(fd, out FileStatus status));
            Assert.Equal((10L, true), (status.Size, status.IsRegular));
        }
        finally
        {
            _ = LibC.Close(fd);
        }

        Assert.Equal(EBADF, LibC.Stat(-1, out FileStatus none));
        Assert.Equal(default, none);
    }

    [Fact]
    public void The_filesystem_type_is_the_one_stat_f_reports_and_0_for_a_bad_descriptor()
    {
        using var p = Process.Start(new ProcessStartInfo("stat", ["-f", "-c", "%t", _tree.Root])
        {
            RedirectStandardOutput = true,
        })!;
        string hex = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        using var directory = new OpenDirectory(_tree.Root);
        long type = LibC.FileSystemType(directory.Fd);
        Assert.Equal(Convert.ToInt64(hex, 16), type);
        Assert.NotEqual(0, type);
        Assert.Equal(0, LibC.FileSystemType(-1));
    }

    [Fact]
    public void Listing_what_is_not_a_directory_gives_ENOTDIR_and_closes_it()
    {
        string value = _tree.File("/value", "0");
        int fd = LibC.Open(value, LibC.O_RDONLY | LibC.O_CLOEXEC);
        var names = new List<string>();
        Assert.Equal(Errno.ENOTDIR, DirectoryReader.ReadAll(fd, (name, _) => names.Add(Encoding.UTF8.GetString(name))));
        Assert.Empty(names);
        Assert.Empty(OpenDescriptors.Under(_tree.Root));
    }
}
