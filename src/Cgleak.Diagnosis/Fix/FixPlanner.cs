using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
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

    /// <summary>The check after the reboot: a sentence, where the other check lines are commands.</summary>
    private static readonly Message VerifyExits0 = new("plan.check.verify-exits-0");

    public static FixPlan Plan(DoctorReport report, BootConfig boot, PlanRequest request)
    {
        var problems = boot.ProblemsSaid.Select(Message.Of).ToList();
        var inputs = boot.All.Select(f => new PlanInput(f.HostPath, f.Sha256))
            .OrderBy(i => i.Path, StringComparer.Ordinal)
            .ToList();
        CheckInput input = report.Input;
        Message? need = Need(report, input);
        FixMethod method = request.Method;
        if (method == FixMethod.Auto)
        {
            if (need is null)
            {
                return ComponentPlanner.WithoutLeak(report, input, request, inputs, problems);
            }

            if (input.NokmemEffective)
            {
                return ComponentPlanner.NokmemAlreadyOn(report, input, request, inputs, problems);
            }

            method = ChooseMethod(report, input, boot);
        }

        return method == FixMethod.Components
            ? ComponentPlanner.Plan(report, input, request, need, inputs, problems)
            : KernelPlan(report, input, boot, request, need, inputs, problems);
    }

    /// <summary>Why a fix is needed, or null: the ID leak can happen, or dying memcgs pile up pinned by slab.</summary>
    private static Message? Need(DoctorReport report, CheckInput f)
    {
        var causes = report.Checks
            .Where(c => c.Concern != Concern.None
                && c.Id is KmemActiveCgroupsCheck.CheckId or RuncCheck.CheckId or ContainerdCheck.CheckId
                    or KubeletKmemCheck.CheckId or LogSymptomCheck.CheckId)
            .Select(c => c.Id)
            .ToList();
        if (causes.Count > 0)
        {
            return new Message("plan.need.leak", string.Join(", ", causes));
        }

        bool slabPins = report.Checks.Any(c => c.Id == DyingCheck.CheckId && c.Status == CheckStatus.Warn)
            && f.KernelRelease is { } k && !k.AtLeast(5, 3) && !f.NokmemEffective;
        return slabPins ? new Message("plan.need.slab") : null;
    }

    private static FixMethod ChooseMethod(DoctorReport report, CheckInput f, BootConfig boot) =>
        f.Kernel?.HonoursNokmem == true || Kernels(boot).Any(v => Honours(v))
            || f.Facts.Layout.Memory != MemoryHierarchy.V1
            ? FixMethod.Kernel
            : report.Checks.Any(c => c.Concern != Concern.None
                && c.Id is RuncCheck.CheckId or KubeletKmemCheck.CheckId or ContainerdCheck.CheckId)
                ? FixMethod.Components
                : FixMethod.Kernel;

    private static IEnumerable<string> Kernels(BootConfig boot) => boot.InstalledKernels;

    private static bool Honours(string? version) =>
        version is not null && KernelRelease.Parse(version) is { } k && KernelKnowledge.Of(k).HonoursNokmem;

    private static FixPlan KernelPlan(
        DoctorReport report,
        CheckInput f,
        BootConfig boot,
        PlanRequest request,
        Message? need,
        List<PlanInput> inputs,
        List<Message> problems)
    {
        BootDecision decision = BootPlanner.Decide(boot, problems);
        var steps = new List<FixStep> { decision.ListStep };
        var entries = decision.Entries.ToList();
        var why = need is null
            ? new Message("plan.why.requested", "--method kernel")
            : new Message("plan.why.to-stop", need);
        if (decision.Target is null && boot.Unreadable)
        {
            var unreadable = Message.Joined("list.semicolon", boot.ProblemsSaid.Select(Message.Of));
            return Finish(FixMethod.Kernel, new Message("plan.kernel.unreadable", why, unreadable),
                entries, decision.Next, null, needsKernel: false, steps, inputs, problems);
        }

        if (entries.Count == 0)
        {
            problems.Add(new Message("plan.note.no-entries"));
        }

        if (decision.Target is null)
        {
            steps.Add(ComponentPlanner.KernelInstallStep(f, request));
            return Finish(FixMethod.Kernel, new Message("plan.kernel.none-honours", why, Arg),
                entries, decision.Next, null, needsKernel: true, steps, inputs, problems);
        }

        BootMenuEntry target = decision.Target;
        (List<FixStep> bootSteps, BootEdit edit) = BootPlanner.Steps(boot, decision, why, problems);
        steps.AddRange(bootSteps);
        bool moves = edit.NewDefault is not null || decision.NextEntry != target;
        AddRebootAndVerify(steps, request, $"grep -o {Arg} /proc/cmdline", f,
            new Message(moves ? "plan.reboot.why" : "plan.reboot.why.argument"));
        bool running = f.NokmemOnCmdline == true && f.KernelRelease?.Text == target.KernelVersion;
        Message summary = bootSteps.Count == 0
            ? new Message(running ? "plan.kernel.running" : "plan.kernel.boots", why, target.KernelVersion, Arg)
            : new Message(
                "plan.kernel.steps",
                why,
                moves ? new Message("plan.kernel.make-default", target.KernelVersion, target.Number) : "",
                Arg,
                target.KernelVersion,
                string.Join(", ", edit.Files));
        return Finish(
            FixMethod.Kernel,
            summary,
            entries,
            decision.Next,
            edit,
            needsKernel: false,
            steps,
            inputs,
            problems);
    }

    /// <param name="takesEffect">what the reboot brings in, for its why ("the argument takes effect at boot").</param>
    internal static void AddRebootAndVerify(
        List<FixStep> steps, PlanRequest request, string cmdlineCheck, CheckInput f, Message takesEffect)
    {
        // Only where removed memcgs keep their IDs (3.10, I5 missing) is the reboot what gives them back; elsewhere
        // the reboot itself is the reason to move the pods.
        var drainWhy = new Message(f.Kernel?.ReleasesIdAtOffline == true ? "plan.drain.why.reboot" : "plan.drain.why");
        steps.Add(new FixStep(new Message("plan.drain"), drainWhy,
            [$"kubectl cordon {request.Node}", $"kubectl drain {request.Node} --ignore-daemonsets "
                + $"--delete-emptydir-data"],
            [$"kubectl get node {request.Node}   # SchedulingDisabled"],
            [$"kubectl uncordon {request.Node}"],
            ByApply: false));
        steps.Add(
            new FixStep(new Message("plan.reboot"), takesEffect, ["systemctl reboot"], ["uptime"], [], ByApply: false));
        steps.Add(new FixStep(new Message("plan.verify"), new Message("plan.verify.why"),
            [cmdlineCheck, "cgleak verify --canary", $"kubectl uncordon {request.Node}"],
            [VerifyExits0.ToString()], [], ByApply: false)
        {
            CheckSaid = [VerifyExits0],
        });
    }

    private static FixPlan Finish(
        FixMethod method,
        Message summary,
        List<BootEntry> entries,
        int? next,
        BootEdit? edit,
        bool needsKernel,
        List<FixStep> steps,
        List<PlanInput> inputs,
        List<Message> problems) =>
        new(
            method,
            summary.ToString(),
            entries,
            next,
            edit,
            needsKernel,
            steps,
            inputs,
            [.. problems.Select(p => p.ToString())])
        {
            SummarySaid = summary,
            ProblemsSaid = problems,
        };

    /// <summary>Single-quotes for the shell: 'it'\''s'.</summary>
    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A value from the host (a file name, a kernel version in an image path) as one shell word: as it is when the
    /// shell takes every character of it literally (/boot/vmlinuz-3.10.0-1160.el7.x86_64), else single-quoted, so
    /// "$(...)", backticks, ";" or a space in a host's file names never run as commands.
    /// </summary>
    public static string Word(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+,:=@%".Contains(c, StringComparison.Ordinal))
            ? s
            : Quote(s);
}
