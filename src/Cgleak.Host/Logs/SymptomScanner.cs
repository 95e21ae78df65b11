using System.Text;

namespace Cgleak.Host.Logs;

/// <summary>The symptoms the runbook names.</summary>
public enum Symptom
{
    /// <summary>kubelet/docker: "mkdir /sys/fs/cgroup/memory/...: cannot allocate memory" or "no space left on device" (kmem-facts I7).</summary>
    MemcgMkdirFailed,

    /// <summary>The kernel's "SLUB: Unable to allocate memory on node" warning.</summary>
    SlubUnableToAllocate,
}

/// <summary>How often one symptom was seen in one log, and the last line seen.</summary>
public sealed record SymptomSighting(Symptom Symptom, string Log, int Count, string LastLine, string LastSeen);

/// <summary>What the scan read and found.</summary>
public sealed record SymptomScan(IReadOnlyList<SymptomSighting> Sightings, IReadOnlyList<string> LogsRead, IReadOnlyList<string> Problems);

/// <summary>
/// Searches the host's text logs (/var/log/messages, /var/log/syslog, kern.log and their uncompressed
/// rotations) and, on the live host, the journal, for the runbook's error lines. Each log is read at most
/// its last <see cref="MaxBytesPerLog"/> bytes: the symptom, once it starts, repeats every few seconds.
/// </summary>
public sealed class SymptomScanner(HostRoot host)
{
    public const long MaxBytesPerLog = 256L * 1024 * 1024;

    private static readonly string[] LogNames = ["messages", "syslog", "kern.log"];

    public SymptomScan Scan()
    {
        var sightings = new List<SymptomSighting>();
        var read = new List<string>();
        var problems = new List<string>();
        foreach (string log in LogFiles())
        {
            try
            {
                using var stream = new FileStream(host.Path(log), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                if (stream.Length > MaxBytesPerLog)
                {
                    stream.Seek(-MaxBytesPerLog, SeekOrigin.End);
                }

                using var reader = new StreamReader(stream, Encoding.UTF8);
                sightings.AddRange(Match(log, ReadLines(reader)));
                read.Add(log);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{log}: cannot read: {e.Message}");
            }
        }

        if (host.IsLive)
        {
            ScanJournal(sightings, read, problems);
        }

        return new SymptomScan(sightings, read, problems);
    }

    /// <summary>Classifies one log line; null when it is none of the runbook's symptoms.</summary>
    public static Symptom? Classify(string line)
    {
        if (line.Contains("SLUB: Unable to allocate memory on node", StringComparison.Ordinal))
        {
            return Symptom.SlubUnableToAllocate;
        }

        if (line.Contains("mkdir /sys/fs/cgroup/memory/", StringComparison.Ordinal)
            && (line.Contains("cannot allocate memory", StringComparison.OrdinalIgnoreCase)
                || line.Contains("no space left on device", StringComparison.OrdinalIgnoreCase)))
        {
            return Symptom.MemcgMkdirFailed;
        }

        return null;
    }

    /// <summary>The time at the start of a log line: "Nov 27 04:22:17" (syslog) or an ISO 8601 stamp (journal -o short-iso).</summary>
    public static string TimestampOf(string line)
    {
        if (line.Length >= 15 && char.IsAsciiLetter(line[0]) && line[3] == ' ' && line[6] == ' ' && line[9] == ':')
        {
            return line[..15];
        }

        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && char.IsAsciiDigit(line[0]) ? line[..space] : "";
    }

    internal static IEnumerable<SymptomSighting> Match(string log, IEnumerable<string> lines)
    {
        var counts = new Dictionary<Symptom, (int Count, string Last)>();
        foreach (string line in lines)
        {
            if (Classify(line) is { } s)
            {
                counts[s] = (counts.GetValueOrDefault(s).Count + 1, line);
            }
        }

        return counts.OrderBy(kv => kv.Key).Select(kv =>
            new SymptomSighting(kv.Key, log, kv.Value.Count, kv.Value.Last, TimestampOf(kv.Value.Last)));
    }

    private static IEnumerable<string> ReadLines(StreamReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private IEnumerable<string> LogFiles()
    {
        string dir = host.Path("/var/log");
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (string name in LogNames)
        {
            // "messages", then rotations "messages-20240101" / "syslog.1", uncompressed only.
            var rotated = Directory.EnumerateFiles(dir, name + "*")
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(f => f == name || ((f[name.Length] is '-' or '.') && !f.EndsWith(".gz", StringComparison.Ordinal)
                    && !f.EndsWith(".xz", StringComparison.Ordinal) && !f.EndsWith(".bz2", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal);
            foreach (string f in rotated)
            {
                yield return "/var/log/" + f;
            }
        }
    }

    private static void ScanJournal(List<SymptomSighting> sightings, List<string> read, List<string> problems)
    {
        const string Log = "journal";
        ChildResult? r = ChildProcess.Run("journalctl",
            ["--no-pager", "--quiet", "--output=short-iso", "--since=-30d",
             "--grep=mkdir /sys/fs/cgroup/memory/|SLUB: Unable to allocate memory on node", "--case-sensitive=false"],
            TimeSpan.FromSeconds(10));
        if (r is null)
        {
            return; // no journalctl on this host: nothing to search
        }

        if (r.TimedOut)
        {
            problems.Add("journal: journalctl took over 10 s; searched in part");
        }
        else if (r.ExitCode is not (0 or 1))
        {
            problems.Add($"journal: journalctl exited with {r.ExitCode}");
            return;
        }

        sightings.AddRange(Match(Log, r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        read.Add(Log);
    }
}
