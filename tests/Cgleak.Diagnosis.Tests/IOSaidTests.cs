using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// .NET's I/O, socket and process-start exceptions, raised for real, said by their errno so that they read in the
/// reader's language, the path .NET named kept unless the caller's own message names it.
/// </summary>
public sealed class IOSaidTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-iosaid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_missing_file_is_ENOENT_with_its_path_in_both_languages()
    {
        string missing = Path.Combine(_dir, "grub.cfg");
        Exception e = Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(missing));
        Message said = IOSaid.Of(e);
        Assert.Equal($"{missing}: No such file or directory (ENOENT)", said.ToString());
        Assert.Equal($"{missing}：没有那个文件或目录（ENOENT）", said.In(Language.ZhCN));
    }

    [Fact]
    public void The_path_the_caller_names_is_not_said_twice()
    {
        string missing = Path.Combine(_dir, "kubeconfig");
        Exception e = Assert.ThrowsAny<IOException>(() => File.ReadAllText(missing));
        Assert.Equal("No such file or directory (ENOENT)", IOSaid.Of(e, named: missing).ToString());
    }

    [Fact]
    public void An_existing_file_is_EEXIST_from_the_raw_errno_in_the_HResult()
    {
        string file = Path.Combine(_dir, "taken");
        File.WriteAllText(file, "");
        Exception e = Assert.ThrowsAny<IOException>(() => new FileStream(file, FileMode.CreateNew).Dispose());
        Assert.Equal(Host.Kernel.Errno.EEXIST, Host.Kernel.Errno.Of(e));
        Assert.EndsWith("文件已存在（EEXIST）", IOSaid.Of(e).In(Language.ZhCN), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_used_as_a_directory_is_ENOTDIR()
    {
        string file = Path.Combine(_dir, "plain");
        File.WriteAllText(file, "");
        Exception e = Assert.ThrowsAny<Exception>(() => File.ReadAllBytes(Path.Combine(file, "x")));
        Assert.Contains(Host.Kernel.Errno.Of(e), new int?[] { Host.Kernel.Errno.ENOTDIR, Host.Kernel.Errno.ENOENT });
        Assert.DoesNotContain("'", IOSaid.Of(e).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_connection_is_ECONNREFUSED()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // the port was free a moment ago and nothing listens on it now
        using var client = new TcpClient();
        var e = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        Assert.Equal("Connection refused (ECONNREFUSED)", IOSaid.Of(e).ToString());
        Assert.Equal("拒绝连接（ECONNREFUSED）", IOSaid.Of(e).In(Language.ZhCN));
    }

    [Fact]
    public void A_command_that_does_not_exist_is_ENOENT()
    {
        string plugin = Path.Combine(_dir, "no-such-plugin");
        var e = Assert.Throws<Win32Exception>(() => Process.Start(plugin));
        Assert.Equal($"{plugin}: No such file or directory (ENOENT)", IOSaid.Of(e).ToString()); // not the directory
        Assert.Equal("No such file or directory (ENOENT)", IOSaid.Of(e, named: plugin).ToString());
    }

    [Fact]
    public void Its_own_failures_are_said_as_written_and_anything_else_verbatim()
    {
        var own = new SaidIOException(new Message("io.changed-while-writing", "/boot/grub2/grub.cfg"));
        Assert.Same(own.Said, IOSaid.Of(own));
        Assert.Equal("/boot/grub2/grub.cfg changed while cgleak was writing", own.Message);

        var other = new IOException("something else");
        Assert.Null(Host.Kernel.Errno.Of(other));
        Assert.Equal("something else", IOSaid.Of(other).In(Language.ZhCN));
        Assert.Null(Host.Kernel.Errno.Of(new IOException("negative", unchecked((int)0x80070020))));
    }
}
