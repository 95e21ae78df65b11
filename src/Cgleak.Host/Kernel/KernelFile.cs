using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Cgleak.Host.Kernel;

/// <summary>How reading a kernel (or host) file ended.</summary>
public enum ReadOutcome
{
    /// <summary>Read to the end.</summary>
    Ok,

    /// <summary>ENOENT, ENODEV, ENOTDIR: the file is not there (a cgroup that vanished while walked is normal).</summary>
    Gone,

    /// <summary>Any other errno: EIO on memory.kmem.slabinfo when kmem accounting is off, EACCES, EINVAL.</summary>
    NotReadable,
}

/// <summary>One read of one file: the outcome, the text on success, the errno otherwise.</summary>
public readonly record struct KernelRead(ReadOutcome Outcome, string Text, int Errno)
{
    public bool IsOk => Outcome == ReadOutcome.Ok;

    /// <summary>"Input/output error (EIO)", as evidence.</summary>
    public string ErrorText => Outcome == ReadOutcome.Ok ? "" : $"{Kernel.Errno.Message(Errno)} ({Kernel.Errno.Name(Errno)})";
}

/// <summary>
/// The one reader of kernel files. Reads to EOF with read(2) and never trusts a reported size
/// (sysfs attributes report 4096 bytes and hold 4), and keeps errno so callers can tell
/// "gone" from "not readable": EIO on memory.kmem.slabinfo is a fact, the runbook's own check.
/// </summary>
public static class KernelFile
{
    private const int MaxBytes = 16 * 1024 * 1024;
    private const int PooledBytes = 4096;

    public static KernelRead Read(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return Failure(Marshal.GetLastPInvokeError());
        }

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

                    return Failure(errno);
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

    private static KernelRead Failure(int errno) =>
        new(errno is Errno.ENOENT or Errno.ENODEV or Errno.ENOTDIR ? ReadOutcome.Gone : ReadOutcome.NotReadable, "", errno);
}
