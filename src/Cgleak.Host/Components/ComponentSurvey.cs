using System.Text.RegularExpressions;
using Cgleak.Host.Facts;
using Cgleak.Host.Kernel;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Components;

/// <summary>
/// Finds runc, containerd, docker and kubelet and their versions. On the live host it runs
/// "BINARY --version"; on a host tree it never executes the host's binaries and reads what packaging left
/// in text: Debian's /var/lib/dpkg/status, dnf's /var/log/dnf.rpm.log (el8+) and /var/log/yum.log (el7), their
/// rotations included. runc binaries are fingerprinted by their
/// strings in both cases (kmem-facts R11), since the version alone cannot tell a nokmem build.
/// </summary>
public sealed partial class ComponentSurvey(HostRoot host)
{
    private static readonly string[] BinaryDirectories =
    [
        "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/libexec/docker",
        "/opt/bin",
    ];

    private static readonly (string Name, string[] Binaries, string[] Packages)[] Components =
    [
        ("runc", ["runc", "docker-runc", "docker-runc-current"], ["runc"]),
        ("containerd", ["containerd", "docker-containerd"], ["containerd.io", "containerd"]),
        ("docker", ["dockerd"], ["docker-ce", "docker.io", "docker-engine", "docker"]),
        ("kubelet", ["kubelet"], ["kubelet", "kubernetes-node"]),
    ];

    private static readonly byte[] NokmemMark = "kernel memory accounting disabled in this runc build"u8.ToArray();
    private static readonly byte[] KmemMark = "kernel memory accounting not supported by this kernel"u8.ToArray();

    /// <summary>Problems met while reading (a file that exists but cannot be read), in the order met.</summary>
    public List<HostProblem> Problems { get; } = [];

    public IReadOnlyList<ComponentFact> Survey()
    {
        IReadOnlyDictionary<string, string> dpkg = ReadPackages("/var/lib/dpkg/status", DpkgStatus.InstalledVersions);
        PackageLog[] logs = [ReadHistory("dnf.rpm.log", DnfRpmLog
            .InstalledVersions), ReadHistory("yum.log", YumLog.InstalledVersions)];
        var tasks = Components.Select(c => Task.Run(() => Find(c.Name, c.Binaries, c.Packages, dpkg, logs))).ToArray();
        Task.WaitAll(tasks);
        return tasks.Select(t => t.Result).ToList();
    }

    /// <summary>
    /// The kubelet's --cgroup-driver flag, else config.yaml's cgroupDriver, else kubelet's default, cgroupfs.
    /// </summary>
    public KubeletCgroupDriver? KubeletDriver(bool kubeletPresent)
    {
        string[] flagFiles =
        [
            "/etc/sysconfig/kubelet", "/etc/default/kubelet", "/var/lib/kubelet/kubeadm-flags.env",
            .. DropIns("/etc/systemd/system/kubelet.service.d"), .. DropIns(
                "/usr/lib/systemd/system/kubelet.service.d"),
            .. DropIns("/lib/systemd/system/kubelet.service.d"),
            "/etc/systemd/system/kubelet.service",
            "/usr/lib/systemd/system/kubelet.service",
            "/lib/systemd/system/kubelet.service",
        ];
        // The config file is the one --config names (binary installs: /etc/kubernetes/kubelet-conf.yml), else
        // kubeadm's.
        string configFile = "/var/lib/kubelet/config.yaml";
        bool configNamed = false;
        foreach (string file in flagFiles)
        {
            KernelRead r = host.Read(file);
            if (!r.IsOk)
            {
                continue;
            }

            string flags = StripComments(r.Text);
            if (DriverFlag().Match(flags) is { Success: true } m)
            {
                string flag = m.Groups[1].Value;
                return new KubeletCgroupDriver(
                    flag,
                    HostMessage.Say("driver.flag", $"{file}: --cgroup-driver={flag}", file, flag));
            }

            if (!configNamed && ConfigFlag().Match(flags) is { Success: true } c)
            {
                (configFile, configNamed) = (c.Groups[1].Value, true);
            }
        }

        KernelRead config = host.Read(configFile);
        if (config.IsOk)
        {
            if (DriverKey().Match(config.Text) is { Success: true } m)
            {
                string key = m.Groups[1].Value;
                return new KubeletCgroupDriver(
                    key,
                    HostMessage.Say("driver.config", $"{configFile}: cgroupDriver: {key}", configFile, key));
            }

            return new KubeletCgroupDriver("cgroupfs",
                HostMessage.Say(
                    "driver.config-default",
                    $"{configFile} sets no cgroupDriver: kubelet's default, cgroupfs",
                    configFile));
        }

        if (configNamed && config.Outcome == ReadOutcome.NotReadable)
        {
            Add(HostProblem.At(configFile, "problem.kubelet-config",
                $"cannot read the kubelet config --config names: {config.ErrorText}", config.ErrorSaid));
        }

        return kubeletPresent
            ? new KubeletCgroupDriver("cgroupfs",
                HostMessage.Say(
                    "driver.default",
                    "no --cgroup-driver flag or config.yaml found: kubelet's default, cgroupfs"))
            : null;
    }

    private string[] DropIns(string directory)
    {
        HostDirectory listed = host.List(directory);
        if (!listed.IsOk && !listed.IsGone)
        {
            Add(HostProblem.At(
                directory,
                "problem.cannot-list-dir",
                $"cannot list: {listed.ErrorText}",
                listed.ErrorSaid));
        }

        return listed.Entries
            .Where(e => !e.IsDirectory && e.Name.EndsWith(".conf", StringComparison.Ordinal))
            .Select(e => directory + "/" + e.Name)
            .ToArray();
    }

    private static string StripComments(string text) =>
        string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

    private ComponentFact Find(string name, string[] binaries, string[] packages,
        IReadOnlyDictionary<string, string> dpkg, PackageLog[] logs)
    {
        string? binary = BinaryDirectories
            .SelectMany(d => binaries.Select(b => d + "/" + b))
            .FirstOrDefault(p => host.TypeOf(p) is HostEntryType.RegularFile or HostEntryType.Other);
        RuncBuild build = name == "runc" && binary is not null ? Fingerprint(binary) : RuncBuild.Unknown;

        if (host.IsLive && binary is not null && RunVersion(binary) is { } printed)
        {
            return new ComponentFact(
                name,
                printed,
                HostMessage.Say("source.run", $"{binary} --version", binary),
                binary,
                build);
        }

        foreach (string package in packages)
        {
            if (dpkg.TryGetValue(package, out string? v))
            {
                return new ComponentFact(name, v, Package("/var/lib/dpkg/status", package), binary, build);
            }

            foreach (PackageLog log in logs)
            {
                if (log.Versions.TryGetValue(package, out v))
                {
                    return new ComponentFact(name, v, Package(log.SourceOf(package), package), binary, build);
                }
            }
        }

        return new ComponentFact(name, null, binary is null
            ? HostMessage.Say("source.not-found", "not found")
            : HostMessage.Say(
                "source.binary-only",
                "binary found, version not readable without running it"), binary, build);
    }

    private static HostMessage Package(string file, string package) =>
        HostMessage.Say("source.package", $"{file} ({package})", file, package);

    /// <summary>Adds a problem: the components are read in parallel.</summary>
    private void Add(HostProblem problem)
    {
        lock (Problems)
        {
            Problems.Add(problem);
        }
    }

    private RuncBuild Fingerprint(string binary)
    {
        object? problem;
        RuncBuild build = RuncBuild.Unknown;
        using (FileStream? stream = host.OpenRead(binary, out KernelRead failure, bufferSize: 1))
        {
            if (stream is null)
            {
                problem = failure.ErrorText;
            }
            else
            {
                try
                {
                    build = Fingerprint(stream);
                    problem = stream.Position >= MaxBinaryBytes
                        ? HostMessage.Say(
                            "problem.binary-large",
                            $"larger than {MaxBinaryBytes >> 20} MiB: searched its start only",
                            MaxBinaryBytes >> 20)
                        : null;
                }
                catch (IOException e)
                {
                    problem = Errno.SaidOf(e);
                }
            }
        }

        if (problem is not null)
        {
            Add(HostProblem.At(
                binary,
                "problem.fingerprint",
                $"cannot read for its build fingerprint: {problem}",
                problem));
        }

        return build;
    }

    /// <summary>How much of a binary is searched for the R11 strings: runc binaries are 10 to 20 MB.</summary>
    internal const long MaxBinaryBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Streams a binary in 64 KiB chunks (overlapping by a marker's length) looking for the R11 strings: no 10 MB array
    /// a sample.
    /// </summary>
    internal static RuncBuild Fingerprint(Stream stream)
    {
        int overlap = Math.Max(NokmemMark.Length, KmemMark.Length) - 1;
        byte[] buffer = new byte[64 * 1024 + overlap]; // not pooled: a pool would keep 128 KiB per thread in the agent
        bool kmem = false;
        int kept = 0;
        long total = 0;
        while (total < MaxBinaryBytes)
        {
            int n = stream.Read(buffer, kept, buffer.Length - kept);
            if (n <= 0)
            {
                break;
            }

            ReadOnlySpan<byte> window = buffer.AsSpan(0, kept + n);
            if (window.IndexOf(NokmemMark) >= 0)
            {
                return RuncBuild.Nokmem;
            }

            total += n;
            kmem |= window.IndexOf(KmemMark) >= 0;
            kept = Math.Min(overlap, window.Length);
            window[^kept..].CopyTo(buffer);
        }

        return kmem ? RuncBuild.Kmem : RuncBuild.Unknown;
    }

    private static string? RunVersion(string binary)
    {
        ChildResult? r = ChildProcess.Run(binary, ["--version"], TimeSpan.FromSeconds(3));
        string text = r is null ? "" : string.Join(
            ' ',
            r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return r is { Succeeded: true } && text.Length > 0 ? text : null;
    }

    private IReadOnlyDictionary<string, string> ReadPackages(
        string file,
        Func<string, IReadOnlyDictionary<string, string>> parse)
    {
        KernelRead r = host.Read(file);
        if (r.Outcome == ReadOutcome.NotReadable)
        {
            Add(HostProblem.At(file, "problem.error", r.ErrorText, r.ErrorSaid));
        }

        return r.IsOk ? parse(r.Text) : new Dictionary<string, string>();
    }

    /// <summary>
    /// A package history log and its rotations: the versions their events leave, and which file said so.
    /// </summary>
    private sealed record PackageLog(
        IReadOnlyDictionary<string, string> Versions,
        IReadOnlyList<(string File, string Text)> Files)
    {
        /// <summary>The newest file that names the package: "/var/log/yum.log-20200101".</summary>
        public string SourceOf(string package)
            => Files.LastOrDefault(f => Mentions(f.Text, package + "-")).File ?? Files[^1].File;

        // "Installed: docker-ce-..." or, with an epoch, "Installed: 3:docker-ce-...".
        private static bool Mentions(string text, string name) =>
            text.Contains(" " + name, StringComparison.Ordinal) || text.Contains(":" + name, StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads /var/log/NAME and its uncompressed rotations (yum.log-20200101, dnf.rpm.log.1), oldest first, so a
    /// later event (an update, an erase) overrides an earlier one across files.
    /// </summary>
    private PackageLog ReadHistory(string name, Func<string, IReadOnlyDictionary<string, string>> parse)
    {
        HostDirectory listed = host.List("/var/log");
        var files = new List<(string File, string Text)>();
        foreach (string file in listed.Entries
            .Where(e => !e.IsDirectory && !e.Name.EndsWith(".gz", StringComparison.Ordinal)
                && Logs.SymptomScanner.IsLogOrRotation(name, e.Name))
            .OrderByDescending(e => Logs.SymptomScanner.RotationAge(name, e.Name))
            .Select(e => "/var/log/" + e.Name))
        {
            KernelRead r = host.Read(file);
            if (r.IsOk)
            {
                files.Add((file, r.Text));
            }
            else if (r.Outcome == ReadOutcome.NotReadable)
            {
                Add(HostProblem.At(file, "problem.error", r.ErrorText, r.ErrorSaid));
            }
        }

        return files.Count == 0
            ? new PackageLog(new Dictionary<string, string>(), [("/var/log/" + name, "")])
            : new PackageLog(parse(string.Join('\n', files.Select(f => f.Text))), files);
    }

    [GeneratedRegex(@"--cgroup-driver[= ]+""?(systemd|cgroupfs)")]
    private static partial Regex DriverFlag();

    /// <summary>
    /// kubelet's --config flag: "--config=/etc/kubernetes/kubelet-conf.yml" (not --kubeconfig: no "--" before
    /// "config").
    /// </summary>
    [GeneratedRegex(@"--config[= ]+""?(/[^\s""\\]+)")]
    private static partial Regex ConfigFlag();

    [GeneratedRegex(@"(?m)^cgroupDriver:\s*""?(systemd|cgroupfs)")]
    private static partial Regex DriverKey();
}
