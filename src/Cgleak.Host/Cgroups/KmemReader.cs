using System.Globalization;
using System.Runtime.InteropServices;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Cgroups;

/// <summary>
/// Reads the kmem state of v1 memory cgroup directories with as few reads as decide it:
/// memory.kmem.slabinfo first (EIO = off, the runbook's check; a listing = active, kmem-facts C6),
/// then memory.kmem.usage_in_bytes where slabinfo reads empty. One probe serves one walk.
/// </summary>
public sealed class KmemReader(HostRoot host)
{
    // Set once slabinfo reads empty: on 5.9+ kernels it is empty for every cgroup (C6, O6), so later
    // cgroups of the same walk skip it and read only usage_in_bytes: one read per cgroup, not two.
    private volatile bool _slabinfoAlwaysEmpty;

    private static readonly byte[] SlabInfo = "memory.kmem.slabinfo"u8.ToArray();
    private static readonly byte[] UsageInBytes = "memory.kmem.usage_in_bytes"u8.ToArray();

    /// <summary>The kmem state of the cgroup directory at a local path.</summary>
    public KmemState Read(string directory, out HostMessage evidence) =>
        Decide(
            () => host.ReadLocal(directory + "/memory.kmem.slabinfo"),
            () => host.ReadLocal(directory + "/memory.kmem.usage_in_bytes"),
            out evidence);

    /// <summary>The kmem state of the cgroup directory open as <paramref name="directoryFd"/> (the walk's).</summary>
    /// <param name="onCgroupfs">
    /// The directory is on the live host's cgroupfs (its filesystem type checked), where every name is a directory or a
    /// regular kernfs file: no FIFO, device or link can be there, so each file is opened (O_NOFOLLOW, O_NONBLOCK) and
    /// read once, without the probe and the fstat that a host tree's files need; a value shorter than the buffer is
    /// whole after one read (seq_file fills the reader's buffer). The uncommon outcomes take the general path.
    /// </param>
    internal KmemState ReadAt(int directoryFd, bool onCgroupfs, out HostMessage evidence)
    {
        // Two statements, not `onCgroupfs && ReadOnCgroupfs(..., out evidence) is { } state`: evidence is then
        // assigned whatever a mutation testing tool makes of the condition, and the method is measured.
        if (onCgroupfs)
        {
            KmemState? common = ReadOnCgroupfs(directoryFd, out evidence);
            if (common.HasValue)
            {
                return common.Value;
            }
        }

        return Decide(
            () => host.ReadAt(directoryFd, SlabInfo), () => host.ReadAt(directoryFd, UsageInBytes), out evidence);
    }

    private const int ValueBytes = 256;
    private static readonly HostMessage UsageZero = Usage(0);
    private static readonly HostMessage SlabinfoEio =
        HostMessage.Say("evidence.kmem.eio", "memory.kmem.slabinfo: Input/output error");
    private static readonly HostMessage SlabinfoReadable =
        HostMessage.Say("evidence.kmem.slabinfo", "memory.kmem.slabinfo readable");

    private static HostMessage Usage(long bytes) =>
        HostMessage.Say("evidence.kmem.usage", $"memory.kmem.usage_in_bytes={bytes}", bytes);

    /// <summary>The common outcomes, one open and one read a file (no allocation when inactive), else null.</summary>
    private unsafe KmemState? ReadOnCgroupfs(int directoryFd, out HostMessage evidence)
    {
        byte* buffer = stackalloc byte[ValueBytes];
        evidence = UsageZero;
        if (!_slabinfoAlwaysEmpty)
        {
            int n = ReadOnce(directoryFd, SlabInfo, buffer, out int errno);
            if (n < 0 && errno == Errno.EIO)
            {
                evidence = SlabinfoEio;
                return KmemState.Off;
            }

            if (n > 0)
            {
                evidence = SlabinfoReadable;
                return KmemState.Active;
            }

            if (n == 0)
            {
                _slabinfoAlwaysEmpty = true;
            }
            else if (errno is not (Errno.ENOENT or Errno.ENODEV or Errno.ENOTDIR))
            {
                return null; // not readable for another reason: the general path names it
            }
        }

        int length = ReadOnce(directoryFd, UsageInBytes, buffer, out _);
        if (length < 0 || length == ValueBytes
            || !long.TryParse(
                new ReadOnlySpan<byte>(buffer, length).Trim(" \t\r\n"u8), NumberStyles.None,
                CultureInfo.InvariantCulture, out long bytes))
        {
            return null;
        }

        evidence = bytes == 0 ? UsageZero : Usage(bytes);
        return bytes > 0 ? KmemState.Active : KmemState.Inactive;
    }

    /// <summary>One open and one read of <paramref name="name"/> in the directory: the bytes read, or -1.</summary>
    private static unsafe int ReadOnce(int directoryFd, byte[] name, byte* buffer, out int errno)
    {
        const int flags = LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC;
        int fd = ConfinedPath.OpenAt(directoryFd, name, flags | LibC.O_NOFOLLOW);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }

        nint n;
        do
        {
            n = LibC.Read(fd, buffer, ValueBytes);
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        while (n < 0 && errno == Errno.EINTR);

        _ = LibC.Close(fd);
        return (int)n;
    }

    private KmemState Decide(Func<KernelRead> readSlabinfo, Func<KernelRead> readUsage, out HostMessage evidence)
    {
        string? slabError = null;
        bool slabGone = false;
        if (!_slabinfoAlwaysEmpty)
        {
            KernelRead slab = readSlabinfo();
            if (slab.Outcome == ReadOutcome.NotReadable && slab.Errno == Errno.EIO)
            {
                evidence = SlabinfoEio;
                return KmemState.Off;
            }

            if (slab.IsOk && slab.Text.Length > 0)
            {
                evidence = SlabinfoReadable;
                return KmemState.Active;
            }

            _slabinfoAlwaysEmpty |= slab.IsOk;
            slabGone = slab.Outcome == ReadOutcome.Gone;
            slabError = slab.IsOk ? null : slab.ErrorText;
        }

        KernelRead usage = readUsage();
        if (usage.IsOk && long.TryParse(
            usage.Text.AsSpan().Trim(),
            NumberStyles.None,
            CultureInfo.InvariantCulture,
            out long bytes))
        {
            evidence = bytes == 0 ? UsageZero : Usage(bytes);
            return bytes > 0 ? KmemState.Active : KmemState.Inactive;
        }

        if (slabGone && usage.Outcome == ReadOutcome.Gone)
        {
            evidence = HostMessage.Say("evidence.kmem.no-files",
                "no memory.kmem files (the cgroup went away, or the kernel has no kmem accounting files)");
            return KmemState.Unknown;
        }

        evidence = slabError is not null && usage.Outcome != ReadOutcome.NotReadable
            ? HostMessage.Say("evidence.kmem.slabinfo-error", $"memory.kmem.slabinfo: {slabError}", slabError)
            : usage.IsOk
            ? HostMessage.Say("evidence.kmem.usage-nan", "memory.kmem.usage_in_bytes: not a number")
            : HostMessage.Say(
                "evidence.kmem.usage-error",
                $"memory.kmem.usage_in_bytes: {usage.ErrorText}",
                usage.ErrorSaid);
        return KmemState.Unknown;
    }
}
