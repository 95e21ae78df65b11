using System.Diagnostics;
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
public sealed partial class Reclaim(Func<long?> dyingCount)
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    /// <summary>The live host's dying count, as the doctor computes it, without the slow parts.</summary>
    public static long? LiveDying() =>
        Doctor.Examine(HostRoot.Live, SurveyOptions.CountsOnly).Counts.Dying;

    /// <summary>Called while the dying count is watched: (count now, seconds waited), for a status line.</summary>
    public Action<long?, double>? Progress { get; init; }

    public ReclaimResult Run(ReclaimPlan plan, TimeSpan wait, CancellationToken cancel)
    {
        long? before = dyingCount();
        var clock = Stopwatch.StartNew();
        var done = new List<string>();

        // drop_caches drops clean pages only: a dying memcg pinned by dirty page cache stays until writeback.
        Sync();
        done.Add("sync");
        foreach (ReclaimAction action in plan.Actions)
        {
            try
            {
                File.WriteAllText(action.File, action.Value + "\n");
                done.Add($"echo {action.Value} > {action.File}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LabException(Messages.Get("lab.cannot-write", action.File, e.Message));
            }
        }

        long? after = dyingCount();
        if (plan.CanMeasure)
        {
            var stable = Stopwatch.StartNew();
            while (clock.Elapsed < wait && stable.Elapsed < SettleTime)
            {
                cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250));
                cancel.ThrowIfCancellationRequested();
                long? now = dyingCount();
                Progress?.Invoke(now, clock.Elapsed.TotalSeconds);
                if (now != after)
                {
                    after = now;
                    stable.Restart();
                }
            }
        }

        return new ReclaimResult(plan, before, after, clock.Elapsed.TotalSeconds, done);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
