using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Facts;

/// <summary>A value with the host file (or command) it was read from, for evidence.</summary>
public sealed record Sourced<T>(T Value, string Source);

/// <summary>A problem met while reading the host: the file, and what was wrong with it.</summary>
public sealed record HostProblem(string Path, HostMessage Said)
{
    /// <summary>What was wrong, in English (JSON, logs).</summary>
    public string Message => Said.English;

    public override string ToString() => $"{Path}: {Message}";

    public static HostProblem At(string path, string key, string english, params object?[] args) =>
        new(path, HostMessage.Say(key, english, args));
}

/// <summary>The distribution, from /etc/os-release and /etc/centos-release (or redhat-release).</summary>
public sealed record Distribution(string? Id, string? VersionId, string? PrettyName, string? ReleaseFile)
{
    public string Display => ReleaseFile ?? PrettyName ?? Id ?? "unknown";

    /// <summary>
    /// os-release ID_LIKE: the distributions this one derives from, closest first ("rhel fedora centos").
    /// </summary>
    public string? IdLike { get; init; }
}

/// <summary>The memory row of /proc/cgroups.</summary>
public sealed record MemoryControllerRow(int Hierarchy, long NumCgroups, bool Enabled);

/// <summary>Everything cgleak read from one host. Absent means the host did not say; never a made-up 0.</summary>
public sealed record HostFacts
{
    public required string RootDirectory { get; init; }

    public required bool IsLive { get; init; }

    public Sourced<KernelRelease>? Kernel { get; init; }

    public Distribution? Distribution { get; init; }

    public Sourced<KernelCmdline>? Cmdline { get; init; }

    public CgroupLayout Layout { get; init; } = CgroupLayout.None;

    /// <summary>Where the layout was read ("/proc/1/mountinfo").</summary>
    public string? LayoutSource { get; init; }

    public Sourced<MemoryControllerRow>? MemoryRow { get; init; }

    public CgroupTreeScan? Tree { get; init; }

    /// <summary>cgroup v2: the root's cgroup.stat (nr_dying_descendants, nr_dying_subsys_memory).</summary>
    public Sourced<IReadOnlyDictionary<string, long>>? RootCgroupStat { get; init; }

    /// <summary>
    /// True when /proc/swaps lists a swap area: swap-out records keep dying memcgs' IDs (kmem-facts I5).
    /// </summary>
    public Sourced<bool>? SwapActive { get; init; }

    /// <summary>True when Alibaba Cloud Linux's zombie-memcg reaper is present (kmem-facts M4).</summary>
    public bool MemcgReaperPresent { get; init; }

    public IReadOnlyList<ComponentFact> Components { get; init; } = [];

    public KubeletCgroupDriver? KubeletDriver { get; init; }

    public SymptomScan? Logs { get; init; }

    public IReadOnlyList<HostProblem> Problems { get; init; } = [];

    public ComponentFact? Component(string name) => Components.FirstOrDefault(c => c.Name == name);
}
