using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Fix;

/// <summary>
/// The non-boot parts of a plan: components off kmem accounting (runbook 4.1), a kernel to install first, and
/// nodes that need no kernel change (unknown, ok, dying memcgs piling up, nokmem already running). Package
/// manager and package names come from the host's distribution family (DistroFamilies), or from the package
/// the host's own history names.
/// </summary>
public static class ComponentPlanner
{
    private const string Arg = FixPlan.NokmemArgument;

    /// <summary>A plan where the leak itself needs no fix: unknown, ok, or at risk from something else.</summary>
    internal static FixPlan WithoutLeak(
        DoctorReport report,
        CheckInput f,
        PlanRequest request,
        List<PlanInput> inputs,
        List<Message> problems)
    {
        switch (report.Verdict)
        {
            case Verdict.Unknown:
                problems.AddRange(report.Facts.Problems.Select(Message.Of));
                return Finish(FixMethod.Auto, new Message("plan.cannot", Reason(report)), [], inputs, problems);
            case Verdict.Ok:
                var warnings = report.Checks.Where(c => c.Status == CheckStatus.Warn).Select(c => c.Id).ToList();
                return Finish(FixMethod.Auto, warnings.Count > 0
                    ? new Message("plan.nothing-but-warnings", Reason(report), string.Join(", ", warnings))
                    : new Message("plan.nothing", Reason(report)), [], inputs, problems);
            default:
                break;
        }

        var steps = new List<FixStep>();
        var concerns = report.Checks.Where(c => c.Concern != Concern.None).ToList();
        bool reclaimable = concerns.Any(c => c.Id is DyingCheck.CheckId or IdHeadroomCheck.CheckId)
            && report.Counts.Dying is > 0;
        if (reclaimable)
        {
            ReclaimPlan reclaim = ReclaimPlan.For(report);
            steps.Add(new FixStep(new Message("plan.release"),
                new Message("plan.release.why", DyingCheck.CheckId, report.Counts.Dying,
                    (object?)f.Kernel?.DyingPinnedBySaid ?? new Message("plan.release.what-they-charged"),
                    Message.Joined("list.semicolon", reclaim.Actions.Select(a => a.Said))),
                ["cgleak reclaim", .. reclaim.Actions.Select(a => $"# by hand: echo {a.Value} > {a.File}")],
                [$"cgleak doctor   # {DyingCheck.CheckId}: PASS, or far fewer dying"], [], ByApply: false));
            if (reclaim.RebootSaid is { } reboot)
            {
                problems.Add(reboot);
            }

            steps.Add(new FixStep(new Message("plan.keep-low"), new Message("plan.keep-low.why"),
                ["# run the release periodically, e.g. /etc/cron.d/cgleak-reclaim: */30 * * * * root cgleak reclaim"],
                ["cgleak metrics   # cgleak_memory_cgroups{state=\"dying\"} stays low"],
                ["rm /etc/cron.d/cgleak-reclaim"],
                ByApply: false));
        }

        foreach (CheckResult c in concerns.Where(
            c => !(reclaimable && c.Id is DyingCheck.CheckId or IdHeadroomCheck.CheckId)))
        {
            steps.Add(new FixStep($"{c.Id}: {c.Title}", c.Summary,
                c.Remediation.SelectMany(r => r.Commands.Prepend("# " + r.Text))
                    .ToList(), [$"cgleak doctor   # {c.Id}"], [], ByApply: false)
            {
                TitleSaid = new Message("check.title.with-id", c.Id, new Message("check.title." + c.Id)),
                WhySaid = c.Said,
            });
        }

        if (steps.Count == 0)
        {
            problems.Add(
                new Message("plan.note.nothing-to-change", (object?)report.VerdictSaid ?? report.VerdictReason));
        }

        string verdict = VerdictNames.Of(report.Verdict);
        return Finish(
            FixMethod.Auto,
            new Message(steps.Count > 0 ? "plan.no-leak-fix.steps" : "plan.no-leak-fix.none", verdict, Reason(report)),
            steps,
            inputs,
            problems);
    }

    /// <summary>
    /// The running kernel already boots with cgroup.memory=nokmem and honours it: nothing to change, no reboot.
    /// </summary>
    internal static FixPlan NokmemAlreadyOn(
        DoctorReport report,
        CheckInput f,
        PlanRequest request,
        List<PlanInput> inputs,
        List<Message> problems)
    {
        Message[] check =
        [
            new("plan.check.verify-exits-0"),
            f.UsesGrubby
                ? new("plan.check.default-keeps", $"grubby --info \"$(grubby --default-kernel)\" | grep -c {Arg}")
                : new("plan.check.menu-keeps", $"grep -c {Arg} /boot/grub/grub.cfg"),
        ];
        var steps = new List<FixStep>
        {
            new(new Message("plan.verify-off"), new Message("plan.verify-off.why", f.KernelRelease?.Text, Arg),
                [$"grep -o {Arg} /proc/cmdline", "cgleak verify --canary"],
                [.. check.Select(c => c.ToString())],
                [],
                ByApply: false)
            {
                CheckSaid = check,
            },
        };
        if (report.Checks.Any(c => c.Id == LogSymptomCheck.CheckId && c.Concern != Concern.None))
        {
            problems.Add(new Message("plan.note.logs-still", DyingCheck.CheckId, IdHeadroomCheck.CheckId));
        }

        return Finish(
            FixMethod.Kernel,
            new Message("plan.nokmem-on", f.KernelRelease?.Text, Arg),
            steps,
            inputs,
            problems);
    }

    /// <summary>
    /// The runbook's method 1: runc, docker and kubelet off kmem accounting, in this family's packages.
    /// </summary>
    internal static FixPlan Plan(
        DoctorReport report,
        CheckInput f,
        PlanRequest request,
        Message? need,
        List<PlanInput> inputs,
        List<Message> problems)
    {
        DistroFamily? family = f.Family;
        if (family is null)
        {
            problems.Add(new Message("plan.note.no-distribution"));
        }

        var steps = new List<FixStep>();
        if (RuncStep(report, f, family) is { } runc)
        {
            steps.Add(runc);
        }

        if (DockerStep(f, family) is { } docker)
        {
            steps.Add(docker);
        }

        if (KubeletStep(report, f, family) is { } kubelet)
        {
            steps.Add(kubelet);
        }

        if (steps.Count == 0)
        {
            problems.Add(Found(f, "runc") || Found(f, "containerd") || Found(f, "kubelet")
                ? new Message(
                    "plan.note.no-component-enables",
                    RuncCheck.CheckId,
                    ContainerdCheck.CheckId,
                    KubeletKmemCheck.CheckId)
                : new Message("plan.note.no-components"));
            return Finish(FixMethod.Components, new Message("plan.components.nothing"), steps, inputs, problems);
        }

        FixPlanner.AddRebootAndVerify(
            steps,
            request,
            $"cgleak doctor   # {RuncCheck.CheckId}, {KubeletKmemCheck.CheckId}: PASS",
            f,
            new Message("plan.reboot.why.components"));
        var why = need is null
            ? new Message("plan.why.requested", "--method components")
            : new Message("plan.why.to-stop", need);
        return Finish(FixMethod.Components, new Message("plan.components", why),
            steps, inputs, problems);
    }

    /// <summary>
    /// Install a kernel that honours cgroup.memory=nokmem, with the family's own tool, and check it with the same.
    /// </summary>
    internal static FixStep KernelInstallStep(CheckInput f, PlanRequest request)
    {
        DistroFamily? family = f.Family;
        bool rpm = family?.IsRpm ?? f.UsesGrubby;
        Message why = f.Kernel is { NokmemKnown: false } k
            ? new Message("plan.install-kernel.why.unknown", f.KernelRelease?.Text, k.Unknown)
            : new Message(
                f.KernelRelease?.IsEl7 == true ? "plan.install-kernel.why.el7" : "plan.install-kernel.why.upstream",
                NokmemArgumentCheck.CheckId);
        string install = request.KernelPackages is { } dir
            ? rpm ? $"{(family?.Packages == PackageTool.Dnf ? "dnf install" : "yum localinstall")} "
                + $"{dir.TrimEnd('/')}/kernel-*.rpm"
                : $"apt-get install {dir.TrimEnd('/')}/linux-image-*.deb"
            : family?.KernelPackage is { } package ? family.Install(package)
            : family?.KernelNote is { } note ? $"# {note}"
            : "# install a kernel of 4.5 or later (or el7 3.10.0-1062.4.1 or later) with this distribution's package "
                + "manager";
        string query = family?.QueryKernels ?? (rpm ? "rpm -q kernel" : "dpkg-query -W 'linux-image-*'");
        return new FixStep(new Message("plan.install-kernel"), why, [install],
            [$"{query}   # or: ls /boot/vmlinuz-*", "then run `cgleak fix plan` again: the next steps depend on the "
                + "new entry"],
            [rpm
                ? "rpm -e kernel-<new version>   # after booting back into the old kernel"
                : "apt-get remove linux-image-<new version>"], ByApply: false);
    }

    private static FixStep? RuncStep(DoctorReport report, CheckInput f, DistroFamily? family)
    {
        bool concerned = report.Checks
            .Any(c => c.Id is RuncCheck.CheckId or ContainerdCheck.CheckId && c.Concern != Concern.None);
        if (!concerned || !(Found(f, "runc") || Found(f, "containerd")))
        {
            return null;
        }

        ComponentFact? runc = f.Facts.Component("runc");
        ComponentFact? containerd = f.Facts.Component("containerd");
        string package = RuncPackage(f);
        var target = new Message(package == "containerd.io" ? "plan.runc.target.containerd" : "plan.runc.target.runc");
        return new FixStep(new Message("plan.runc", package),
            new Message("plan.runc.why", RuncCheck.CheckId, ContainerdCheck.CheckId, target,
                (object?)runc?.VersionText ?? new Message("doctor.unknown"), (object?)containerd?.VersionText
                    ?? new Message("plan.not-found")),
            [RuncMove(f),
             "# pinned to runc rc6-rc93? rebuild it without kmem (R5): make BUILDTAGS='seccomp nokmem' && install -m "
                 + "0755 runc $(command -v runc)"],
            [Query(
                family,
                package), $"runc --version   # 1.0.0-rc94 or later, or a nokmem build (cgleak doctor: "
                    + $"{RuncCheck.CheckId} PASS)"],
            [Downgrade(family, package)], ByApply: false);
    }

    private static FixStep? DockerStep(CheckInput f, DistroFamily? family)
    {
        ComponentFact? docker = f.Facts.Component("docker");
        string? package = PackageOf(docker) ?? family?.DockerPackage;
        if (package != "docker-ce" || docker?.VersionText is not { } text || ComponentVersion.Find(text) is not { } v
            || v >= ComponentVersion.Of(18, 9, 1))
        {
            return null;
        }

        // D2 is about el7's Docker CE packages; runc itself comes from containerd.io from 18.09 on (D3), which the runc
        // step moves.
        return new FixStep(new Message("plan.docker"), new Message("plan.docker.why"),
            [Upgrade(family, "docker-ce") + "   # to 18.09.1 or later"], [Query(
                family,
                "docker-ce"), "docker version"], [Downgrade(family, "docker-ce")], ByApply: false);
    }

    private static FixStep? KubeletStep(DoctorReport report, CheckInput f, DistroFamily? family)
    {
        if (!report.Checks.Any(c => c.Id == KubeletKmemCheck.CheckId && c.Concern != Concern.None)
            || f.Facts.Component("kubelet") is not { VersionText: { } kv } kubelet || ComponentVersion.Find(
                kv) is not { } k)
        {
            return null;
        }

        string rebuild = k >= ComponentVersion.Of(1, 14)
            ? $"# or rebuild {k} without kmem (K5): KUBE_GIT_VERSION=v{k} ./build/run.sh make kubelet "
                + $"GOFLAGS=\"-tags=nokmem\""
            : $"# or patch {k}'s vendored runc (EnableKernelMemoryAccounting and setKernelMemory return nil) and "
                + $"rebuild: the nokmem tag needs 1.14+ (K5)";
        string? package = KubeletPackage(f);
        string move = KubeletMove(f);
        return new FixStep(new Message("plan.kubelet", k), new Message("plan.kubelet.why"),
            [move, rebuild], ["kubelet --version"], [package is null
                ? "reinstall the previous kubelet"
                : Downgrade(family, package)], ByApply: false);
    }

    /// <summary>Docker CE's runc is inside containerd.io (D3); elsewhere runc's own package, or the family's.</summary>
    private static string RuncPackage(CheckInput f) =>
        PackageOf(f.Facts.Component("containerd")) == "containerd.io" ? "containerd.io"
            : PackageOf(f.Facts.Component("runc")) ?? f.Family?.RuncPackage ?? "runc";

    /// <summary>
    /// The command that moves this host's runc to one that ignores kmem (R8, D9), in its family's package manager.
    /// </summary>
    public static string RuncMove(CheckInput f)
    {
        string package = RuncPackage(f);
        return Upgrade(f.Family, package)
            + $"   # to {(package == "containerd.io" ? "1.4.5+/1.5.1+ (D9)" : "runc 1.0.0-rc94 or later (R8)")}";
    }

    private static string? KubeletPackage(CheckInput f)
        => PackageOf(f.Facts.Component("kubelet")) ?? f.Family?.KubeletPackage;

    /// <summary>
    /// The command that moves this host's kubelet to 1.21.2 or later (K7), as its family installs kubelet.
    /// </summary>
    public static string KubeletMove(CheckInput f) => KubeletPackage(f) is not { } package
        ? $"# {f.Family?.KubeletNote ?? "install kubelet 1.21.2 or later the way this node's kubelet was installed"}"
        : (f.Family is null
            ? $"<package manager> install {package} 1.21.2 or later"
            : f.Family.InstallVersion(package, "1.21.2"))
            + "   # or later, within your cluster's version skew policy";

    private static bool Found(CheckInput f, string name) =>
        f.Facts.Component(name) is { } c && (c.VersionText is not null || c.BinaryPath is not null);

    /// <summary>
    /// The package a component fact names ("/var/log/yum.log (containerd.io)" -> containerd.io), or null.
    /// </summary>
    internal static string? PackageOf(ComponentFact? c) => c?.Said switch
    {
        { Key: "source.package", Args: [_, string package] } => package,
        _ => null,
    };

    private static string Upgrade(DistroFamily? family, string package) =>
        family?.Upgrade(package) ?? $"<package manager> upgrade {package}";

    private static string Query(DistroFamily? family, string package) =>
        family?.Query(package) ?? $"<package manager> query {package}";

    private static string Downgrade(DistroFamily? family, string package) =>
        family?.Downgrade(package) ?? $"<package manager> downgrade {package}";

    private static FixPlan Finish(
        FixMethod method,
        Message summary,
        List<FixStep> steps,
        List<PlanInput> inputs,
        List<Message> problems) =>
        new(method, summary.ToString(), [], null, null, false, steps, inputs, [.. problems.Select(p => p.ToString())])
        {
            SummarySaid = summary,
            ProblemsSaid = problems,
        };

    private static object Reason(DoctorReport report) => (object?)report.VerdictSaid ?? report.VerdictReason;
}
