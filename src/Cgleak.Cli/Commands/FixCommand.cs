using System.CommandLine;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;

namespace Cgleak.Cli.Commands;

public sealed record FixPlanArgs(string? HostRoot, string Method, string Format, string? KernelPackages);

/// <summary>cgleak fix plan | apply | undo: the runbook's two repair methods as a plan a person reviews.</summary>
public static class FixCommand
{
    public static Command Create()
    {
        var fix = new Command("fix", "The runbook's repairs as a reviewed plan: `fix plan` shows it, `fix apply` makes its boot changes, `fix undo` reverts them.");
        fix.Subcommands.Add(PlanCommand());
        return fix;
    }

    private static Command PlanCommand()
    {
        var hostRoot = new Option<string?>("--host-root") { Description = "Plan for the host laid out under DIR.", HelpName = "DIR" };
        var method = new Option<string>("--method") { Description = "kernel (cgroup.memory=nokmem), components (runc/containerd/kubelet), or auto.", DefaultValueFactory = _ => "auto", HelpName = "kernel|components|auto" };
        method.AcceptOnlyFromAmong("kernel", "components", "auto");
        var format = new Option<string>("--format") { Description = "text, sh (a script to review and run) or json.", DefaultValueFactory = _ => "text", HelpName = "text|sh|json" };
        format.AcceptOnlyFromAmong("text", "sh", "json");
        var packages = new Option<string?>("--kernel-packages") { Description = "A directory of kernel packages for an offline upgrade.", HelpName = "DIR" };
        var command = new Command("plan", "An ordered plan for this host: each step with why, the exact command, how to check it, how to undo it.")
        {
            hostRoot, method, format, packages,
        };
        command.SetAction(p => RunPlan(new FixPlanArgs(p.GetValue(hostRoot), p.GetValue(method)!, p.GetValue(format)!, p.GetValue(packages))));
        return command;
    }

    public static int RunPlan(FixPlanArgs args)
    {
        HostRoot host = DoctorCommand.ResolveHost(args.HostRoot);
        FixPlan plan = MakePlan(host, args.Method, args.KernelPackages);
        string label = HostLabel(host, plan);
        Console.Out.Write(args.Format switch
        {
            "sh" => PlanRenderer.Shell(plan, label),
            "json" => PlanRenderer.Json(plan) + "\n",
            _ => PlanRenderer.Text(plan, label),
        });
        return ExitCodes.Ok;
    }

    internal static FixPlan MakePlan(HostRoot host, string method, string? kernelPackages)
    {
        DoctorReport report = Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = true });
        BootConfig boot = BootConfig.Read(host);
        var request = new PlanRequest(method switch { "kernel" => FixMethod.Kernel, "components" => FixMethod.Components, _ => FixMethod.Auto }, kernelPackages);
        return FixPlanner.Plan(report, boot, request);
    }

    private static string HostLabel(HostRoot host, FixPlan plan) =>
        host.IsLive ? "this host" : "host tree " + Path.GetFileName(host.Directory.TrimEnd('/'));
}
