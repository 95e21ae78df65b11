using System.Diagnostics;
using System.Text;

namespace Cgleak.Host;

/// <summary>
/// How a child process ended: its exit code, what it printed, and whether it was killed for taking too long.
/// </summary>
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
            // Each stream is read on a thread of its own, not by thread-pool callbacks: the callers run on the pool and
            // block here, and with as many pool threads as cores (2) they held all of them, so every read waited
            // 0.5 s for the pool to add a thread (a third of the doctor's time on 10,000 cgroups: bench/doctor.sh).
            var output = new StreamDrain(process.StandardOutput);
            var error = new StreamDrain(process.StandardError);
            bool timedOut = !process.WaitForExit(timeout);
            if (timedOut)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            return new ChildResult(timedOut ? -1 : process.ExitCode, output.Text(), error.Text(), timedOut);
        }
    }

    /// <summary>Reads a child's stream to its end on a background thread.</summary>
    private sealed class StreamDrain
    {
        private readonly Thread _thread;
        private string _text = "";

        public StreamDrain(StreamReader reader)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    _text = reader.ReadToEnd();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    // the pipe broke, or the child was given up on and its streams closed: nothing is kept
                }
            })
            { IsBackground = true, Name = "child-output" };
            _thread.Start();
        }

        /// <summary>What was read; "" if the stream is open 2 s after the child ends (a grandchild holds it).</summary>
        public string Text() => _thread.Join(TimeSpan.FromSeconds(2)) ? _text : "";
    }
}
