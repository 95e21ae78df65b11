using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Walks a memory cgroup hierarchy once, on every core: counts the live cgroups and, on v1, reads the
/// kmem state of every container cgroup. readdir gives each entry's type, so no stat is made per entry; each
/// directory is opened with O_NOFOLLOW (a link is never a cgroup: links to ".." in a host tree cannot loop the
/// walk) and fstat'ed once, and a (device, inode) seen before is not walked again (bind mounts). Names are kept
/// as the bytes the kernel holds: a cgroup whose name is not UTF-8 is counted, and shown with \xNN escapes.
/// Directories that vanish during the walk (pods come and go) are skipped silently. The walk stops after
/// <see cref="MaxDirectories"/> directories.
/// </summary>
public sealed class CgroupTreeWalker(HostRoot host)
{
    /// <summary>More cgroup directories than any node holds (the v1 memory controller stops at 65,535).</summary>
    public const int MaxDirectories = 200_000;

    /// <summary>Container runtimes' and kubelet's cgroup names: kubepods*, docker, docker-*.scope, *containerd*, crio-*.</summary>
    public static bool IsContainerSubtreeName(ReadOnlySpan<char> name) =>
        name.StartsWith("kubepods", StringComparison.Ordinal)
        || name.SequenceEqual("docker")
        || (name.StartsWith("docker-", StringComparison.Ordinal) && name.EndsWith(".scope", StringComparison.Ordinal))
        || name.Contains("containerd", StringComparison.Ordinal)
        || name.StartsWith("crio-", StringComparison.Ordinal);

    /// <summary><see cref="IsContainerSubtreeName(ReadOnlySpan{char})"/> on a name's bytes (the patterns are ASCII).</summary>
    internal static bool IsContainerSubtreeName(ReadOnlySpan<byte> name) =>
        name.StartsWith("kubepods"u8)
        || name.SequenceEqual("docker"u8)
        || (name.StartsWith("docker-"u8) && name.EndsWith(".scope"u8))
        || name.IndexOf("containerd"u8) >= 0
        || name.StartsWith("crio-"u8);

    public CgroupTreeScan Walk(string memoryMountPoint, MemoryHierarchy hierarchy, CancellationToken cancel = default)
    {
        string rootLocal = host.Path(memoryMountPoint); // the mount point's links resolved inside the host root
        byte[] root = Encoding.UTF8.GetBytes(rootLocal);
        string rootHostPath = host.HostPathOf(rootLocal);
        var pending = new ConcurrentStack<(byte[] Path, bool InContainers)>();
        pending.Push((root, false));
        // Queues, not bags: a bag keeps what it held in thread-local storage until a finalizer runs, and the agent
        // would carry one sample's records into the next.
        var containers = new ConcurrentQueue<ContainerCgroupKmem>();
        var unreadable = new ConcurrentQueue<string>();
        var visited = new ConcurrentDictionary<(ulong Device, ulong Inode), byte>();
        int directories = 0, memoryEnabled = 0, busy = 0, nonUtf8 = 0, seen = 0;
        bool readKmem = hierarchy == MemoryHierarchy.V1;
        var kmem = new KmemProbe(host);

        void Work()
        {
            var spin = new SpinWait();
            while (!cancel.IsCancellationRequested)
            {
                // Count ourselves busy before popping, so no worker sees "empty and idle" while an item is in hand.
                Interlocked.Increment(ref busy);
                if (pending.TryPop(out var item))
                {
                    try
                    {
                        Visit(item.Path, item.InContainers);
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

        string HostPath(byte[] path) => path.Length == root.Length
            ? rootHostPath
            : (rootHostPath == "/" ? "" : rootHostPath) + HostText.Escape(path.AsSpan(root.Length));

        void Visit(byte[] path, bool inContainers)
        {
            int fd = OpenDirectory(path);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Errno.ENOENT or Errno.ENOTDIR or Errno.ELOOP)
                {
                    return; // removed while we walked, or not a directory after all (a link, a DT_UNKNOWN file)
                }

                unreadable.Enqueue(HostPath(path));
                Interlocked.Increment(ref directories);
                return;
            }

            if (LibC.Stat(fd, out FileStatus status) != 0 || !visited.TryAdd((status.Device, status.Inode), 0))
            {
                _ = LibC.Close(fd);
                return; // seen already: the same directory reached twice (a bind mount of a parent)
            }

            Interlocked.Increment(ref directories);
            if (readKmem && inContainers)
            {
                KmemState state = kmem.ReadAt(fd, out string evidence);
                containers.Enqueue(new ContainerCgroupKmem(HostPath(path), state, evidence));
            }

            bool memoryOn = hierarchy == MemoryHierarchy.V1 || path.Length == root.Length;
            int errnoListing = DirectoryReader.ReadAll(fd, (name, type) =>
            {
                if (type is LibC.DT_DIR or LibC.DT_UNKNOWN)
                {
                    if (Interlocked.Increment(ref seen) >= MaxDirectories)
                    {
                        return;
                    }

                    if (!Utf8.IsValid(name))
                    {
                        Interlocked.Increment(ref nonUtf8);
                    }

                    byte[] child = new byte[path.Length + 1 + name.Length];
                    path.CopyTo(child, 0);
                    child[path.Length] = (byte)'/';
                    name.CopyTo(child.AsSpan(path.Length + 1));
                    pending.Push((child, inContainers || IsContainerSubtreeName(name)));
                }
                else if (name.SequenceEqual("memory.current"u8))
                {
                    memoryOn = true;
                }
            });
            if (errnoListing is not (0 or Errno.ENOENT or Errno.ENODEV))
            {
                unreadable.Enqueue(HostPath(path));
            }

            if (memoryOn)
            {
                Interlocked.Increment(ref memoryEnabled);
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

        cancel.ThrowIfCancellationRequested();
        var sorted = containers.OrderBy(c => c.HostPath, StringComparer.Ordinal).ToList();
        return new CgroupTreeScan(directories, memoryEnabled, sorted, unreadable.OrderBy(p => p, StringComparer.Ordinal).ToList())
        {
            NonUtf8Names = nonUtf8,
            StoppedAtBound = seen >= MaxDirectories,
        };
    }

    private static unsafe int OpenDirectory(byte[] path)
    {
        if (path.Length >= 4096)
        {
            Marshal.SetLastPInvokeError(Errno.ENAMETOOLONG); // PATH_MAX: deeper than any kernel path
            return -1;
        }

        fixed (byte* p = path)
        {
            // Paths are built here, never from the host's text, so they hold no NUL; openat needs one at the end.
            byte* z = stackalloc byte[path.Length + 1];
            new ReadOnlySpan<byte>(p, path.Length).CopyTo(new Span<byte>(z, path.Length));
            z[path.Length] = 0;
            return LibC.OpenAt(LibC.AT_FDCWD, z, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        }
    }
}
