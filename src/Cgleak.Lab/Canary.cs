using System.Diagnostics;
using System.Globalization;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>What the canary found.</summary>
/// <param name="Method">"count" (watched the canaries leave /proc/cgroups) or "wall" (free slots at the wall before and
/// after).</param>
/// <param name="Leaking">true: slots did not come back; false: they did; null: undecided.</param>
/// <param name="Said">the conclusion, for text in the reader's language; <see cref="Conclusion"/> is its English
/// (JSON).</param>
public sealed record CanaryResult(
    string Method,
    int Canaries,
    int? Released,
    long? SlotsLost,
    bool? Leaking,
    Message Said,
    IReadOnlyList<Message> NotesSaid)
{
    public string Conclusion => Said.ToString();

    public IReadOnlyList<string> Notes => NotesSaid.Select(n => n.ToString()).ToList();
}

/// <summary>
/// The deterministic reproducer, scaled down: memory cgroups with kmem accounting activated as runc does it
/// (1 then -1 to memory.kmem.limit_in_bytes, kmem-facts R2), a process in each that allocates kernel objects
/// (files and directories: dentries and inodes) and page cache, then removed. Where the kernel counts dying
/// cgroups (C1), their leaving the count proves kernel memory does not pin them. Where it does not (3.10, C2),
/// the only proof is the runbook's: free slots at the wall before and after (--until-full).
/// </summary>
/// <param name="fs">every cgroup the canary makes or removes goes through it (the real kernel, or a stand-in in
/// tests).</param>
/// <param name="clock">what the canaries' leaving is watched on.</param>
public sealed class Canary(string stateDirectory, LiveCgroups cgroups, ICgroupFs fs, TimeProvider clock)
{
    public const int DefaultCanaries = 20;

    /// <summary>Called at each stage of the canary and while its IDs are watched, for a status line.</summary>
    public Action<string>? Progress { get; init; }

    /// <param name="untilFull">decide at the wall, on any kernel: asked for, the runbook's own test is the one
    /// run.</param>
    public CanaryResult Run(KernelTraits kernel, bool untilFull, CancellationToken cancel)
    {
        if (untilFull)
        {
            return AtTheWall(cancel);
        }

        return kernel.CountsDying == true
            ? ByCount(kernel, cancel)
            : new CanaryResult("none", 0, null, null, null,
                new Message("canary.undecided"), []);
    }

    private CanaryResult ByCount(KernelTraits kernel, CancellationToken cancel)
    {
        var notes = new List<Message>();
        long baseline = LiveCgroups.KernelCount() ?? throw new LabException(Messages.Get("lab.no-memory-row"));
        using Scratch scratch = Scratch.Open(
            fs,
            stateDirectory,
            "canary",
            cgroups.MemoryMount,
            [cgroups.MemoryMount],
            out int errno);
        if (errno != 0)
        {
            throw new LabException(Messages.Get("lab.canary-refused", Posix.Strerror(errno)));
        }

        string files = FilesDirectory(scratch.Name, notes);
        // journaled before it exists: a killed canary's files are cleanup's to remove too
        scratch.Journal.AddBundle(files);
        Directory.CreateDirectory(files);
        try
        {
            for (int i = 0; i < DefaultCanaries; i++)
            {
                cancel.ThrowIfCancellationRequested();
                Progress?.Invoke(Messages.Get("progress.canary", i + 1, DefaultCanaries));
                Cycle(
                    scratch.MemoryPath + "/" + i.ToString(CultureInfo.InvariantCulture),
                    Path.Combine(files, i.ToString(CultureInfo.InvariantCulture)),
                    notes);
            }

            long withDying = LiveCgroups.KernelCount() ?? baseline;
            Directory.Delete(files, recursive: true); // the page cache goes; kernel memory alone would still pin them
            long now = withDying;
            long started = clock.GetTimestamp(), stillSince = started;
            while (clock.GetElapsedTime(started) < TimeSpan.FromSeconds(30) && withDying - now < DefaultCanaries
                && clock.GetElapsedTime(stillSince) < TimeSpan.FromSeconds(8))
            {
                clock.Sleep(TimeSpan.FromMilliseconds(200), cancel);
                cancel.ThrowIfCancellationRequested();
                Progress?.Invoke(Messages.Get(
                    "progress.canary-wait",
                    withDying - now,
                    DefaultCanaries,
                    clock.GetElapsedTime(started).TotalSeconds));
                long count = LiveCgroups.KernelCount() ?? now;
                if (count != now)
                {
                    now = count;
                    stillSince = clock.GetTimestamp();
                }
            }

            int released = (int)Math.Clamp(withDying - now, 0, DefaultCanaries);
            return Decide(kernel, released, clock.GetElapsedTime(started).TotalSeconds, notes);

        }
        finally
        {
            if (Directory.Exists(files))
            {
                Directory.Delete(files, recursive: true);
            }
        }
    }

    /// <summary>
    /// The count method's verdict: on a kernel that releases IDs at offline (I5) removed cgroups cost no ID
    /// whatever pins them; elsewhere a canary that stays counted after losing its page cache is pinned by
    /// kernel memory, and keeps its ID (3.19-4.6, C1 without I5).
    /// </summary>
    internal static CanaryResult Decide(KernelTraits kernel, int released, double seconds, IReadOnlyList<Message> notes)
    {
        bool freed = released >= DefaultCanaries * 9 / 10;
        var conclusion = new Message(kernel.ReleasesIdAtOffline == true
            ? freed ? "canary.offline-freed" : "canary.offline-some-freed"
            : freed ? "canary.freed" : "canary.leaking", released, DefaultCanaries, seconds);
        bool leaking = kernel.ReleasesIdAtOffline != true && !freed;
        return new CanaryResult(
            "count",
            DefaultCanaries,
            released,
            leaking ? DefaultCanaries - released : 0,
            leaking,
            conclusion,
            notes);
    }

    private CanaryResult AtTheWall(CancellationToken cancel)
    {
        var notes = new List<Message>();
        var probe = new Probe(fs, stateDirectory, cgroups, clock);
        ProbeResult before = probe.Run(new ProbeRequest(null), cancel);
        if (!before.Exact)
        {
            throw new LabException(Messages.Get("lab.probe-not-at-wall"));
        }

        using (Scratch scratch = Scratch.Open(
            fs,
            stateDirectory,
            "canary",
            cgroups.MemoryMount,
            [cgroups.MemoryMount],
            out int errno))
        {
            if (errno == 0)
            {
                string files = FilesDirectory(scratch.Name, notes);
                scratch.Journal.AddBundle(files);
                Directory.CreateDirectory(files);
                Cycle(scratch.MemoryPath + "/0", Path.Combine(files, "0"), notes);
                Directory.Delete(files, recursive: true);
            }
        }

        clock.Sleep(TimeSpan.FromSeconds(5), cancel); // RCU-delayed frees (O3)
        ProbeResult after = probe.Run(new ProbeRequest(null), cancel);
        long lost = before.FreeSlots - after.FreeSlots;
        var conclusion = new Message(
            lost > 0 ? "canary.wall-leaking" : "canary.wall-freed",
            before.FreeSlots,
            after.FreeSlots);
        return new CanaryResult("wall", 1, lost > 0 ? 0 : 1, lost, lost > 0, conclusion, notes);
    }

    /// <summary>
    /// Where canaries make their files: a tmpfs, so they allocate kernel objects (dentries, inodes) and shmem
    /// that goes with the files, but no block-device buffer cache (a disk filesystem's inode tables and bitmaps
    /// would be charged to the canaries and pin them as page cache, which is not what the canary tests).
    /// </summary>
    private static string FilesDirectory(string scratchName, List<Message> notes)
    {
        KernelRead mountinfo = KernelFile.Read("/proc/self/mountinfo");
        var tmpfs = mountinfo.IsOk
            ? Host.Parsing.MountInfo.Parse(mountinfo.Text).Value.Where(m => m.FsType == "tmpfs")
                .Select(m => m.MountPoint)
                .ToHashSet(StringComparer.Ordinal)
            : [];
        // Named after the scratch parent, in one of the places cleanup accepts (Cleanup.FilesParents).
        string name = "cgleak-files-" + scratchName;
        foreach (string candidate in Cleanup.FilesParents)
        {
            if (tmpfs.Contains(candidate))
            {
                return Path.Combine(candidate, name);
            }
        }

        notes.Add(new Message("canary.note.no-tmpfs"));
        return Path.Combine("/tmp", name);
    }

    /// <summary>
    /// One canary: create, activate kmem as runc does, allocate kernel objects and page cache from inside, remove.
    /// </summary>
    private void Cycle(string cgroup, string files, List<Message> notes)
    {
        int errno = fs.MakeDirectory(cgroup);
        if (errno != 0)
        {
            throw new LabException(Messages.Get("lab.canary-create", cgroup, Posix.Strerror(errno), Errno.Name(errno)));
        }

        foreach (string value in (string[])["1", "-1"])
        {
            try
            {
                File.WriteAllText(cgroup + "/memory.kmem.limit_in_bytes", value);
            }
            catch (IOException e)
            {
                var note = new Message("canary.note.limit-refused", value, IOSaid.Of(e));
                if (!notes.Any(n => n.ToString() == note.ToString()))
                {
                    notes.Add(note);
                }
            }
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo $$ > '{cgroup}/cgroup.procs' && mkdir -p '{files}' && i=0; while [ $i -lt 64 "
            + $"]; do mkdir '{files}/d'$i && echo canary > '{files}/d'$i/f; i=$((i+1)); done");
        using (Process p = Process.Start(start)!)
        {
            p.WaitForExit();
        }

        errno = Cleanup.RemoveWithRetry(fs, cgroup);
        if (errno != 0)
        {
            throw new LabException(Messages.Get("lab.canary-remove", cgroup, Posix.Strerror(errno), Errno.Name(errno)));
        }
    }
}
