namespace Cgleak.Host.Cgroups;

/// <summary>The kernel's memory-cgroup ID space, one per machine, shared by every memcg live or dying.</summary>
public static class MemcgIdSpace
{
    /// <summary>MEM_CGROUP_ID_MAX = 65535, v1 and v2 alike, the root included (I1, I3).</summary>
    public const long Limit = 65535;
}
