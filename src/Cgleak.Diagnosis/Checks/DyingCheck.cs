using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// memcg.dying: removed memory cgroups the kernel still keeps, what pins them, how to release them (C1-C5, L6-L10,
/// M1-M4).
/// </summary>
public sealed class DyingCheck : ICheck
{
    /// <summary>
    /// Dying memcgs "pile up" from this many on (each costs kernel memory, about 25 KiB on 6.18, O4)...
    /// </summary>
    public const long WarnAbsolute = 5_000;

    /// <summary>
    /// ...or from this many when they also outnumber the live ones <see cref="WarnRatioToLive"/> to 1.
    /// </summary>
    public const long WarnRelativeFloor = 1_000;

    public const double WarnRatioToLive = 3.0;

    /// <summary>
    /// Kernel memory one dying memcg costs on this project's 6.18 machine (O4); the order of magnitude elsewhere.
    /// </summary>
    public const long BytesPerDyingMemcg = 25 * 1024;

    public const string CheckId = "memcg.dying";

    public string Id => CheckId;

    public string Facts => "C1-C5, L6-L10, M1-M4, O4";

    public string Title => "dying (zombie) memory cgroups";

    public CheckRole Role => CheckRole.Dying;

    public CheckResult Run(CheckInput f)
    {
        MemcgCounts c = f.Counts;
        var evidence = c.Basis.Where(b => b.Of is CountOf.Dying or CountOf.Live).Select(b => b.Said).ToList();
        if (f.Facts.Layout.MemoryMountPoint is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("dying.no-mount"), evidence, []);
        }

        if (f.Kernel is { } k)
        {
            evidence.Add(new Message("evidence.dying-pinned", k.Family, k.DyingPinnedBySaid));
        }

        if (c.Dying is not { } dying)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                new Message(f.Kernel?.CountsDying == false ? "dying.unknown-uncounted" : "dying.unknown"),
                evidence, f.Kernel?.CountsDying == false ? [Release(f)] : []);
        }

        long live = c.Live ?? 0;
        object ratio = live > 0 ? new Message("dying.per-live", (double)dying / live) : "";
        var sentence = new Message("dying.count", dying, ratio, Size(dying * BytesPerDyingMemcg));
        bool pilingUp = dying >= WarnAbsolute || (dying >= WarnRelativeFloor && dying >= WarnRatioToLive * live);
        if (pilingUp)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn, new Message("dying.piling-up", sentence),
                evidence, [Release(f)], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, dying > 0 ? [Release(f)] : []);
    }

    private static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024} KiB";

    private static Remediation Release(CheckInput f)
    {
        if (f.Facts.MemcgReaperPresent)
        {
            return Remediation.Say(new Message("dying.fix.reaper"),
                "echo 1 > /sys/kernel/mm/memcg_reaper/reap_background");
        }

        if (f.Kernel?.DropCachesValue is { } value)
        {
            var what = new Message(value == 1 ? "dying.what.page-cache" : "dying.what.page-cache-slab");
            return Remediation.Say(new Message("dying.fix.drop-caches", what),
                "cgleak reclaim", $"sync; echo {value} > /proc/sys/vm/drop_caches   # the same by hand");
        }

        return Remediation.Say(new Message("dying.fix.reboot"),
            "sync; echo 3 > /proc/sys/vm/drop_caches", "reboot   # after draining the node");
    }
}
