using System.Globalization;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Reads the kmem state of v1 memory cgroup directories with as few reads as decide it:
/// memory.kmem.slabinfo first (EIO = off, the runbook's check; a listing = active, kmem-facts C6),
/// then memory.kmem.usage_in_bytes where slabinfo reads empty. One probe serves one walk.
/// </summary>
public sealed class KmemProbe(HostRoot host)
{
    // Set once slabinfo reads empty: on 5.9+ kernels it is empty for every cgroup (C6, O6), so later
    // cgroups of the same walk skip it and read only usage_in_bytes: one read per cgroup, not two.
    private volatile bool _slabinfoAlwaysEmpty;

    private static readonly byte[] SlabInfo = "memory.kmem.slabinfo"u8.ToArray();
    private static readonly byte[] UsageInBytes = "memory.kmem.usage_in_bytes"u8.ToArray();

    /// <summary>The kmem state of the cgroup directory at a local path.</summary>
    public KmemState Read(string directory, out string evidence) =>
        Decide(() => host.ReadLocal(directory + "/memory.kmem.slabinfo"), () => host.ReadLocal(directory + "/memory.kmem.usage_in_bytes"), out evidence);

    /// <summary>The kmem state of the cgroup directory open as <paramref name="directoryFd"/> (the walk's).</summary>
    internal KmemState ReadAt(int directoryFd, out string evidence) =>
        Decide(() => host.ReadAt(directoryFd, SlabInfo), () => host.ReadAt(directoryFd, UsageInBytes), out evidence);

    private KmemState Decide(Func<KernelRead> readSlabinfo, Func<KernelRead> readUsage, out string evidence)
    {
        string? slabError = null;
        bool slabGone = false;
        if (!_slabinfoAlwaysEmpty)
        {
            KernelRead slab = readSlabinfo();
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

            _slabinfoAlwaysEmpty |= slab.IsOk;
            slabGone = slab.Outcome == ReadOutcome.Gone;
            slabError = slab.IsOk ? null : slab.ErrorText;
        }

        KernelRead usage = readUsage();
        if (usage.IsOk && long.TryParse(usage.Text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
        {
            evidence = $"memory.kmem.usage_in_bytes={bytes}";
            return bytes > 0 ? KmemState.Active : KmemState.Inactive;
        }

        if (slabGone && usage.Outcome == ReadOutcome.Gone)
        {
            evidence = "no memory.kmem files (the cgroup went away, or the kernel has no kmem accounting files)";
            return KmemState.Unknown;
        }

        evidence = slabError is null || usage.Outcome == ReadOutcome.NotReadable
            ? $"memory.kmem.usage_in_bytes: {(usage.IsOk ? "not a number" : usage.ErrorText)}"
            : $"memory.kmem.slabinfo: {slabError}";
        return KmemState.Unknown;
    }
}
