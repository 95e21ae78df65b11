using Cgleak.Diagnosis.Checks;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Small host facts for testing one check at a time: a base host (kernel, command line, v1 memory mount,
/// counts) changed with <c>with { ... }</c>, as a host tree would show it, without reading one.
/// </summary>
internal static class SmallHost
{
    public const string El7Old = "3.10.0-957.27.2.el7.x86_64";    // ignores nokmem (L5)
    public const string El7Fixed = "3.10.0-1062.4.1.el7.x86_64";  // the first that honours it (L5)
    public const string Ubuntu54 = "5.4.0-150-generic";           // releases IDs at offline (I5)

    public static readonly CgroupLayout V1 = new(CgroupMode.V1, MemoryHierarchy.V1, "/sys/fs/cgroup/memory", "/");
    public static readonly CgroupLayout V2 = new(CgroupMode.V2, MemoryHierarchy.V2, "/sys/fs/cgroup", "/");

    /// <summary>
    /// A v1 host running <paramref name="release"/> with <paramref name="cmdline"/>, 10 live memory cgroups, no swap.
    /// </summary>
    public static HostFacts Running(string release, string cmdline = "ro quiet") => new()
    {
        RootDirectory = "/small-host",
        IsLive = false,
        Kernel = new(KernelRelease.Parse(release)!, "/proc/sys/kernel/osrelease"),
        Cmdline = new(KernelCmdline.Parse(cmdline), "/proc/cmdline"),
        Layout = V1,
        LayoutSource = "/proc/1/mountinfo",
        MemoryRow = Row(10),
        Tree = Tree(10),
        SwapActive = new(false, "/proc/swaps"),
    };

    public static Sourced<MemoryControllerRow> Row(long numCgroups) =>
        new(new MemoryControllerRow(4, numCgroups, true), "/proc/cgroups");

    public static CgroupTreeScan Tree(int directories, params ContainerCgroupKmem[] containers) =>
        new(directories, directories, containers, []);

    /// <summary>Container cgroups in the given kmem states, named pod0, pod1, ...</summary>
    public static ContainerCgroupKmem[] Containers(params KmemState[] states) =>
        states.Select((s, i) => new ContainerCgroupKmem($"/sys/fs/cgroup/memory/kubepods/pod{i}", s,
            HostMessage.Say("text.verbatim", $"evidence {i}", $"evidence {i}"))).ToArray();

    /// <summary>
    /// On a kernel that counts dying memcgs (3.19+, C1): <paramref name="live"/> directories and
    /// <paramref name="dying"/> more in /proc/cgroups.
    /// </summary>
    public static HostFacts WithCounts(this HostFacts facts, int live, long dying) =>
        facts with { Tree = Tree(live), MemoryRow = Row(live + dying) };

    public static HostFacts With(this HostFacts facts, params ComponentFact[] components) =>
        facts with { Components = components };

    public static ComponentFact Runc(string? version, RuncBuild build = RuncBuild.Unknown,
        string? binary = "/usr/bin/runc") =>
        new("runc", version,
            Source(version is null ? "binary found, version not readable without running it" : "runc --version"),
            binary, build);

    public static ComponentFact Containerd(string? version, string? binary = "/usr/bin/containerd") =>
        new("containerd", version, Source("/var/log/yum.log (containerd.io)"), binary);

    public static ComponentFact Kubelet(string? version, string? binary = "/usr/bin/kubelet") =>
        new("kubelet", version, Source("/var/log/yum.log (kubelet)"), binary);

    /// <summary>
    /// A component's source as the survey says it, from its English: "FILE (PACKAGE)", "BINARY --version",
    /// "not found", or "binary found, version not readable without running it".
    /// </summary>
    public static HostMessage Source(string english)
    {
        int open = english.LastIndexOf(" (", StringComparison.Ordinal);
        return english switch
        {
            "not found" => HostMessage.Say("source.not-found", english),
            "binary found, version not readable without running it" => HostMessage.Say("source.binary-only", english),
            _ when open > 0 && english.EndsWith(')') =>
                HostMessage.Say("source.package", english, english[..open], english[(open + 2)..^1]),
            _ when english.EndsWith(" --version", StringComparison.Ordinal) =>
                HostMessage.Say("source.run", english, english[..^" --version".Length]),
            _ => HostMessage.Say("text.verbatim", english, english), // a source no survey says: kept as written
        };
    }

    /// <summary>A host problem as the survey says it: "cannot read: ERROR" or "missing".</summary>
    public static HostProblem Problem(string path, string english) =>
        english.StartsWith("cannot read: ", StringComparison.Ordinal)
            ? HostProblem.At(path, "problem.cannot-read", english, english["cannot read: ".Length..])
            : HostProblem.At(path, "problem." + english, english);

    public static SymptomScan Logs(params SymptomSighting[] sightings) => new(sightings, ["/var/log/messages"], []);

    public static CheckResult Check<T>(HostFacts facts, HeadroomProbe? probe = null)
        where T : ICheck, new() => new T().Run(new CheckInput(facts, probe));

    public static IEnumerable<string> Commands(this CheckResult r) => r.Remediation.SelectMany(x => x.Commands);
}
