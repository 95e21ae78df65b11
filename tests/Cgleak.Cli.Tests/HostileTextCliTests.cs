using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// Issue #12: text from a host (boot entry titles, kernel paths, file names) that reaches a script or the terminal.
/// `fix plan --format sh` on a host whose entries carry "$(...)", backticks, ";", quotes and control bytes is run
/// with every command it calls replaced by a stub that logs its arguments: nothing injected runs (each payload would
/// create a file with a shell builtin), the hostile values arrive as one argument each, comments stay comments.
/// `fix apply` and `fix undo` print host paths escaped.
/// </summary>
public sealed class HostileTextCliTests : IDisposable
{
    private const string Title = "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)";
    private const string Kernel = "/vmlinuz-3.10.0-1160.el7.x86_64";

    /// <summary>
    /// The commands the plans call: each a stub that logs "name [arg] [arg]..." (grep -q fails, so guarded steps run).
    /// </summary>
    private static readonly string[] Commands = ["hostname", "awk", "grep", "sed", "grub2-editenv", "grub2-set-default",
        "grub2-mkconfig", "grubby", "kubectl", "systemctl", "update-grub"];

    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-hostile-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Host(string scenario)
    {
        string host = Path.Combine(_dir, "host");
        Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture(scenario), host).ExitCode);
        return host;
    }

    /// <summary>
    /// bash -n, then the script under env -i with only the stubs on PATH, in a directory of its own, stdin empty (the
    /// reboot is declined).
    /// </summary>
    private (CgleakProcess.Result Run, string Log, string[] Marks) RunScript(string script)
    {
        string file = Path.Combine(_dir, "plan.sh"), stubs = Path.Combine(_dir, "stubs"), marks = Path.Combine(
            _dir,
            "marks"), log = Path.Combine(_dir, "log");
        File.WriteAllText(file, script);
        Directory.CreateDirectory(stubs);
        Directory.CreateDirectory(marks);
        foreach (string c in Commands)
        {
            File.WriteAllText(Path.Combine(stubs, c),
                "#!/bin/sh\n{ printf '%s' \"${0##*/}\"; for a; do printf ' [%s]' \"$a\"; done; printf '\\n'; } >> "
                    + "\"$STUBLOG\"\n"
                + "case \" $* \" in *\" -q \"*) exit 1;; esac\n");
            File.SetUnixFileMode(Path.Combine(stubs, c), (UnixFileMode)0b111_101_101);
        }

        Assert.Equal(0, CgleakProcess.RunTool("bash", "-n", file).ExitCode);
        var start = new ProcessStartInfo(
            "sh",
            ["-c", "exec env -i PATH=\"$1\" STUBLOG=\"$2\" /bin/bash \"$3\" </dev/null", "sh", stubs, log, file])
        { WorkingDirectory = marks };
        CgleakProcess.Result run = CgleakProcess.Capture(start);
        return (run, File.Exists(log) ? File.ReadAllText(log) : "", Directory.GetFileSystemEntries(marks));
    }

    [Fact]
    public void A_plan_script_for_entries_with_shell_syntax_in_titles_and_kernel_paths_runs_nothing_injected()
    {
        string host = Host("boot-el7-bios");
        string cfg = host + "/boot/grub2/grub.cfg";

        // Each payload, run by a shell, creates a file named m1..m8 in the script's directory (":>" is a builtin).
        string title = Title + " $(:>m1) `:>m2` \";:>m3;\" '\\'';:>m4;'\\'' ${IFS}|:>m5&";
        string kernel = Kernel + "$(:>m6)`:>m7`;:>m8";
        string text = File.ReadAllText(cfg);
        Assert.Contains($"menuentry '{Title}'", text, StringComparison.Ordinal);
        File.WriteAllText(cfg, text.Replace($"menuentry '{Title}'", $"menuentry '{title}'", StringComparison.Ordinal)
            .Replace(Kernel + " ", $"\"{kernel}\" ", StringComparison.Ordinal));

        var plan = CgleakProcess.Run("fix", "plan", "--host-root", host, "--format", "sh");
        Assert.True(plan.ExitCode is 0 or 1 or 2, plan.Stderr);
        string grubTitle = title.Replace("'\\''", "'", StringComparison.Ordinal); // GRUB's '\'' is one apostrophe
        string image = "/boot" + kernel;
        Assert.Contains(image, plan.Stdout, StringComparison.Ordinal); // the hostile values did reach the script
        Assert.Contains(
            grubTitle.Replace("'", "'\\''", StringComparison.Ordinal),
            plan.Stdout,
            StringComparison.Ordinal);

        var (run, log, marks) = RunScript(plan.Stdout);
        Assert.Empty(marks);
        Assert.True(
            run.ExitCode == 0 && run.Stdout.Contains("not rebooted", StringComparison.Ordinal),
            $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
        Assert.Contains($"grub2-set-default [{grubTitle}]\n", log, StringComparison.Ordinal);
        Assert.Contains(
            $"grubby [--args=cgroup.memory=nokmem] [--update-kernel] [{image}]\n",
            log,
            StringComparison.Ordinal);
        Assert.Contains($"grubby [--info] [{image}]\n", log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_control_byte_in_an_entry_title_stops_the_script_before_the_command_and_stays_escaped_in_comments()
    {
        string host = Host("boot-el7-bios");
        string cfg = host + "/boot/grub2/grub.cfg";
        string title = Title + " \u001b]0;pwned\u0007\u001b[2K";
        File.WriteAllText(
            cfg,
            File.ReadAllText(cfg).Replace($"menuentry '{Title}'", $"menuentry '{title}'", StringComparison.Ordinal));

        var plan = CgleakProcess.Run("fix", "plan", "--host-root", host, "--format", "sh");
        Assert.DoesNotContain("\u001b", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains(@"\x1B]0;pwned\x07\x1B[2K", plan.Stdout, StringComparison.Ordinal);

        var (run, log, marks) = RunScript(plan.Stdout);
        Assert.Empty(marks);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("holds a control character", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("grub2-set-default", log, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_and_undo_print_a_path_with_a_control_byte_escaped()
    {
        string host = Host("boot-el7-bios");
        string state = Path.Combine(_dir, "state\u001b[31m");
        foreach (string[] command in (string[][])[
            ["fix", "apply", "--host-root", host, "--yes", "--state-dir", state],
            ["fix", "undo", "--host-root", host, "--yes", "--state-dir", state]])
        {
            var r = CgleakProcess.Run(command);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            Assert.DoesNotContain("\u001b", r.Stdout + r.Stderr, StringComparison.Ordinal);
            Assert.Contains(@"state\x1B[31m/backups/", r.Stdout, StringComparison.Ordinal);
        }
    }
}
