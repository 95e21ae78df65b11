using Cgleak.Diagnosis.Text;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Knowledge;

/// <summary>
/// What a kernel family does about memory cgroups, each trait from a row of
/// shared/knowledge/kmem-facts.md (cited beside it). Null means the facts do not say for this kernel.
/// </summary>
public sealed record KernelTraits
{
    /// <summary>"RHEL/CentOS 7 (3.10.0-957)", "upstream 6.18".</summary>
    public required string Family { get; init; }

    /// <summary>/proc/cgroups num_cgroups includes dying cgroups (C1: seen on 3.19+; C2: not on 3.10).</summary>
    public bool? CountsDying { get; init; }

    /// <summary>A memcg's private ID is released at offline (rmdir) unless swap records hold it (I5: ~4.7).</summary>
    public bool? ReleasesIdAtOffline { get; init; }

    /// <summary>IDs are lost to kmem-pinned zombies: kmem accounting exists (L1: 3.8) and I5 is missing.</summary>
    public bool? LeaksIdsViaKmem { get; init; }

    /// <summary>
    /// The kernel honours cgroup.memory=nokmem (L3: upstream 4.5; el7 from 3.10.0-1062.4.1 per the runbook, L5).
    /// </summary>
    public bool HonoursNokmem { get; init; }

    /// <summary>
    /// False where the facts do not say whether this family honours cgroup.memory=nokmem (a vendor kernel with
    /// unpublished backports): <see cref="HonoursNokmem"/> is then false, meaning "not known to".
    /// </summary>
    public bool NokmemKnown { get; init; } = true;

    /// <summary>What is not known about this family, for people; null when the table's rows cover it.</summary>
    public Message? Unknown { get; init; }

    /// <summary>
    /// memory.kmem.limit_in_bytes is absent on this kernel (L13: 6.1.54, 6.5.4): runc before 1.1.10 and kubelets
    /// vendoring it fail (R16, K10).
    /// </summary>
    public bool KmemLimitFileGone { get; init; }

    /// <summary>kmem is accounted for every v1 cgroup without a limit write (L4: 4.6).</summary>
    public bool KmemDefaultOn { get; init; }

    /// <summary>What keeps a removed memcg alive on this family (L6, L7, L9, L10), for people.</summary>
    public required Message DyingPinnedBySaid { get; init; }

    public string DyingPinnedBy => DyingPinnedBySaid.ToString();

    /// <summary>
    /// The drop_caches value that releases what pins them (M1), or null where nothing short of a reboot does.
    /// </summary>
    public int? DropCachesValue { get; init; }

    /// <summary>A note on memory.kmem.limit_in_bytes writes (L12-L14), where the family has one.</summary>
    public Message? KmemLimitWriteSaid { get; init; }

    public string? KmemLimitWriteNote => KmemLimitWriteSaid?.ToString();
}

/// <summary>What a kernel release's own version says about its family, and where that comes from.</summary>
public enum KernelBase
{
    /// <summary>
    /// Red Hat's 3.10.0-*.el7: upstream 3.10 with Red Hat's backports, described by the runbook and L5/I7.
    /// </summary>
    Rhel7,

    /// <summary>
    /// The traits of the upstream version the release names (a vendor build whose memcg behaviour follows it).
    /// </summary>
    Upstream,

    /// <summary>
    /// Upstream 3.10 with a vendor's backports that are not published: upstream 3.10's traits, unknown where a backport
    /// may differ.
    /// </summary>
    Upstream310WithBackports,
}

/// <summary>
/// One row of the kernel family table: how a release is recognised, its name, its basis and its source.
/// </summary>
public sealed record KernelFamilyRule(string Name, Func<KernelRelease, bool> Matches, KernelBase Base, string Source);

/// <summary>The kernel rules, as one table read top to bottom.</summary>
public static class KernelKnowledge
{
    /// <summary>
    /// The first el7 build the runbook says honours cgroup.memory=nokmem (L5: user reports; 1062.x to 1075).
    /// </summary>
    public static readonly int[] El7NokmemBuild = [1062, 4, 1];

    private static bool Tagged(KernelRelease k, string marker) => k.Text.Contains(marker, StringComparison.Ordinal);

    /// <summary>
    /// Kernel families by the kernel's own version, never by a distribution tag alone: ".el7" is on Red Hat's
    /// 3.10.0 and on ELRepo's 5.4/6.5 builds alike. First match wins; the last row takes any other release.
    /// Sources are in docs/kmem-facts.md, section "Kernel families".
    /// </summary>
    public static readonly IReadOnlyList<KernelFamilyRule> Families =
    [
        new("RHEL/CentOS 7 (3.10)", k => k.IsEl7, KernelBase.Rhel7, "runbook section 2; L2, L5, C2, I7"),
        new("ELRepo kernel-lt/kernel-ml for el7", k => Tagged(k, ".elrepo"), KernelBase.Upstream,
            "ELRepo builds upstream long-term (kernel-lt) and mainline (kernel-ml) kernels for el7; "
                + "kubernetes#120837 (6.5.4-1.el7.elrepo)"),
        new(
            "el7 build",
            k => k.DistroTag == "el7",
            KernelBase.Upstream,
            "an el7-tagged release of another upstream version: that version's rules"),
        new(
            "TencentOS 3.10 with backports",
            k => Tagged(k, "tlinux") && k.Major == 3 && k.Minor == 10,
            KernelBase.Upstream310WithBackports,
            "TencentOS Server 2 kernel 3.10.107-*-tlinux2: upstream 3.10.107 and Tencent's backports, not published"),
        new(
            "TencentOS",
            k => Tagged(k, "tlinux"),
            KernelBase.Upstream,
            "TencentOS 4.14/5.4 kernels (tlinux3/tlinux4): upstream rules"),
        new(
            "RHEL 8 family",
            k => k.DistroTag == "el8" || (Tagged(k, ".an8") && k.Major == 4),
            KernelBase.Upstream,
            "4.18.0-*.el8 (and Anolis RHCK .an8): upstream 4.18"),
        new("RHEL 9 family", k => k.DistroTag is "el9" or "el10", KernelBase.Upstream, "5.14.0-*.el9: upstream 5.14"),
        new(
            "Alibaba Cloud Linux",
            k => Tagged(k, ".al7") || Tagged(k, ".al8") || Tagged(k, ".alnx"),
            KernelBase.Upstream,
            "4.19.*.al7 (Alibaba Cloud Linux 2), 5.10.*.al8 (3): upstream rules, plus the zombie memcg reaper (M4)"),
        new(
            "Anolis ANCK",
            k => Tagged(k, ".an7") || Tagged(k, ".an8") || Tagged(k, ".an23"),
            KernelBase.Upstream,
            "4.19/5.10.*.an8: upstream rules"),
        new(
            "Amazon Linux",
            k => Tagged(k, ".amzn2"),
            KernelBase.Upstream,
            "4.14.*/5.10.*-amzn2, 6.1.*.amzn2023: upstream rules"),
        new(
            "openEuler",
            k => Tagged(k, ".oe1") || Tagged(k, ".oe2"),
            KernelBase.Upstream,
            "4.19.90-*.oe1, 5.10.0-*.oe2203, 6.6.0-*.oe2403: upstream rules"),
        new(
            "Kylin",
            k => Tagged(k, ".ky10"),
            KernelBase.Upstream,
            "4.19.90-*.ky10 (Kylin Server V10, openEuler-based): upstream 4.19"),
        new("upstream", _ => true, KernelBase.Upstream, "the upstream version's rules"),
    ];

    public static KernelFamilyRule FamilyOf(KernelRelease k) => Families.First(f => f.Matches(k));

    public static KernelTraits Of(KernelRelease k)
    {
        KernelFamilyRule family = FamilyOf(k);
        if (family.Base == KernelBase.Rhel7)
        {
            return new KernelTraits
            {
                Family = family.Name,
                CountsDying = false,            // C2: zombie memcgs are not counted on 3.10
                ReleasesIdAtOffline = false,    // I5 is upstream 4.7; the runbook shows el7 losing slots
                LeaksIdsViaKmem = true,         // L1, L2, runbook section 3
                HonoursNokmem = k.BuildAtLeast(El7NokmemBuild), // L5 (unverified row; the runbook's threshold)
                KmemDefaultOn = false,          // L2: only after a limit write
                DyingPinnedBySaid = new Message("pinned.el7"),
                DropCachesValue = null,         // M1: kmem-pinned zombies on 3.10 typically need a reboot
            };
        }

        string name = family.Name == "upstream"
            ? $"upstream {k.Major}.{k.Minor}"
            : $"upstream {k.Major}.{k.Minor} ({family.Name})";
        KernelTraits upstream = Upstream(k, name);
        if (family.Base == KernelBase.Upstream310WithBackports)
        {
            // Upstream 3.10: kmem accounting (L1) without the 4.7 ID release (I5) or nokmem (4.5, L3); the cgroup core
            // counts live cgroups only (C2). Which later fixes the vendor backported is not published.
            return upstream with
            {
                CountsDying = false,
                ReleasesIdAtOffline = null,
                LeaksIdsViaKmem = null,
                HonoursNokmem = false,
                NokmemKnown = false,
                DropCachesValue = null,
                Unknown = new Message("kernel.unknown.upstream-3.10", k.Text),
            };
        }

        return upstream;
    }

    private static KernelTraits Upstream(KernelRelease k, string family)
    {
        bool releasesAtOffline = k.AtLeast(4, 7);          // I5
        bool? leaks = k.AtLeast(4, 7) ? false              // I5
                                                           // L1; I5 backported to some 4.4.y/4.6.y
            : k.AtLeast(3, 8) ? (k.Major == 4 && k.Minor is 4 or 6 ? null : true)
            : false;                                        // L1: no per-cgroup kmem accounting before 3.8
        return new KernelTraits
        {
            Family = family,
            // C1 (3.19+), C2 (3.10)
            CountsDying = k.AtLeast(3, 19) ? true : k.Major == 3 && k.Minor == 10 ? false : null,
            ReleasesIdAtOffline = k.Major == 4 && k.Minor is 4 or 6 ? null : releasesAtOffline,
            LeaksIdsViaKmem = leaks,
            HonoursNokmem = k.AtLeast(4, 5),               // L3
            KmemDefaultOn = k.AtLeast(4, 6),               // L4
            DyingPinnedBySaid = new Message(k.AtLeast(7, 1)
                ? "pinned.7.1"
                : k.AtLeast(5, 9) ? "pinned.5.9" : k.AtLeast(5, 3) ? "pinned.5.3" : "pinned.upstream"),
            DropCachesValue = k.AtLeast(5, 9) ? 1 : 3,    // M1: 1 page cache; 3 page cache and slab
            KmemLimitWriteSaid = KmemLimitWrite(k),
            KmemLimitFileGone = KmemLimitGone(k),
            Unknown = k.Major == 4 && k.Minor is 4 or 6
                ? new Message("kernel.unknown.4.4-4.6")
                : null,
        };
    }

    /// <summary>
    /// L13: "memcg: drop kmem.limit_in_bytes" reached stable 6.1.54 and 6.5.4 (kubernetes#120813, #120837); L14
    /// restored
    /// the file as a no-op in 6.1.55 and the next 6.5.y (6.5.5, released with 6.1.55; M) and in mainline 6.6.
    /// </summary>
    private static bool KmemLimitGone(KernelRelease k) =>
        (k.Major, k.Minor, k.Patch) is (6, 1, 54) or (6, 5, 4);

    private static Message? KmemLimitWrite(KernelRelease k)
    {
        if (KmemLimitGone(k))
        {
            return new Message("kmem-limit.removed");
        }

        if (k.AtLeast(6, 6) || (k.Major == 6 && k.Minor == 1 && k.Patch >= 55)
            || (k.Major == 6 && k.Minor == 5 && k.Patch >= 5))
        {
            return new Message("kmem-limit.no-op");
        }

        return k.AtLeast(5, 16) ? new Message("kmem-limit.eopnotsupp") : null;
    }
}
