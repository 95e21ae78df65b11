using System.ComponentModel;
using System.Net.Sockets;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Tests;

/// <summary>The errno a .NET exception carries on Linux, and the failure said by it.</summary>
public class ErrnoOfExceptionTests
{
    private static readonly int[] NetworkErrnos = [101, 104, 110, 111, 113];

    public static TheoryData<Exception, int?> Exceptions() => new()
    {
        { new FileNotFoundException("gone"), Errno.ENOENT },
        { new DirectoryNotFoundException("gone"), Errno.ENOENT },
        { new PathTooLongException("long"), Errno.ENAMETOOLONG },
        { new UnauthorizedAccessException("denied", new IOException("is a directory", Errno.EISDIR)), Errno.EISDIR },
        { new UnauthorizedAccessException("denied"), Errno.EACCES },
        { new UnauthorizedAccessException("denied", new IOException("no errno")), Errno.EACCES },
        { new IOException("Input/output error", Errno.EIO), Errno.EIO },
        { new IOException("the largest errno", 4095), 4095 },
        { new IOException("not an errno", 4096), null },
        { new IOException("zero", 0), null },
        { new IOException(".NET's own", unchecked((int)0x80070020)), null },
        { new IOException("no errno"), null },
        { new SocketException((int)SocketError.ConnectionRefused), Errno.ECONNREFUSED },
        { new Win32Exception(Errno.ENOENT), Errno.ENOENT },
        { new Win32Exception(0), null },
        { new InvalidDataException("not gzip"), null },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void The_errno_is_the_one_the_exception_carries(Exception e, int? errno) =>
        Assert.Equal(errno, Errno.Of(e));

    [Fact]
    public void A_failure_with_an_errno_is_said_by_it_and_one_without_in_its_own_words()
    {
        HostMessage eio = Errno.SaidOf(new IOException("Input/output error : '/var/log/messages'", Errno.EIO));
        Assert.Equal(("errno.described", "Input/output error (EIO)"), (eio.Key, eio.English));

        const string Unsupported = "The archive entry was compressed using an unsupported method.";
        HostMessage other = Errno.SaidOf(new InvalidDataException(Unsupported));
        Assert.Equal(("text.verbatim", Unsupported), (other.Key, other.English));
    }

    [Fact]
    public void Network_errors_have_names_and_texts()
    {
        Assert.Equal(
            ["ENETUNREACH", "ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EHOSTUNREACH"],
            NetworkErrnos.Select(Errno.Name));
        Assert.Equal("Connection refused", Errno.Message(Errno.ECONNREFUSED));
        Assert.Equal(Errno.EHOSTUNREACH, Errno.Parse("EHOSTUNREACH"));
    }

    [Fact]
    public void An_errno_the_catalog_holds_is_said_by_its_name_and_any_other_in_the_C_librarys_words()
    {
        HostMessage eio = Errno.Said(Errno.EIO);
        Assert.Equal(("errno.EIO", "Input/output error"), (eio.Key, eio.English));
        HostMessage other = Errno.Said(200);
        Assert.Equal(("errno.other", "errno 200"), (other.Key, other.English));
        Assert.Equal(["errno 200"], other.Args);
    }
}
