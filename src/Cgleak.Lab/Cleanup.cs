using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>What a cleanup found and did.</summary>
public sealed record CleanupReport(IReadOnlyList<string> Removed, IReadOnlyList<string> Left, IReadOnlyList<string> Skipped);

/// <summary>
/// Finishes what killed runs left: by journal entry (containers deleted with runc, bundles removed, scratch
/// trees removed under every journaled mount) and by name (any "cgleak-KIND-PID-RANDOM" directly under a
/// cgroup mount whose PID no longer runs). Trees of runs still alive are left alone, and nothing that is
/// not a scratch name is ever touched.
/// </summary>
public sealed class Cleanup(ICgroupFs fs, string stateDirectory, IReadOnlyList<string> mounts, Func<string, bool>? deleteContainer = null)
{
    public CleanupReport Run()
    {
        var removed = new List<string>();
        var left = new List<string>();
        var skipped = new List<string>();
        foreach (JournalEntry entry in JournalEntry.ReadAll(stateDirectory))
        {
            if (entry.Owner.Pid != 0 && entry.Owner.IsAlive)
            {
                skipped.Add($"{entry.ParentName} (pid {entry.Owner.Pid} still running)");
                continue;
            }

            foreach (string container in entry.Containers)
            {
                if (deleteContainer?.Invoke(container) == false)
                {
                    left.Add($"container {container}");
                }
            }

            foreach (string bundle in entry.Bundles.Where(b => b.Contains("/cgleak-", StringComparison.Ordinal)))
            {
                if (Directory.Exists(bundle))
                {
                    Directory.Delete(bundle, recursive: true);
                    removed.Add(bundle);
                }
            }

            var stillThere = RemoveTrees(fs, entry.Mounts.Union(mounts).ToList(), entry.ParentName, removed);
            left.AddRange(stillThere);
            if (stillThere.Count == 0 && !left.Any(l => l.StartsWith("container", StringComparison.Ordinal)))
            {
                entry.End();
            }
        }

        // Trees without a journal entry (a journal lost with its state directory): found by name.
        foreach (string mount in mounts.Where(Directory.Exists))
        {
            foreach (string dir in Directory.GetDirectories(mount))
            {
                string name = Path.GetFileName(dir);
                if (!Scratch.IsScratchName(name) || Scratch.PidOf(name) is not { } pid)
                {
                    continue;
                }

                if (pid != Environment.ProcessId && ProcessIdentity.Of(pid) is not null)
                {
                    skipped.Add($"{dir} (pid {pid} still running)");
                    continue;
                }

                if (pid != Environment.ProcessId)
                {
                    left.AddRange(RemoveTrees(fs, [mount], name, removed));
                }
            }
        }

        return new CleanupReport(removed, left, skipped);
    }

    /// <summary>Removes the tree named <paramref name="parentName"/> under each mount, deepest first; returns what stayed.</summary>
    public static IReadOnlyList<string> RemoveTrees(ICgroupFs fs, IReadOnlyList<string> mounts, string parentName, List<string>? removed = null)
    {
        if (!Scratch.IsScratchName(parentName))
        {
            throw new ArgumentException($"not a scratch name: {parentName}", nameof(parentName));
        }

        var left = new List<string>();
        foreach (string mount in mounts)
        {
            string root = mount.TrimEnd('/') + "/" + parentName;
            if (!Directory.Exists(root))
            {
                continue;
            }

            IEnumerable<string> dirs;
            try
            {
                dirs = Directory.GetDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Count(c => c == '/')).Append(root).ToList();
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }

            foreach (string dir in dirs)
            {
                KillTasks(dir);
                int errno = RemoveWithRetry(fs, dir);
                if (errno == 0)
                {
                    removed?.Add(dir);
                }
                else if (errno != Errno.ENOENT)
                {
                    left.Add($"{dir}: {Errno.Message(errno)}");
                }
            }
        }

        return left;
    }

    /// <summary>Processes left in a scratch cgroup are a killed run's own (a repro's pods): SIGKILL them so the cgroup can go.</summary>
    private static void KillTasks(string dir)
    {
        KernelRead procs = KernelFile.Read(dir + "/cgroup.procs");
        if (!procs.IsOk)
        {
            return;
        }

        foreach (string line in procs.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
            {
                _ = Signals.Kill(pid, Signals.SIGKILL);
            }
        }
    }

    /// <summary>rmdir, retried while the kernel answers EBUSY (a task that just exited is still leaving): the errno at the end.</summary>
    internal static int RemoveWithRetry(ICgroupFs fs, string dir)
    {
        // A task that just exited may still be leaving the cgroup: EBUSY for a moment.
        for (int attempt = 0; ; attempt++)
        {
            int errno = fs.RemoveDirectory(dir);
            if (errno != Errno.EBUSY || attempt >= 50)
            {
                return errno;
            }

            Thread.Sleep(100);
        }
    }
}
