using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

/// <summary>
/// Where a writing command makes and removes cgroups: the kernel's (<see cref="Live"/>: mkdir and rmdir, the mounts
/// /proc/self/mountinfo lists), or in a test a stand-in file system and mounts under the test's own parent.
/// </summary>
/// <param name="Mounts">Read when the command needs them, so a host without a memory controller fails there
/// (69).</param>
public sealed record CgroupAccess(ICgroupFs Fs, Func<LiveCgroups> Mounts)
{
    public static CgroupAccess Live { get; } = new(LinuxCgroupFs.Instance, LabOptions.Cgroups);
}
