using System.CommandLine;
using System.Text.Json;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record VerifyArgs(bool Canary, bool UntilFull, bool Yes, bool Json, string StateDirectory);

/// <summary>cgleak verify: after the reboot, proof that the fix took.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var canary = new Option<bool>("--canary") { Description = Messages.Get("help.verify.canary") };
        var untilFull = new Option<bool>("--until-full") { Description = Messages.Get("help.verify.until-full") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.verify.yes") };
        var output = new OutputSwitch();
        var stateDir = LabOptions.StateDir();
        var command = new Command("verify", Messages.Get("help.verify"))
        {
            canary, untilFull, yes, stateDir,
        };
        output.AddTo(command);
        command.SetAction(p => Run(new VerifyArgs(p.GetValue(canary), p.GetValue(untilFull), p.GetValue(yes), output.IsJson(p), p.GetValue(stateDir)!)));
        return command;
    }

    public static int Run(VerifyArgs args)
    {
        DoctorReport report = Doctor.Examine(HostRoot.Live, new Host.Facts.SurveyOptions { Logs = false });
        var findings = new Findings(report.Facts);
        var items = new List<VerifyItem>();

        bool applied = Lab.Boot.BootEditor.HasApplied(args.StateDirectory);
        bool onCmdline = findings.NokmemOnCmdline == true;
        items.Add(applied
            ? new VerifyItem("cmdline", onCmdline ? "pass" : "fail", onCmdline
                ? $"/proc/cmdline carries {FixPlan.NokmemArgument}, which cgleak fix apply added"
                : $"/proc/cmdline lacks {FixPlan.NokmemArgument}, which cgleak fix apply added: the node has not rebooted into the fixed entry yet, or another entry booted")
            : new VerifyItem("cmdline", "info", $"no fix applied by cgleak under {args.StateDirectory}; {FixPlan.NokmemArgument} is {(onCmdline ? "" : "not ")}on /proc/cmdline"));

        IReadOnlyList<ContainerCgroupKmem> containers = report.Facts.Tree?.Containers ?? [];
        int active = containers.Count(c => c.State == KmemState.Active);
        bool mustBeOff = findings.KernelExposed || (onCmdline && findings.Kernel?.HonoursNokmem == true);
        items.Add(containers.Count == 0
            ? new VerifyItem("kmem", "info", "no container cgroups under the memory mount to check (start a pod and run verify again for the runbook's check)")
            : active == 0
                ? new VerifyItem("kmem", "pass", $"kmem accounting is not active on any of {containers.Count} container cgroups")
                : new VerifyItem("kmem", mustBeOff ? "fail" : "info", mustBeOff
                    ? $"kmem accounting is active on {active} of {containers.Count} container cgroups: the fix has not taken for them"
                    : $"kmem accounting is active on {active} of {containers.Count} container cgroups; this kernel accounts kmem by default and releases IDs at offline (L4, I5): harmless"));

        CanaryResult? canary = null;
        if (args.Canary)
        {
            LiveCgroups cgroups = LabOptions.Cgroups();
            if (args.UntilFull)
            {
                LabOptions.Confirm(args.Yes, "--until-full fills every free memory cgroup slot twice: meanwhile no pod on this node can start.");
            }

            LabOptions.CleanupFirst(args.StateDirectory, cgroups);
            using var interrupts = new Interrupts();
            using StatusLine? status = args.Json ? null : StatusLine.ForTerminal();
            canary = new Canary(args.StateDirectory, cgroups, LinuxCgroupFs.Instance) { Progress = status is null ? null : s => status.Update("cgleak verify: " + s) }.Run(report.Kernel ?? throw new UserFacingException("the kernel release could not be read", ExitCodes.Unknown), args.UntilFull, interrupts.Token);
            items.Add(new VerifyItem("canary", canary.Leaking switch { false => "pass", true => "fail", null => "skip" }, canary.Conclusion));
        }

        string verdict = items.Any(i => i.Status == "fail") ? "not-verified" : items.Any(i => i.Status == "skip") ? "undecided" : "verified";
        if (args.Json)
        {
            var doc = new VerifyDocument(1, verdict, items, containers.Select(c => new VerifyContainer(c.HostPath, c.State.ToString().ToLowerInvariant(), c.Evidence)).ToList(),
                canary is null ? null : new VerifyCanary(canary.Method, canary.Canaries, canary.Released, canary.SlotsLost, canary.Conclusion, canary.Notes));
            Console.Out.WriteLine(JsonSerializer.Serialize(doc, LabJsonContext.Default.VerifyDocument));
        }
        else
        {
            Write(items, containers, canary, verdict);
        }

        return verdict switch { "verified" => ExitCodes.Ok, "undecided" => ExitCodes.Unknown, _ => ExitCodes.AtRisk };
    }

    private static void Write(List<VerifyItem> items, IReadOnlyList<ContainerCgroupKmem> containers, CanaryResult? canary, string verdict)
    {
        TextWriter o = Console.Out;
        o.WriteLine("cgleak verify: this host");
        if (containers.Count > 0)
        {
            o.WriteLine();
            o.WriteLine($"{"kmem",-9} container cgroup (memory.kmem.slabinfo: Input/output error = off)");
            foreach (ContainerCgroupKmem c in containers.Take(50))
            {
                o.WriteLine($"{c.State.ToString().ToLowerInvariant(),-9} {TerminalText.Escape(c.HostPath)}   ({TerminalText.Escape(c.Evidence)})"); // cgroup names are the host's
            }

            if (containers.Count > 50)
            {
                o.WriteLine($"... and {containers.Count - 50} more (--json lists all)");
            }
        }

        o.WriteLine();
        foreach (VerifyItem i in items)
        {
            o.WriteLine($"[{i.Status.ToUpperInvariant()}] {i.Id}: {TerminalText.Escape(i.Summary)}");
        }

        foreach (string note in canary?.Notes ?? [])
        {
            o.WriteLine($"       note: {TerminalText.Escape(note)}");
        }

        o.WriteLine();
        o.WriteLine($"Verdict: {verdict.ToUpperInvariant()}");
    }
}

public sealed record VerifyItem(string Id, string Status, string Summary);

public sealed record VerifyContainer(string Path, string Kmem, string Evidence);

public sealed record VerifyCanary(string Method, int Canaries, int? Released, long? SlotsLost, string Conclusion, IReadOnlyList<string> Notes);

public sealed record VerifyDocument(int SchemaVersion, string Verdict, IReadOnlyList<VerifyItem> Items, IReadOnlyList<VerifyContainer> Containers, VerifyCanary? Canary);
