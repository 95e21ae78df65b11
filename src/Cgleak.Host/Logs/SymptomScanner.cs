using System.Globalization;
using System.IO.Compression;
using System.Text;
using Cgleak.Host.Facts;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Logs;

/// <summary>The symptoms the runbook names.</summary>
public enum Symptom
{
    /// <summary>
    /// kubelet/docker: "mkdir /sys/fs/cgroup/memory/...: cannot allocate memory" or "no space left on device"
    /// (kmem-facts I7).
    /// </summary>
    MemcgMkdirFailed,

    /// <summary>The kernel's "SLUB: Unable to allocate memory on node" warning.</summary>
    SlubUnableToAllocate,
}

/// <summary>How often one symptom was seen in one log, and the last line seen.</summary>
public sealed record SymptomSighting(Symptom Symptom, string Log, int Count, string LastLine, string LastSeen);

/// <summary>What the scan read and found.</summary>
public sealed record SymptomScan(
    IReadOnlyList<SymptomSighting> Sightings, IReadOnlyList<string> LogsRead, IReadOnlyList<HostProblem> Problems);

/// <summary>
/// Searches the host's text logs (/var/log/messages, /var/log/syslog, kern.log and their rotations, gzip-compressed
/// ones included) and, on the live host, the journal, for the runbook's error lines. Logs are streamed with bounded
/// memory: lines are cut at <see cref="MaxLineBytes"/>, NUL bytes (the runs a crash leaves in a log on XFS or ext4)
/// are skipped, each log is read at most its last <see cref="MaxBytesPerLog"/> bytes (a compressed one, its first
/// <see cref="MaxBytesPerLog"/> bytes once decompressed), and the whole scan at most <see cref="MaxBytesPerScan"/>,
/// newest logs first: the symptom, once it starts, repeats every few seconds.
/// </summary>
public sealed class SymptomScanner(HostRoot host)
{
    public const long MaxBytesPerLog = 256L * 1024 * 1024;

    public const long MaxBytesPerScan = 1024L * 1024 * 1024;

    /// <summary>A longer line is cut here: the runbook's lines are a few hundred bytes.</summary>
    public const int MaxLineBytes = 16 * 1024;

    private static readonly string[] LogNames = ["messages", "syslog", "kern.log"];

    public SymptomScan Scan()
    {
        var sightings = new List<SymptomSighting>();
        var read = new List<string>();
        var problems = new List<HostProblem>();
        long budget = MaxBytesPerScan;
        foreach (string log in LogFiles(problems))
        {
            if (budget <= 0)
            {
                problems.Add(HostProblem.At(log, "problem.log-budget",
                    $"not read: the scan's {MaxBytesPerScan >> 20} MiB were spent on newer logs", MaxBytesPerScan
                        >> 20));
                continue;
            }

            using FileStream? stream = host.OpenRead(log, out KernelRead failure, bufferSize: 1);
            if (stream is null)
            {
                if (failure.Outcome != ReadOutcome.Gone)
                {
                    problems.Add(HostProblem.At(
                        log,
                        "problem.cannot-read",
                        $"cannot read: {failure.ErrorText}",
                        failure.ErrorSaid));
                }

                continue;
            }

            try
            {
                var lines = new LogLines(Math.Min(budget, MaxBytesPerLog));
                if (log.EndsWith(".gz", StringComparison.Ordinal))
                {
                    using var gzip = new GZipStream(stream, CompressionMode.Decompress);
                    lines.Read(gzip, fromLineStart: true);
                    if (lines.StoppedAtBudget)
                    {
                        problems.Add(HostProblem.At(log, "problem.log-large",
                            $"more than {lines.Budget >> 20} MiB once decompressed: searched its start only", lines
                                .Budget >> 20));
                    }
                }
                else
                {
                    bool tail = stream.Length > lines.Budget;
                    if (tail)
                    {
                        stream.Seek(-lines.Budget, SeekOrigin.End);
                    }

                    lines.Read(stream, fromLineStart: !tail);
                }

                budget -= lines.BytesRead;
                sightings.AddRange(lines.Sightings(log));
                read.Add(log);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                HostMessage why = Errno.SaidOf(e);
                problems.Add(HostProblem.At(log, "problem.cannot-read", $"cannot read: {why.English}", why));
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

    /// <summary>
    /// The time at the start of a log line: "Nov 27 04:22:17" (syslog) or an ISO 8601 stamp (journal -o short-iso).
    /// </summary>
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

    /// <summary>
    /// The logs to read, newest first: "messages", then its rotations by date ("messages-20240107" before
    /// "messages-20240101"), or by number ("syslog.1" before "syslog.2.gz"); gzip-compressed ones included, other
    /// compressions (.xz, .bz2, .zst) left out.
    /// </summary>
    private List<string> LogFiles(List<HostProblem> problems)
    {
        HostDirectory listed = host.List("/var/log");
        if (!listed.IsOk)
        {
            if (!listed.IsGone)
            {
                problems.Add(HostProblem.At(
                    "/var/log",
                    "problem.cannot-list-dir",
                    $"cannot list: {listed.ErrorText}",
                    listed.ErrorSaid));
            }

            return [];
        }

        var files = new List<string>();
        foreach (string name in LogNames)
        {
            files.AddRange(listed.Entries
                .Where(e => !e.IsDirectory && IsLogOrRotation(name, e.Name))
                .Select(e => e.Name)
                .OrderBy(f => RotationAge(name, f))
                .ThenBy(f => f, StringComparer.Ordinal)
                .Select(f => "/var/log/" + f));
        }

        return files;
    }

    internal static bool IsLogOrRotation(string log, string file)
    {
        if (file == log)
        {
            return true;
        }

        if (!file.StartsWith(log, StringComparison.Ordinal) || file.Length == log.Length
            || file[log.Length] is not ('-' or '.'))
        {
            return false;
        }

        string suffix = file.EndsWith(".gz", StringComparison.Ordinal)
            ? file[(log.Length + 1)..^3]
            : file[(log.Length + 1)..];
        return suffix.Length > 0 && suffix.All(char.IsAsciiDigit);
    }

    /// <summary>0 for the log itself; rotations by date newest first, numbered ones lowest number first.</summary>
    internal static long RotationAge(string log, string file)
    {
        if (file == log)
        {
            return 0;
        }

        string digits = new(file[(log.Length + 1)..].TakeWhile(char.IsAsciiDigit).ToArray());
        long n = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long v)
            ? v
            : long.MaxValue / 2;
        return file[log.Length] == '-' ? 100_000_000 - Math.Min(n, 99_999_999) : n;
    }

    /// <summary>
    /// Reads a log's lines in 64 KiB chunks with bounded memory, matching each against the symptoms as bytes first
    /// (the few lines that may match are decoded). NUL bytes are dropped, lines cut at <see cref="MaxLineBytes"/>.
    /// </summary>
    private sealed class LogLines(long budget)
    {
        private static readonly byte[] MkdirMark = "mkdir /sys/fs/cgroup/memory/"u8.ToArray();
        private static readonly byte[] SlubMark = "SLUB: Unable to allocate memory on node"u8.ToArray();
        private readonly byte[] _line = new byte[MaxLineBytes];
        private readonly Dictionary<Symptom, (int Count, string Last)> _counts = [];
        private int _length;

        public long Budget { get; } = budget;

        public long BytesRead { get; private set; }

        public bool StoppedAtBudget { get; private set; }

        public void Read(Stream stream, bool fromLineStart)
        {
            byte[] chunk = new byte[64 * 1024];
            bool skipping = !fromLineStart; // a tail starts mid-line: drop up to the first newline
            int n;
            while ((n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, Budget - BytesRead))) > 0)
            {
                BytesRead += n;
                ReadOnlySpan<byte> rest = chunk.AsSpan(0, n);
                while (!rest.IsEmpty)
                {
                    int newline = rest.IndexOf((byte)'\n');
                    ReadOnlySpan<byte> part = newline < 0 ? rest : rest[..newline];
                    if (!skipping)
                    {
                        Append(part);
                    }

                    if (newline < 0)
                    {
                        break;
                    }

                    if (!skipping)
                    {
                        EndLine();
                    }

                    skipping = false;
                    rest = rest[(newline + 1)..];
                }

                if (BytesRead >= Budget)
                {
                    StoppedAtBudget = stream.ReadByte() >= 0;
                    break;
                }
            }

            EndLine();
        }

        private void Append(ReadOnlySpan<byte> part)
        {
            while (!part.IsEmpty && _length < _line.Length)
            {
                int start = part.IndexOfAnyExcept((byte)0);
                if (start < 0)
                {
                    return;
                }

                part = part[start..];
                int nul = part.IndexOf((byte)0);
                ReadOnlySpan<byte> run = nul < 0 ? part : part[..nul];
                int take = Math.Min(run.Length, _line.Length - _length);
                run[..take].CopyTo(_line.AsSpan(_length));
                _length += take;
                part = part[run.Length..];
            }
        }

        private void EndLine()
        {
            ReadOnlySpan<byte> line = _line.AsSpan(0, _length);
            _length = 0;
            if (line.IndexOf(MkdirMark) < 0 && line.IndexOf(SlubMark) < 0)
            {
                return;
            }

            string text = Encoding.UTF8.GetString(line.TrimEnd((byte)'\r'));
            if (Classify(text) is { } s)
            {
                _counts[s] = (_counts.GetValueOrDefault(s).Count + 1, text);
            }
        }

        public IEnumerable<SymptomSighting> Sightings(string log) => _counts.OrderBy(kv => kv.Key).Select(kv =>
            new SymptomSighting(kv.Key, log, kv.Value.Count, kv.Value.Last, TimestampOf(kv.Value.Last)));
    }

    private static void ScanJournal(List<SymptomSighting> sightings, List<string> read, List<HostProblem> problems)
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
            problems.Add(HostProblem.At(Log, "problem.journal-slow", "journalctl took over 10 s; searched in part"));
        }
        else if (r.ExitCode is not (0 or 1))
        {
            problems.Add(
                HostProblem.At(Log, "problem.journal-failed", $"journalctl exited with {r.ExitCode}", r.ExitCode));
            return;
        }

        sightings.AddRange(Match(Log, r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        read.Add(Log);
    }
}
