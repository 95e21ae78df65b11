namespace Cgleak.Host.Kernel;

/// <summary>The Linux errno values cgleak tells apart.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ENAMETOOLONG = 36;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;
    public const int ENETUNREACH = 101;
    public const int ECONNRESET = 104;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;

    /// <summary>The C library's name for an errno ("EIO"), or "errno N".</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        EROFS => "EROFS",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOTEMPTY => "ENOTEMPTY",
        ELOOP => "ELOOP",
        EOPNOTSUPP => "EOPNOTSUPP",
        ENETUNREACH => "ENETUNREACH",
        ECONNRESET => "ECONNRESET",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTUNREACH => "EHOSTUNREACH",
        _ => $"errno {errno}",
    };

    /// <summary>An errno from its name ("EIO") or number ("5"); null when neither.</summary>
    public static int? Parse(string text)
    {
        if (int.TryParse(
            text,
            System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture,
            out int n))
        {
            return n;
        }

        for (int e = 1; e < 134; e++)
        {
            if (Name(e) == text)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>The message strerror(3) gives, as users see it in logs ("Input/output error").</summary>
    public static string Message(int errno) => errno switch
    {
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        EIO => "Input/output error",
        ENOMEM => "Cannot allocate memory",
        EACCES => "Permission denied",
        EBUSY => "Device or resource busy",
        EEXIST => "File exists",
        ENODEV => "No such device",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        ENOSPC => "No space left on device",
        EROFS => "Read-only file system",
        ENAMETOOLONG => "File name too long",
        ENOTEMPTY => "Directory not empty",
        ELOOP => "Too many levels of symbolic links",
        EOPNOTSUPP => "Operation not supported",
        ENETUNREACH => "Network is unreachable",
        ECONNRESET => "Connection reset by peer",
        ETIMEDOUT => "Connection timed out",
        ECONNREFUSED => "Connection refused",
        EHOSTUNREACH => "No route to host",
        _ => $"errno {errno}",
    };

    /// <summary>
    /// strerror's text as a sentence of the catalog, keyed by the errno's name ("errno.EIO"), so a reader sees it in
    /// their language; an errno the catalog does not hold is said in the C library's words ("errno.other").
    /// </summary>
    public static HostMessage Said(int errno)
    {
        // A local, not a pattern variable in the condition: Stryker's mutants of that shape do not compile.
        string text = Message(errno);
        return text == $"errno {errno}"
            ? HostMessage.Say("errno.other", text, text)
            : HostMessage.Say("errno." + Name(errno), text);
    }

    /// <summary>
    /// The errno behind a .NET exception on Linux; null when it carries none. A plain <see cref="IOException"/>'s
    /// HResult is the raw errno, <see cref="UnauthorizedAccessException"/> wraps one, the not-found and too-long
    /// exceptions are ENOENT and ENAMETOOLONG, and socket and process-start errors carry theirs.
    /// </summary>
    public static int? Of(Exception e) => e switch
    {
        FileNotFoundException => ENOENT,
        DirectoryNotFoundException => ENOENT,
        PathTooLongException => ENAMETOOLONG,
        UnauthorizedAccessException { InnerException: IOException inner } when IsErrno(inner.HResult) => inner.HResult,
        UnauthorizedAccessException => EACCES,
        IOException when IsErrno(e.HResult) => e.HResult,
        System.Net.Sockets.SocketException s when IsErrno(s.NativeErrorCode) => s.NativeErrorCode,
        System.ComponentModel.Win32Exception w when IsErrno(w.NativeErrorCode) => w.NativeErrorCode, // Process.Start
        _ => null,
    };

    /// <summary>An exception said by its errno ("Input/output error (EIO)"), or in its own words.</summary>
    public static HostMessage SaidOf(Exception e) => Of(e) switch
    {
        { } errno => Described(errno),
        null => HostMessage.Say("text.verbatim", e.Message, e.Message),
    };

    /// <summary>"Input/output error (EIO)": the text and the name, as evidence and errors say it.</summary>
    public static HostMessage Described(int errno) =>
        HostMessage.Say("errno.described", $"{Message(errno)} ({Name(errno)})", Said(errno), Name(errno));

    // Errno values are small positive numbers; .NET's own HResults (0x8007xxxx, 0x8013xxxx) are negative.
    private static bool IsErrno(int value) => value is > 0 and < 4096;
}
