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

    /// <summary>The kernel honours cgroup.memory=nokmem (L3: upstream 4.5; el7 from 3.10.0-1062.4.1 per the runbook, L5).</summary>
    public bool HonoursNokmem { get; init; }

    /// <summary>kmem is accounted for every v1 cgroup without a limit write (L4: 4.6).</summary>
    public bool KmemDefaultOn { get; init; }

    /// <summary>The error mkdir gives at the ID wall (I4, I6, I7).</summary>
    public required string WallErrors { get; init; }

    /// <summary>What keeps a removed memcg alive on this family (L6, L7, L9, L10), for people.</summary>
    public required string DyingPinnedBy { get; init; }

    /// <summary>The drop_caches value that releases what pins them (M1), or null where nothing short of a reboot does.</summary>
    public int? DropCachesValue { get; init; }

    /// <summary>A note on memory.kmem.limit_in_bytes writes (L12-L14), where the family has one.</summary>
    public string? KmemLimitWriteNote { get; init; }
}

/// <summary>The kernel rules, as one table read top to bottom.</summary>
public static class KernelKnowledge
{
    /// <summary>The first el7 build the runbook says honours cgroup.memory=nokmem (L5: user reports; 1062.x to 1075).</summary>
    public static readonly int[] El7NokmemBuild = [1062, 4, 1];

    public static KernelTraits Of(KernelRelease k)
    {
        if (k.IsEl7 || (k.Major == 3 && k.Minor == 10 && k.DistroTag is not null && k.DistroTag.StartsWith("el", StringComparison.Ordinal)))
        {
            return new KernelTraits
            {
                Family = "RHEL/CentOS 7 (3.10)",
                CountsDying = false,            // C2: zombie memcgs are not counted on 3.10
                ReleasesIdAtOffline = false,    // I5 is upstream 4.7; the runbook shows el7 losing slots
                LeaksIdsViaKmem = true,         // L1, L2, runbook section 3
                HonoursNokmem = k.BuildAtLeast(El7NokmemBuild), // L5 (unverified row; the runbook's threshold)
                KmemDefaultOn = false,          // L2: only after a limit write
                WallErrors = "ENOMEM (cannot allocate memory) or ENOSPC (no space left on device)", // I7
                DyingPinnedBy = "kernel memory (slab) charged while kmem accounting was active, and page cache",
                DropCachesValue = null,         // M1: kmem-pinned zombies on 3.10 typically need a reboot
            };
        }

        string family = $"upstream {k.Major}.{k.Minor}";
        bool releasesAtOffline = k.AtLeast(4, 7);          // I5
        bool? leaks = k.AtLeast(4, 7) ? false              // I5
            : k.AtLeast(3, 8) ? (k.Major == 4 && k.Minor is 4 or 6 ? null : true) // L1; I5 backported to some 4.4.y/4.6.y
            : false;                                        // L1: no per-cgroup kmem accounting before 3.8
        return new KernelTraits
        {
            Family = family,
            CountsDying = k.AtLeast(3, 19) ? true : null,  // C1 (switch-over version unverified below 3.19)
            ReleasesIdAtOffline = k.Major == 4 && k.Minor is 4 or 6 ? null : releasesAtOffline,
            LeaksIdsViaKmem = leaks,
            HonoursNokmem = k.AtLeast(4, 5),               // L3
            KmemDefaultOn = k.AtLeast(4, 6),               // L4
            WallErrors = k.AtLeast(5, 7) ? "ENOSPC (no space left on device)"        // I6
                : k.AtLeast(4, 7) ? "ENOMEM (cannot allocate memory)"                // I6
                : "ENOSPC (no space left on device)",                                // I4
            DyingPinnedBy = k.AtLeast(7, 1) ? "little: page cache is reparented at offline (L10)"
                : k.AtLeast(5, 9) ? "page cache and anonymous pages charged to them, and swap-out records (L7, L9)"
                : k.AtLeast(5, 3) ? "page cache, and kmem caches emptied but not freed (L6, L9)"
                : "slab objects and page cache charged to them (L6, L9)",
            DropCachesValue = k.AtLeast(5, 9) ? 1 : 3,    // M1: 1 page cache; 3 page cache and slab
            KmemLimitWriteNote = KmemLimitWrite(k),
        };
    }

    private static string? KmemLimitWrite(KernelRelease k)
    {
        const string NoOp = "writes to memory.kmem.limit_in_bytes succeed and do nothing (L14)";
        if (k.AtLeast(6, 6) || (k.Major == 6 && k.Minor == 1 && k.Patch >= 55))
        {
            return NoOp;
        }

        if (k.Major == 6 && k.Minor == 1 && k.Patch == 54)
        {
            return "memory.kmem.limit_in_bytes is removed (L13): runc rc93 and older fail to start containers here";
        }

        return k.AtLeast(5, 16)
            ? "writes to memory.kmem.limit_in_bytes fail with EOPNOTSUPP (L12): runc rc93 and older, and kubelet 1.21.1 and older, fail here (K10)"
            : null;
    }
}
