namespace Cgleak.Diagnosis;

/// <summary>One write reclaim makes: a host file, the value, and why (its kmem-facts row).</summary>
public sealed record ReclaimAction(string File, string Value, string Why);

/// <summary>
/// What releases this host's dying memory cgroups, decided from its kernel family (kmem-facts M1, M4):
/// the Alibaba Cloud Linux reaper where it exists, else drop_caches (1 page cache on 5.9+, where slab no
/// longer pins memcgs, L7; 3 page cache and slab before). On 3.10 the kmem-pinned zombies need a reboot,
/// and the plan says so.
/// </summary>
public sealed record ReclaimPlan(IReadOnlyList<ReclaimAction> Actions, string? RebootNote, bool CanMeasure)
{
    public static ReclaimPlan For(DoctorReport report)
    {
        var actions = new List<ReclaimAction>();
        if (report.Facts.MemcgReaperPresent)
        {
            actions.Add(new ReclaimAction("/sys/kernel/mm/memcg_reaper/reap_background", "1",
                "Alibaba Cloud Linux's zombie memcg reaper reclaims the pages of offline memcgs in the background (M4)"));
        }

        int value = report.Kernel?.DropCachesValue ?? 3;
        actions.Add(new ReclaimAction("/proc/sys/vm/drop_caches", value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            value == 1
                ? "drop the page cache: on 5.9+ kernels page cache is what pins dying memcgs, slab no longer does (M1, L7, L9)"
                : "drop the page cache and reclaimable slab, both of which pin dying memcgs on this kernel (M1, L6)"));

        string? reboot = report.Kernel?.DropCachesValue is null
            ? "On this kernel, memory cgroups pinned by kernel memory (kmem accounting) are released only by a reboot (M1); dropping caches frees those pinned by page cache alone."
            : null;
        return new ReclaimPlan(actions, reboot, report.Counts.Dying is not null);
    }
}
