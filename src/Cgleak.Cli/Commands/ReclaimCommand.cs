using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Facts;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record ReclaimArgs(bool DryRun, bool Yes, bool Json, double WaitSeconds);

/// <summary>cgleak reclaim: releases dying memory cgroups where the kernel can. The one command that touches system-wide state.</summary>
public static class ReclaimCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = Messages.Get("help.reclaim.dry-run") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.reclaim.yes") };
        var output = new OutputSwitch();
        var wait = new Option<double>("--wait") { Description = Messages.Get("help.reclaim.wait"), DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        var command = new Command("reclaim", Messages.Get("help.reclaim"))
        {
            dryRun, yes, wait,
        };
        output.AddTo(command);
        command.SetAction(p => Run(new ReclaimArgs(p.GetValue(dryRun), p.GetValue(yes), output.IsJson(p), p.GetValue(wait))));
        return command;
    }

    public static int Run(ReclaimArgs args)
    {
        if (args.WaitSeconds < 0)
        {
            throw new UserFacingException($"--wait {args.WaitSeconds}: must not be negative", ExitCodes.Usage);
        }

        DoctorReport report = Doctor.Examine(HostRoot.Live, SurveyOptions.CountsOnly);
        if (report.Facts.Layout.MemoryMountPoint is null)
        {
            throw new UserFacingException("no memory cgroup hierarchy is mounted here: there is nothing to reclaim", ExitCodes.Unavailable);
        }

        ReclaimPlan plan = ReclaimPlan.For(report);
        if (args.DryRun)
        {
            Write(args, plan, new ReclaimResult(plan, report.Counts.Dying, null, 0, []), dryRun: true);
            return ExitCodes.Ok;
        }

        LabOptions.Confirm(args.Yes, "cgleak reclaim will run:\n  sync\n" + string.Join('\n', plan.Actions.Select(a => $"  echo {a.Value} > {a.File}   # {a.Why}"))
            + "\nDropping caches makes every process on this node re-read its files from disk for a while.");
        using var interrupts = new Interrupts();
        using StatusLine? status = args.Json ? null : StatusLine.ForTerminal();
        ReclaimResult result = new Reclaim(Lab.Reclaim.LiveDying)
        {
            Progress = status is null ? null : (dying, seconds) => status.Update(Messages.Get("progress.reclaim", dying?.ToString(CultureInfo.InvariantCulture) ?? "?", seconds, args.WaitSeconds)),
        }.Run(plan, TimeSpan.FromSeconds(args.WaitSeconds), interrupts.Token);
        status?.Dispose();
        Write(args, plan, result, dryRun: false);
        return ExitCodes.Ok;
    }

    private static void Write(ReclaimArgs args, ReclaimPlan plan, ReclaimResult r, bool dryRun)
    {
        if (args.Json)
        {
            var doc = new ReclaimDocument(1, dryRun, plan.Actions.Select(a => new ReclaimActionInfo(a.File, a.Value, a.Why)).ToList(),
                plan.RebootNote, r.DyingBefore, r.DyingAfter, r.Released, Math.Round(r.Seconds, 3));
            Console.Out.WriteLine(JsonSerializer.Serialize(doc, LabJsonContext.Default.ReclaimDocument));
            return;
        }

        TextWriter o = Console.Out;
        o.WriteLine(dryRun ? "cgleak reclaim (dry run): would run" : "cgleak reclaim: ran");
        o.WriteLine("  sync   # write dirty pages back first: drop_caches drops clean ones only");
        foreach (ReclaimAction a in plan.Actions)
        {
            o.WriteLine($"  echo {a.Value} > {a.File}   # {a.Why}");
        }

        if (plan.RebootNote is { } note)
        {
            o.WriteLine(note);
        }

        static string N(long? v) => v?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
        o.WriteLine(dryRun
            ? $"Dying now       {N(r.DyingBefore)}"
            : $"Dying           {N(r.DyingBefore)} before, {N(r.DyingAfter)} after: {N(r.Released)} released in {r.Seconds:N1} s");
        if (!plan.CanMeasure)
        {
            o.WriteLine("This kernel does not count dying memory cgroups (kmem-facts C2): the effect cannot be measured here; `cgleak probe --until-full` on a drained node can.");
        }
    }
}

public sealed record ReclaimActionInfo(string File, string Value, string Why);

public sealed record ReclaimDocument(int SchemaVersion, bool DryRun, IReadOnlyList<ReclaimActionInfo> Actions, string? RebootNote,
    long? DyingBefore, long? DyingAfter, long? Released, double Seconds);
