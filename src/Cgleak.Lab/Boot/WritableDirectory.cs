using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab.Boot;

/// <summary>
/// A directory of a host, opened for writing inside its root: its path resolved by <see
/// cref="HostRoot.ResolveHostPath"/>
/// (links followed inside the root, "/" meaning the root, ".." stopping there, as openat2's RESOLVE_IN_ROOT does),
/// then opened component by component with openat and O_NOFOLLOW, so the kernel never follows a link on the way:
/// `T/boot -> /elsewhere` means T/elsewhere, never the admin machine's /elsewhere, and a link put in place after the
/// resolution makes the open fail rather than lead out. Files are then read, written and renamed relative to the
/// open directory (<see cref="AtomicFile.WriteIn"/>), and the directory fsynced.
/// </summary>
internal sealed class WritableDirectory : IDisposable
{
    private WritableDirectory(SafeFileHandle handle, string hostPath, string localPath)
    {
        Handle = handle;
        HostPath = hostPath;
        LocalPath = localPath;
    }

    public SafeFileHandle Handle { get; }

    /// <summary>Where it is on the host, links resolved ("/boot/grub2").</summary>
    public string HostPath { get; }

    /// <summary>Where it is here, for messages and the few path-based calls.</summary>
    public string LocalPath { get; }

    /// <summary>
    /// Opens <paramref name="hostPath"/> inside <paramref name="root"/>; with <paramref name="create"/>, missing
    /// directories are made (0755).
    /// </summary>
    public static WritableDirectory Open(HostRoot root, string hostPath, bool create = false)
    {
        string resolved = root.ResolveHostPath(hostPath);
        SafeFileHandle current = Posix.OpenAt(
            null,
            root.Directory,
            Posix.O_RDONLY | Posix.O_DIRECTORY,
            0,
            out int errno)
            ?? throw Posix.Failed(root.Directory, errno);
        string shown = root.IsLive ? "" : root.Directory;
        try
        {
            foreach (string name in resolved.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                shown += "/" + name;
                SafeFileHandle? next = Posix.OpenAt(
                    current,
                    name,
                    Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW,
                    0,
                    out errno);
                if (next is null && errno == Host.Kernel.Errno.ENOENT && create)
                {
                    int made = Posix.MkdirAt(current, name, 0b111_101_101);
                    if (made != 0 && made != Host.Kernel.Errno.EEXIST)
                    {
                        throw new SaidIOException(new Message("io.cannot-create", shown, Posix.Said(made)));
                    }

                    _ = Posix.Fsync(current);
                    next = Posix.OpenAt(
                        current,
                        name,
                        Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW,
                        0,
                        out errno);
                }

                current.Dispose();
                current = next ?? throw Posix.Failed(shown, errno);
            }

            return new WritableDirectory(
                current,
                resolved,
                root.IsLive ? resolved : root.Directory + (resolved == "/" ? "" : resolved));
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a regular file in this directory as bytes: not through a link, never blocking on a FIFO, at most 16 MiB.
    /// </summary>
    public byte[] ReadFile(string name)
    {
        using SafeFileHandle file = Posix.OpenAt(
            Handle,
            name,
            Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW,
            0,
            out int errno)
            ?? throw Posix.Failed(Local(name), errno);
        return Posix.ReadAll(file, 16 * 1024 * 1024, out errno)
            ?? throw (errno == 0
                ? new SaidIOException(new Message("io.too-large", Local(name), "16 MiB"))
                : Posix.Failed(Local(name), errno));
    }

    public string Local(string name) => LocalPath.TrimEnd('/') + "/" + name;

    public void Dispose() => Handle.Dispose();
}
