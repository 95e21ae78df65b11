using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis;

/// <summary>One write reclaim makes: a host file, the value, and why (its kmem-facts row).</summary>
/// <param name="Said">why, for text in the reader's language; <see cref="Why"/> is its English (JSON).</param>
public sealed record ReclaimAction(string File, string Value, Message Said)
{
    public string Why => Said.ToString();
}

/// <summary>
/// What releases this host's dying memory cgroups, decided from its kernel family (kmem-facts M1, M4):
/// the Alibaba Cloud Linux reaper where it exists, else drop_caches (1 page cache on 5.9+, where slab no
/// longer pins memcgs, L7; 3 page cache and slab before). On 3.10 the kmem-pinned zombies need a reboot,
/// and the plan says so.
/// </summary>
public sealed record ReclaimPlan(IReadOnlyList<ReclaimAction> Actions, Message? RebootSaid, bool CanMeasure)
{
    /// <summary>The reboot note's English (JSON); null when dropping caches is enough.</summary>
    public string? RebootNote => RebootSaid?.ToString();

    public static ReclaimPlan For(DoctorReport report)
    {
        var actions = new List<ReclaimAction>();
        if (report.Facts.MemcgReaperPresent)
        {
            actions.Add(new ReclaimAction(
                "/sys/kernel/mm/memcg_reaper/reap_background", "1", new Message("reclaim.why.reaper")));
        }

        int value = report.Kernel?.DropCachesValue ?? 3;
        actions.Add(new ReclaimAction(
            "/proc/sys/vm/drop_caches",
            value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new Message(value == 1 ? "reclaim.why.drop-page-cache" : "reclaim.why.drop-page-cache-slab")));

        Message? reboot = report.Kernel?.DropCachesValue is null ? new Message("reclaim.reboot-note") : null;
        return new ReclaimPlan(actions, reboot, report.Counts.Dying is not null);
    }
}
