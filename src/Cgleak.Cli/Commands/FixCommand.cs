using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;

namespace Cgleak.Cli.Commands;

public sealed record FixPlanArgs(string? HostRoot, string Method, string Format, string? KernelPackages);

public sealed record FixApplyArgs(string? HostRoot, string? PlanFile, string Method, bool Yes, string? StateDirectory);

public sealed record FixUndoArgs(string? HostRoot, bool Yes, string? StateDirectory);

/// <summary>cgleak fix plan | apply | undo: the runbook's two repair methods as a plan a person reviews.</summary>
public static class FixCommand
{
    public static Command Create()
    {
        var fix = new Command("fix", Messages.Get("help.fix"));
        fix.Subcommands.Add(PlanCommand());
        fix.Subcommands.Add(ApplyCommand());
        fix.Subcommands.Add(UndoCommand());
        return fix;
    }

    /// <summary>--method kernel|components|auto (auto unless given), for plan and apply alike.</summary>
    private static Option<string> MethodOption(string helpKey)
    {
        var method = new Option<string>("--method")
        {
            Description = Messages.Get(helpKey),
            DefaultValueFactory = _ => "auto",
            HelpName = "kernel|components|auto",
        };
        method.AcceptOnlyFromAmong("kernel", "components", "auto");
        return method;
    }

    private static Command PlanCommand()
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.fix.host-root"),
            HelpName = "DIR"
        };
        Option<string> method = MethodOption("help.fix.method");
        var output = new OutputSwitch("sh"); // sh: a script to review and run
        var packages = new Option<string?>("--kernel-packages")
        {
            Description = Messages.Get("help.fix.kernel-packages"),
            HelpName = "DIR"
        };
        var command = new Command("plan", Messages.Get("help.fix.plan"))
        {
            hostRoot, method, packages,
        };
        output.AddTo(command);
        command.SetAction(p => RunPlan(
            new FixPlanArgs(p.GetValue(hostRoot), p.GetValue(method)!, output.Format(p), p.GetValue(packages)),
            Console.Out));
        return command;
    }

    private static Option<string?> FixStateDir() => new("--state-dir")
    {
        Description = Messages.Get("help.fix.plan.1"),
        HelpName = "DIR",
    };

    private static Command ApplyCommand()
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.fix.host-root.1"),
            HelpName = "DIR"
        };
        var planFile = new Option<string?>("--plan")
        {
            Description = Messages.Get("help.fix.plan.2"),
            HelpName = "FILE"
        };
        Option<string> method = MethodOption("help.fix.method.1");
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.fix.yes") };
        var stateDir = FixStateDir();
        var command = new Command("apply", Messages.Get("help.fix.apply"))
        {
            hostRoot, planFile, method, yes, stateDir,
        };
        command.SetAction(p => RunApply(new FixApplyArgs(
            p.GetValue(hostRoot),
            p.GetValue(planFile),
            p.GetValue(method)!,
            p.GetValue(yes),
            p.GetValue(stateDir)),
            Console.Out));
        return command;
    }

    private static Command UndoCommand()
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.fix.host-root.2"),
            HelpName = "DIR"
        };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.fix.yes.1") };
        var stateDir = FixStateDir();
        var command = new Command("undo", Messages.Get("help.fix.undo"))
        {
            hostRoot, yes, stateDir,
        };
        command.SetAction(
            p => RunUndo(new FixUndoArgs(p.GetValue(hostRoot), p.GetValue(yes), p.GetValue(stateDir)), Console.Out));
        return command;
    }

    /// <summary>
    /// Shows the plan, asks (or takes --yes), applies its boot edit with a byte-exact backup; 69 when a kernel must
    /// come first.
    /// </summary>
    public static int RunApply(FixApplyArgs args, TextWriter output)
    {
        HostRoot host = HostArgument.Resolve(args.HostRoot);
        FixPlan plan = args.PlanFile is null ? MakePlan(host, args.Method, null) : Rederived(host, args.PlanFile);
        output.Write(PlanRenderer.Text(plan, HostLabel(host, plan)));
        if (plan.Edit is null || plan.NeedsKernelFirst)
        {
            output.WriteLine();
            output.WriteLine(plan.NeedsKernelFirst
                ? "cgleak fix apply: a kernel that honours cgroup.memory=nokmem must be installed first: nothing was "
                    + "changed."
                : "cgleak fix apply: no boot change to apply: nothing was changed.");
            return plan.NeedsKernelFirst ? ExitCodes.Unavailable : ExitCodes.Ok;
        }

        LabOptions.Confirm(args.Yes, $"Apply steps marked [cgleak fix apply does this] to {HostLabel(host, plan)}?");
        BootChangeResult result = Editor(host, args.StateDirectory, BootConfig.Read(host)).Apply(plan);
        Report(output, "apply", result, host);
        if (result.Changed)
        {
            output.WriteLine("Reboot required: drain the node, reboot, then check `grep -o cgroup.memory=nokmem "
                + "/proc/cmdline` and run `cgleak verify --canary` (steps above).");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Restores the boot files the last apply changed, byte for byte.</summary>
    public static int RunUndo(FixUndoArgs args, TextWriter output)
    {
        HostRoot host = HostArgument.Resolve(args.HostRoot);
        LabOptions.Confirm(args.Yes, "Restore the boot files the last `cgleak fix apply` changed?");
        Report(output, "undo", Editor(host, args.StateDirectory, null).Undo(), host);
        return ExitCodes.Ok;
    }

    /// <summary>grubby runs only on the live host, and only where the boot model found one.</summary>
    private static BootEditor Editor(HostRoot host, string? stateDir, BootConfig? boot)
    {
        try
        {
            return new BootEditor(
                host,
                stateDir ?? BootEditor.DefaultStateDirectory(host),
                host.IsLive ? boot?.Grubby : null);
        }
        catch (Lab.LabException e)
        {
            throw new UserFacingException(e.Message, ExitCodes.Unavailable);
        }
    }

    /// <summary>
    /// What apply or undo did, one line each; paths are the host's (a file name may hold a control byte): escaped.
    /// </summary>
    private static void Report(TextWriter output, string what, BootChangeResult result, HostRoot host)
    {
        foreach (string m in result.Messages)
        {
            output.WriteLine($"cgleak fix {what}: {TerminalText.Escape(m)}");
        }

        foreach (ChangedFile f in result.Files)
        {
            output.WriteLine($"cgleak fix {what}: changed {TerminalText.Escape(f.HostPath)} (sha256 "
                + $"{f.Sha256Before[..12]} -> {f.Sha256After[..12]})");
        }

        if (result.BackupDirectory is { } dir)
        {
            output.WriteLine(TerminalText.Escape($"cgleak fix {what}: backups in {dir}; `cgleak fix "
                + $"undo{(host.IsLive ? "" : " --host-root " + host.Directory)}` restores them"));
        }
    }

    /// <summary>
    /// A saved plan is evidence of what a person reviewed, not an order: the edit is derived again from the host
    /// and must be the same, field by field; the saved plan's input hashes still guard against files changed since.
    /// </summary>
    private static FixPlan Rederived(HostRoot host, string planFile)
    {
        FixPlan saved = ReadPlan(planFile);
        string method = saved
            .Method switch
        { FixMethod.Kernel => "kernel", FixMethod.Components => "components", _ => "auto" };
        FixPlan now = MakePlan(host, method, null);
        if (Json(saved.Edit) != Json(now.Edit) || saved.NeedsKernelFirst != now.NeedsKernelFirst)
        {
            throw new UserFacingException(
                $"--plan {planFile}: its boot change ({Describe(saved.Edit)}) is not the one cgleak derives from the "
                    + $"host now ({Describe(now.Edit)}): make a new plan with `cgleak fix plan --format json` and "
                        + $"review it; nothing was changed",
                ExitCodes.Unavailable);
        }

        return now with { Inputs = saved.Inputs };
    }

    /// <summary>
    /// An edit as the plan file spells it: compared field by field, lists included (record equality compares their
    /// references).
    /// </summary>
    private static string Json(BootEdit? edit) =>
        edit is null
            ? "null"
            : System.Text.Json.JsonSerializer.Serialize(edit, Rendering.PlanJsonContext.Default.BootEdit);

    private static string Describe(BootEdit? edit) => edit is null
        ? "none"
        : string.Concat($"{edit.Argument} for {edit.TargetKernel}, default {edit.NewDefault ?? "unchanged"}".Select(
            c => char.IsControl(c) ? '?' : c));

    private static FixPlan ReadPlan(string file)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(file), PlanJsonContext.Default.FixPlan)
                ?? throw new UserFacingException(Messages.Get("error.plan-empty", file), ExitCodes.Usage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException(
                Messages.Get("error.plan-unreadable", file, IOSaid.Of(e, file)),
                ExitCodes.Usage);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserFacingException(Messages.Get("error.plan-not-a-plan", file, e.Message), ExitCodes.Usage);
        }
    }

    /// <summary>The plan as text, a shell script or JSON; the exit code is the doctor's verdict.</summary>
    public static int RunPlan(FixPlanArgs args, TextWriter output)
    {
        HostRoot host = HostArgument.Resolve(args.HostRoot);
        (FixPlan plan, DoctorReport report) = MakePlanWithReport(host, args.Method, args.KernelPackages);
        string label = HostLabel(host, plan);
        output.Write(args.Format switch
        {
            "sh" => PlanRenderer.Shell(plan, label),
            "json" => PlanRenderer.Json(plan) + "\n",
            _ => PlanRenderer.Text(plan, label),
        });
        return PlanExitCode(report.Verdict);
    }

    /// <summary>
    /// fix plan exits with the doctor's verdict (README "Exit codes"): 0 nothing to fix, 1 at risk and 2 affected while
    /// the risk the plan removes remains, 3 unknown: no plan, and what is missing.
    /// </summary>
    internal static int PlanExitCode(Verdict verdict) => verdict switch
    {
        Verdict.Ok => ExitCodes.Ok,
        Verdict.AtRisk => ExitCodes.AtRisk,
        Verdict.Affected => ExitCodes.Affected,
        _ => ExitCodes.Unknown,
    };

    internal static FixPlan MakePlan(HostRoot host, string method, string? kernelPackages) =>
        MakePlanWithReport(host, method, kernelPackages).Plan;

    private static (FixPlan Plan, DoctorReport Report) MakePlanWithReport(
        HostRoot host,
        string method,
        string? kernelPackages)
    {
        DoctorReport report = Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = true });
        BootConfig boot = BootConfig.Read(host);
        var request = new PlanRequest(
            method switch { "kernel" => FixMethod.Kernel, "components" => FixMethod.Components, _ => FixMethod.Auto },
            kernelPackages);
        return (FixPlanner.Plan(report, boot, request), report);
    }

    private static string HostLabel(HostRoot host, FixPlan plan) =>
        host.IsLive
            ? Messages.Get("doctor.this-host")
            : Messages.Get("doctor.host-tree", Path.GetFileName(host.Directory.TrimEnd('/')));
}
