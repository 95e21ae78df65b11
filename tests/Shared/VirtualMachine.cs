using System.Diagnostics;
using System.Text;

namespace Cgleak.Testing;

/// <summary>
/// Runs a shell script inside a disposable VM with Debian's own kernel (tests/vm/run-in-vm), where filling the
/// memory cgroup ID space harms nobody and cgroup v2 memory is real. The script runs as root from the
/// repository root and sees this machine's files read-only under a throwaway overlay. A script marks parts
/// of its output with lines "==> NAME" for <see cref="Result.Section"/>.
/// </summary>
internal static class VirtualMachine
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The lines after "==> NAME" up to the next such line.</summary>
        public string Section(string name)
        {
            var text = new StringBuilder();
            bool inside = false, found = false;
            foreach (string line in Stdout.Split('\n'))
            {
                if (line.StartsWith("==> ", StringComparison.Ordinal))
                {
                    inside = line[4..].Trim() == name;
                    found |= inside;
                    continue;
                }

                if (inside)
                {
                    text.Append(line).Append('\n');
                }
            }

            return found
                ? text.ToString()
                : throw new InvalidOperationException($"no section '{name}' in the VM's output:\n{Stdout}\n{Stderr}");
        }

        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <param name="cgroup">"v1" (a memory hierarchy at /sys/fs/cgroup/memory) or "v2" (memory enabled at the
    /// root).</param>
    /// <param name="script">/bin/sh text.</param>
    /// <param name="timeout">the VM is stopped after this long; the harness is killed a little later if it
    /// hangs.</param>
    public static Result Run(string cgroup, string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Path.Combine(Repo.Root, "tests", "vm", "run-in-vm"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (string a in (string[])["--cgroup", cgroup, "--timeout", ((int)timeout.TotalSeconds).ToString(
            System.Globalization.CultureInfo.InvariantCulture), "--", "sh", "-c", script])
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout + TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"tests/vm/run-in-vm did not end {timeout.TotalSeconds + 60} s after it started");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
