using System.Text.RegularExpressions;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>
/// What a cleanup found and did: the paths removed, and what was left or skipped, each with why, as messages for
/// text in the reader's language (<see cref="Left"/> and <see cref="Skipped"/> are their English, as JSON keeps it).
/// </summary>
public sealed record CleanupReport(
    IReadOnlyList<string> Removed,
    IReadOnlyList<Message> LeftSaid,
    IReadOnlyList<Message> SkippedSaid)
{
    public IReadOnlyList<string> Left => [.. LeftSaid.Select(m => m.ToString())];

    public IReadOnlyList<string> Skipped => [.. SkippedSaid.Select(m => m.ToString())];
}

/// <summary>
/// Finishes what killed runs left: by journal entry (containers deleted with runc, bundles removed, scratch
/// trees removed, their processes killed) and by name (any "cgleak-KIND-PID-RANDOM" directly under a cgroup
/// mount whose PID no longer runs: removed when empty, nobody killed). A journal is evidence, not an order:
/// an entry is acted on only when it names cgleak's own things (<see cref="Refusal"/>); anything else, an
/// entry that does not parse, and a tree that holds a symbolic link are reported and left. Trees of runs
/// still alive are left alone, and nothing that is not a scratch name is ever touched.
/// </summary>
public sealed partial class Cleanup(
    ICgroupFs fs,
    string stateDirectory,
    IReadOnlyList<string> mounts,
    Func<string, bool>? deleteContainer = null)
{
    /// <summary>Where cleanup may find a canary's files (tmpfs first, as <see cref="Canary"/> chooses).</summary>
    internal static readonly string[] FilesParents = ["/dev/shm", "/run", "/tmp"];

    private readonly string _state = Path.GetFullPath(stateDirectory);

    public CleanupReport Run()
    {
        var removed = new List<string>();
        var left = new List<Message>();
        var skipped = new List<Message>();
        var (entries, unparsable) = JournalEntry.ReadAll(_state);
        left.AddRange(unparsable);
        foreach (JournalEntry entry in entries)
        {
            try
            {
                Finish(entry, removed, left, skipped);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                left.Add(new Message("journal.failed", entry.File, IOSaid.Of(e)));
            }
            finally
            {
                entry.Dispose();
            }
        }

        removed.AddRange(JournalEntry.RemoveOrphanLocks(_state));

        // Trees without a journal entry (a journal lost with its state directory): found by name, removed when empty.
        foreach (string mount in mounts.Where(Directory.Exists))
        {
            foreach (string dir in Directory.GetDirectories(mount))
            {
                string name = Path.GetFileName(dir);
                // 0: not a scratch name (declared apart, so every mutant of Run compiles)
                int pid = Scratch.PidOf(name) ?? 0;
                if (pid == 0 || pid == Environment.ProcessId)
                {
                    continue;
                }

                if (ProcessIdentity.Of(pid) is not null)
                {
                    skipped.Add(new Message("cleanup.still-running", dir, pid));
                    continue;
                }

                left.AddRange(RemoveTrees(fs, [mount], name, removed, killTasks: false));
            }
        }

        return new CleanupReport(removed, left, skipped);
    }

    private void Finish(JournalEntry entry, List<string> removed, List<Message> left, List<Message> skipped)
    {
        if (Refusal(entry) is { } refusal)
        {
            left.Add(new Message("journal.refused", entry.File, refusal));
            return;
        }

        if (!entry.TryClaim(out Message? why))
        {
            skipped.Add(new Message("cleanup.not-claimed", entry.ParentName, why));
            return;
        }

        bool containersLeft = false;
        foreach (string container in entry.Containers)
        {
            if (deleteContainer?.Invoke(container) == false)
            {
                left.Add(new Message("cleanup.container", container));
                containersLeft = true;
            }
        }

        foreach (string bundle in entry.Bundles.Where(Directory.Exists))
        {
            // does not follow links: a link inside is removed, not its target
            Directory.Delete(bundle, recursive: true);
            removed.Add(bundle);
        }

        var stillThere = RemoveTrees(fs, entry.Mounts, entry.ParentName, removed, killTasks: true);
        left.AddRange(stillThere);
        if (stillThere.Count == 0 && !containersLeft)
        {
            entry.End();
        }
    }

    /// <summary>
    /// Why an entry is not to be acted on, or null when every path in it is one cgleak writes: its parent a
    /// scratch name carrying the entry's own pid and kind and the entry's file name; each mount one of this
    /// host's cgroup mounts, written plainly (absolute, no "..", no doubled or trailing "/"), with the parent
    /// directly under it and not a link; each bundle this state directory's "bundles/PARENT" or a canary's
    /// "cgleak-files-PARENT" under /dev/shm, /run or /tmp, not a link; each container cgleak's own name for this pid.
    /// </summary>
    internal Message? Refusal(JournalEntry entry)
    {
        string parent = entry.ParentName;
        if (!Scratch.IsScratchName(parent) || Path.GetFileNameWithoutExtension(entry.File) != parent)
        {
            return new Message("journal.refusal.parent", JournalEntry.Escape(parent));
        }

        if (Scratch.PidOf(parent) != entry.Owner.Pid
            || !parent.StartsWith($"cgleak-{entry.Kind}-", StringComparison.Ordinal))
        {
            return new Message("journal.refusal.owner", entry.Owner.Pid, JournalEntry.Escape(entry.Kind), parent);
        }

        var known = mounts.Select(m => m.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        foreach (string mount in entry.Mounts)
        {
            if (!IsPlain(mount) || !known.Contains(mount))
            {
                return new Message("journal.refusal.mount", JournalEntry.Escape(mount));
            }

            if (IsLink(mount + "/" + parent))
            {
                return new Message("journal.refusal.mount-link", mount, parent);
            }
        }

        foreach (string bundle in entry.Bundles)
        {
            string ours = Path.Combine(_state, "bundles", parent);
            bool canaryFiles = FilesParents.Any(p => bundle == $"{p}/cgleak-files-{parent}");
            if (!IsPlain(bundle) || (bundle != ours && !canaryFiles))
            {
                return new Message("journal.refusal.bundle", JournalEntry.Escape(bundle), ours);
            }

            if (IsLink(bundle) || (bundle == ours && IsLink(Path.Combine(_state, "bundles"))))
            {
                return new Message("journal.refusal.bundle-link", bundle);
            }
        }

        foreach (string container in entry.Containers)
        {
            if (ContainerName().Match(container) is not { Success: true } m
                || m.Groups["pid"].Value != entry.Owner.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return new Message("journal.refusal.container", JournalEntry.Escape(container));
            }
        }

        return null;
    }

    /// <summary>The name a repro gives a pod's container (<see cref="Repro"/>): cgleak-PID-INDEX-pause|app.</summary>
    internal static string ContainerId(int pid, int index, string role) => $"cgleak-{pid}-{index}-{role}";

    private static bool IsPlain(string path) =>
        path.StartsWith('/') && path.Length > 1 && !path.EndsWith('/') && !path.Contains("//", StringComparison.Ordinal)
        && !path.Split('/').Any(c => c is "." or "..") && !path.Any(char.IsControl);

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Removes the tree named <paramref name="parentName"/> under each mount, deepest first; returns what stayed
    /// and why.
    /// With <paramref name="killTasks"/>, the processes left in it (a killed run's own pods) are SIGKILLed first:
    /// only for trees a claimed journal entry names. Symbolic links are never followed (a tree holding one is left).
    /// </summary>
    public static IReadOnlyList<Message> RemoveTrees(
        ICgroupFs fs,
        IReadOnlyList<string> mounts,
        string parentName,
        List<string>? removed = null,
        bool killTasks = true)
    {
        if (!Scratch.IsScratchName(parentName))
        {
            throw new ArgumentException($"not a scratch name: {parentName}", nameof(parentName));
        }

        var left = new List<Message>();
        foreach (string mount in mounts)
        {
            string root = mount.TrimEnd('/') + "/" + parentName;
            var dirs = new List<string>();
            if (!Walk(root, dirs, left))
            {
                continue;
            }

            foreach (string dir in dirs)
            {
                if (killTasks)
                {
                    KillTasks(dir);
                }

                int errno = RemoveWithRetry(fs, dir, killTasks ? 50 : 0);
                if (errno == 0)
                {
                    removed?.Add(dir);
                }
                else if (errno != Errno.ENOENT)
                {
                    left.Add(new Message(
                        errno == Errno.EBUSY && !killTasks ? "cleanup.busy-not-killed" : "cleanup.not-removed",
                        dir,
                        Posix.Strerror(errno)));
                }
            }
        }

        return left;
    }

    /// <summary>
    /// The directories of a tree, deepest first, without following links; false when there is none (or it is a link,
    /// reported).
    /// </summary>
    private static bool Walk(string root, List<string> deepestFirst, List<Message> left)
    {
        var info = new DirectoryInfo(root);
        if (!info.Exists)
        {
            return false;
        }

        if (info.LinkTarget is not null)
        {
            left.Add(new Message("cleanup.link", root));
            return false;
        }

        var stack = new Stack<(string Dir, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (dir, expanded) = stack.Pop();
            if (expanded)
            {
                deepestFirst.Add(dir);
                continue;
            }

            stack.Push((dir, true));
            try
            {
                foreach (var child in new DirectoryInfo(dir).EnumerateDirectories())
                {
                    if (child.LinkTarget is not null)
                    {
                        left.Add(new Message("cleanup.link", child.FullName));
                        continue;
                    }

                    stack.Push((child.FullName, false));
                }
            }
            catch (DirectoryNotFoundException)
            {
                // removed meanwhile
            }
        }

        return true;
    }

    /// <summary>
    /// Processes left in a scratch cgroup are a killed run's own (a repro's pods): SIGKILL them so the cgroup can go.
    /// </summary>
    private static void KillTasks(string dir)
    {
        using var procs = Posix.OpenAt(
            null,
            dir + "/cgroup.procs",
            Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW,
            0,
            out _);
        byte[]? bytes = procs is null ? null : Posix.ReadAll(procs, 1024 * 1024, out _);
        if (bytes is null)
        {
            return;
        }

        foreach (string line in System.Text.Encoding.ASCII.GetString(bytes)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(
                line,
                System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture,
                out int pid)
                && pid > 1 && pid != Environment.ProcessId)
            {
                _ = Signals.Kill(pid, Signals.SIGKILL);
            }
        }
    }

    /// <summary>
    /// rmdir, retried while the kernel answers EBUSY (a task that just exited is still leaving): the errno at the end.
    /// </summary>
    internal static int RemoveWithRetry(ICgroupFs fs, string dir, int attempts = 50)
    {
        // A task that just exited may still be leaving the cgroup: EBUSY for a moment.
        for (int attempt = 0; ; attempt++)
        {
            int errno = fs.RemoveDirectory(dir);
            if (errno != Errno.EBUSY || attempt >= attempts)
            {
                return errno;
            }

            Thread.Sleep(100);
        }
    }

    [GeneratedRegex(@"^cgleak-(?<pid>\d+)-\d+-(?:pause|app)$")]
    private static partial Regex ContainerName();
}
