using System.Diagnostics;
using System.Text;
using Cgleak.Testing;
using Xunit.Abstractions;

namespace Cgleak.Lab.Tests;

/// <summary>
/// `cgleak fix apply` (the native binary users run) killed with SIGKILL 200 times: at every step boundary of the
/// write-ahead (the entry of each mkdir, unlink, fsync and rename it makes, in turn, injected with strace), then at
/// random moments across the run. Each time the host tree is left in a state `cgleak fix undo` restores byte for
/// byte (modes and leftover temp files included); after a boundary kill a rerun of `fix apply` completes the apply
/// exactly as an uninterrupted one does.
/// </summary>
public sealed class ApplyKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Tries = 200;

    /// <summary>
    /// The calls that change the state directory or the host tree: a kill at each one's entry is a step boundary.
    /// </summary>
    private static readonly string[] WriteCalls = ["mkdir", "unlinkat", "fsync", "renameat"];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // On tmpfs when there is one: fsync costs nothing there, so 200 tries stay fast. A SIGKILL loses no page cache, so
    // what is tested is the order of the steps (the manifest and backups before the first rename), not durability.
    private readonly string _root = Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory($"/dev/shm/cgleak-kill-{Environment.ProcessId}-{Random.Shared.Next():x8}").FullName
        : Directory.CreateTempSubdirectory("cgleak-kill-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Every file outside the state directory: its bytes and its mode.</summary>
    private static Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(root + "/state/", StringComparison.Ordinal))
            .ToDictionary(
                f => f[root.Length..],
                f => (File.ReadAllBytes(f), File.GetUnixFileMode(f)),
                StringComparer.Ordinal);

    private static void Same(Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> expected, string root, string what)
    {
        var now = Snapshot(root);
        Assert.True(expected.Keys.Order(StringComparer.Ordinal).SequenceEqual(now.Keys.Order(StringComparer.Ordinal)),
            $"{what}: files differ: added {string.Join(", ", now.Keys.Except(expected.Keys))}; gone "
                + $"{string.Join(", ", expected.Keys.Except(now.Keys))}");
        Assert.All(expected, kv => Assert.True(
            kv.Value.Bytes.AsSpan().SequenceEqual(now[kv.Key].Bytes) && kv.Value.Mode == now[kv.Key].Mode,
            $"{what}: {kv.Key} differs"));
    }

    [Fact]
    public void Apply_killed_at_every_step_boundary_and_at_random_moments_leaves_a_state_undo_restores_byte_for_byte()
    {
        string native = CgleakProcess.Native;
        string root = Path.Combine(_root, "host");
        Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("boot-el7-bios"), root).ExitCode);

        // A grub.cfg of a quarter megabyte (a long comment, as some generators write) widens the window in which
        // files are backed up, written and renamed, so more of the random kills land inside it.
        string cfg = root + "/boot/grub2/grub.cfg";
        var padding = new StringBuilder();
        while (padding.Length < 256 << 10)
        {
            padding.Append("### padding line of a large generated grub.cfg, kept byte for byte by cgleak ###\n");
        }

        File.WriteAllText(cfg, padding + File.ReadAllText(cfg));
        var pristine = Snapshot(root);
        string state = root + "/state";
        string[] apply = [native, "fix", "apply", "--host-root", root, "--yes", "--state-dir", state];
        string[] undo = [native, "fix", "undo", "--host-root", root, "--yes", "--state-dir", state];

        // One apply uninterrupted, traced: how many of each write call it makes (on its main thread, as strace
        // without -f sees and counts them), and the tree it leaves.
        string trace = Path.Combine(_root, "trace");
        var whole = Stopwatch.StartNew();
        Assert.Equal(
            0,
            Run(["strace", "-qq", "-o", trace, "-e", "trace=" + string.Join(',', WriteCalls), .. apply]).ExitCode);
        double span = whole.Elapsed.TotalMilliseconds;
        var calls = WriteCalls.ToDictionary(
            c => c,
            c => File.ReadLines(trace).Count(l => l.StartsWith(c + "(", StringComparison.Ordinal)));
        Assert.True(calls["renameat"] >= 4, "the traced apply made no renames: " + File.ReadAllText(trace));
        var applied = Snapshot(root);
        Assert.Equal(0, Run(undo).ExitCode);
        Same(pristine, root, "the uninterrupted apply, undone");
        Directory.Delete(state, recursive: true);

        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int tries = 0;
        foreach (var (call, count) in calls)
        {
            for (int n = 1; n <= count; n++, tries++)
            {
                string at = $"try {tries}, killed entering {call} #{n}";
                var killed = Run(["strace", "-qq", "-o", "/dev/null", "-e", "trace="
                    + call, "-e", $"inject={call}:signal=KILL:when={n}", .. apply]);
                Assert.True(killed.ExitCode == 128 + 9, $"{at}: not killed (exit {killed.ExitCode}): {killed.Stderr}");
                Count(outcomes, Outcome(root, pristine, state));

                // Either way out: a rerun of apply completes it as an uninterrupted apply would, then undo restores.
                var rerun = Run(apply);
                Assert.True(
                    rerun.ExitCode == 0,
                    $"{at}: the rerun of fix apply exited {rerun.ExitCode}: {rerun.Stdout}{rerun.Stderr}");
                Same(applied, root, $"{at}, then applied again");
                Undo(undo, root, pristine, state, at);
            }
        }

        int boundaries = tries;
        for (; tries < Tries; tries++)
        {
            string at = $"try {tries}, killed at a random moment";
            _ = Run(apply, killAfter: TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * span * 1.1));
            Count(outcomes, Outcome(root, pristine, state));
            Undo(undo, root, pristine, state, at);
        }

        output.WriteLine($"{Tries} kills ({boundaries} at step boundaries) in {clock.Elapsed.TotalSeconds:0.0} s (an "
            + $"uninterrupted traced apply takes {span:0} ms): "
            + string.Join(
                ", ",
                outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        Assert.True(outcomes.GetValueOrDefault("some replaced") > 0
            && outcomes.GetValueOrDefault("backed up, nothing replaced") > 0,
            "the kills missed the window between the backup and the last rename");
    }

    /// <summary>
    /// What a kill left: nothing written, a backup and no file replaced, some or all of the files replaced.
    /// </summary>
    private static string Outcome(
        string root,
        Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> pristine,
        string state)
    {
        int replaced = pristine.Count(
            kv => File.Exists(root + kv.Key) && !File.ReadAllBytes(root + kv.Key).AsSpan().SequenceEqual(
                kv.Value.Bytes));
        return replaced > 0 ? "some replaced"
            : Directory.Exists(state + "/backups") && Directory.EnumerateFileSystemEntries(state + "/backups").Any()
                ? "backed up, nothing replaced"
                : "nothing written";
    }

    private static void Count(Dictionary<string, int> outcomes, string outcome)
        => outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

    /// <summary>
    /// `cgleak fix undo` succeeds and leaves the pristine tree, temp files of the killed run gone; then a fresh state
    /// directory.
    /// </summary>
    private static void Undo(
        string[] undo,
        string root,
        Dictionary<string, (byte[] Bytes, UnixFileMode Mode)> pristine,
        string state,
        string at)
    {
        var r = Run(undo);
        Assert.True(r.ExitCode == 0, $"{at}: fix undo exited {r.ExitCode}: {r.Stdout}{r.Stderr}");
        Same(pristine, root, $"{at}, then undone");
        Assert.False(
            Directory.Exists(state + "/backups") && Directory.GetDirectories(state + "/backups", "*-apply").Length > 0,
            $"{at}: still applied after undo");
        if (Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// Runs a program with stdin closed and both streams read at once; with <paramref name="killAfter"/>, sends SIGKILL
    /// then (busy-waiting, for sub-millisecond moments). Never waits longer than <see cref="Patience"/>.
    /// </summary>
    private static CgleakProcess.Result Run(string[] command, TimeSpan? killAfter = null)
    {
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true
        };
        using Process p = Process.Start(start)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (killAfter is { } delay)
        {
            var wait = Stopwatch.StartNew();
            while (wait.Elapsed < delay && !p.HasExited)
            {
                Thread.SpinWait(100);
            }

            if (!p.HasExited)
            {
                p.Kill();
            }
        }

        if (!p.WaitForExit(Patience))
        {
            p.Kill();
            throw new TimeoutException($"{string.Join(' ', command)} still running after {Patience.TotalSeconds} s");
        }

        return new CgleakProcess.Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
