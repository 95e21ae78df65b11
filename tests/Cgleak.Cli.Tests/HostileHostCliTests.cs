using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cgleak.Cli.Core;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// Issue #12, "Reading a host tree", as a user meets it: each hostile tree is a fixture's copy changed here; every
/// command ends within 10 s with a verdict and problem lines, never exit 70; memory is the child's peak RSS.
/// </summary>
public sealed class HostileHostCliTests : IDisposable
{
    private const string Memory = "/sys/fs/cgroup/memory";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly List<string> _trees = [];

    public void Dispose()
    {
        foreach (string t in _trees)
        {
            Sh($"rm -rf --one-file-system '{t}'");
        }
    }

    /// <summary>A copy of a fixture (links kept), readable by everyone, under /tmp or a tmpfs.</summary>
    private string Copy(string scenario, string under = "/tmp")
    {
        string t = Path.Combine(under, $"cgleak-hostile-cli-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _trees.Add(t);
        Sh($"mkdir -m 755 '{t}' && cp -a '{Repo.Fixture(scenario)}/.' '{t}'");
        return t;
    }

    private static void Sh(string script)
    {
        var r = CgleakProcess.RunTool("sh", "-c", script);
        Assert.True(r.ExitCode == 0, script + ": " + r.Stderr);
    }

    private static (CgleakProcess.Result Run, TimeSpan Took) Timed(Func<CgleakProcess.Result> run)
    {
        var clock = Stopwatch.StartNew();
        CgleakProcess.Result r = run();
        return (r, clock.Elapsed);
    }

    /// <summary>The native binary users run, under /usr/bin/time: its result and its peak RSS in MiB.</summary>
    private static (CgleakProcess.Result Run, double PeakMiB) Measured(params string[] args)
    {
        var r = CgleakProcess.RunTool("/usr/bin/time", ["-f", "peak-rss-kb %M", CgleakProcess.Native, .. args]);
        string line = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Last(l => l.StartsWith("peak-rss-kb ", StringComparison.Ordinal));
        return (r, long.Parse(line["peak-rss-kb ".Length..], CultureInfo.InvariantCulture) / 1024.0);
    }

    [Fact]
    public void A_link_to_the_admin_machines_shadow_or_etc_shows_the_trees_own_files()
    {
        string t = Copy("el7-957-leaking");
        Sh($"ln -sf /etc/shadow '{t}/proc/cmdline' && rm -rf '{t}/etc' && ln -s /etc '{t}/etc'");
        var run = CgleakProcess.Run("doctor", "--host-root", t);
        string shadowLine = File.ReadLines("/etc/shadow").First();
        Assert.DoesNotContain(shadowLine, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(
            File.ReadLines("/etc/os-release").First(l => l.StartsWith("PRETTY_NAME=",
                StringComparison.Ordinal))[13..^1],
            run.Stdout,
            StringComparison.Ordinal);
        // proc/cmdline -> /etc/shadow is the tree's etc/shadow, and the tree's etc -> /etc is a loop.
        Assert.Contains(
            "/proc/cmdline: cannot read: Too many levels of symbolic links (ELOOP)",
            run.Stdout,
            StringComparison.Ordinal);
        Assert.Contains(
            "/etc/os-release: cannot read: Too many levels of symbolic links (ELOOP)",
            run.Stdout,
            StringComparison.Ordinal);
        Assert.NotEqual(70, run.ExitCode);
    }

    [Fact]
    public void Mount_points_that_climb_or_are_relative_are_problem_lines()
    {
        string t = Copy("el7-957-leaking");
        File.WriteAllText(t + "/proc/1/mountinfo",
            "36 25 0:31 / /../../.. rw,relatime shared:14 - cgroup cgroup rw,memory\n"
            + "37 25 0:32 / sys/fs/cgroup/memory rw,relatime shared:15 - cgroup cgroup rw,memory\n");
        var (run, took) = Timed(() => CgleakProcess.Run("doctor", "--host-root", t));
        Assert.True(took < Bound, took.ToString());
        Assert.NotEqual(70, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Contains("/proc/1/mountinfo: malformed line 1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("/proc/1/mountinfo: malformed line 2", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Fifos_do_not_block_doctor_metrics_check_or_fix_plan()
    {
        string t = Copy("el7-957-leaking");
        Sh(string.Join(" && ", ((string[])["/proc/cgroups", "/var/log/messages", "/usr/bin/runc", Memory
            + "/kubepods/memory.kmem.slabinfo"])
            .Select(f => $"rm -f '{t}{f}' && mkfifo '{t}{f}'")));
        string boot = Copy("boot-el7-bios");
        Sh($"rm -f '{boot}/boot/grub2/grub.cfg' && mkfifo '{boot}/boot/grub2/grub.cfg'");
        foreach (string[] args in (string[][])[["doctor", "--host-root", t], ["metrics", "--host-root", t], ["check",
            "--npd", "--host-root", t],
            ["fix", "plan", "--host-root", boot]])
        {
            var (run, took) = Timed(() => CgleakProcess.Run(args));
            Assert.True(took < Bound, $"{args[0]}: {took}");
            Assert.NotEqual(70, run.ExitCode);
            Assert.DoesNotContain("Unhandled", run.Stderr, StringComparison.Ordinal);
        }

        var doctor = CgleakProcess.Run("doctor", "--host-root", t);
        Assert.Contains(
            "/proc/cgroups: cannot read: a FIFO, not a regular file",
            doctor.Stdout,
            StringComparison.Ordinal);
        Assert.Contains(
            "/var/log/messages: cannot read: a FIFO, not a regular file",
            doctor.Stdout,
            StringComparison.Ordinal);
        Assert.Contains(
            "/usr/bin/runc: cannot read for its build fingerprint: a FIFO, not a regular file",
            Unwrapped(doctor.Stdout),
            StringComparison.Ordinal);
        Assert.Contains("/boot/grub2/grub.cfg: cannot read: a FIFO, not a regular file",
            CgleakProcess.Run("fix", "plan", "--host-root", boot).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Var_log_0750_and_boot_0700_read_as_nobody_are_problem_lines()
    {
        // The CIS benchmark's /var/log, read as the DaemonSet's user 65534.
        string t = Copy("boot-el7-bios");
        Sh($"mkdir -p '{t}/var/log' && chmod 0750 '{t}/var/log' && chmod 0700 '{t}/boot'");
        foreach (string[] args in (string[][])[["doctor", "--host-root", t], ["check", "--npd", "--host-root", t],
            ["fix", "plan", "--host-root", t]])
        {
            var run = CgleakProcess.RunAs(65534, args);
            Assert.NotEqual(70, run.ExitCode);
            Assert.Equal("", run.Stderr);
        }

        var doctor = CgleakProcess.RunAs(65534, "doctor", "--host-root", t);
        Assert.Contains("/var/log: cannot list: Permission denied (EACCES)", doctor.Stdout, StringComparison.Ordinal);
        var plan = CgleakProcess.RunAs(65534, "fix", "plan", "--host-root", t);
        Assert.Contains("Permission denied (EACCES)", plan.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_to_dot_dot_in_the_cgroup_tree_change_no_count()
    {
        string t = Copy("el7-957-leaking");
        string before = (string)JsonNode.Parse(CgleakProcess.Run("doctor", "--host-root", t, "--json")
            .Stdout)!["memoryCgroups"]!["live"]!.ToJsonString();
        Sh($"ln -s .. '{t}{Memory}/kubepods/up' && ln -s ../.. '{t}{Memory}/kubepods/besteffort/up'");
        var (run, took) = Timed(() => CgleakProcess.Run("doctor", "--host-root", t, "--json"));
        Assert.True(took < Bound, took.ToString());
        Assert.Equal(before, JsonNode.Parse(run.Stdout)!["memoryCgroups"]!["live"]!.ToJsonString());
    }

    [Fact]
    public void A_16_MiB_run_of_nul_bytes_in_messages_fits_the_daemonsets_memory_limit()
    {
        string t = Copy("el7-957-leaking", "/dev/shm");
        Sh($"head -c 16777216 /dev/zero >> '{t}/var/log/messages' && tail -n 3 "
            + $"'{Repo.Fixture("el7-957-leaking")}/var/log/messages' >> '{t}/var/log/messages'");
        var (run, peak) = Measured("doctor", "--host-root", t, "--json");
        Assert.True(peak < 96, $"peak RSS {peak:0.0} MiB");
        Assert.Contains("\"logs.symptom\"", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Affected, run.ExitCode);
    }

    [Fact]
    public void A_2_GiB_sparse_log_and_a_gzip_bomb_are_read_within_bounds()
    {
        string t = Copy("el7-957-leaking", "/dev/shm");
        Sh($"truncate -s 2G '{t}/var/log/messages-20991231' && head -c 1073741824 /dev/zero | gzip -1 > "
            + $"'{t}/var/log/messages-20991230.gz'");
        var clock = Stopwatch.StartNew();
        var (run, peak) = Measured("doctor", "--host-root", t, "--verbose");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString()); // 1.25 GiB read at most
        Assert.True(peak < 96, $"peak RSS {peak:0.0} MiB");
        Assert.Equal(ExitCodes.Affected, run.ExitCode);
        Assert.Contains("/var/log/messages-20991230.gz: more than", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_and_runc_that_are_devices_are_refused()
    {
        string t = Copy("el7-957-leaking");
        Sh($"mkdir -p '{t}/dev' && mknod '{t}/dev/zero' c 1 5 && ln -sf /dev/zero '{t}/usr/bin/runc' && ln -sf "
            + $"../../dev/zero '{t}/var/log/messages'");
        var (run, peak) = Measured("doctor", "--host-root", t, "--verbose");
        Assert.True(peak < 96, $"peak RSS {peak:0.0} MiB");
        Assert.Contains(
            "/var/log/messages: cannot read: a character device, not a regular file",
            run.Stdout,
            StringComparison.Ordinal);
        Assert.Contains(
            "/usr/bin/runc: cannot read for its build fingerprint: a character device, not a regular file",
            Unwrapped(run.Stdout),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Control_bytes_from_host_files_are_escaped_in_text_output()
    {
        string t = Copy("el7-957-leaking");
        File.AppendAllText(t + "/var/log/messages",
            "Mar  3 11:59:59 node1 kubelet: mkdir /sys/fs/cgroup/memory/kubepods/\u001b[2J\u001b]0;owned\u0007pod1: "
                + "cannot allocate memory\n");
        File.WriteAllText(t + "/etc/centos-release", "CentOS Linux release 7.6.1810 (Core)\r\u001b[31mFAKE\n");
        var run = CgleakProcess.Run("doctor", "--host-root", t, "--verbose");
        Assert.DoesNotContain('\u001b', run.Stdout);
        Assert.DoesNotContain('\u0007', run.Stdout);
        Assert.DoesNotContain('\r', run.Stdout);
        Assert.Contains(@"kubepods/\x1B[2J\x1B]0;owned\x07pod1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(@"(Core)\r\x1B[31mFAKE", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The text report fitted to 80 columns joined back into one line per paragraph, for searching.</summary>
    private static string Unwrapped(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
}
