using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Cgleak.Diagnosis.Text;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab;

/// <summary>
/// One run's record of what it is about to create, written before anything is created: the owner process,
/// the scratch parent's name, the cgroup mounts it lives under, and, appended as they come, containers and
/// bundle directories. Each write replaces the entry whole (temp, fsync, rename, fsync of the directory).
/// The run holds an flock on "NAME.lock" from before the entry exists until it ends, so cleanup never
/// takes a live run's work. A run that ends removes both; an entry nobody holds is what <see cref="Cleanup"/>
/// examines, and acts on only when every path in it is one cgleak itself would have written.
/// </summary>
public sealed class JournalEntry : IDisposable
{
    /// <summary>An entry is a few hundred bytes; anything past this is not one of ours.</summary>
    private const int MaxBytes = 64 * 1024;

    private SafeFileHandle? _lock;

    private JournalEntry(
        string file,
        string kind,
        ProcessIdentity owner,
        string parentName,
        IReadOnlyList<string> mounts)
    {
        File = file;
        Kind = kind;
        Owner = owner;
        ParentName = parentName;
        Mounts = mounts;
    }

    public string File { get; }

    public string Kind { get; }

    public ProcessIdentity Owner { get; }

    /// <summary>The scratch parent's directory name (cgleak-KIND-PID-RANDOM), the same under every mount.</summary>
    public string ParentName { get; }

    public IReadOnlyList<string> Mounts { get; }

    public List<string> Containers { get; } = [];

    public List<string> Bundles { get; } = [];

    /// <summary>The lock file beside the entry, held by the live run.</summary>
    public string LockFile => LockFileOf(File);

    /// <summary>Takes the entry's lock (created new, held until <see cref="End"/>), then writes the entry.</summary>
    public static JournalEntry Begin(
        string stateDirectory,
        string kind,
        string parentName,
        IReadOnlyList<string> mounts)
    {
        string dir = DirectoryOf(stateDirectory);
        Directory.CreateDirectory(dir);
        var entry = new JournalEntry(
            Path.Combine(dir, parentName + ".entry"),
            kind,
            ProcessIdentity.Current,
            parentName,
            mounts);
        entry._lock = Posix.OpenAt(
            null,
            entry.LockFile,
            Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW,
            0b110_000_000,
            out int errno)
            ?? throw new LabException(Messages.Get("lab.cannot-create-file", entry.LockFile, Posix.Said(errno)));
        errno = Posix.Flock(entry._lock, Posix.LOCK_EX | Posix.LOCK_NB);
        if (errno != 0)
        {
            entry.Dispose();
            throw new LabException(Messages.Get("lab.cannot-lock", entry.LockFile, Posix.Said(errno)));
        }

        entry.Save();
        return entry;
    }

    public void AddContainer(string id)
    {
        lock (Containers)
        {
            Containers.Add(id);
            Save();
        }
    }

    public void AddBundle(string directory)
    {
        lock (Containers)
        {
            Bundles.Add(Path.GetFullPath(directory));
            Save();
        }
    }

    /// <summary>The run's work is gone: removes the entry, then its lock file, then lets the lock go.</summary>
    public void End()
    {
        System.IO.File.Delete(File);
        System.IO.File.Delete(LockFile);
        AtomicFile.SyncDirectory(Path.GetDirectoryName(File)!);
        Dispose();
    }

    /// <summary>Lets the lock go and keeps the entry: what is left is cleanup's.</summary>
    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>
    /// Claims an entry found on disk for cleanup: its lock taken without waiting (a live run holds it) and
    /// its owner not running. Returns false with the reason when it is not to be touched.
    /// </summary>
    internal bool TryClaim([NotNullWhen(false)] out Message? why)
    {
        _lock = Posix.OpenAt(null, LockFile, Posix.O_RDWR | Posix.O_NOFOLLOW | Posix.O_NONBLOCK, 0, out int errno);
        if (_lock is null && errno == Host.Kernel.Errno.ENOENT)
        {
            // Written by a cgleak that did not lock yet, or its lock file was removed: claim it anew.
            _lock = Posix.OpenAt(
                null,
                LockFile,
                Posix.O_RDWR | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW,
                0b110_000_000,
                out errno);
        }

        if (_lock is null)
        {
            why = new Message("journal.claim.cannot-open", LockFile, Posix.Said(errno));
            return false;
        }

        errno = Posix.Flock(_lock, Posix.LOCK_EX | Posix.LOCK_NB);
        if (errno != 0)
        {
            Dispose();
            why = errno == Posix.EAGAIN
                ? new Message("journal.claim.locked", Owner.Pid, LockFile)
                : new Message("lab.cannot-lock", LockFile, Posix.Said(errno));
            return false;
        }

        if (Owner.IsAlive)
        {
            Dispose();
            why = new Message("journal.claim.running", Owner.Pid);
            return false;
        }

        why = null;
        return true;
    }

    /// <summary>
    /// Every "*.entry" under the state directory: parsed entries, and one line for each that is not one.
    /// </summary>
    public static (IReadOnlyList<JournalEntry> Entries, IReadOnlyList<Message> Unparsable) ReadAll(
        string stateDirectory)
    {
        string dir = DirectoryOf(stateDirectory);
        var entries = new List<JournalEntry>();
        var unparsable = new List<Message>();
        if (!Directory.Exists(dir))
        {
            return (entries, unparsable);
        }

        _ = AtomicFile.RemoveStaleTemps(dir);
        foreach (string file in Directory.GetFiles(dir, "*.entry").Order(StringComparer.Ordinal))
        {
            if (Parse(file, out Message? why) is { } entry)
            {
                entries.Add(entry);
            }
            else if (why is not null)
            {
                unparsable.Add(new Message("journal.unparsable", file, why));
            }
        }

        return (entries, unparsable);
    }

    /// <summary>
    /// Removes "NAME.lock" files that have no entry beside them, whose run no longer runs and whose lock nobody
    /// holds: a run killed between creating its lock and writing its entry, or between removing the entry and
    /// the lock, leaves one. Returns their paths.
    /// </summary>
    public static IReadOnlyList<string> RemoveOrphanLocks(string stateDirectory)
    {
        string dir = DirectoryOf(stateDirectory);
        var removed = new List<string>();
        if (!Directory.Exists(dir))
        {
            return removed;
        }

        foreach (string lockFile in Directory.GetFiles(dir, "*.lock").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(lockFile);
            int pid = Scratch.PidOf(name) ?? 0; // 0: not a scratch name
            string entry = Path.ChangeExtension(lockFile, ".entry");
            if (pid == 0 || pid == Environment.ProcessId || ProcessIdentity.Of(pid) is not null
                || System.IO.File.Exists(entry))
            {
                continue;
            }

            using SafeFileHandle? handle = Posix.OpenAt(
                null,
                lockFile,
                Posix.O_RDWR | Posix.O_NOFOLLOW | Posix.O_NONBLOCK,
                0,
                out _);
            if (handle is not null && Posix.Flock(handle, Posix.LOCK_EX | Posix.LOCK_NB) == 0
                && !System.IO.File.Exists(entry) && Posix.UnlinkAt(null, lockFile) == 0)
            {
                removed.Add(lockFile);
            }
        }

        return removed;
    }

    /// <summary>
    /// Reads an entry without following a link and without blocking on a FIFO, at most 64 KiB. Null with the
    /// reason when it is not an entry cgleak wrote (no reason: it vanished, a run ended meanwhile).
    /// </summary>
    internal static JournalEntry? Parse(string file, out Message? why)
    {
        byte[]? bytes;
        using (SafeFileHandle? handle = Posix.OpenAt(
            null,
            file,
            Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW,
            0,
            out int errno))
        {
            if (handle is null)
            {
                why = errno == Host.Kernel.Errno.ENOENT ? null : new Message("problem.cannot-read", Posix.Said(errno));
                return null;
            }

            bytes = Posix.ReadAll(handle, MaxBytes, out errno);
            if (bytes is null)
            {
                why = errno != 0
                    ? new Message("problem.cannot-read", Posix.Said(errno))
                    : new Message("journal.too-large", MaxBytes / 1024);
                return null;
            }
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            why = new Message("journal.not-utf8");
            return null;
        }

        var values = new List<KeyValuePair<string, string>>();
        foreach (string line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0)
            {
                continue;
            }

            if (eq <= 0 || line.Any(char.IsControl))
            {
                why = new Message("journal.malformed-line", Escape(line));
                return null;
            }

            values.Add(new(line[..eq], line[(eq + 1)..]));
        }

        string? Get(string key) => values.Where(kv => kv.Key == key).Select(kv => kv.Value).SingleOrDefault();
        IEnumerable<string> All(string key) => values.Where(kv => kv.Key == key).Select(kv => kv.Value);
        if (values.Count(kv => kv.Key is "kind" or "pid" or "start" or "parent") != 4
            || Get("parent") is not { } parent
            || !int.TryParse(Get("pid"), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || !long.TryParse(Get("start"), NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            || Get("kind") is not { } kind)
        {
            why = new Message("journal.not-an-entry");
            return null;
        }

        var entry = new JournalEntry(file, kind, new ProcessIdentity(pid, start), parent, All("mount").ToList());
        entry.Containers.AddRange(All("container"));
        entry.Bundles.AddRange(All("bundle"));
        why = null;
        return entry;
    }

    /// <summary>Control bytes as \xNN, so a hostile entry cannot write to the terminal.</summary>
    internal static string Escape(string text) =>
        string.Concat(text.Take(200).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static string LockFileOf(string entryFile) => Path.ChangeExtension(entryFile, ".lock");

    /// <summary>Where a state directory keeps its journal.</summary>
    private static string DirectoryOf(string stateDirectory)
        => Path.Combine(Path.GetFullPath(stateDirectory), "journal");

    private void Save()
    {
        var text = new StringBuilder()
            .Append(
                CultureInfo.InvariantCulture,
                $"kind={Kind}\npid={Owner.Pid}\nstart={Owner.StartTicks}\nparent={ParentName}\n")
            .Append(CultureInfo.InvariantCulture, $"written={DateTimeOffset.UtcNow:O}\n");
        foreach (string m in Mounts)
        {
            text.Append(CultureInfo.InvariantCulture, $"mount={m}\n");
        }

        foreach (string c in Containers)
        {
            text.Append(CultureInfo.InvariantCulture, $"container={c}\n");
        }

        foreach (string b in Bundles)
        {
            text.Append(CultureInfo.InvariantCulture, $"bundle={b}\n");
        }

        AtomicFile.Write(File, text.ToString());
    }
}
