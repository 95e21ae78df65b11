using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Kernel;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Facts;

/// <summary>What a survey reads; each part can be left out (the agent's fast path, tests).</summary>
public sealed record SurveyOptions
{
    /// <summary>
    /// Only what the counts need: no components, no logs, no kmem reads (probe, repro, reclaim measure with it).
    /// </summary>
    public static SurveyOptions CountsOnly { get; } = new() { Components = false, Logs = false, ContainerKmem = false };

    public bool Components { get; init; } = true;

    public bool Logs { get; init; } = true;

    public bool ContainerKmem { get; init; } = true;
}

/// <summary>
/// Reads one host into <see cref="HostFacts"/>. Every file it cannot use becomes one <see cref="HostProblem"/>
/// naming the file; the rest of the survey goes on.
/// </summary>
public sealed class HostSurvey(HostRoot host, SurveyOptions? options = null)
{
    private readonly SurveyOptions _options = options ?? new SurveyOptions();
    private readonly List<HostProblem> _problems = [];

    public HostFacts Read(CancellationToken cancel = default)
    {
        // The slow parts (binaries run or scanned, logs read) go on while the cgroup tree is walked.
        var components = new ComponentSurvey(host);
        Task<IReadOnlyList<ComponentFact>> componentsTask = _options.Components
            ? Task.Run(components.Survey, cancel)
            : Task.FromResult<IReadOnlyList<ComponentFact>>([]);
        Task<SymptomScan?> logsTask = _options.Logs
            ? Task.Run<SymptomScan?>(() => new SymptomScanner(host).Scan(), cancel)
            : Task.FromResult<SymptomScan?>(null);

        Sourced<KernelRelease>? kernel = ReadKernel();
        Sourced<KernelCmdline>? cmdline = ReadText("/proc/cmdline") is { } c
            ? new(KernelCmdline.Parse(c), "/proc/cmdline")
            : null;
        (CgroupLayout layout, string? layoutSource) = ReadLayout();
        Sourced<MemoryControllerRow>? memoryRow = ReadMemoryRow();
        CgroupTreeScan? tree = null;
        if (layout.MemoryMountPoint is { } mount)
        {
            HostEntryType type = host.TypeOf(mount);
            if (type == HostEntryType.Directory)
            {
                tree = new CgroupTreeWalker(host).Walk(
                    mount,
                    _options.ContainerKmem ? layout.Memory : MemoryHierarchy.V2,
                    cancel);
                _problems.AddRange(tree.Unreadable
                    .Select(p => HostProblem.At(p, "problem.cannot-list", "cannot list this cgroup directory")));
                if (tree.NonUtf8Names > 0)
                {
                    _problems.Add(HostProblem.At(
                        mount,
                        "problem.non-utf8",
                        $"{tree.NonUtf8Names} cgroup names are not valid UTF-8: counted, shown with \\xNN escapes",
                        tree.NonUtf8Names));
                }

                if (tree.StoppedAtBound)
                {
                    _problems.Add(HostProblem.At(mount, "problem.walk-bound", $"the walk stopped after "
                        + $"{CgroupTreeWalker.MaxDirectories} directories: the counts are lower bounds",
                        CgroupTreeWalker.MaxDirectories));
                }
            }
            else
            {
                _problems.Add(type == HostEntryType.Missing
                    ? HostProblem.At(
                        mount,
                        "problem.mount-missing",
                        "the memory controller's mount point named in mountinfo is missing")
                    : HostProblem.At(mount, "problem.mount-unreachable", "the memory controller's mount point named "
                        + "in mountinfo cannot be reached (a link loop, or no permission)"));
            }
        }

        Sourced<IReadOnlyDictionary<string, long>>? rootStat = null;
        if (layout.Memory == MemoryHierarchy.V2 && layout.MemoryMountPoint is { } v2)
        {
            string file = v2.TrimEnd('/') + "/cgroup.stat";
            if (ReadText(file) is { } stat)
            {
                rootStat = new(Parse(file, FlatKeyValues.Parse(stat)), file);
            }
        }

        IReadOnlyList<ComponentFact> found = componentsTask.Result;
        KubeletCgroupDriver? driver = _options.Components
            ? components.KubeletDriver(
                found.Any(f => f.Name == "kubelet" && (f.VersionText is not null || f.BinaryPath is not null)))
            : null;
        _problems.AddRange(components.Problems);
        SymptomScan? logs = logsTask.Result;
        if (logs is not null)
        {
            _problems.AddRange(logs.Problems);
        }

        return new HostFacts
        {
            RootDirectory = host.Directory,
            IsLive = host.IsLive,
            Kernel = kernel,
            Distribution = ReadDistribution(),
            Cmdline = cmdline,
            Layout = layout,
            LayoutSource = layoutSource,
            MemoryRow = memoryRow,
            Tree = tree,
            RootCgroupStat = rootStat,
            SwapActive = ReadText("/proc/swaps") is { } swaps
                ? new(swaps.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Any(), "/proc/swaps")
                : null,
            MemcgReaperPresent = host.IsDirectory("/sys/kernel/mm/memcg_reaper"),
            Components = found,
            KubeletDriver = driver,
            Logs = logs,
            Problems = _problems.ToList(),
        };
    }

    private Sourced<KernelRelease>? ReadKernel()
    {
        const string File = "/proc/sys/kernel/osrelease";
        if (ReadText(File) is not { } text)
        {
            return null;
        }

        if (KernelRelease.Parse(text) is { } release)
        {
            return new(release, File);
        }

        _problems.Add(
            HostProblem.At(File, "problem.not-a-release", $"not a kernel release: \"{text.Trim()}\"", text.Trim()));
        return null;
    }

    private Distribution? ReadDistribution()
    {
        IReadOnlyDictionary<string, string>? osRelease = null;
        foreach (string file in (string[])["/etc/os-release", "/usr/lib/os-release"])
        {
            if (ReadText(file, required: false) is { } text)
            {
                osRelease = Parse(file, KeyValueFile.Parse(text));
                break;
            }
        }

        string? releaseFile = null;
        foreach (string file in (string[])["/etc/centos-release", "/etc/redhat-release"])
        {
            if (ReadText(file, required: false) is { } text && text.Trim().Length > 0)
            {
                releaseFile = text.Trim();
                break;
            }
        }

        if (osRelease is null && releaseFile is null)
        {
            _problems.Add(
                HostProblem.At("/etc/os-release", "problem.no-os-release", "missing: the distribution is unknown"));
            return null;
        }

        return new Distribution(osRelease?.GetValueOrDefault("ID"), osRelease?.GetValueOrDefault("VERSION_ID"),
            osRelease?.GetValueOrDefault("PRETTY_NAME"), releaseFile)
        {
            IdLike = osRelease?.GetValueOrDefault("ID_LIKE"),
        };
    }

    private (CgroupLayout, string?) ReadLayout()
    {
        // PID 1's view is the host's; our own may be a container's. Fall back to self.
        foreach (string file in (string[])["/proc/1/mountinfo", "/proc/self/mountinfo"])
        {
            // declared before the test, so mutation testing can change each part of it
            string? text = ReadText(file, required: false);
            if (text is null)
            {
                continue;
            }

            IReadOnlyList<MountInfoEntry> mounts = Parse(file, MountInfo.Parse(text));
            return (CgroupLayout.From(
                mounts,
                mountPoint => ReadText(mountPoint.TrimEnd('/') + "/cgroup.controllers")), file);
        }

        _problems.Add(HostProblem.At(
            "/proc/1/mountinfo",
            "problem.no-mountinfo",
            "missing, and no /proc/self/mountinfo: the cgroup layout is unknown"));
        return (CgroupLayout.None, null);
    }

    private Sourced<MemoryControllerRow>? ReadMemoryRow()
    {
        const string File = "/proc/cgroups";
        if (ReadText(File) is not { } text)
        {
            return null;
        }

        Parsed<IReadOnlyList<ProcCgroupsRow>> parsed = ProcCgroups.Parse(text);
        ProcCgroupsRow? memory = Parse(File, parsed).FirstOrDefault(r => r.SubsysName == "memory");
        if (memory is null)
        {
            // A clean file without a memory row: the kernel has no memory controller (or it is disabled).
            if (parsed.Problems.Count > 0 || parsed.Value.Count == 0)
            {
                _problems.Add(HostProblem.At(
                    File,
                    "problem.no-memory-row",
                    "no usable memory row: the file is truncated or malformed"));
            }

            return null;
        }

        return new(new MemoryControllerRow(memory.Hierarchy, memory.NumCgroups, memory.Enabled), File);
    }

    private T Parse<T>(string file, Parsed<T> parsed)
    {
        _problems.AddRange(parsed.Problems.Select(p =>
            HostProblem.At(file, "problem.malformed", $"malformed {p}", p.LineNumber, p.Said, p.Shown)));
        return parsed.Value;
    }

    /// <summary>
    /// Reads a host file; a missing or unreadable one is a problem unless <paramref name="required"/> is false and it
    /// is missing.
    /// </summary>
    private string? ReadText(string hostPath, bool required = true)
    {
        KernelRead r = host.Read(hostPath);
        switch (r.Outcome)
        {
            case ReadOutcome.Ok:
                return r.Text;
            case ReadOutcome.Gone when !required:
                return null;
            case ReadOutcome.Gone:
                _problems.Add(HostProblem.At(hostPath, "problem.missing", "missing"));
                return null;
            default:
                _problems.Add(
                    HostProblem.At(hostPath, "problem.cannot-read", $"cannot read: {r.ErrorText}", r.ErrorSaid));
                return null;
        }
    }
}
