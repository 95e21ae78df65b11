using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cgleak.Cli.Core;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Facts;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record ReclaimArgs(bool DryRun, bool Yes, bool Json, double WaitSeconds);

/// <summary>
/// cgleak reclaim: releases dying memory cgroups where the kernel can. The one command that touches system-wide state.
/// </summary>
public static class ReclaimCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = Messages.Get("help.reclaim.dry-run") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.reclaim.yes") };
        var output = new OutputSwitch();
        var wait = new Option<double>("--wait")
        {
            Description = Messages.Get("help.reclaim.wait"),
            DefaultValueFactory = _ => 30,
            HelpName = "SECONDS"
        };
        var command = new Command("reclaim", Messages.Get("help.reclaim"))
        {
            dryRun, yes, wait,
        };
        output.AddTo(command);
        command.SetAction(p => Run(
            new ReclaimArgs(p.GetValue(dryRun), p.GetValue(yes), output.IsJson(p), p.GetValue(wait)),
            Console.Out,
            HostRoot.Live,
            TimeProvider.System,
            () => new Interrupts()));
        return command;
    }

    /// <summary>
    /// Reads the host's dying count, then (unless --dry-run) writes the kernel's reclaim files and waits on
    /// <paramref name="clock"/> for the count to settle. <paramref name="host"/> is the live host, or a host tree in
    /// tests.
    /// </summary>
    public static int Run(
        ReclaimArgs args,
        TextWriter output,
        HostRoot host,
        TimeProvider clock,
        Func<Interrupts> interrupted)
    {
        if (args.WaitSeconds < 0)
        {
            throw new UserFacingException(
                Messages.Get("error.not-negative", "--wait", args.WaitSeconds),
                ExitCodes.Usage);
        }

        DoctorReport report = Doctor.Examine(host, SurveyOptions.CountsOnly);
        if (report.Facts.Layout.MemoryMountPoint is null)
        {
            throw new UserFacingException(Messages.Get("reclaim.no-memory-mount"), ExitCodes.Unavailable);
        }

        ReclaimPlan plan = ReclaimPlan.For(report);
        if (args.DryRun)
        {
            Write(output, args, plan, new ReclaimResult(plan, report.Counts.Dying, null, 0, []), dryRun: true);
            return ExitCodes.Ok;
        }

        LabOptions.Confirm(args.Yes, string.Join(
            '\n',
            Commands(plan).Prepend(Messages.Get("reclaim.will-run")).Append(Messages.Get("reclaim.confirm"))));
        using Interrupts interrupts = interrupted();
        using StatusLine? status = args.Json ? null : StatusLine.ForTerminal();
        ReclaimResult result = new Reclaim(host, () => Lab.Reclaim.DyingOf(host), clock)
        {
            Progress = status is null ? null : (dying, seconds) => status.Update(Messages.Get(
                "progress.reclaim",
                dying?.ToString(CultureInfo.InvariantCulture) ?? "?",
                seconds,
                args.WaitSeconds)),
        }.Run(plan, TimeSpan.FromSeconds(args.WaitSeconds), interrupts.Token);
        status?.Dispose();
        Write(output, args, plan, result, dryRun: false);
        return ExitCodes.Ok;
    }

    private static void Write(TextWriter o, ReclaimArgs args, ReclaimPlan plan, ReclaimResult r, bool dryRun)
    {
        if (args.Json)
        {
            var doc = new ReclaimDocument(
                1,
                dryRun,
                plan.Actions.Select(a => new ReclaimActionInfo(a.File, a.Value, a.Why)).ToList(),
                plan.RebootNote,
                r.DyingBefore,
                r.DyingAfter,
                r.Released,
                Math.Round(r.Seconds, 3));
            o.WriteLine(JsonSerializer.Serialize(doc, LabJsonContext.Default.ReclaimDocument));
            return;
        }

        o.WriteLine(Messages.Get(dryRun ? "reclaim.would-run" : "reclaim.ran"));
        foreach (string command in Commands(plan))
        {
            o.WriteLine(command);
        }

        if (plan.RebootSaid is { } note)
        {
            o.WriteLine(note.In(Languages.Current));
        }

        static string N(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? Messages.Get("doctor.unknown");
        o.WriteLine(dryRun
            ? Messages.Get("reclaim.dying-now", N(r.DyingBefore))
            : Messages.Get("reclaim.dying", N(r.DyingBefore), N(r.DyingAfter), N(r.Released), r.Seconds));
        if (!plan.CanMeasure)
        {
            o.WriteLine(Messages.Get("reclaim.cannot-measure"));
        }
    }

    /// <summary>What reclaim runs, as shell lines with their reasons as comments.</summary>
    private static IEnumerable<string> Commands(ReclaimPlan plan) =>
        [$"  sync   # {Messages.Get("reclaim.why.sync")}", .. plan.Actions
            .Select(a => $"  echo {a.Value} > {a.File}   # {a.Said.In(Languages.Current)}")];
}

public sealed record ReclaimActionInfo(string File, string Value, string Why);

public sealed record ReclaimDocument(
    int SchemaVersion,
    bool DryRun,
    IReadOnlyList<ReclaimActionInfo> Actions,
    string? RebootNote,
    long? DyingBefore,
    long? DyingAfter,
    long? Released,
    double Seconds);
