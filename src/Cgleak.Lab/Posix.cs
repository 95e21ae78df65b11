using System.Runtime.InteropServices;
using System.Text;
using Cgleak.Diagnosis.Text;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab;

/// <summary>
/// The system calls cgleak's writes need beyond .NET's: opening relative to a directory without following
/// links (openat with O_NOFOLLOW), fsync of a directory, renameat, flock, and opening with O_NONBLOCK so a
/// FIFO never blocks. Each returns errno (0 on success) or throws <see cref="IOException"/> naming the path.
/// </summary>
internal static unsafe partial class Posix
{
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int AT_FDCWD = -100;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int EAGAIN = 11;
    public const int ELOOP = 40;

    // The two flags whose values differ between x86 and arm (asm-generic/fcntl.h against arch/arm64's).
    public static int O_DIRECTORY => Arm ? 0x4000 : 0x10000;

    public static int O_NOFOLLOW => Arm ? 0x8000 : 0x20000;

    /// <summary>
    /// openat(2); a null <paramref name="dir"/> is <see cref="AT_FDCWD"/>. Returns the handle, or null with errno.
    /// </summary>
    public static SafeFileHandle? OpenAt(SafeFileHandle? dir, string name, int flags, int mode, out int errno)
    {
        int fd = WithPath(
            name,
            p => OpenAtRaw(dir is null ? AT_FDCWD : (int)dir.DangerousGetHandle(), p, flags | O_CLOEXEC, mode));
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    public static int Fsync(SafeFileHandle handle)
        => FsyncRaw((int)handle.DangerousGetHandle()) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static int Flock(SafeFileHandle handle, int operation) =>
        FlockRaw((int)handle.DangerousGetHandle(), operation) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static int RenameAt(SafeFileHandle dir, string from, string to) =>
        WithPath(
            from,
            f => WithPath(
                to, t => RenameAtRaw((int)dir.DangerousGetHandle(), f, (int)dir.DangerousGetHandle(), t))) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    public static int UnlinkAt(SafeFileHandle? dir, string name) =>
        WithPath(name, p => UnlinkAtRaw(dir is null ? AT_FDCWD : (int)dir.DangerousGetHandle(), p, 0)) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    public static int MkdirAt(SafeFileHandle dir, string name, int mode) =>
        WithPath(name, p => MkdirAtRaw((int)dir.DangerousGetHandle(), p, mode)) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Reads to EOF, at most <paramref name="maxBytes"/>: null when there is more (a runaway file) or the read would
    /// block (a FIFO).
    /// </summary>
    public static byte[]? ReadAll(SafeFileHandle handle, int maxBytes, out int errno)
    {
        var buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    errno = 0;
                    return null;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxBytes + 1));
            }

            nint n;
            fixed (byte* p = &buffer[length])
            {
                n = ReadRaw((int)handle.DangerousGetHandle(), p, buffer.Length - length);
            }

            if (n < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Host.Kernel.Errno.EINTR)
                {
                    continue;
                }

                return null;
            }

            if (n == 0)
            {
                errno = 0;
                return buffer[..length];
            }

            length += (int)n;
        }
    }

    /// <summary>Writes every byte (write(2) may write fewer than asked).</summary>
    public static int WriteAll(SafeFileHandle handle, ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            nint n;
            fixed (byte* p = bytes)
            {
                n = WriteRaw((int)handle.DangerousGetHandle(), p, bytes.Length);
            }

            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Host.Kernel.Errno.EINTR)
                {
                    continue;
                }

                return errno;
            }

            bytes = bytes[(int)n..];
        }

        return 0;
    }

    /// <summary>
    /// errno as a user reads it; ELOOP from O_NOFOLLOW and EAGAIN from O_NONBLOCK say what they mean here.
    /// </summary>
    public static Message Said(int errno) => errno switch
    {
        ELOOP => new Message("errno.no-follow"),
        EAGAIN => new Message("errno.would-block"),
        _ => Message.Of(Host.Kernel.Errno.Described(errno)),
    };

    /// <summary>"PATH: Permission denied (EACCES)", the errno said as <see cref="Said"/> says it.</summary>
    public static SaidIOException Failed(string path, int errno) => new(new Message("io.at", path, Said(errno)));

    /// <summary>strerror(3)'s text, as a message of the catalog ("Permission denied", 权限不足).</summary>
    public static Message Strerror(int errno) => Message.Of(Host.Kernel.Errno.Said(errno));

    private static int WithPath(string path, Func<nint, int> call)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        fixed (byte* p = bytes)
        {
            return call((nint)p);
        }
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtRaw(int dirFd, nint path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadRaw(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncRaw(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockRaw(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    private static partial int RenameAtRaw(int fromDir, nint from, int toDir, nint to);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkAtRaw(int dirFd, nint path, int flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    private static partial int MkdirAtRaw(int dirFd, nint path, int mode);
}
