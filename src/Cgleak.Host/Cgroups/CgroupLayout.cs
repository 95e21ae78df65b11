using Cgleak.Host.Parsing;

namespace Cgleak.Host.Cgroups;

/// <summary>Which cgroup hierarchies the host mounts.</summary>
public enum CgroupMode
{
    /// <summary>No cgroup filesystem is mounted.</summary>
    None,

    /// <summary>Legacy: cgroup v1 controller hierarchies only.</summary>
    V1,

    /// <summary>v1 controllers plus a cgroup2 mount (usually /sys/fs/cgroup/unified).</summary>
    Hybrid,

    /// <summary>Unified: cgroup2 only.</summary>
    V2,
}

/// <summary>Where the memory controller lives.</summary>
public enum MemoryHierarchy
{
    None,
    V1,
    V2,
}

/// <summary>
/// The host's cgroup layout, read from mountinfo: the mode, and the memory controller's mount point
/// (a host path) with the root of the hierarchy that mount shows ("/" unless a container sees a subtree).
/// </summary>
public sealed record CgroupLayout(
    CgroupMode Mode,
    MemoryHierarchy Memory,
    string? MemoryMountPoint,
    string? MemoryMountRoot)
{
    public static CgroupLayout None { get; } = new(CgroupMode.None, MemoryHierarchy.None, null, null);

    /// <summary>True when the mount shows the whole hierarchy, so a walk of it counts every live cgroup.</summary>
    public bool MemoryMountShowsWholeHierarchy => MemoryMountRoot == "/";

    /// <param name="mounts">mountinfo of the host's PID 1.</param>
    /// <param name="unifiedControllers">reads cgroup.controllers of a cgroup2 mount point (host path); null when
    /// unreadable.</param>
    public static CgroupLayout From(IReadOnlyList<MountInfoEntry> mounts, Func<string, string?> unifiedControllers)
    {
        // Prefer the mount that shows the whole hierarchy: bind mounts of subtrees exist in containers.
        MountInfoEntry? memoryV1 = mounts
            .Where(m => m.FsType == "cgroup" && m.SuperOptions.Contains("memory"))
            .OrderBy(m => m.Root == "/" ? 0 : 1)
            .ThenBy(m => m.MountPoint.Length)
            .FirstOrDefault();
        bool anyV1 = mounts.Any(m => m.FsType == "cgroup");
        MountInfoEntry? unified = mounts
            .Where(m => m.FsType == "cgroup2")
            .OrderBy(m => m.Root == "/" ? 0 : 1)
            .ThenBy(m => m.MountPoint.Length)
            .FirstOrDefault();

        CgroupMode mode = (anyV1, unified is not null) switch
        {
            (true, true) => CgroupMode.Hybrid,
            (true, false) => CgroupMode.V1,
            (false, true) => CgroupMode.V2,
            _ => CgroupMode.None,
        };

        if (memoryV1 is not null)
        {
            return new CgroupLayout(mode, MemoryHierarchy.V1, memoryV1.MountPoint, memoryV1.Root);
        }

        if (unified is not null
            && unifiedControllers(unified.MountPoint) is { } controllers
            && controllers.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Contains("memory"))
        {
            return new CgroupLayout(mode, MemoryHierarchy.V2, unified.MountPoint, unified.Root);
        }

        return new CgroupLayout(mode, MemoryHierarchy.None, null, null);
    }
}
