using System.Net.Sockets;
using Cgleak.Host.Kernel;

namespace Cgleak.Diagnosis.Text;

/// <summary>
/// An I/O failure cgleak raises itself (a refused openat, rename or fsync), its text a message of the catalog so
/// that it reads in the reader's language; <see cref="Exception.Message"/> is the English.
/// </summary>
public sealed class SaidIOException(Message said) : IOException(said.ToString())
{
    public Message Said { get; } = said;
}

/// <summary>What an I/O exception says, in the reader's language.</summary>
public static class IOSaid
{
    /// <summary>
    /// cgleak's own (<see cref="SaidIOException"/>) as it said it; .NET's by the errno it carries
    /// (<see cref="Errno.Of"/>), a failed name lookup as such. The path is the first one .NET's text quotes
    /// ("Could not find file '/boot/grub2/grub.cfg'."), left out when it is
    /// <paramref name="named"/>, the file the caller's own message names. Anything else keeps .NET's English text.
    /// </summary>
    public static Message Of(Exception e, string? named = null)
    {
        if (e is SaidIOException own)
        {
            return own.Said;
        }

        if (e is SocketException
            {
                SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
            })
        {
            return new Message("net.no-such-host");
        }

        if (Errno.Of(e) is not { } errno)
        {
            return new Message("text.verbatim", e.Message);
        }

        Message said = Message.Of(Errno.Described(errno));
        int open = e.Message.IndexOf(" '/", StringComparison.Ordinal);
        int close = open < 0 ? -1 : e.Message.IndexOf('\'', open + 2);
        string? path = close > open + 2 ? e.Message[(open + 2)..close] : null;
        return path is null || path == named ? said : new Message("io.at", path, said);
    }
}
