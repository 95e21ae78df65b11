using System.Text.RegularExpressions;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>
/// A private scratch parent for one run: "cgleak-KIND-PID-RANDOM" directly under a cgroup mount. Journaled
/// before it is created; everything the run makes goes below it; <see cref="Dispose"/> removes it bottom-up
/// under every mount it was journaled for (runc creates the same path in every v1 hierarchy) and ends the
/// journal entry. Nothing outside it is ever written or removed.
/// </summary>
public sealed partial class Scratch : IDisposable
{
    private readonly ICgroupFs _fs;
    private bool _disposed;

    private Scratch(ICgroupFs fs, JournalEntry journal, string memoryMount)
    {
        _fs = fs;
        Journal = journal;
        MemoryPath = memoryMount.TrimEnd('/') + "/" + journal.ParentName;
    }

    public JournalEntry Journal { get; }

    /// <summary>The scratch parent under the memory mount.</summary>
    public string MemoryPath { get; }

    public string Name => Journal.ParentName;

    /// <summary>Scratch names are what cleanup may remove, and nothing else.</summary>
    public static bool IsScratchName(string name) => ScratchName().IsMatch(name);

    /// <summary>The pid a scratch name carries.</summary>
    public static int? PidOf(string name) =>
        ScratchName().Match(name) is { Success: true } m && int.TryParse(m.Groups["pid"].Value, out int pid)
            ? pid
            : null;

    /// <summary>
    /// Journals, then creates the parent under the memory mount. Returns the errno of that mkdir in
    /// <paramref name="errno"/>: at the ID wall the parent itself can be refused.
    /// </summary>
    public static Scratch Open(
        ICgroupFs fs,
        string stateDirectory,
        string kind,
        string memoryMount,
        IReadOnlyList<string> mounts,
        out int errno)
    {
        string name = $"cgleak-{kind}-{Environment.ProcessId}-{Random.Shared.Next():x8}";
        var journal = JournalEntry.Begin(stateDirectory, kind, name, mounts);
        var scratch = new Scratch(fs, journal, memoryMount);
        errno = fs.MakeDirectory(scratch.MemoryPath);
        if (errno != 0 && errno != Errno.ENOSPC && errno != Errno.ENOMEM)
        {
            journal.End();
            throw new LabException(
                Messages.Get("lab.cannot-create", scratch.MemoryPath, Posix.Strerror(errno), Errno.Name(errno)));
        }

        return scratch;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var left = Cleanup.RemoveTrees(_fs, Journal.Mounts, Journal.ParentName);
        if (left.Count == 0)
        {
            Journal.End();
        }
        else
        {
            Journal.Dispose(); // the lock goes, the entry stays: what is left is cleanup's
        }
    }

    [GeneratedRegex(@"^cgleak-(?<kind>probe|repro|canary|test)-(?<pid>\d+)-[0-9a-f]{1,8}$")]
    private static partial Regex ScratchName();
}

/// <summary>An expected failure of an experiment, for one line to the user.</summary>
public sealed class LabException : Exception
{
    public LabException(string message)
        : base(message)
    {
    }

    /// <summary>
    /// A failure said in the process's language (<see cref="Languages.Current"/>); <see cref="Said"/> keeps the
    /// message.
    /// </summary>
    public LabException(Message said)
        : base(said.In(Languages.Current)) => Said = said;

    public Message? Said { get; }
}
