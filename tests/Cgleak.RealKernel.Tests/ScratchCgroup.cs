using System.Diagnostics;

namespace Cgleak.RealKernel.Tests;

/// <summary>
/// A private parent under the real memory mount (cgleak-test-PID-RANDOM): every cgroup a test makes lives
/// below it, and Dispose removes them bottom-up, also when the test failed. Never touches anything else.
/// </summary>
internal sealed class ScratchCgroup : IDisposable
{
    public const string MemoryMount = "/sys/fs/cgroup/memory";

    /// <summary>
    /// The machine's shared ID space: no test here makes more than this many at once (5,000 is the house limit).
    /// </summary>
    public const int MaxCgroups = 1000;

    private int _created;

    public ScratchCgroup()
    {
        Path = $"{MemoryMount}/cgleak-test-{Environment.ProcessId}-{Random.Shared.Next():x8}";
        Directory.CreateDirectory(Path);
        Files = Directory.CreateTempSubdirectory("cgleak-test-files-").FullName;
    }

    public string Path { get; }

    /// <summary>Where processes in the scratch cgroups write their files (page cache charged to them).</summary>
    public string Files { get; }

    public static bool Available
        => Directory.Exists(MemoryMount) && File.Exists(MemoryMount + "/memory.usage_in_bytes");

    public string Create(string relative)
    {
        if (Interlocked.Increment(ref _created) > MaxCgroups)
        {
            throw new InvalidOperationException($"a test asked for more than {MaxCgroups} cgroups");
        }

        string dir = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs a shell command inside <paramref name="cgroup"/>: it joins first, then runs.</summary>
    public static void RunInside(string cgroup, string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo $$ > '{cgroup}/cgroup.procs' && {command}");
        using Process p = Process.Start(start)!;
        if (!p.WaitForExit(30_000) || p.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' in {cgroup} failed");
        }
    }

    /// <summary>Removes every cgroup below the parent, deepest first (rmdir is not recursive).</summary>
    public void RemoveChildren()
    {
        foreach (string dir in Directory.GetDirectories(Path, "*", SearchOption.AllDirectories)
            .OrderByDescending(d => d.Length))
        {
            RemoveWithRetry(dir);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            RemoveChildren();
            RemoveWithRetry(Path);
        }

        if (Directory.Exists(Files))
        {
            Directory.Delete(Files, recursive: true);
        }
    }

    private static void RemoveWithRetry(string dir)
    {
        // A process that just exited may still be leaving the cgroup: EBUSY for a moment.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(dir);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }
}
