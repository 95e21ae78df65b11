using System.Diagnostics;
using System.Text;

namespace Cgleak.Host;

/// <summary>How a child process ended: its exit code, what it printed, and whether it was killed for taking too long.</summary>
public sealed record ChildResult(int ExitCode, string Output, string Error, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>
/// The one way cgleak runs another program (`runc --version`, journalctl, runc, grubby): arguments passed
/// as a list (never through a shell), both streams read while it runs, killed with its children after
/// <c>timeout</c>.
/// </summary>
public static class ChildProcess
{
    /// <summary>Runs <paramref name="file"/>; null when it cannot be started (not there, not executable).</summary>
    public static ChildResult? Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return null;
        }

        if (process is null)
        {
            return null;
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            bool timedOut = !process.WaitForExit(timeout);
            if (timedOut)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            Task.WaitAll([output, error], TimeSpan.FromSeconds(2));
            return new ChildResult(timedOut ? -1 : process.ExitCode,
                output.IsCompletedSuccessfully ? output.Result : "", error.IsCompletedSuccessfully ? error.Result : "", timedOut);
        }
    }
}
