using System.IO.Compression;
using System.Text;
using Cgleak.Host.Logs;

namespace Cgleak.Host.Tests;

/// <summary>
/// How SymptomScanner reads a log's lines: blank lines, a last line without a newline, NULs inside a line, the
/// tail of a log larger than its budget, the order it reads rotations in, and what it says when it cannot read.
/// </summary>
public sealed class SymptomLineTests : IDisposable
{
    // The runbook's two lines as a CentOS 7 node logs them (docs/kmem-facts.md I7, S1).
    private const string MkdirText = "mkdir /sys/fs/cgroup/memory/kubepods/besteffort/pod1: cannot allocate memory";
    private const string SlubText = "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)";
    private const string Mkdir = "Mar  3 11:49:17 node1 kubelet: " + MkdirText;
    private const string Slub = "Mar  3 11:49:18 node1 kernel: " + SlubText;

    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private SymptomScan Scan() => new SymptomScanner(_tree.Host).Scan();

    [Fact]
    public void Blank_lines_end_nothing_early_and_join_no_lines()
    {
        _tree.Write("/var/log/messages", "\nMar  3 11:49:16 node1 systemd: started\n\n\n" + Slub + "\n\n");
        SymptomSighting s = Assert.Single(Scan().Sightings);
        Assert.Equal((Symptom.SlubUnableToAllocate, 1, Slub), (s.Symptom, s.Count, s.LastLine));
    }

    [Fact]
    public void The_last_line_counts_without_a_newline_after_it()
    {
        string last = Mkdir.Replace("pod1", "pod2", StringComparison.Ordinal);
        _tree.Write("/var/log/messages", Mkdir + "\n" + last);
        SymptomSighting s = Assert.Single(Scan().Sightings);
        Assert.Equal((2, last), (s.Count, s.LastLine));
    }

    [Fact]
    public void A_line_that_is_the_kernels_message_alone_counts_and_sightings_come_in_the_symptoms_order()
    {
        // dmesg's own text, without syslog's prefix: the mark is at the line's very start.
        _tree.Write("/var/log/messages", SlubText + "\n" + MkdirText + "\n");
        SymptomScan scan = Scan();
        Assert.Equal([(Symptom.MemcgMkdirFailed, MkdirText, ""), (Symptom.SlubUnableToAllocate, SlubText, "")],
            scan.Sightings.Select(s => (s.Symptom, s.LastLine, s.LastSeen)));
    }

    [Fact]
    public void Nul_bytes_inside_a_line_are_dropped_from_it()
    {
        _tree.Write("/var/log/messages",
            "Mar  3 11:49:18 node1 kernel: \0\0\0SLUB: Unable to allocate memory on node -1\0\n");
        Assert.Equal("Mar  3 11:49:18 node1 kernel: SLUB: Unable to allocate memory on node -1",
            Assert.Single(Scan().Sightings).LastLine);
    }

    [Fact]
    public void A_long_line_broken_by_nul_bytes_is_cut_at_the_line_limit_and_the_next_line_read()
    {
        string longLine = "abc\0" + new string('x', SymptomScanner.MaxLineBytes + 4096) + "\0def";
        _tree.Write("/var/log/messages", longLine + "\n" + Slub + "\n");
        SymptomScan scan = Scan();
        Assert.Empty(scan.Problems);
        Assert.Equal((1, Slub), (Assert.Single(scan.Sightings).Count, scan.Sightings[0].LastLine));
    }

    [Fact]
    public void A_log_larger_than_its_budget_is_read_from_its_tail_and_one_of_exactly_the_budget_whole()
    {
        const long Budget = SymptomScanner.MaxBytesPerLog;
        // Sparse files: the NULs between the lines cost no disk, and the scanner skips them.
        string whole = _tree.Local("/var/log/messages");
        string larger = _tree.Local("/var/log/messages-20240301");
        _tree.Write("/var/log/messages", "").Write("/var/log/messages-20240301", "");
        WriteAt(whole, 0, Mkdir + "\n");
        WriteAt(whole, Budget - 1, "\n");
        long size = Budget + (1 << 20);
        WriteAt(larger, 0, Slub + " (before the tail)\n");
        WriteAt(larger, size - Budget - 10, "\n" + Slub + " (cut by the tail's start)\n");
        WriteAt(larger, size - Slub.Length - 8, Slub + " (last)\n");
        Assert.Equal(size, new FileInfo(larger).Length);

        SymptomScan scan = Scan();
        Assert.Equal(["/var/log/messages", "/var/log/messages-20240301"], scan.LogsRead);
        Assert.Equal([("/var/log/messages", 1, Mkdir), ("/var/log/messages-20240301", 1, Slub + " (last)")],
            scan.Sightings.Select(s => (s.Log, s.Count, s.LastLine)));
    }

    [Fact]
    public void A_rotation_and_its_compressed_twin_are_read_in_name_order()
    {
        _tree.Write("/var/log/messages-20240301", Mkdir + "\n");
        string compressed = _tree.Local("/var/log/messages-20240301.gz");
        using (var gz = new GZipStream(File.Create(compressed), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.ASCII.GetBytes(Slub + "\n"));
        }

        Assert.Equal(["/var/log/messages-20240301", "/var/log/messages-20240301.gz"], Scan().LogsRead);
    }

    [Fact]
    public void A_gz_rotation_that_is_not_gzip_is_one_problem_naming_it_and_is_not_read()
    {
        _tree.Write("/var/log/syslog", Mkdir + "\n").Write("/var/log/syslog.2.gz", Mkdir + "\n");
        SymptomScan scan = Scan();
        Assert.Equal(["/var/log/syslog"], scan.LogsRead);
        Assert.Equal("/var/log/syslog.2.gz", Assert.Single(scan.Problems).Path);
    }

    [Fact]
    public void A_var_log_that_cannot_be_listed_is_a_problem_naming_it()
    {
        Directory.CreateDirectory(_tree.Local("/var"));
        File.CreateSymbolicLink(_tree.Local("/var/log"), "/var/log"); // a loop: ELOOP, not "no such directory"
        SymptomScan scan = Scan();
        Assert.Empty(scan.LogsRead);
        Assert.Equal("/var/log", Assert.Single(scan.Problems).Path);
    }

    [Theory]
    [InlineData("messages-.gz")]
    [InlineData("messages.")]
    [InlineData("messages-2024a")]
    public void A_rotation_needs_digits_after_its_separator(string file) =>
        Assert.False(SymptomScanner.IsLogOrRotation("messages", file));

    [Fact]
    public void A_line_that_is_only_a_syslog_stamp_has_that_time() =>
        Assert.Equal("Nov 27 04:22:17", SymptomScanner.TimestampOf("Nov 27 04:22:17"));

    [Fact]
    public void The_journals_lines_are_counted_per_symptom_with_the_last_one_kept()
    {
        string[] lines =
        [
            "2026-11-27T04:22:19+0000 node1 kernel: " + SlubText,
            "2026-11-27T04:22:17+0000 node1 kubelet: " + MkdirText,
            "2026-11-27T04:22:18+0000 node1 systemd: started",
            "2026-11-27T04:22:20+0000 node1 dockerd: " + MkdirText,
        ];
        Assert.Equal(
            [
                (Symptom.MemcgMkdirFailed, 2, "2026-11-27T04:22:20+0000"),
                (Symptom.SlubUnableToAllocate, 1, "2026-11-27T04:22:19+0000"),
            ],
            SymptomScanner.Match("journal", lines).Select(s => (s.Symptom, s.Count, s.LastSeen)));
    }

    private static void WriteAt(string path, long offset, string text)
    {
        using FileStream f = File.OpenWrite(path);
        f.Seek(offset, SeekOrigin.Begin);
        f.Write(Encoding.ASCII.GetBytes(text));
    }
}
