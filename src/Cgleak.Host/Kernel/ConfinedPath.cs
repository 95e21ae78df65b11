using System.Runtime.InteropServices;
using System.Text;

namespace Cgleak.Host.Kernel;

/// <summary>
/// Resolves an absolute host path inside a root directory the way openat2(RESOLVE_IN_ROOT) does, written with
/// openat/readlinkat so it runs on 3.10: one component at a time from a directory descriptor, never letting the
/// kernel follow a link. ".." at the root stays at the root, an absolute link target starts again from the root,
/// a relative one from the link's directory; at most <see cref="MaxLinks"/> links (ELOOP, as the kernel).
/// The walk ends holding the final component's directory open and what that component is (probed with O_PATH,
/// which opens nothing: a FIFO does not block, a device's open() is not run), so the caller's real open happens
/// relative to a directory that was checked, with O_NOFOLLOW.
/// </summary>
internal sealed unsafe class ConfinedPath : IDisposable
{
    public const int MaxLinks = 40;

    private static readonly byte[] Dot = "."u8.ToArray();
    private readonly List<int> _dirs = [];
    private readonly List<byte[]> _names = [];

    private ConfinedPath()
    {
    }

    /// <summary>
    /// 0, or the errno that stopped the walk before the final component (EACCES, ENOENT, ENOTDIR, ELOOP).
    /// </summary>
    public int WalkErrno { get; private set; }

    /// <summary>The directory holding the final component (valid when <see cref="WalkErrno"/> is 0).</summary>
    public int DirectoryFd => _dirs[^1];

    /// <summary>The final component's name ("." when the path ends at a directory, e.g. "/" or "/a/..").</summary>
    public byte[] Name { get; private set; } = Dot;

    /// <summary>
    /// The final component as the O_PATH probe found it; null when it could not be opened (see <see
    /// cref="FinalErrno"/>).
    /// </summary>
    public FileStatus? Final { get; private set; }

    /// <summary>ENOENT when the final component does not exist, another errno when it could not be probed.</summary>
    public int FinalErrno { get; private set; }

    /// <summary>
    /// The resolved host path ("/boot/grub2/grub.cfg" for "/etc/grub2.cfg"); components not reached are appended as
    /// given.
    /// </summary>
    public string HostPath { get; private set; } = "/";

    /// <summary>
    /// Walks <paramref name="hostPath"/> inside <paramref name="root"/>; always returns an object to dispose.
    /// </summary>
    public static ConfinedPath Walk(string root, string hostPath)
    {
        var walk = new ConfinedPath();
        int rootFd = LibC.Open(root, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        if (rootFd < 0)
        {
            walk.WalkErrno = Marshal.GetLastPInvokeError();
            walk.HostPath = Lexical([], Components(Encoding.UTF8.GetBytes(hostPath)));
            walk._dirs.Add(-1);
            return walk;
        }

        walk._dirs.Add(rootFd);
        walk.Run(Encoding.UTF8.GetBytes(hostPath));
        return walk;
    }

    private void Run(byte[] path)
    {
        var todo = new Stack<byte[]>();
        PushComponents(todo, path);
        int links = 0;
        while (todo.TryPop(out byte[]? name))
        {
            if (IsDotDot(name))
            {
                if (_names.Count > 0)
                {
                    _ = LibC.Close(_dirs[^1]);
                    _dirs.RemoveAt(_dirs.Count - 1);
                    _names.RemoveAt(_names.Count - 1);
                }

                continue;
            }

            bool last = todo.Count == 0;
            int fd = OpenAt(
                DirectoryFd,
                name,
                LibC.O_PATH | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | (last ? 0 : LibC.O_DIRECTORY));
            int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            FileStatus status = default;
            if (fd >= 0 && last && LibC.Stat(fd, out status) is int statErrno and not 0)
            {
                _ = LibC.Close(fd);
                (fd, errno) = (-1, statErrno);
            }

            bool isLink = (fd >= 0 && last && (status.Mode & 0xF000) == 0xA000)
                || (fd < 0 && errno is Errno.ENOTDIR or Errno.ELOOP);
            if (isLink && ReadLink(DirectoryFd, name) is { } target)
            {
                if (fd >= 0)
                {
                    _ = LibC.Close(fd);
                }

                if (++links > MaxLinks)
                {
                    Stop(Errno.ELOOP, name, todo);
                    return;
                }

                if (target.Length > 0 && target[0] == '/')
                {
                    while (_names.Count > 0)
                    {
                        _ = LibC.Close(_dirs[^1]);
                        _dirs.RemoveAt(_dirs.Count - 1);
                        _names.RemoveAt(_names.Count - 1);
                    }
                }

                PushComponents(todo, target);
                continue;
            }

            if (last)
            {
                if (fd >= 0)
                {
                    _ = LibC.Close(fd);
                }

                Name = name;
                Final = fd >= 0 ? status : null;
                FinalErrno = errno;
                HostPath = Lexical(_names, [name]);
                return;
            }

            if (fd < 0)
            {
                Stop(errno, name, todo);
                return;
            }

            _dirs.Add(fd);
            _names.Add(name);
        }

        // The path ends at a directory already open ("/", "/a/.."): probe it as ".".
        int self = OpenAt(DirectoryFd, Dot, LibC.O_PATH | LibC.O_CLOEXEC);
        FileStatus dirStatus = default;
        FinalErrno = self < 0 ? Marshal.GetLastPInvokeError() : LibC.Stat(self, out dirStatus);
        Final = self >= 0 && FinalErrno == 0 ? dirStatus : null;
        if (self >= 0)
        {
            _ = LibC.Close(self);
        }

        HostPath = Lexical(_names, []);
    }

    private void Stop(int errno, byte[] name, Stack<byte[]> rest)
    {
        WalkErrno = errno;
        Name = name;
        HostPath = Lexical(_names, [name, .. rest]);
    }

    public void Dispose()
    {
        foreach (int fd in _dirs)
        {
            if (fd >= 0)
            {
                _ = LibC.Close(fd);
            }
        }

        _dirs.Clear();
    }

    /// <summary>openat(2) with a name in bytes (host names need not be UTF-8).</summary>
    public static int OpenAt(int dirFd, byte[] name, int flags)
    {
        if (name.Length >= 4096)
        {
            Marshal.SetLastPInvokeError(Errno.ENAMETOOLONG);
            return -1;
        }

        byte* z = stackalloc byte[name.Length + 1];
        name.CopyTo(new Span<byte>(z, name.Length));
        z[name.Length] = 0;
        return LibC.OpenAt(dirFd, z, flags, 0);
    }

    private static byte[]? ReadLink(int dirFd, byte[] name)
    {
        if (name.Length >= 4096)
        {
            return null;
        }

        byte* z = stackalloc byte[name.Length + 1];
        name.CopyTo(new Span<byte>(z, name.Length));
        z[name.Length] = 0;
        byte* buffer = stackalloc byte[4096];
        nint n = LibC.ReadLinkAt(dirFd, z, buffer, 4096);
        return n < 0 ? null : new ReadOnlySpan<byte>(buffer, (int)n).ToArray();
    }

    private static void PushComponents(Stack<byte[]> todo, byte[] path)
    {
        List<byte[]> parts = Components(path);
        for (int i = parts.Count - 1; i >= 0; i--)
        {
            todo.Push(parts[i]);
        }
    }

    private static List<byte[]> Components(byte[] path)
    {
        var parts = new List<byte[]>();
        foreach (Range r in path.AsSpan().Split((byte)'/'))
        {
            ReadOnlySpan<byte> part = path.AsSpan()[r];
            if (part.Length > 0 && !part.SequenceEqual("."u8))
            {
                parts.Add(part.ToArray());
            }
        }

        return parts;
    }

    /// <summary>The names walked so far, then the rest taken as text with ".." clamped at the root.</summary>
    private static string Lexical(List<byte[]> walked, IEnumerable<byte[]> rest)
    {
        var names = new List<byte[]>(walked);
        foreach (byte[] name in rest)
        {
            if (IsDotDot(name))
            {
                if (names.Count > 0)
                {
                    names.RemoveAt(names.Count - 1);
                }
            }
            else if (!IsDot(name))
            {
                names.Add(name);
            }
        }

        var sb = new StringBuilder();
        foreach (byte[] name in names)
        {
            sb.Append('/').Append(Encoding.UTF8.GetString(name));
        }

        return sb.Length == 0 ? "/" : sb.ToString();
    }

    private static bool IsDot(byte[] name) => name.AsSpan().SequenceEqual("."u8);

    private static bool IsDotDot(byte[] name) => name.AsSpan().SequenceEqual(".."u8);
}
