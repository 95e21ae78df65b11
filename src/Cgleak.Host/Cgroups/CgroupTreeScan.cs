namespace Cgleak.Host.Cgroups;

/// <summary>What one walk of the memory hierarchy found.</summary>
/// <param name="Directories">cgroup directories, the mount's root included.</param>
/// <param name="MemoryEnabled">on v2, directories whose memory controller is enabled (memory.current present), root included; on v1 every directory.</param>
/// <param name="Containers">container cgroups (kubepods*, docker, *containerd*, crio-* subtrees) with their kmem state; v1 only.</param>
/// <param name="Unreadable">directories that could not be listed (not vanished ones).</param>
public sealed record CgroupTreeScan(int Directories, int MemoryEnabled, IReadOnlyList<ContainerCgroupKmem> Containers, IReadOnlyList<string> Unreadable);
