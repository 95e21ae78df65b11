using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Facts;

namespace Cgleak.Lab;

/// <summary>What a reclaim did and what it changed.</summary>
public sealed record ReclaimResult(
    ReclaimPlan Plan,
    long? DyingBefore,
    long? DyingAfter,
    double Seconds,
    IReadOnlyList<string> Done)
{
    public long? Released => DyingBefore is { } b && DyingAfter is { } a ? b - a : null;
}

/// <summary>
/// Carries out a <see cref="ReclaimPlan"/> on the live host and watches the dying count fall until it
/// settles (unchanged for <see cref="SettleTime"/>) or the time runs out.
/// </summary>
/// <param name="host">where the plan's files are written: the live host, or a host tree in tests.</param>
/// <param name="dyingCount">the host's dying count now (<see cref="DyingOf"/>).</param>
/// <param name="clock">what the wait is measured and made on.</param>
public sealed partial class Reclaim(HostRoot host, Func<long?> dyingCount, TimeProvider clock)
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    /// <summary>A host's dying count, as the doctor computes it, without the slow parts.</summary>
    public static long? DyingOf(HostRoot host) => Doctor.Examine(host, SurveyOptions.CountsOnly).Counts.Dying;

    /// <summary>Called while the dying count is watched: (count now, seconds waited), for a status line.</summary>
    public Action<long?, double>? Progress { get; init; }

    public ReclaimResult Run(ReclaimPlan plan, TimeSpan wait, CancellationToken cancel)
    {
        long? before = dyingCount();
        long started = clock.GetTimestamp();
        var done = new List<string>();

        // drop_caches drops clean pages only: a dying memcg pinned by dirty page cache stays until writeback.
        Sync();
        done.Add("sync");
        foreach (ReclaimAction action in plan.Actions)
        {
            try
            {
                File.WriteAllText(host.Path(action.File), action.Value + "\n");
                done.Add($"echo {action.Value} > {action.File}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LabException(new Message("lab.cannot-write", action.File, IOSaid.Of(e)));
            }
        }

        long? after = dyingCount();
        if (plan.CanMeasure)
        {
            long stableSince = clock.GetTimestamp();
            while (clock.GetElapsedTime(started) < wait && clock.GetElapsedTime(stableSince) < SettleTime)
            {
                clock.Sleep(TimeSpan.FromMilliseconds(250), cancel);
                cancel.ThrowIfCancellationRequested();
                long? now = dyingCount();
                Progress?.Invoke(now, clock.GetElapsedTime(started).TotalSeconds);
                if (now != after)
                {
                    after = now;
                    stableSince = clock.GetTimestamp();
                }
            }
        }

        return new ReclaimResult(plan, before, after, clock.GetElapsedTime(started).TotalSeconds, done);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
