using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Cgleak.Host.Kernel;

/// <summary>How reading a kernel (or host) file ended.</summary>
public enum ReadOutcome
{
    /// <summary>Read to the end.</summary>
    Ok,

    /// <summary>
    /// ENOENT, ENODEV, ENOTDIR: the file is not there (a cgroup that vanished while walked is normal).
    /// </summary>
    Gone,

    /// <summary>
    /// Any other errno (EIO on memory.kmem.slabinfo when kmem accounting is off, EACCES, EINVAL, ELOOP), or a file
    /// that is not a regular file (a FIFO, a device, a socket: refused, never opened for reading).
    /// </summary>
    NotReadable,
}

/// <summary>One read of one file: the outcome, the text on success, the errno (or the refusal) otherwise.</summary>
public readonly record struct KernelRead(ReadOutcome Outcome, string Text, int Errno, HostMessage? Refusal = null)
{
    public bool IsOk => Outcome == ReadOutcome.Ok;

    /// <summary>"Input/output error (EIO)", or "a FIFO, not a regular file", as evidence.</summary>
    public string ErrorText => ErrorSaid.English;

    /// <summary><see cref="ErrorText"/> as a sentence of the catalog, for text in the reader's language.</summary>
    public HostMessage ErrorSaid => Outcome == ReadOutcome.Ok ? HostMessage.Say("text.verbatim", "", "")
        : Refusal is { } refusal ? refusal
        : Kernel.Errno.Described(Errno);

    internal static KernelRead Failure(int errno) =>
        new(errno is Kernel.Errno.ENOENT or Kernel.Errno.ENODEV or Kernel.Errno.ENOTDIR
            ? ReadOutcome.Gone
            : ReadOutcome.NotReadable, "", errno);

    internal static KernelRead NotRegular(FileStatus status) =>
        status.IsDirectory
            ? new(ReadOutcome.NotReadable, "", Kernel.Errno.EISDIR)
            : new(ReadOutcome.NotReadable, "", 0, status.NotRegularSaid);
}

/// <summary>
/// The one reader of kernel files. Reads to EOF with read(2) and never trusts a reported size
/// (sysfs attributes report 4096 bytes and hold 4), and keeps errno so callers can tell
/// "gone" from "not readable": EIO on memory.kmem.slabinfo is a fact, the runbook's own check.
/// Only regular files are read: a FIFO would block open() and read() for ever, /dev/zero never ends.
/// </summary>
public static class KernelFile
{
    /// <summary>
    /// What one read keeps at most: a longer file is cut there (no host file cgleak reads is near it).
    /// </summary>
    public const int MaxBytes = 16 * 1024 * 1024;
    private const int PooledBytes = 4096;

    /// <summary>
    /// Reads a path as the kernel resolves it: for the live host's own files (/proc, /sys, cgroupfs).
    /// </summary>
    public static KernelRead Read(string path)
    {
        int fd = OpenRegular(path, out KernelRead failure);
        return fd < 0 ? failure : ReadAndClose(fd);
    }

    /// <summary>
    /// Opens a regular file for reading, the path resolved by the kernel: probed with O_PATH (which runs no
    /// driver's open and does not wait for a FIFO's writer), then opened O_NONBLOCK and checked to be the
    /// file probed. -1 and the failure otherwise.
    /// </summary>
    internal static int OpenRegular(string path, out KernelRead failure)
    {
        if (!ProbeRegular(LibC.Open(path, LibC.O_PATH | LibC.O_CLOEXEC), out FileStatus probed, out failure))
        {
            return -1;
        }

        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        return Checked(fd, probed, out failure);
    }

    /// <summary>
    /// Looks at an O_PATH descriptor (which opens nothing: a FIFO cannot block, a device's open does not run),
    /// closes it, and says whether it names a regular file.
    /// </summary>
    private static bool ProbeRegular(int probe, out FileStatus status, out KernelRead failure)
    {
        status = default;
        if (probe < 0)
        {
            failure = KernelRead.Failure(Marshal.GetLastPInvokeError());
            return false;
        }

        int statErrno = LibC.Stat(probe, out status);
        _ = LibC.Close(probe);
        failure = statErrno != 0
            ? KernelRead.Failure(statErrno)
            : status.IsRegular ? default! : KernelRead.NotRegular(status);
        return statErrno == 0 && status.IsRegular;
    }

    /// <summary>
    /// Opens a regular file <paramref name="name"/> in an open directory, never following a link there.
    /// </summary>
    internal static int OpenRegularAt(int dirFd, byte[] name, bool probeFirst, out KernelRead failure)
    {
        FileStatus? probed = null;
        if (probeFirst)
        {
            if (!ProbeRegular(
                ConfinedPath.OpenAt(dirFd, name, LibC.O_PATH | LibC.O_NOFOLLOW | LibC.O_CLOEXEC),
                out FileStatus s,
                out failure))
            {
                return -1;
            }

            probed = s;
        }

        int fd = ConfinedPath.OpenAt(dirFd, name, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOFOLLOW | LibC.O_CLOEXEC);
        return Checked(fd, probed, out failure);
    }

    /// <summary>Reads a regular file in an open directory (the cgroup walk's kmem files).</summary>
    internal static KernelRead ReadAt(int dirFd, byte[] name, bool probeFirst)
    {
        int fd = OpenRegularAt(dirFd, name, probeFirst, out KernelRead failure);
        return fd < 0 ? failure : ReadAndClose(fd);
    }

    /// <summary>One fstat of the file opened: it must be regular, and the file probed when there was a probe.</summary>
    private static int Checked(int fd, FileStatus? probed, out KernelRead failure)
    {
        if (fd < 0)
        {
            failure = KernelRead.Failure(Marshal.GetLastPInvokeError());
            return -1;
        }

        int statErrno = LibC.Stat(fd, out FileStatus opened);
        if (statErrno == 0 && opened.IsRegular
            && (probed is null || (probed.Value.Device, probed.Value.Inode) == (opened.Device, opened.Inode)))
        {
            failure = default;
            return fd;
        }

        _ = LibC.Close(fd);
        failure = statErrno != 0 ? KernelRead.Failure(statErrno)
            : !opened.IsRegular ? KernelRead.NotRegular(opened)
            : new KernelRead(
                ReadOutcome.NotReadable, "", 0,
                HostMessage.Say("read.replaced", "replaced while it was opened: not read"));
        return -1;
    }

    /// <summary>Reads an open file to EOF (at most <see cref="MaxBytes"/>) and closes it.</summary>
    internal static KernelRead ReadAndClose(int fd)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(PooledBytes);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxBytes)
                    {
                        break; // a runaway file: keep what was read
                    }

                    // Past the first page the buffer is the GC's, not the shared pool's: a pool keeps what it
                    // is given, and one large file a sample (dpkg's status) would stay resident in the agent.
                    byte[] bigger = GC.AllocateUninitializedArray<byte>(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ReturnIfPooled(buffer);
                    buffer = bigger;
                }

                nint n;
                unsafe
                {
                    fixed (byte* p = &buffer[length])
                    {
                        n = LibC.Read(fd, p, buffer.Length - length);
                    }
                }

                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    return KernelRead.Failure(errno);
                }

                if (n == 0)
                {
                    break;
                }

                length += (int)n;
            }

            return new KernelRead(ReadOutcome.Ok, Encoding.UTF8.GetString(buffer, 0, length), 0);
        }
        finally
        {
            ReturnIfPooled(buffer);
            _ = LibC.Close(fd);
        }
    }

    private static void ReturnIfPooled(byte[] buffer)
    {
        if (buffer.Length <= PooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
