using System.Globalization;
using System.Text;

namespace Cgleak.Lab;

/// <summary>
/// One run's record of what it is about to create, written (and fsynced) before anything is created:
/// the owner process, the scratch parent's name, the cgroup mounts it lives under, and, appended as they
/// come, containers and bundle directories. A run that ends removes its entry; an entry whose owner is
/// dead is what <see cref="Cleanup"/> finishes.
/// </summary>
public sealed class JournalEntry
{
    private JournalEntry(string file, string kind, ProcessIdentity owner, string parentName, IReadOnlyList<string> mounts)
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

    public static JournalEntry Begin(string stateDirectory, string kind, string parentName, IReadOnlyList<string> mounts)
    {
        string dir = Path.Combine(stateDirectory, "journal");
        Directory.CreateDirectory(dir);
        var entry = new JournalEntry(Path.Combine(dir, parentName + ".entry"), kind, ProcessIdentity.Current, parentName, mounts);
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
            Bundles.Add(directory);
            Save();
        }
    }

    public void End() => System.IO.File.Delete(File);

    public static IEnumerable<JournalEntry> ReadAll(string stateDirectory)
    {
        string dir = Path.Combine(stateDirectory, "journal");
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (string file in Directory.GetFiles(dir, "*.entry").Order(StringComparer.Ordinal))
        {
            if (Parse(file) is { } entry)
            {
                yield return entry;
            }
        }
    }

    private static JournalEntry? Parse(string file)
    {
        string[] lines;
        try
        {
            lines = System.IO.File.ReadAllLines(file);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        string? Get(string key) => lines.FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        IEnumerable<string> All(string key) => lines.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]);
        if (Get("parent") is not { } parent || !Scratch.IsScratchName(parent)
            || !int.TryParse(Get("pid"), CultureInfo.InvariantCulture, out int pid)
            || !long.TryParse(Get("start"), CultureInfo.InvariantCulture, out long start))
        {
            // A torn or foreign file: its name still tells the parent, the prefix scan finds the trees.
            return new JournalEntry(file, "unknown", new ProcessIdentity(0, 0), Path.GetFileNameWithoutExtension(file), []);
        }

        var entry = new JournalEntry(file, Get("kind") ?? "unknown", new ProcessIdentity(pid, start), parent, All("mount").ToList());
        entry.Containers.AddRange(All("container"));
        entry.Bundles.AddRange(All("bundle"));
        return entry;
    }

    private void Save()
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"kind={Kind}\npid={Owner.Pid}\nstart={Owner.StartTicks}\nparent={ParentName}\n")
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

/// <summary>Writes a file whole or not at all: a temp file beside it, fsync, rename.</summary>
public static class AtomicFile
{
    public static void Write(string path, string text)
    {
        string temp = $"{path}.tmp-{Environment.ProcessId}";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
