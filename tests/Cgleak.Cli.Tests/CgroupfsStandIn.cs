using System.Collections.Concurrent;
using System.Globalization;
using Cgleak.Host.Kernel;
using Cgleak.Lab;
using Cgleak.Lab.Tests;

namespace Cgleak.Cli.Tests;

/// <summary>
/// A STAND-IN for cgroupfs over the refusing stand-in's ID space, for a repro run through to its end without kernel
/// cgroups: it records every mkdir, and rmdir behaves as on cgroupfs, where a cgroup's files are the kernel's control
/// files (cgroup.procs, written by the pods' shells, among them): they go with the directory, but a cgroup whose
/// cgroup.procs names a live process is refused with EBUSY, as the kernel refuses a cgroup with tasks.
/// </summary>
internal sealed class CgroupfsStandIn(RefusingCgroupFsStandIn ids) : ICgroupFs
{
    public ConcurrentQueue<string> Made { get; } = new();

    /// <summary>The processes cgroup.procs named when their cgroup was removed.</summary>
    public ConcurrentQueue<int> TasksSeen { get; } = new();

    public int Taken => ids.Taken;

    public int MakeDirectory(string path)
    {
        int errno = ids.MakeDirectory(path);
        if (errno == 0)
        {
            Made.Enqueue(path);
        }

        return errno;
    }

    public int RemoveDirectory(string path)
    {
        if (Directory.Exists(path) && !Directory.EnumerateDirectories(path).Any())
        {
            string procs = Path.Combine(path, "cgroup.procs");
            int[] tasks = File.Exists(procs)
                ? [.. File.ReadAllLines(procs).Where(l => l.Length > 0).Select(l => int.Parse(l,
                    CultureInfo.InvariantCulture))]
                : [];
            if (tasks.Any(pid => Directory.Exists($"/proc/{pid}")))
            {
                return Errno.EBUSY;
            }

            foreach (int pid in tasks)
            {
                TasksSeen.Enqueue(pid);
            }

            foreach (string file in Directory.EnumerateFiles(path))
            {
                File.Delete(file);
            }
        }

        return ids.RemoveDirectory(path);
    }
}
