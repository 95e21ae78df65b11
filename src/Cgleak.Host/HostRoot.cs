using System.Runtime.InteropServices;
using System.Text;
using Cgleak.Host.Kernel;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Host;

/// <summary>What a host path names, its links followed inside the host root.</summary>
public enum HostEntryType
{
    /// <summary>Nothing there (or a link that leads nowhere).</summary>
    Missing,

    RegularFile,

    Directory,

    /// <summary>A FIFO, a device or a socket: never opened by cgleak.</summary>
    Other,

    /// <summary>The path could not be followed (EACCES on a directory above it, a link loop).</summary>
    Unreachable,
}

/// <summary>
/// One entry of a listed host directory; its type is the directory's own (d_type): links are not followed.
/// </summary>
public readonly record struct HostDirectoryEntry(string Name, bool IsDirectory, bool IsRegularFile, bool IsLink);

/// <summary>A listed host directory: its entries, or why it could not be listed.</summary>
public sealed record HostDirectory(string HostPath, IReadOnlyList<HostDirectoryEntry> Entries, int Errno)
{
    public bool IsOk => Errno == 0;

    /// <summary>ENOENT or ENOTDIR: there is no such directory.</summary>
    public bool IsGone => Errno is Kernel.Errno.ENOENT or Kernel.Errno.ENOTDIR;

    public string ErrorText => ErrorSaid.English;

    /// <summary><see cref="ErrorText"/> as a sentence of the catalog, for text in the reader's language.</summary>
    public HostMessage ErrorSaid => IsOk ? HostMessage.Say("text.verbatim", "", "") : Kernel.Errno.Described(Errno);
}

/// <summary>
/// The root every host path hangs off: "/" on the live host, or a directory laid out like "/"
/// (a host mounted at /host in a container, or a captured tree in tests).
/// <para>
/// <b>Confinement.</b> Every absolute host path ("/proc/cgroups") is resolved inside the root, one component at a
/// time, as openat2(RESOLVE_IN_ROOT) does (implemented with openat/readlinkat, since 3.10 has no openat2):
/// ".." at the root stays at the root, a link's absolute target ("/etc/shadow") starts again from the root, a
/// relative one from the link's directory; 40 links at most (ELOOP). So <c>T/proc/cmdline -> /etc/shadow</c> reads
/// <c>T/etc/shadow</c>, <c>T/etc -> /etc</c> reads <c>T/etc</c>, and no host path reaches outside <c>T</c>.
/// On the live host (root "/") the kernel's own resolution is the same, and is used.
/// </para>
/// <para>
/// <b>Only regular files are opened</b> (<see cref="Read"/>, <see cref="OpenRead"/>): the
/// final name is probed with O_PATH (no driver's open runs, a FIFO does not block), then opened with O_NOFOLLOW and
/// O_NONBLOCK in the directory the walk checked, and fstat must show the same regular file. A FIFO, a device or a
/// socket is refused with a reason naming what it is.
/// </para>
/// <para>
/// The guarantee holds against what the tree holds when it is read; someone rewriting the tree at the same
/// moment can only make a read fail, except through <see cref="Resolve"/>, whose string is resolved again by
/// whatever opens it later.
/// </para>
/// </summary>
public sealed class HostRoot
{
    private HostRoot(string directory, bool isLive)
    {
        Directory = directory;
        IsLive = isLive;
    }

    /// <summary>The directory that stands for "/" of the host.</summary>
    public string Directory { get; }

    /// <summary>True when this is the running host: binaries may be executed and the journal read.</summary>
    public bool IsLive { get; }

    public static HostRoot Live { get; } = new("/", isLive: true);

    /// <summary>A host tree at <paramref name="directory"/>; "/" means the live host.</summary>
    public static HostRoot At(string directory)
    {
        string full = System.IO.Path.GetFullPath(directory);
        return full == "/" ? Live : new HostRoot(full.TrimEnd('/'), isLive: false);
    }

    /// <summary>
    /// The local path of an absolute host path, every link in it resolved inside the root (see the class comment):
    /// "/etc/grub2.cfg" of a tree T gives "T/boot/grub2/grub.cfg". Components that do not exist (a file to create)
    /// are kept as given, ".." among them clamped at the root. On the live host, the path itself.
    /// </summary>
    /// <exception cref="ArgumentException">the host path is not absolute.</exception>
    public string Resolve(string hostPath)
    {
        RequireAbsolute(hostPath);
        if (IsLive)
        {
            return hostPath;
        }

        using ConfinedPath walk = ConfinedPath.Walk(Directory, hostPath);
        return Local(walk.HostPath);
    }

    /// <summary>
    /// The same as <see cref="Resolve"/>: maps an absolute host path to where it is read here, confined.
    /// </summary>
    public string Path(string hostPath) => Resolve(hostPath);

    /// <summary>
    /// The resolved host path of <paramref name="hostPath"/> ("/etc/grub2.cfg" -> "/boot/grub2/grub.cfg"), for
    /// evidence.
    /// </summary>
    public string ResolveHostPath(string hostPath)
    {
        RequireAbsolute(hostPath);
        if (IsLive)
        {
            return hostPath;
        }

        using ConfinedPath walk = ConfinedPath.Walk(Directory, hostPath);
        return walk.HostPath;
    }

    /// <summary>Maps a path read here back to the host's own absolute path, for evidence.</summary>
    public string HostPathOf(string localPath) =>
        IsLive || !localPath.StartsWith(Directory, StringComparison.Ordinal)
            ? localPath
            : localPath[Directory.Length..] is { Length: > 0 } rest ? rest : "/";

    /// <summary>What the host path names, links followed inside the root.</summary>
    public HostEntryType TypeOf(string hostPath)
    {
        RequireAbsolute(hostPath);
        if (IsLive)
        {
            int fd = LibC.Open(hostPath, LibC.O_PATH | LibC.O_CLOEXEC);
            if (fd < 0)
            {
                return Marshal.GetLastPInvokeError() is Errno.ENOENT or Errno.ENOTDIR
                    ? HostEntryType.Missing
                    : HostEntryType.Unreachable;
            }

            int errno = LibC.Stat(fd, out FileStatus status);
            _ = LibC.Close(fd);
            return errno != 0 ? HostEntryType.Unreachable : TypeOf(status);
        }

        using ConfinedPath walk = ConfinedPath.Walk(Directory, hostPath);
        return walk.WalkErrno is Errno.ENOENT or Errno.ENOTDIR ? HostEntryType.Missing
            : walk.WalkErrno != 0 ? HostEntryType.Unreachable
            : walk.Final is { } s ? TypeOf(s)
            : walk.FinalErrno is Errno.ENOENT ? HostEntryType.Missing
            : HostEntryType.Unreachable;
    }

    /// <summary>True when the host path is a directory (links followed inside the root).</summary>
    public bool IsDirectory(string hostPath) => TypeOf(hostPath) == HostEntryType.Directory;

    /// <summary>True when the host path is a regular file (links followed inside the root).</summary>
    public bool IsRegularFile(string hostPath) => TypeOf(hostPath) == HostEntryType.RegularFile;

    /// <summary>Lists a host directory (links to it followed inside the root), sorted by name (ordinal).</summary>
    public HostDirectory List(string hostPath)
    {
        RequireAbsolute(hostPath);
        var entries = new List<HostDirectoryEntry>();
        void Add(ReadOnlySpan<byte> name, byte type) => entries.Add(new HostDirectoryEntry(
            Encoding.UTF8.GetString(name), type == LibC.DT_DIR, type == LibC.DT_REG, type == LibC.DT_LNK));

        int errno;
        if (IsLive)
        {
            int fd = LibC.Open(hostPath, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : DirectoryReader.ReadAll(fd, Add);
        }
        else
        {
            using ConfinedPath walk = ConfinedPath.Walk(Directory, hostPath);
            errno = walk.WalkErrno != 0 ? walk.WalkErrno
                : walk.Final is null ? walk.FinalErrno
                : !walk.Final.Value.IsDirectory ? Errno.ENOTDIR
                : OpenDirectoryAndRead(walk, Add);
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new HostDirectory(hostPath, errno == 0 ? entries : [], errno);
    }

    private static int OpenDirectoryAndRead(ConfinedPath walk, DirectoryReader.Visitor visit)
    {
        int fd = ConfinedPath.OpenAt(
            walk.DirectoryFd,
            walk.Name,
            LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC);
        return fd < 0 ? Marshal.GetLastPInvokeError() : DirectoryReader.ReadAll(fd, visit);
    }

    /// <summary>Reads an absolute host path ("/proc/cgroups"): confined, a regular file only, at most 16 MiB.</summary>
    public KernelRead Read(string hostPath)
    {
        int fd = OpenRegular(hostPath, out KernelRead failure);
        KernelRead read = fd < 0 ? failure : KernelFile.ReadAndClose(fd);
        if (read.Outcome != ReadOutcome.Gone || IsLive)
        {
            return read;
        }

        // A captured host tree cannot hold a read error, so it records one beside the file:
        // "memory.kmem.slabinfo.errno"
        // holding "EIO" stands for a memory.kmem.slabinfo that failed with EIO on the captured host
        // (docs/host-tree.md).
        int sidecarFd = OpenRegular(hostPath + ErrnoSidecarSuffix, out _);
        KernelRead sidecar = sidecarFd < 0 ? read : KernelFile.ReadAndClose(sidecarFd);
        return sidecar.IsOk && Errno.Parse(sidecar.Text.Trim()) is { } errno
            ? new KernelRead(ReadOutcome.NotReadable, "", errno)
            : read;
    }

    /// <summary>
    /// Reads a path already mapped into this root (under <see cref="Directory"/>), confined like <see cref="Read"/>,
    /// with the same sidecar rule. On the live host, the path as the kernel resolves it.
    /// </summary>
    public KernelRead ReadLocal(string localPath) =>
        IsLive ? KernelFile.Read(localPath) : Read(HostPathOf(localPath));

    /// <summary>
    /// Reads <paramref name="name"/> in a directory this root's walk opened (no link followed), with the sidecar rule
    /// of
    /// <see cref="Read"/>. On a host tree the name is probed with O_PATH before it is opened; on the live host
    /// (cgroupfs,
    /// where the walk reads) the open itself is checked: one open and one fstat per file.
    /// </summary>
    internal KernelRead ReadAt(int directoryFd, byte[] name)
    {
        KernelRead read = KernelFile.ReadAt(directoryFd, name, probeFirst: !IsLive);
        if (read.Outcome != ReadOutcome.Gone || IsLive)
        {
            return read;
        }

        KernelRead sidecar = KernelFile.ReadAt(
            directoryFd,
            [.. name, .. ErrnoSidecarSuffix.Select(c => (byte)c)],
            probeFirst: true);
        return sidecar.IsOk && Errno.Parse(sidecar.Text.Trim()) is { } errno
            ? new KernelRead(ReadOutcome.NotReadable, "", errno)
            : read;
    }

    /// <summary>
    /// Opens a host file for streaming (logs, binaries), confined and a regular file only; null and the failure
    /// (whose <see cref="KernelRead.ErrorText"/> says why) otherwise.
    /// </summary>
    public FileStream? OpenRead(string hostPath, out KernelRead failure, int bufferSize = 1 << 16)
    {
        int fd = OpenRegular(hostPath, out failure);
        return fd < 0 ? null : new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize);
    }

    /// <summary>The suffix of a captured read error's sidecar file.</summary>
    public const string ErrnoSidecarSuffix = ".errno";

    private int OpenRegular(string hostPath, out KernelRead failure)
    {
        RequireAbsolute(hostPath);
        if (IsLive)
        {
            return KernelFile.OpenRegular(hostPath, out failure);
        }

        using ConfinedPath walk = ConfinedPath.Walk(Directory, hostPath);
        if (walk.WalkErrno != 0)
        {
            failure = KernelRead.Failure(walk.WalkErrno);
            return -1;
        }

        if (walk.Final is not { } probed)
        {
            failure = KernelRead.Failure(walk.FinalErrno);
            return -1;
        }

        if (!probed.IsRegular)
        {
            failure = KernelRead.NotRegular(probed);
            return -1;
        }

        int fd = ConfinedPath.OpenAt(
            walk.DirectoryFd,
            walk.Name,
            LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            failure = KernelRead.Failure(Marshal.GetLastPInvokeError());
            return -1;
        }

        // The name the walk probed may have been replaced since (a FIFO, a link): the same regular file or nothing.
        int statErrno = LibC.Stat(fd, out FileStatus opened);
        if (statErrno == 0 && opened.IsRegular && (probed.Device, probed.Inode) == (opened.Device, opened.Inode))
        {
            failure = default;
            return fd;
        }

        _ = LibC.Close(fd);
        failure = statErrno != 0 ? KernelRead.Failure(statErrno) : KernelRead.NotRegular(opened);
        return -1;
    }

    private static HostEntryType TypeOf(FileStatus s) =>
        s.IsRegular ? HostEntryType.RegularFile : s.IsDirectory ? HostEntryType.Directory : HostEntryType.Other;

    private string Local(string resolvedHostPath) => resolvedHostPath == "/" ? Directory : Directory + resolvedHostPath;

    private static void RequireAbsolute(string hostPath)
    {
        if (!hostPath.StartsWith('/'))
        {
            throw new ArgumentException($"host path must be absolute: {hostPath}", nameof(hostPath));
        }
    }
}
