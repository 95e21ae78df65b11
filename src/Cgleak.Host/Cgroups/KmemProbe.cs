using System.Globalization;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Reads the kmem state of one v1 memory cgroup directory with as few reads as decide it:
/// memory.kmem.slabinfo first (EIO = off, the runbook's check; a listing = active, kmem-facts C6),
/// then memory.kmem.usage_in_bytes where slabinfo reads empty (5.9+ kernels, observation O6).
/// </summary>
public static class KmemProbe
{
    public static KmemState Read(HostRoot host, string directory, out string evidence)
    {
        KernelRead slab = host.ReadLocal(directory + "/memory.kmem.slabinfo");
        if (slab.Outcome == ReadOutcome.NotReadable && slab.Errno == Errno.EIO)
        {
            evidence = "memory.kmem.slabinfo: Input/output error";
            return KmemState.Off;
        }

        if (slab.IsOk && slab.Text.Length > 0)
        {
            evidence = "memory.kmem.slabinfo readable";
            return KmemState.Active;
        }

        KernelRead usage = host.ReadLocal(directory + "/memory.kmem.usage_in_bytes");
        if (usage.IsOk && long.TryParse(usage.Text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
        {
            evidence = $"memory.kmem.usage_in_bytes={bytes}";
            return bytes > 0 ? KmemState.Active : KmemState.Inactive;
        }

        if (slab.Outcome == ReadOutcome.Gone && usage.Outcome == ReadOutcome.Gone)
        {
            evidence = "no memory.kmem files (the cgroup went away, or the kernel has no kmem accounting files)";
            return KmemState.Unknown;
        }

        evidence = slab.IsOk ? $"memory.kmem.usage_in_bytes: {usage.ErrorText}" : $"memory.kmem.slabinfo: {slab.ErrorText}";
        return KmemState.Unknown;
    }
}
