namespace Cgleak.Host.Cgroups;

/// <summary>What one walk of the memory hierarchy found.</summary>
/// <param name="Directories">cgroup directories, the mount's root included.</param>
/// <param name="MemoryEnabled">on v2, directories whose memory controller is enabled (memory.current present), root
/// included; on v1 every directory.</param>
/// <param name="Containers">container cgroups (kubepods*, docker, *containerd*, crio-* subtrees) with their kmem state;
/// v1 only.</param>
/// <param name="Unreadable">directories that could not be listed (not vanished ones).</param>
public sealed record CgroupTreeScan(
    int Directories,
    int MemoryEnabled,
    IReadOnlyList<ContainerCgroupKmem> Containers,
    IReadOnlyList<string> Unreadable)
{
    /// <summary>The containers counted by kmem state; kept by <see cref="WithoutContainerList"/>.</summary>
    public KmemCounts Kmem { get; private init; } = KmemCounts.Of(Containers);

    /// <summary>
    /// Cgroup directories whose names are not valid UTF-8: counted like the others, shown with \xNN escapes.
    /// </summary>
    public int NonUtf8Names { get; init; }

    /// <summary>
    /// True when the walk stopped at <see cref="CgroupTreeWalker.MaxDirectories"/>: the counts are lower bounds.
    /// </summary>
    public bool StoppedAtBound { get; init; }

    /// <summary>
    /// The scan without one record per container (its counts stay): what a long-running agent keeps between samples.
    /// </summary>
    public CgroupTreeScan WithoutContainerList() => this with { Containers = [] };
}

/// <summary>Container cgroups by kmem state.</summary>
public sealed record KmemCounts(int Checked, int Active, int Inactive, int Off, int Unknown)
{
    public static KmemCounts Of(IReadOnlyList<ContainerCgroupKmem> containers) => new(
        containers.Count,
        containers.Count(c => c.State == KmemState.Active),
        containers.Count(c => c.State == KmemState.Inactive),
        containers.Count(c => c.State == KmemState.Off),
        containers.Count(c => c.State == KmemState.Unknown));
}
