namespace Cgleak.Diagnosis.Checks;

/// <summary>memcg.dying: removed memory cgroups the kernel still keeps, what pins them, how to release them (C1-C5, L6-L10, M1-M4).</summary>
public sealed class DyingCheck : ICheck
{
    /// <summary>Dying memcgs "pile up" from this many on (each costs kernel memory, about 25 KiB on 6.18, O4)...</summary>
    public const long WarnAbsolute = 5_000;

    /// <summary>...or from this many when they also outnumber the live ones <see cref="WarnRatioToLive"/> to 1.</summary>
    public const long WarnRelativeFloor = 1_000;

    public const double WarnRatioToLive = 3.0;

    /// <summary>Kernel memory one dying memcg costs on this project's 6.18 machine (O4); the order of magnitude elsewhere.</summary>
    public const long BytesPerDyingMemcg = 25 * 1024;

    public string Id => "memcg.dying";

    public string Title => "dying (zombie) memory cgroups";


    public CheckRole Role => CheckRole.Dying;

    public CheckResult Run(Findings f)
    {
        MemcgCounts c = f.Counts;
        var evidence = c.Basis.Where(b => b.StartsWith("dying", StringComparison.Ordinal) || b.StartsWith("live", StringComparison.Ordinal)).ToList();
        if (f.Facts.Layout.MemoryMountPoint is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "No memory controller mount was found in mountinfo.", evidence, []);
        }

        if (f.Kernel is { } k)
        {
            evidence.Add($"{k.Family}: dying memcgs are pinned by {k.DyingPinnedBy}");
        }

        if (c.Dying is not { } dying)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                "The number of dying memory cgroups is unknown on this host" + (f.Kernel?.CountsDying == false ? ": this kernel does not count them (C2)." : "."),
                evidence, f.Kernel?.CountsDying == false ? [Release(f)] : []);
        }

        long live = c.Live ?? 0;
        string ratio = live > 0 ? $", {(double)dying / live:0.#} per live one" : "";
        string sentence = $"{dying} dying memory cgroups{ratio}, holding about {Size(dying * BytesPerDyingMemcg)} of kernel memory.";
        bool pilingUp = dying >= WarnAbsolute || (dying >= WarnRelativeFloor && dying >= WarnRatioToLive * live);
        if (pilingUp)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn, sentence + " They pile up: memory and CPU (reclaim, stat flushing) go to cgroups that no longer exist.",
                evidence, [Release(f)], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, dying > 0 ? [Release(f)] : []);
    }

    private static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes / 1024} KiB";

    private static Remediation Release(Findings f)
    {
        if (f.Facts.MemcgReaperPresent)
        {
            return Remediation.Say("This kernel has Alibaba Cloud Linux's zombie memcg reaper (M4): let it reclaim in the background.",
                "echo 1 > /sys/kernel/mm/memcg_reaper/reap_background");
        }

        if (f.Kernel?.DropCachesValue is { } value)
        {
            string what = value == 1 ? "the page cache" : "the page cache and slab";
            return Remediation.Say($"Dropping {what} releases dying memcgs pinned only by it (M1); it costs a re-read of cached files. On cgroup v1, writing memory.force_empty before removing a cgroup prevents it (M2).",
                "cgleak reclaim", $"sync; echo {value} > /proc/sys/vm/drop_caches   # the same by hand");
        }

        return Remediation.Say("On this kernel, memcgs pinned by kernel memory are only released by a reboot (M1); dropping caches frees those pinned by page cache alone.",
            "sync; echo 3 > /proc/sys/vm/drop_caches", "reboot   # after draining the node");
    }
}
