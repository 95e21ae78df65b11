using Cgleak.Host;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab.Boot;

/// <summary>
/// A directory of a host, opened for writing inside its root: component by component with openat and
/// O_NOFOLLOW, so a link is never followed by the kernel; a link met on the way is resolved by hand with
/// "/" meaning the host root and ".." stopping there (as openat2's RESOLVE_IN_ROOT does; 3.10 has no
/// openat2). `T/boot -> /elsewhere` therefore means T/elsewhere, never the admin machine's /elsewhere.
/// On the live host (root "/") this is what the kernel itself resolves.
/// </summary>
internal sealed class HostDirectory : IDisposable
{
    private const int MaxLinks = 40; // the kernel's own limit (ELOOP)

    private HostDirectory(SafeFileHandle handle, string hostPath, string localPath)
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

    /// <summary>Opens <paramref name="hostPath"/> inside <paramref name="root"/>; with <paramref name="create"/>, missing directories are made (0755).</summary>
    public static HostDirectory Open(HostRoot root, string hostPath, bool create = false)
    {
        SafeFileHandle current = Posix.OpenAt(null, root.Directory, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, out int errno)
            ?? throw new IOException($"{root.Directory}: {Posix.Describe(errno)}");
        var resolved = new List<string>();
        var pending = new Queue<string>(hostPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
        int links = 0;
        try
        {
            while (pending.TryDequeue(out string? name))
            {
                if (name == ".")
                {
                    continue;
                }

                if (name == "..")
                {
                    if (resolved.Count > 0)
                    {
                        resolved.RemoveAt(resolved.Count - 1);
                    }

                    Replace(ref current, Reopen(root, resolved));
                    continue;
                }

                SafeFileHandle? next = Posix.OpenAt(current, name, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW, 0, out errno);
                if (next is null && errno == Host.Kernel.Errno.ENOENT && create)
                {
                    int made = Posix.MkdirAt(current, name, 0b111_101_101);
                    if (made != 0 && made != Host.Kernel.Errno.EEXIST)
                    {
                        throw new IOException($"cannot create {Shown(root, resolved, name)}: {Posix.Describe(made)}");
                    }

                    _ = Posix.Fsync(current);
                    next = Posix.OpenAt(current, name, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW, 0, out errno);
                }

                if (next is not null)
                {
                    Replace(ref current, next);
                    resolved.Add(name);
                    continue;
                }

                if ((errno is Posix.ELOOP or Host.Kernel.Errno.ENOTDIR) && Posix.ReadLinkAt(current, name) is { } target)
                {
                    if (++links > MaxLinks)
                    {
                        throw new IOException($"{Shown(root, resolved, name)}: too many levels of symbolic links");
                    }

                    if (target.StartsWith('/'))
                    {
                        resolved.Clear();
                        Replace(ref current, Reopen(root, resolved));
                    }

                    foreach (string part in pending.ToList())
                    {
                        target += "/" + part;
                    }

                    pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries));
                    continue;
                }

                throw new IOException($"{Shown(root, resolved, name)}: {Posix.Describe(errno)}");
            }

            string host = "/" + string.Join('/', resolved);
            return new HostDirectory(current, host, root.IsLive ? host : root.Directory + (host == "/" ? "" : host));
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>Reads a regular file in this directory as bytes: not through a link, never blocking on a FIFO, at most 16 MiB.</summary>
    public byte[] ReadFile(string name)
    {
        using SafeFileHandle file = Posix.OpenAt(Handle, name, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW, 0, out int errno)
            ?? throw new IOException($"{Local(name)}: {Posix.Describe(errno)}");
        return Posix.ReadAll(file, 16 * 1024 * 1024, out errno)
            ?? throw new IOException($"{Local(name)}: {(errno == 0 ? "larger than 16 MiB" : Posix.Describe(errno))}");
    }

    public string Local(string name) => LocalPath.TrimEnd('/') + "/" + name;

    public void Dispose() => Handle.Dispose();

    private static SafeFileHandle Reopen(HostRoot root, List<string> resolved)
    {
        // Only directories already opened without following a link: reopening them follows none either.
        SafeFileHandle dir = Posix.OpenAt(null, root.Directory, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, out int errno)
            ?? throw new IOException($"{root.Directory}: {Posix.Describe(errno)}");
        foreach (string name in resolved)
        {
            SafeFileHandle next = Posix.OpenAt(dir, name, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW, 0, out errno)
                ?? throw new IOException($"{Shown(root, resolved, name)}: {Posix.Describe(errno)}");
            dir.Dispose();
            dir = next;
        }

        return dir;
    }

    private static void Replace(ref SafeFileHandle current, SafeFileHandle next)
    {
        current.Dispose();
        current = next;
    }

    private static string Shown(HostRoot root, List<string> resolved, string name) =>
        (root.IsLive ? "" : root.Directory) + "/" + string.Concat(resolved.Select(r => r + "/")) + name;
}
