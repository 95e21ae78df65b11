using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>What a probe asks for.</summary>
/// <param name="Max">stop after this many cgroups; null: until the kernel refuses (--until-full).</param>
/// <param name="Hold">keep every slot this long before releasing (tests; the wall experiment).</param>
public sealed record ProbeRequest(int? Max, TimeSpan Hold = default);

/// <summary>
/// What a probe found. <see cref="FreeSlots"/> counts the scratch parent too: it took an ID.
/// Exact when the kernel refused (the wall); otherwise a lower bound ("at least").
/// </summary>
public sealed record ProbeResult(
    int Created,
    long FreeSlots,
    bool Exact,
    int? RefusedErrno,
    long? KernelCountBefore,
    long? KernelCountAfter,
    double CreateSeconds,
    double RemoveSeconds,
    IReadOnlyList<string> Left)
{
    /// <summary>IDs in use = 65535 - free, when the wall was reached.</summary>
    public long? IdsInUse => Exact ? MemcgIdSpace.Limit - FreeSlots : null;

    /// <summary>IDs in use beyond what /proc/cgroups shows: zombies a 3.10 kernel does not count (C2).</summary>
    public long? HiddenIds
        => IdsInUse is { } used && KernelCountBefore is { } counted ? Math.Max(0, used - counted) : null;

    public double CreatePerSecond => CreateSeconds > 0 ? Created / CreateSeconds : 0;

    public string? Refusal => RefusalSaid?.ToString();

    /// <summary><see cref="Refusal"/> as a message, for text in the reader's language.</summary>
    public Message? RefusalSaid => RefusedErrno is { } e ? Message.Of(Errno.Described(e)) : null;

    /// <summary>What the doctor counts with (cgleak doctor --probe).</summary>
    public HeadroomProbe Headroom => new(Created, FreeSlots, Exact, Refusal);
}

/// <summary>
/// How many more memory cgroups will this kernel create? Creates empty cgroups under one private parent until
/// the kernel refuses (ENOSPC or ENOMEM: kmem-facts I6, I7) or the bound is reached, then removes them all.
/// On 3.10 the counts lie (C2): trying is the only honest measure.
/// </summary>
/// <param name="clock">what the create and remove times are measured on, and the hold made on.</param>
public sealed class Probe(ICgroupFs fs, string stateDirectory, LiveCgroups cgroups, TimeProvider clock)
{
    /// <summary>Called every so often with the number created, for a progress bar.</summary>
    public Action<int>? Progress { get; init; }

    public ProbeResult Run(ProbeRequest request, CancellationToken cancel)
    {
        long? before = LiveCgroups.KernelCount();
        using Scratch scratch = Scratch.Open(
            fs,
            stateDirectory,
            "probe",
            cgroups.MemoryMount,
            [cgroups.MemoryMount],
            out int parentErrno);
        long started = clock.GetTimestamp();
        int created = 0;
        int? refused = parentErrno == 0 ? null : parentErrno;
        double createSeconds = 0;
        try
        {
            if (refused is null)
            {
                string prefix = scratch.MemoryPath + "/";
                int max = request.Max ?? int.MaxValue;
                while (created < max)
                {
                    int errno = fs.MakeDirectory(
                        prefix + created.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (errno == Errno.ENOSPC || errno == Errno.ENOMEM)
                    {
                        refused = errno;
                        break;
                    }

                    if (errno != 0)
                    {
                        throw new LabException(Messages.Get(
                            "lab.mkdir-failed",
                            scratch.MemoryPath,
                            Posix.Strerror(errno),
                            Errno.Name(errno)));
                    }

                    created++;
                    if ((created & 1023) == 0)
                    {
                        Progress?.Invoke(created);
                        cancel.ThrowIfCancellationRequested();
                    }
                }
            }

            createSeconds = clock.GetElapsedTime(started).TotalSeconds;
            Progress?.Invoke(created);
            if (request.Hold > TimeSpan.Zero)
            {
                clock.Sleep(request.Hold, cancel);
            }
        }
        finally
        {
            // Released in reverse, before anything else: while held, no pod on the node can start.
            started = clock.GetTimestamp();
            for (int i = created - 1; i >= 0; i--)
            {
                fs.RemoveDirectory(
                    scratch.MemoryPath + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        double removeSeconds = clock.GetElapsedTime(started).TotalSeconds;
        scratch.Dispose();
        cancel.ThrowIfCancellationRequested(); // interrupted: released and removed, now say so
        long free = parentErrno == 0 ? created + 1 : 0;
        var left = Directory.Exists(scratch.MemoryPath) ? new[] { scratch.MemoryPath } : [];
        return new ProbeResult(
            created,
            free,
            refused is not null,
            refused,
            before,
            LiveCgroups.KernelCount(),
            createSeconds,
            removeSeconds,
            left);
    }
}
