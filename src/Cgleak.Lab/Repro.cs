using System.Diagnostics;
using System.Text.Json.Serialization;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Facts;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>How pods are run: real containers through runc, or plain cgroups with a process forked into each.</summary>
public enum ReproRuntime
{
    Runc,
    None,
}

/// <summary>What the repro asks for.</summary>
public sealed record ReproRequest(
    ReproRuntime Runtime,
    int Pods,
    int Parallel,
    bool KeepFiles,
    long? KmemLimitBytes,
    int ProbeMax,
    bool UntilFull);

/// <summary>
/// One row of the runbook's table: counts and probed free slots at one step. The counts are the whole
/// machine's, as the runbook reads them; <paramref name="OwnCgroups"/> counts only the memory cgroups under the
/// repro's own parent, which nothing else on the machine creates or removes.
/// </summary>
public sealed record ReproStep(
    string Name,
    long? KernelCount,
    long? Live,
    long? Dying,
    long? IdsInUse,
    long FreeSlots,
    [property: JsonPropertyName("freeSlotsExact")] bool FreeExact,
    long OwnCgroups);

/// <summary>The experiment's outcome, per pod.</summary>
public sealed record ReproResult(
    ReproRequest Request,
    IReadOnlyList<ReproStep> Steps,
    double CgroupsPerPod,
    double? SlotsLostPerPod,
    double? LeftDyingPerPod,
    Message Said,
    IReadOnlyList<Message> NotesSaid)
{
    /// <summary>The conclusion's English (JSON); <see cref="Said"/> for text in the reader's language.</summary>
    public string Conclusion => Said.ToString();

    public IReadOnlyList<string> Notes => NotesSaid.Select(n => n.ToString()).ToList();
}

/// <summary>
/// The runbook's experiment (section 3), automated: counts and probed free slots before, with and after a
/// pod's life, pods laid out as kubelet lays them out (kubepods/besteffort/pod&lt;uid&gt;/&lt;64-hex id&gt;, a
/// pause and an app container each: 3 memory cgroups a pod). Everything lives under one journaled scratch
/// parent and is removed at the end, also when interrupted; `cgleak cleanup` finishes a killed run.
/// </summary>
/// <param name="fs">every cgroup the repro makes or removes goes through it (the real kernel, or a stand-in in
/// tests).</param>
/// <param name="clock">what every wait (the counts settling, the pods writing) is made and measured on.</param>
public sealed class Repro(string stateDirectory, LiveCgroups cgroups, ICgroupFs fs, TimeProvider clock)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public Action<string>? Progress { get; init; }

    public ReproResult Run(ReproRequest request, CancellationToken cancel)
    {
        RuncBundle? bundle = null;
        using Scratch scratch = Scratch.Open(
            fs,
            stateDirectory,
            "repro",
            cgroups.MemoryMount,
            cgroups.AllMounts,
            out int errno);
        if (errno != 0)
        {
            throw new LabException(Messages.Get("lab.scratch-refused", Posix.Strerror(errno), Errno.Name(errno)));
        }

        string work = Path.Combine(Path.GetFullPath(stateDirectory), "bundles", scratch.Name);
        scratch.Journal.AddBundle(work);
        var pods = new List<Pod>();
        var notes = new List<Message>();
        try
        {
            Directory.CreateDirectory(work);
            if (request.Runtime == ReproRuntime.Runc)
            {
                bundle = RuncBundle.Build(work, request.KmemLimitBytes);
                notes.Add(new Message("repro.note.runc", bundle.RuncVersion));
            }

            // A node has kubepods and its QoS cgroups before any pod: make them first, so "before" counts them.
            MakeCgroup(fs, scratch.MemoryPath + "/kubepods");
            MakeCgroup(fs, scratch.MemoryPath + "/kubepods/besteffort");
            Settle(cancel); // counts are machine-wide: let releases already under way finish first
            var steps = new List<ReproStep> { Measure("before", request, scratch, cancel) };
            Progress?.Invoke(Messages.Get("progress.repro.starting", request.Pods));
            pods.AddRange(Enumerable.Range(0, request.Pods).Select(i => new Pod(fs, scratch, work, i)));
            ForEach(pods, request.Parallel, pod => pod.Start(bundle, scratch.Journal), cancel);
            ForEach(pods, request.Parallel, pod => pod.WaitWritten(clock, StartTimeout, cancel), cancel);
            notes.AddRange(pods.SelectMany(p => p.Warnings).Distinct().Select(w => new Message("text.verbatim", w)));
            steps.Add(Measure("with pods", request, scratch, cancel));

            Progress?.Invoke(Messages.Get("progress.repro.deleting", request.Pods));
            ForEach(pods, request.Parallel, pod => pod.Delete(bundle, deleteFiles: !request.KeepFiles), cancel);
            Settle(cancel);
            steps.Add(Measure("after delete", request, scratch, cancel));
            return Conclude(request, steps, notes);
        }
        finally
        {
            foreach (Pod pod in pods)
            {
                pod.Delete(bundle, deleteFiles: true);
            }

            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }

            scratch.Dispose(); // removes the trees under every mount, then the journal entry
        }
    }

    internal static ReproResult Conclude(ReproRequest request, IReadOnlyList<ReproStep> steps, List<Message> notes)
    {
        ReproStep before = steps[0], with = steps[1], after = steps[2];
        double k = request.Pods;
        // Its own cgroups, not the machine's live count: other work on the node starts and ends cgroups meanwhile.
        double cgroupsPerPod = (with.OwnCgroups - before.OwnCgroups) / k;
        // The live memory cgroups the rest of the node made (+) or removed (-) between "before" and "after delete".
        long? others = after.Live - before.Live - (after.OwnCgroups - before.OwnCgroups);
        double? lost = null;
        if (before.FreeExact && after.FreeExact)
        {
            lost = (before.FreeSlots - after.FreeSlots) / k;
            notes.Add(new Message("repro.note.at-the-wall"));
        }
        else if (before.IdsInUse is { } b && after.IdsInUse is { } a)
        {
            // The node's other cgroups made meanwhile hold IDs that are not the pods': left out. Ones it removed are
            // not added back: on a kernel that keeps their IDs (3.10) they still hold them.
            lost = Math.Max(0, a - b - Math.Max(0, others ?? 0)) / k;
            notes.Add(new Message("repro.note.reported"));
        }

        if (others is { } o and not 0)
        {
            notes.Add(new Message("repro.note.others", o));
        }

        double? leftDying = after.Dying - before.Dying is { } d ? Math.Max(0, d) / k : null;
        var pinned = new Message(request.KeepFiles ? "repro.pinned.files" : "repro.pinned.charged");
        Message conclusion = lost switch
        {
            null => new Message("repro.cannot-tell"),
            > 0.05 => new Message("repro.lost", lost),
            _ when leftDying > 0.05 => new Message("repro.left-dying", leftDying, pinned),
            _ => new Message("repro.clean"),
        };
        return new ReproResult(request, steps, cgroupsPerPod, lost, leftDying, conclusion, notes);
    }

    private ReproStep Measure(string name, ReproRequest request, Scratch scratch, CancellationToken cancel)
    {
        Progress?.Invoke(Messages.Get("progress.repro.measuring", Messages.Get("repro.step." + name)));
        MemcgCounts counts = Doctor.Examine(HostRoot.Live, SurveyOptions.CountsOnly, cancel: cancel).Counts;
        long own = Directory.EnumerateDirectories(scratch.MemoryPath, "*", SearchOption.AllDirectories).LongCount();
        ProbeResult probe = new Probe(fs, stateDirectory, cgroups, clock)
            .Run(new ProbeRequest(request.UntilFull ? null : request.ProbeMax), cancel);
        // The probe's empty cgroups stay counted for a few seconds after rmdir (O3): let them go before the next count.
        for (int i = 0; i < 100 && LiveCgroups.KernelCount() > counts.Reported + 2; i++)
        {
            clock.Sleep(TimeSpan.FromMilliseconds(100), cancel);
        }

        return new ReproStep(
            name,
            counts.Reported,
            counts.Live,
            counts.Dying,
            counts.IdsInUse,
            probe.FreeSlots,
            probe.Exact,
            own);
    }

    /// <summary>
    /// Removed cgroups leave the kernel's count over seconds, in waves (RCU, O3), and the count is machine-wide:
    /// wait until it holds still for 3 s, at most 20 s.
    /// </summary>
    private void Settle(CancellationToken cancel)
    {
        long? last = LiveCgroups.KernelCount();
        long started = clock.GetTimestamp(), stillSince = started;
        while (clock.GetElapsedTime(started) < TimeSpan.FromSeconds(20)
            && clock.GetElapsedTime(stillSince) < TimeSpan.FromSeconds(3))
        {
            clock.Sleep(TimeSpan.FromMilliseconds(100), cancel);
            cancel.ThrowIfCancellationRequested();
            long? now = LiveCgroups.KernelCount();
            if (now != last)
            {
                last = now;
                stillSince = clock.GetTimestamp();
            }
        }
    }

    private static void ForEach(List<Pod> pods, int parallel, Action<Pod> action, CancellationToken cancel) =>
        Parallel.ForEach(
            pods,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = cancel },
            action);

    /// <summary>
    /// mkdir of one cgroup; a refusal (at the wall: ENOSPC or ENOMEM) ends the run with the kernel's word for it.
    /// </summary>
    private static void MakeCgroup(ICgroupFs fs, string path)
    {
        int errno = fs.MakeDirectory(path);
        if (errno != 0)
        {
            throw new LabException(Messages.Get("lab.cgroup-create", path, Posix.Strerror(errno), Errno.Name(errno)));
        }
    }

    /// <summary>One pod: its cgroup (made as kubelet makes it), a pause and an app container.</summary>
    private sealed class Pod
    {
        private readonly ICgroupFs _fs;
        private readonly string _data;
        private readonly List<(string Id, string Cgroup, Process? Process)> _containers = [];
        private bool _deleted;

        public Pod(ICgroupFs fs, Scratch scratch, string work, int index)
        {
            _fs = fs;
            Uid = Guid.NewGuid().ToString();
            RelativePath = $"/{scratch.Name}/kubepods/besteffort/pod{Uid}";
            MemoryPath = cgroupsRoot(scratch) + RelativePath;
            _data = Path.Combine(work, $"data-{index}");
            Index = index;

            static string cgroupsRoot(Scratch s) => s.MemoryPath[..^(s.Name.Length + 1)];
        }

        public string Uid { get; }

        public int Index { get; }

        public string RelativePath { get; }

        public string MemoryPath { get; }

        public List<string> Warnings { get; } = [];

        private string Marker => Path.Combine(_data, "written");

        public void Start(RuncBundle? runc, JournalEntry journal)
        {
            MakeCgroup(_fs, MemoryPath); // kubelet creates the pod cgroup itself (K1)
            Directory.CreateDirectory(_data);
            foreach (string role in (string[])["pause", "app"])
            {
                string id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())
                    + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
                string cgroup = MemoryPath + "/" + id;
                string command = role == "pause"
                    ? "exec sleep 3600"
                    : "i=0; while [ $i -lt 16 ]; do head -c 65536 /dev/urandom > /data/f$i; i=$((i+1)); done; : > "
                        + "/data/written; exec sleep 3600";
                if (runc is not null)
                {
                    string containerId = Cleanup.ContainerId(Environment.ProcessId, Index, role);
                    journal.AddContainer(containerId);
                    Warnings.AddRange(runc.Run(containerId, $"{RelativePath}/{id}", command, _data));
                    _containers.Add((containerId, cgroup, null));
                }
                else
                {
                    MakeCgroup(_fs, cgroup);
                    string shellCommand = command.Replace("/data/", _data + "/", StringComparison.Ordinal);
                    var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                    start.ArgumentList.Add("-c");
                    start.ArgumentList.Add($"echo $$ > '{cgroup}/cgroup.procs' && {shellCommand}");
                    _containers.Add((id, cgroup, Process.Start(start)));
                }
            }
        }

        public void WaitWritten(TimeProvider clock, TimeSpan timeout, CancellationToken cancel)
        {
            long started = clock.GetTimestamp();
            while (!File.Exists(Marker))
            {
                if (clock.GetElapsedTime(started) > timeout)
                {
                    throw new LabException(Messages.Get("lab.pod-timeout", Index, timeout.TotalSeconds));
                }

                clock.Sleep(TimeSpan.FromMilliseconds(20), cancel);
                cancel.ThrowIfCancellationRequested();
            }
        }

        public void Delete(RuncBundle? runc, bool deleteFiles)
        {
            lock (_containers)
            {
                if (!_deleted)
                {
                    _deleted = true;
                    foreach (var (id, cgroup, process) in _containers)
                    {
                        if (runc is not null)
                        {
                            RuncBundle.Delete(id);
                        }
                        else if (process is not null)
                        {
                            process.Kill();
                            process.WaitForExit();
                            process.Dispose();
                            RemoveCgroup(cgroup);
                        }
                    }

                    RemoveCgroup(MemoryPath);
                }

                if (deleteFiles && Directory.Exists(_data))
                {
                    Directory.Delete(_data, recursive: true);
                }
            }
        }

        private void RemoveCgroup(string path) => Cleanup.RemoveWithRetry(_fs, path);
    }
}
