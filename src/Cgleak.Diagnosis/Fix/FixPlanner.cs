using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Boot;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Fix;

/// <summary>What the planner is asked.</summary>
/// <param name="KernelPackages">a directory of kernel RPMs for an offline upgrade (the runbook's offline case).</param>
public sealed record PlanRequest(FixMethod Method, string? KernelPackages = null, string Node = "\"$NODE\"");

/// <summary>
/// Turns the doctor's findings and the host's boot configuration into the runbook's procedure (4.1, 4.2)
/// for this node: which entry boots next, whether the default must move to a kernel that honours
/// cgroup.memory=nokmem, the exact grubby or update-grub commands, node drain and reboot, and the checks.
/// </summary>
public static class FixPlanner
{
    private const string Arg = FixPlan.NokmemArgument;

    public static FixPlan Plan(DoctorReport report, BootConfig boot, PlanRequest request)
    {
        var problems = boot.Problems.ToList();
        var inputs = boot.All.Select(f => new PlanInput(f.HostPath, f.Sha256)).OrderBy(i => i.Path, StringComparer.Ordinal).ToList();
        var findings = new Findings(report.Facts);
        string? need = Need(report, findings);
        FixMethod method = request.Method;
        if (method == FixMethod.Auto)
        {
            if (need is null)
            {
                return ComponentPlanner.WithoutLeak(report, findings, request, inputs, problems);
            }

            if (findings.NokmemEffective)
            {
                return ComponentPlanner.NokmemAlreadyOn(report, findings, request, inputs, problems);
            }

            method = ChooseMethod(report, findings, boot);
        }

        return method == FixMethod.Components
            ? ComponentPlanner.Plan(report, findings, request, need, inputs, problems)
            : KernelPlan(report, findings, boot, request, need, inputs, problems);
    }

    /// <summary>Why a fix is needed, or null: the ID leak can happen, or dying memcgs pile up pinned by slab.</summary>
    private static string? Need(DoctorReport report, Findings f)
    {
        var causes = report.Checks.Where(c => c.Concern != Concern.None && c.Id is "kmem.active-cgroups" or "runtime.runc" or "runtime.containerd" or "kubelet.kmem" or "logs.symptom").Select(c => c.Id).ToList();
        if (causes.Count > 0)
        {
            return $"the memory cgroup ID leak ({string.Join(", ", causes)})";
        }

        bool slabPins = report.Checks.Any(c => c.Id == "memcg.dying" && c.Status == CheckStatus.Warn)
            && f.KernelRelease is { } k && !k.AtLeast(5, 3) && !f.NokmemEffective;
        return slabPins ? "dying memory cgroups piling up, pinned by slab before 5.3 (memcg.dying, L6)" : null;
    }

    private static FixMethod ChooseMethod(DoctorReport report, Findings f, BootConfig boot) =>
        f.Kernel?.HonoursNokmem == true || Kernels(boot).Any(v => Honours(v)) || f.Facts.Layout.Memory != MemoryHierarchy.V1
            ? FixMethod.Kernel
            : report.Checks.Any(c => c.Concern != Concern.None && c.Id is "runtime.runc" or "kubelet.kmem" or "runtime.containerd")
                ? FixMethod.Components
                : FixMethod.Kernel;

    private static IEnumerable<string> Kernels(BootConfig boot) => boot.InstalledKernels;

    private static bool Honours(string? version) =>
        version is not null && KernelRelease.Parse(version) is { } k && KernelKnowledge.Of(k).HonoursNokmem;

    private static FixPlan KernelPlan(DoctorReport report, Findings f, BootConfig boot, PlanRequest request, string? need, List<PlanInput> inputs, List<string> problems)
    {
        bool efi = Directory.Exists(System.IO.Path.Combine(report.Facts.RootDirectory, "sys/firmware/efi")) || report.Facts.IsLive && Directory.Exists("/sys/firmware/efi");
        (BootStyle style, List<BootEntry> entries, int? next, string listCommand, string? configFile) = ReadEntries(report, boot, efi, problems);
        var steps = new List<FixStep>();
        string why = need is null ? "requested: --method kernel" : $"to stop {need}";
        steps.Add(new FixStep(
            "List the boot entries and find the one that boots next",
            "the runbook's 4.2: adding the argument to an entry that does not boot changes nothing",
            [listCommand, style == BootStyle.DefaultGrub ? "grep ^GRUB_DEFAULT= /etc/default/grub" : "grub2-editenv list"],
            [next is { } n && n < entries.Count ? $"boots next: {n} : {entries[n].Title}" : "the entry that boots next could not be determined"],
            [], ByApply: false));

        BootEntry? nextEntry = next is { } i && i < entries.Count ? entries[i] : null;
        BootEntry? target = nextEntry is { HonoursNokmem: true } ? nextEntry
            : entries.Where(e => e.HonoursNokmem && e.KernelVersion is not null)
                .OrderByDescending(e => e.KernelVersion, KernelVersionComparer.Instance).FirstOrDefault();
        if (entries.Count == 0)
        {
            problems.Add("no boot entries found: no grub.cfg menuentries or BLS entries under this host's /boot and /etc");
        }

        if (target is null)
        {
            steps.Add(ComponentPlanner.KernelInstallStep(f, request));
            return Finish(FixMethod.Kernel, $"Kernel method, {why}: no installed kernel honours {Arg}: install one first, then plan again.",
                entries, next, null, needsKernel: true, steps, inputs, problems);
        }

        string image = $"/boot/vmlinuz-{target.KernelVersion}";
        string? newDefault = nextEntry == target ? null : style == BootStyle.DefaultGrub ? target.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) : style == BootStyle.GrubbyBls ? BlsIdOf(boot, target) : target.Title;
        string? oldDefault = style == BootStyle.DefaultGrub ? boot.DefaultGrubValues?.GetValueOrDefault("GRUB_DEFAULT") : boot.Env?["saved_entry"];
        if (newDefault is not null)
        {
            steps.Add(style switch
            {
                BootStyle.DefaultGrub => new FixStep($"Make entry {target.Index} ({target.Title}) the default",
                    $"the entry that boots next ({nextEntry?.Title ?? "unknown"}) runs a kernel that ignores {Arg} (L3)",
                    [$"sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT={target.Index}/' /etc/default/grub", "update-grub"],
                    ["grep ^GRUB_DEFAULT= /etc/default/grub"],
                    [$"sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT={oldDefault ?? "0"}/' /etc/default/grub", "update-grub"], ByApply: true),
                _ => new FixStep($"Make \"{target.Title}\" the default boot entry",
                    $"the saved default ({nextEntry?.Title ?? "unknown"}) runs {nextEntry?.KernelVersion ?? "a kernel"}, which ignores {Arg} (kernel.nokmem-arg, L5)",
                    [style == BootStyle.GrubbyBls ? $"grubby --set-default {image}" : $"grub2-set-default {Quote(target.Title)}"],
                    ["grub2-editenv list", style == BootStyle.GrubbyBls ? "grubby --default-kernel" : $"grub2-editenv list | grep -Fx {Quote("saved_entry=" + target.Title)}"],
                    [oldDefault is null ? "grub2-editenv - unset saved_entry" : style == BootStyle.GrubbyBls ? $"grub2-editenv - set saved_entry={Quote(oldDefault)}" : $"grub2-set-default {Quote(oldDefault)}"], ByApply: true),
            });
        }

        if (!target.HasArgument)
        {
            steps.Add(style == BootStyle.DefaultGrub
                ? new FixStep($"Add {Arg} to GRUB_CMDLINE_LINUX and regenerate grub.cfg",
                    $"{why}; {target.KernelVersion} honours it (kernel.nokmem-arg, L3)",
                    [$"sed -i 's/^GRUB_CMDLINE_LINUX=\"/&{Arg} /' /etc/default/grub", "update-grub"],
                    [$"grep -c {Arg} {configFile ?? "/boot/grub/grub.cfg"}"],
                    [$"sed -i 's/{Arg} //' /etc/default/grub", "update-grub"], ByApply: true)
                : new FixStep($"Add {Arg} to {image}",
                    $"{why}; {target.KernelVersion} honours it (kernel.nokmem-arg, {(f.KernelRelease?.IsEl7 == true || target.KernelVersion!.Contains(".el7", StringComparison.Ordinal) ? "L5" : "L3")})",
                    [$"grubby --args={Arg} --update-kernel {image}"],
                    [$"grubby --info {image} | grep {Arg}"],
                    [$"grubby --remove-args={Arg} --update-kernel {image}"], ByApply: true));
        }

        AddRebootAndVerify(steps, request, $"grep -o {Arg} /proc/cmdline");
        var edit = new BootEdit(style, target.KernelVersion!, style == BootStyle.GrubbyBls ? BlsIdOf(boot, target) ?? target.Title : target.Title,
            newDefault, oldDefault, Arg, configFile ?? "");
        string summary = $"Kernel method, {why}: " + (target.HasArgument && newDefault is null
            ? $"{target.KernelVersion} already boots with {Arg}: reboot into it."
            : $"{(newDefault is null ? "" : $"make {target.KernelVersion} the default, ")}add {Arg} to {target.KernelVersion}, drain, reboot, verify.");
        return Finish(FixMethod.Kernel, summary, entries, next, edit, needsKernel: false, steps, inputs, problems);
    }

    internal static void AddRebootAndVerify(List<FixStep> steps, PlanRequest request, string cmdlineCheck)
    {
        steps.Add(new FixStep("Drain the node",
            "memory cgroups already charged with kernel memory keep their IDs until a reboot (runbook 4; M1): move the pods off first",
            [$"kubectl cordon {request.Node}", $"kubectl drain {request.Node} --ignore-daemonsets --delete-emptydir-data"],
            [$"kubectl get node {request.Node}   # SchedulingDisabled"], [$"kubectl uncordon {request.Node}"], ByApply: false));
        steps.Add(new FixStep("Reboot", "the new default entry and argument take effect at boot", ["systemctl reboot"], ["uptime"], [], ByApply: false));
        steps.Add(new FixStep("Verify, then let pods back",
            "the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line",
            [cmdlineCheck, "cgleak verify --canary", $"kubectl uncordon {request.Node}"],
            ["cgleak verify exits 0"], [], ByApply: false));
    }

    private static FixPlan Finish(FixMethod method, string summary, List<BootEntry> entries, int? next, BootEdit? edit, bool needsKernel,
        List<FixStep> steps, List<PlanInput> inputs, List<string> problems) =>
        new(method, summary, entries, next, edit, needsKernel, steps, inputs, problems);

    private static (BootStyle, List<BootEntry>, int?, string, string?) ReadEntries(DoctorReport report, BootConfig boot, bool efi, List<string> problems)
    {
        if (boot.BlsFiles.Count > 0)
        {
            // grub's blscfg lists entries newest version first; saved_entry holds the entry id.
            var bls = boot.Bls.OrderByDescending(b => b.KernelVersion, KernelVersionComparer.Instance).ToList();
            string kernelopts = boot.Env?["kernelopts"] ?? "";
            var entries = bls.Select((b, i) => new BootEntry(i, b.Title ?? b.Id, b.KernelVersion, Honours(b.KernelVersion),
                KernelCmdline.Parse(b.Options.Replace("$kernelopts", kernelopts, StringComparison.Ordinal)).HasListOption("cgroup.memory", "nokmem"))).ToList();
            string? saved = boot.Env?["saved_entry"];
            int? next = saved is null ? 0 : bls.FindIndex(b => b.Id == saved) is var i && i >= 0 ? i : null;
            if (next is null)
            {
                problems.Add($"grubenv saved_entry={saved} names no BLS entry");
            }

            return (BootStyle.GrubbyBls, entries, next, "grubby --info=ALL | grep -E '^(index|title|kernel)='", "/boot/loader/entries");
        }

        IReadOnlyDictionary<string, string>? defaults = boot.DefaultGrubValues;
        bool debian = report.Facts.Distribution?.Id is "debian" or "ubuntu" || (boot.DefaultGrub is not null && boot.Env?["saved_entry"] is null && defaults?.GetValueOrDefault("GRUB_DEFAULT") != "saved");
        BootFile? cfg = boot.ActiveGrubCfg(efi);
        if (boot.BiosGrubCfg is { } b && boot.EfiGrubCfg is { } e)
        {
            var kb = GrubConfig.Parse(b.Text, out _).Select(x => x.KernelVersion).ToList();
            var ke = GrubConfig.Parse(e.Text, out _).Select(x => x.KernelVersion).ToList();
            if (!kb.SequenceEqual(ke))
            {
                problems.Add($"{b.HostPath} and {e.HostPath} list different kernels; this host boots with {(efi ? "UEFI" : "BIOS")}, so {cfg!.HostPath} is the one used: remove or regenerate the other to avoid confusion");
            }
        }

        if (cfg is null)
        {
            return (debian ? BootStyle.DefaultGrub : BootStyle.GrubbyGrubCfg, [], null, "awk -F\\' '$1==\"menuentry \" {print i++ \" : \" $2}' /etc/grub2.cfg", null);
        }

        var menu = GrubConfig.Parse(cfg.Text, out var grubProblems);
        problems.AddRange(grubProblems.Select(p => $"{cfg.HostPath}: {p}"));
        var list = menu.Select(m => new BootEntry(m.Index, m.Title, m.KernelVersion, Honours(m.KernelVersion),
            KernelCmdline.Parse(m.Arguments).HasListOption("cgroup.memory", "nokmem"))).ToList();
        string awk = $"awk -F\\' '$1==\"menuentry \" {{print i++ \" : \" $2}}' {(debian ? cfg.HostPath : efi ? "/etc/grub2-efi.cfg" : "/etc/grub2.cfg")}";
        int? nextIndex;
        if (debian)
        {
            string d = defaults?.GetValueOrDefault("GRUB_DEFAULT") ?? "0";
            nextIndex = int.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : list.FindIndex(x => x.Title == d) is var t && t >= 0 ? t : null;
            if (nextIndex is null)
            {
                problems.Add($"GRUB_DEFAULT={d} is not a top-level entry number or title: the entry that boots next is unknown");
            }
        }
        else
        {
            string? saved = boot.Env?["next_entry"] is { Length: > 0 } once ? once : boot.Env?["saved_entry"];
            nextIndex = saved is null ? 0
                : int.TryParse(saved, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n
                : list.FindIndex(x => x.Title == saved) is var t && t >= 0 ? t : null;
            if (nextIndex is null)
            {
                problems.Add($"grubenv saved_entry=\"{saved}\" matches no menuentry of {cfg.HostPath}: GRUB falls back to entry 0");
                nextIndex = 0;
            }
        }

        return (debian ? BootStyle.DefaultGrub : BootStyle.GrubbyGrubCfg, list, nextIndex, awk, cfg.HostPath);
    }

    private static string? BlsIdOf(BootConfig boot, BootEntry entry) =>
        boot.Bls.FirstOrDefault(b => b.KernelVersion == entry.KernelVersion)?.Id;

    /// <summary>Single-quotes for the shell: 'it'\''s'.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Orders kernel versions numerically: 3.10.0-1160 after 3.10.0-957.</summary>
    private sealed class KernelVersionComparer : IComparer<string?>
    {
        public static KernelVersionComparer Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            KernelRelease? a = x is null ? null : KernelRelease.Parse(x), b = y is null ? null : KernelRelease.Parse(y);
            if (a is null || b is null)
            {
                return string.CompareOrdinal(x, y);
            }

            int c = (a.Major, a.Minor, a.Patch).CompareTo((b.Major, b.Minor, b.Patch));
            for (int i = 0; c == 0 && i < Math.Max(a.Build.Count, b.Build.Count); i++)
            {
                c = (i < a.Build.Count ? a.Build[i] : 0).CompareTo(i < b.Build.Count ? b.Build[i] : 0);
            }

            return c;
        }
    }
}
