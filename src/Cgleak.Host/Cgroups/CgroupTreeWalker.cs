using System.Collections.Concurrent;
using System.IO.Enumeration;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Walks a memory cgroup hierarchy once, on every core: counts the live cgroups and, on v1, reads the
/// kmem state of every container cgroup. cgroupfs gives each entry's type in readdir, so no stat is made;
/// directories that vanish during the walk (pods come and go) are skipped silently.
/// </summary>
public sealed class CgroupTreeWalker(HostRoot host)
{
    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Container runtimes' and kubelet's cgroup names: kubepods*, docker, docker-*.scope, *containerd*, crio-*.</summary>
    public static bool IsContainerSubtreeName(ReadOnlySpan<char> name) =>
        name.StartsWith("kubepods", StringComparison.Ordinal)
        || name.SequenceEqual("docker")
        || (name.StartsWith("docker-", StringComparison.Ordinal) && name.EndsWith(".scope", StringComparison.Ordinal))
        || name.Contains("containerd", StringComparison.Ordinal)
        || name.StartsWith("crio-", StringComparison.Ordinal);

    public CgroupTreeScan Walk(string memoryMountPoint, MemoryHierarchy hierarchy, CancellationToken cancel = default)
    {
        string root = host.Path(memoryMountPoint);
        var pending = new ConcurrentStack<(string Path, bool InContainers)>();
        pending.Push((root, false));
        // Queues, not bags: a bag keeps what it held in thread-local storage until a finalizer runs, and the agent
        // would carry one sample's records into the next.
        var containers = new ConcurrentQueue<ContainerCgroupKmem>();
        var unreadable = new ConcurrentQueue<string>();
        int directories = 0, memoryEnabled = 0, busy = 0;
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

        void Visit(string path, bool inContainers)
        {
            bool memoryOn = hierarchy == MemoryHierarchy.V1 || path == root;
            try
            {
                var entries = new FileSystemEnumerable<(string? Dir, bool MemoryCurrent)>(
                    path,
                    (ref FileSystemEntry e) => e.IsDirectory ? (e.FileName.ToString(), false) : (null, true),
                    Options)
                {
                    ShouldIncludePredicate = (ref FileSystemEntry e) => e.IsDirectory || e.FileName.SequenceEqual("memory.current"),
                };
                foreach (var (dir, memoryCurrent) in entries)
                {
                    if (dir is null)
                    {
                        memoryOn |= memoryCurrent;
                        continue;
                    }

                    pending.Push((path + "/" + dir, inContainers || IsContainerSubtreeName(dir)));
                }
            }
            catch (DirectoryNotFoundException)
            {
                return; // removed while we walked
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                unreadable.Enqueue(host.HostPathOf(path));
            }

            Interlocked.Increment(ref directories);
            if (memoryOn)
            {
                Interlocked.Increment(ref memoryEnabled);
            }

            if (readKmem && inContainers)
            {
                KmemState state = kmem.Read(path, out string evidence);
                containers.Enqueue(new ContainerCgroupKmem(host.HostPathOf(path), state, evidence));
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
        return new CgroupTreeScan(directories, memoryEnabled, sorted, unreadable.OrderBy(p => p, StringComparer.Ordinal).ToList());
    }
}
