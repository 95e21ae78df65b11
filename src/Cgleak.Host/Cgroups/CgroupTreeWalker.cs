using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Walks a memory cgroup hierarchy once, on every core: counts the live cgroups and, on v1, reads the
/// kmem state of every container cgroup. getdents64 gives each entry's type, so no stat is made per entry (an entry
/// of unknown type is opened as a directory, which is the check); each directory is opened with openat relative to its
/// parent's descriptor and O_NOFOLLOW (a link is never a cgroup: links to ".." in a host tree cannot loop the walk)
/// and fstat'ed once, and a (device, inode) seen before is not walked again (bind mounts). Names are kept
/// as the bytes the kernel holds: a cgroup whose name is not UTF-8 is counted, and shown with \xNN escapes.
/// Directories that vanish during the walk (pods come and go) are skipped silently. The walk stops after
/// <see cref="MaxDirectories"/> directories. On the live host's cgroupfs a container cgroup costs one open, one fstat,
/// one getdents64 and one close, and one open, one read and one close of its kmem file (bench/doctor.sh).
/// </summary>
public sealed class CgroupTreeWalker(HostRoot host)
{
    /// <summary>More cgroup directories than any node holds (the v1 memory controller stops at 65,535).</summary>
    public const int MaxDirectories = 200_000;

    /// <summary>
    /// Container runtimes' and kubelet's cgroup names: kubepods*, docker, docker-*.scope, *containerd*, crio-*.
    /// </summary>
    public static bool IsContainerSubtreeName(ReadOnlySpan<char> name) =>
        name.StartsWith("kubepods", StringComparison.Ordinal)
        || name.SequenceEqual("docker")
        || (name.StartsWith("docker-", StringComparison.Ordinal) && name.EndsWith(".scope", StringComparison.Ordinal))
        || name.Contains("containerd", StringComparison.Ordinal)
        || name.StartsWith("crio-", StringComparison.Ordinal);

    /// <summary>
    /// <see cref="IsContainerSubtreeName(ReadOnlySpan{char})"/> on a name's bytes (the patterns are ASCII).
    /// </summary>
    internal static bool IsContainerSubtreeName(ReadOnlySpan<byte> name) =>
        name.StartsWith("kubepods"u8)
        || name.SequenceEqual("docker"u8)
        || (name.StartsWith("docker-"u8) && name.EndsWith(".scope"u8))
        || name.IndexOf("containerd"u8) >= 0
        || name.StartsWith("crio-"u8);

    /// <summary>Directories this deep keep no descriptor for their children (opened by path): fds stay few.</summary>
    internal const int MaxHeldDepth = 64;

    private const int ListingBytes = 32 * 1024;

    // The largest linux_dirent64 record: 19 bytes of header, a 255-byte name and its NUL, padded to 8.
    private const int MaxRecordBytes = 280;

    private readonly bool _ignoreDirectoryTypes;
    private readonly int _maxDirectories = MaxDirectories;

    /// <summary>For tests: every d_type taken as DT_UNKNOWN (as some filesystems give it); a lower cap.</summary>
    internal CgroupTreeWalker(HostRoot host, bool ignoreDirectoryTypes, int maxDirectories = MaxDirectories)
        : this(host)
    {
        _ignoreDirectoryTypes = ignoreDirectoryTypes;
        _maxDirectories = maxDirectories;
    }

    /// <summary>
    /// A directory of the walk: its name, its parent (the chain gives its path when one is needed), and while children
    /// of it remain to be opened, its descriptor, so each child is opened with openat relative to it (one lookup, not a
    /// path walk from the root) and nothing between them can be swapped for a link.
    /// </summary>
    private sealed class Node(Node? parent, byte[] name, bool inContainers)
    {
        public Node? Parent { get; } = parent;

        /// <summary>The name in the parent; for the root, its local path.</summary>
        public byte[] Name { get; } = name;

        public bool InContainers { get; } = inContainers;

        public int Depth { get; } = parent is null ? 0 : parent.Depth + 1;

        /// <summary>The length of the local path, as it was checked against PATH_MAX before.</summary>
        public int PathLength { get; } = parent is null ? name.Length : parent.PathLength + 1 + name.Length;

        public int Fd { get; set; } = -1;

        /// <summary>Children not yet opened; the last one to open closes <see cref="Fd"/>.</summary>
        public int Unopened;

        /// <summary>The local path's bytes: the root's path, then "/name" for each directory below it.</summary>
        public byte[] LocalPath()
        {
            byte[] path = new byte[PathLength];
            int end = PathLength;
            for (Node n = this; n.Parent is not null; n = n.Parent)
            {
                end -= n.Name.Length;
                n.Name.CopyTo(path, end);
                path[--end] = (byte)'/';
            }

            RootOf(this).Name.CopyTo(path, 0);
            return path;
        }

        private static Node RootOf(Node n)
        {
            while (n.Parent is not null)
            {
                n = n.Parent;
            }

            return n;
        }
    }

    public CgroupTreeScan Walk(string memoryMountPoint, MemoryHierarchy hierarchy, CancellationToken cancel = default)
    {
        string rootLocal = host.Path(memoryMountPoint); // the mount point's links resolved inside the host root
        var root = new Node(null, Encoding.UTF8.GetBytes(rootLocal), false);
        string rootHostPath = host.HostPathOf(rootLocal);
        var pending = new ConcurrentStack<Node>();
        pending.Push(root);
        // Queues, not bags: a bag keeps what it held in thread-local storage until a finalizer runs, and the agent
        // would carry one sample's records into the next.
        var containers = new ConcurrentQueue<ContainerCgroupKmem>();
        var unreadable = new ConcurrentQueue<string>();
        // A set of values under a lock: no allocation per directory, as a concurrent dictionary's nodes would be.
        var visited = new HashSet<(ulong Device, ulong Inode)>();
        int directories = 0, memoryEnabled = 0, busy = 0, nonUtf8 = 0, seen = 0;
        bool readKmem = hierarchy == MemoryHierarchy.V1;
        var kmem = new KmemReader(host);
        // The live host's cgroupfs (the root's filesystem type, then each directory's device) is kernfs: a listing that
        // leaves room for one more record is the whole directory, and its files are regular (KmemReader.ReadAt).
        ulong? cgroupfsDevice = null;

        void Work()
        {
            byte[] listing = GC.AllocateUninitializedArray<byte>(ListingBytes);
            var spin = new SpinWait();
            while (!cancel.IsCancellationRequested)
            {
                // Count ourselves busy before popping, so no worker sees "empty and idle" while an item is in hand.
                Interlocked.Increment(ref busy);
                if (pending.TryPop(out Node? item))
                {
                    try
                    {
                        Visit(item, listing);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref busy);
                    }

                    continue;
                }

                if (Interlocked.Decrement(ref busy) == 0 && pending.IsEmpty)
                {
                    return;
                }

                spin.SpinOnce();
            }
        }

        string prefix = rootHostPath == "/" ? "" : rootHostPath;
        string HostPath(Node node)
        {
            if (node.Parent is null)
            {
                return rootHostPath;
            }

            byte[] local = node.LocalPath();
            if (!Utf8.IsValid(local.AsSpan(root.PathLength)))
            {
                return prefix + HostText.Escape(local.AsSpan(root.PathLength));
            }

            // One string per container cgroup, written in place (10,000 of them on a large node).
            int length = prefix.Length + Encoding.UTF8.GetCharCount(local.AsSpan(root.PathLength));
            return string.Create(length, (prefix, local, root.PathLength), static (chars, s) =>
            {
                s.prefix.CopyTo(chars);
                _ = Encoding.UTF8.GetChars(s.local.AsSpan(s.PathLength), chars[s.prefix.Length..]);
            });
        }

        void Visit(Node node, byte[] listing)
        {
            int fd = Open(node);
            int openErrno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            Release(node.Parent);
            if (fd < 0)
            {
                if (openErrno is Errno.ENOENT or Errno.ENOTDIR or Errno.ELOOP)
                {
                    return; // removed while we walked, or not a directory after all (a link, a DT_UNKNOWN file)
                }

                unreadable.Enqueue(HostPath(node));
                Interlocked.Increment(ref directories);
                return;
            }

            bool fresh;
            if (LibC.Stat(fd, out FileStatus status) != 0)
            {
                fresh = false;
            }
            else
            {
                lock (visited)
                {
                    fresh = visited.Add((status.Device, status.Inode));
                }
            }

            if (!fresh)
            {
                _ = LibC.Close(fd);
                return; // seen already: the same directory reached twice (a bind mount of a parent)
            }

            if (node.Parent is null && host.IsLive
                && LibC.FileSystemType(fd) is LibC.CgroupSuperMagic or LibC.Cgroup2SuperMagic)
            {
                cgroupfsDevice = status.Device; // the root is visited before any other directory is pushed
            }

            bool onCgroupfs = status.Device == cgroupfsDevice;
            Interlocked.Increment(ref directories);
            if (readKmem && node.InContainers)
            {
                KmemState state = kmem.ReadAt(fd, onCgroupfs, out HostMessage evidence);
                containers.Enqueue(new ContainerCgroupKmem(HostPath(node), state, evidence));
            }

            bool memoryOn = hierarchy == MemoryHierarchy.V1 || node.Parent is null;
            List<Node>? children = null;
            int errnoListing = List(fd, listing, onCgroupfs, (name, type) =>
            {
                if (type == LibC.DT_DIR || (type == LibC.DT_UNKNOWN && !name.SequenceEqual("memory.current"u8)))
                {
                    if (Interlocked.Increment(ref seen) >= _maxDirectories)
                    {
                        return;
                    }

                    if (!Utf8.IsValid(name))
                    {
                        Interlocked.Increment(ref nonUtf8);
                    }

                    bool inContainers = node.InContainers || IsContainerSubtreeName(name);
                    (children ??= []).Add(new Node(node, name.ToArray(), inContainers));
                }
                else if (name.SequenceEqual("memory.current"u8))
                {
                    memoryOn = true;
                }
            });
            if (errnoListing is not (0 or Errno.ENOENT or Errno.ENODEV))
            {
                unreadable.Enqueue(HostPath(node));
            }

            if (memoryOn)
            {
                Interlocked.Increment(ref memoryEnabled);
            }

            if (children is null || node.Depth >= MaxHeldDepth)
            {
                _ = LibC.Close(fd); // children this deep are opened by their path
            }
            else
            {
                // Set before the first push: another worker may open (and release) a child at once.
                node.Fd = fd;
                node.Unopened = children.Count;
            }

            children?.ForEach(pending.Push);
        }

        // Opens a directory relative to its parent's descriptor, never following a link in its name.
        int Open(Node node)
        {
            const int flags = LibC.O_RDONLY | LibC.O_CLOEXEC;
            int open = flags | LibC.O_DIRECTORY | LibC.O_NOFOLLOW;
            if (node.PathLength >= 4096)
            {
                Marshal.SetLastPInvokeError(Errno.ENAMETOOLONG); // PATH_MAX: deeper than any kernel path
                return -1;
            }

            return node.Parent is { Fd: >= 0 } parent
                ? ConfinedPath.OpenAt(parent.Fd, node.Name, open)
                : ConfinedPath.OpenAt(LibC.AT_FDCWD, node.Parent is null ? node.Name : node.LocalPath(), open);
        }

        static void Release(Node? parent)
        {
            if (parent is { Fd: >= 0 } && Interlocked.Decrement(ref parent.Unopened) == 0)
            {
                _ = LibC.Close(parent.Fd);
                parent.Fd = -1;
            }
        }

        int workers = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var threads = new Thread[workers - 1];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = "cgroup-walk" };
            threads[i].Start();
        }

        Work();
        foreach (Thread t in threads)
        {
            t.Join();
        }

        // Cancelled: the children never opened still hold their parents' descriptors.
        while (pending.TryPop(out Node? left))
        {
            Release(left.Parent);
        }

        cancel.ThrowIfCancellationRequested();
        var sorted = containers.OrderBy(c => c.HostPath, StringComparer.Ordinal).ToList();
        return new CgroupTreeScan(
            directories,
            memoryEnabled,
            sorted,
            unreadable.OrderBy(p => p, StringComparer.Ordinal).ToList())
        {
            NonUtf8Names = nonUtf8,
            StoppedAtBound = seen >= _maxDirectories,
        };
    }

    /// <summary>
    /// Lists an open directory with getdents64 into <paramref name="buffer"/>: each entry's name and d_type (DT_UNKNOWN
    /// for every entry when the walker ignores types). 0, or the errno that stopped the listing. On kernfs a reply that
    /// leaves room for one more record holds the rest of the directory (kernfs and 3.10's cgroupfs fill the buffer
    /// until an entry does not fit), so <paramref name="wholeWhenRoomLeft"/> saves the call that would return 0.
    /// </summary>
    private unsafe int List(int fd, byte[] buffer, bool wholeWhenRoomLeft, DirectoryReader.Visitor visit)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                nint n = LibC.GetDents64(fd, b, buffer.Length);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    return errno;
                }

                if (n == 0)
                {
                    return 0;
                }

                // struct linux_dirent64: d_ino 8, d_off 8, d_reclen 2, d_type 1, then the name and its NUL.
                for (int at = 0; at < n;)
                {
                    int length = *(ushort*)(b + at + 16);
                    if (length < 20 || at + length > n)
                    {
                        return Errno.EIO; // not a record: stop rather than read past it
                    }

                    var name = new ReadOnlySpan<byte>(b + at + 19, length - 19);
                    int nul = name.IndexOf((byte)0);
                    name = nul < 0 ? name : name[..nul];
                    byte type = b[at + 18];
                    at += length;
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    {
                        visit(name, _ignoreDirectoryTypes ? LibC.DT_UNKNOWN : type);
                    }
                }

                if (wholeWhenRoomLeft && n <= buffer.Length - MaxRecordBytes)
                {
                    return 0;
                }
            }
        }
    }
}
