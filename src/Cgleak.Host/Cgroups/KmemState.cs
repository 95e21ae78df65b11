namespace Cgleak.Host.Cgroups;

/// <summary>Kernel-memory accounting of one memory cgroup, as its v1 files show it.</summary>
public enum KmemState
{
    /// <summary>
    /// memory.kmem.slabinfo lists caches, or kernel memory is charged (memory.kmem.usage_in_bytes &gt; 0).
    /// </summary>
    Active,

    /// <summary>Readable files, nothing charged and no slab caches listed.</summary>
    Inactive,

    /// <summary>memory.kmem.slabinfo fails with EIO: accounting is off (the runbook's check).</summary>
    Off,

    /// <summary>The files could not be read.</summary>
    Unknown,
}

/// <summary>One container cgroup's kmem state with the evidence that decided it.</summary>
public sealed record ContainerCgroupKmem(string HostPath, KmemState State, HostMessage Said)
{
    /// <summary>The evidence in English (JSON): "memory.kmem.slabinfo readable".</summary>
    public string Evidence => Said.English;
}
