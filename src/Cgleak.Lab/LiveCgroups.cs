using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Kernel;
using Cgleak.Host.Parsing;

namespace Cgleak.Lab;

/// <summary>The live host's cgroup mounts, as the experiments need them.</summary>
public sealed record LiveCgroups(string MemoryMount, MemoryHierarchy Memory, IReadOnlyList<string> AllMounts)
{
    /// <summary>
    /// Reads /proc/self/mountinfo; fails with one line when there is no memory controller to experiment on.
    /// </summary>
    public static LiveCgroups Read()
    {
        KernelRead mountinfo = KernelFile.Read("/proc/self/mountinfo");
        if (!mountinfo.IsOk)
        {
            throw new LabException(Messages.Get("lab.mountinfo", mountinfo.ErrorText));
        }

        IReadOnlyList<MountInfoEntry> mounts = MountInfo.Parse(mountinfo.Text).Value;
        CgroupLayout layout = CgroupLayout.From(
            mounts,
            p => HostRoot.Live.Read(p.TrimEnd('/') + "/cgroup.controllers") is { IsOk: true } r ? r.Text : null);
        if (layout.MemoryMountPoint is not { } memory || !layout.MemoryMountShowsWholeHierarchy)
        {
            throw new LabException(Messages.Get("lab.no-memory-mount"));
        }

        var all = mounts.Where(m => m.FsType is "cgroup" or "cgroup2" && m.Root == "/").Select(m => m.MountPoint)
            .Distinct()
            .ToList();
        return new LiveCgroups(memory, layout.Memory, all);
    }

    /// <summary>The kernel's memory cgroup count now (/proc/cgroups, memory row); null when unreadable.</summary>
    public static long? KernelCount() => KernelFile.Read("/proc/cgroups") is { IsOk: true } r
        ? ProcCgroups.Parse(r.Text).Value.FirstOrDefault(x => x.SubsysName == "memory")?.NumCgroups
        : null;
}
