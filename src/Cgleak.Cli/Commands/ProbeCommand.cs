using System.CommandLine;
using System.Text.Json;
using Cgleak.Cli.Core;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;
using Cgleak.Lab;
using Spectre.Console;

namespace Cgleak.Cli.Commands;

public sealed record ProbeArgs(int Max, bool UntilFull, bool Yes, bool Json, string StateDirectory, double HoldSeconds);

/// <summary>cgleak probe: measures the real headroom by trying.</summary>
public static class ProbeCommand
{
    public const int DefaultMax = 1000;

    public static Command Create()
    {
        var max = new Option<int>("--max")
        {
            Description = Messages.Get("help.probe.max"),
            DefaultValueFactory = _ => DefaultMax,
            HelpName = "N"
        };
        var untilFull = new Option<bool>("--until-full") { Description = Messages.Get("help.probe.until-full") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.probe.yes") };
        var output = new OutputSwitch();
        var hold = new Option<double>("--hold") { Description = Messages.Get("help.probe.hold"), HelpName = "SECONDS" };
        var stateDir = LabOptions.StateDir();
        var command = new Command("probe", Messages.Get("help.probe"))
        {
            max, untilFull, yes, hold, stateDir,
        };
        output.AddTo(command);
        command.SetAction(p => Run(new ProbeArgs(
            p.GetValue(max),
            p.GetValue(untilFull),
            p.GetValue(yes),
            output.IsJson(p),
            p.GetValue(stateDir)!,
            p.GetValue(hold)),
            Console.Out, CgroupAccess.Live, TimeProvider.System, () => new Interrupts()));
        return command;
    }

    /// <summary>
    /// Cleans up first, probes through <paramref name="access"/> (--hold waits on <paramref name="clock"/>), writes the
    /// result; 4 when something was left behind.
    /// </summary>
    public static int Run(
        ProbeArgs args,
        TextWriter output,
        CgroupAccess access,
        TimeProvider clock,
        Func<Interrupts> interrupted)
    {
        if (args.Max < 1 || args.HoldSeconds < 0)
        {
            throw new UserFacingException(args.Max < 1
                ? Messages.Get("error.at-least-1", "--max", args.Max)
                : Messages.Get("error.not-negative", "--hold", args.HoldSeconds), ExitCodes.Usage);
        }

        LiveCgroups cgroups = access.Mounts();
        if (args.UntilFull)
        {
            LabOptions.Confirm(args.Yes, Messages.Get("probe.confirm-until-full"));
        }

        LabOptions.CleanupFirst(args.StateDirectory, cgroups, access.Fs);
        using Interrupts interrupts = interrupted();
        ProbeResult result = RunWithProgress(args, cgroups, access.Fs, clock, interrupts.Token);
        if (args.Json)
        {
            output.WriteLine(
                JsonSerializer.Serialize(ToDocument(result, cgroups), LabJsonContext.Default.ProbeDocument));
        }
        else
        {
            WriteText(output, result, args, cgroups);
        }

        return result.Left.Count == 0 ? ExitCodes.Ok : ExitCodes.LeftBehind;
    }

    /// <summary>
    /// Runs a bounded probe for the doctor (--probe): cleanup first, journaled, interruptible. It holds nothing and
    /// the doctor keeps only the counts, so its times come from the system clock.
    /// </summary>
    public static ProbeResult ForDoctor(
        int max,
        string stateDirectory,
        CgroupAccess access,
        Func<Interrupts> interrupted)
    {
        LiveCgroups cgroups = access.Mounts();
        LabOptions.CleanupFirst(stateDirectory, cgroups, access.Fs);
        using Interrupts interrupts = interrupted();
        return new Probe(access.Fs, stateDirectory, cgroups, TimeProvider.System)
            .Run(new ProbeRequest(max), interrupts.Token);
    }

    private static ProbeResult RunWithProgress(
        ProbeArgs args,
        LiveCgroups cgroups,
        ICgroupFs fs,
        TimeProvider clock,
        CancellationToken cancel)
    {
        var request = new ProbeRequest(args.UntilFull ? null : args.Max, TimeSpan.FromSeconds(args.HoldSeconds));
        if (Console.IsErrorRedirected || args.Json)
        {
            return new Probe(fs, args.StateDirectory, cgroups, clock).Run(request, cancel);
        }

        IAnsiConsole err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ProbeResult? result = null;
        err.Progress().AutoClear(true).Start(ctx =>
        {
            ProgressTask task = ctx.AddTask(
                Messages.Get("progress.probe"),
                maxValue: args.UntilFull ? MemcgIdSpace.Limit : args.Max);
            var probe = new Probe(fs, args.StateDirectory, cgroups, clock) { Progress = n => task.Value = n };
            result = probe.Run(request, cancel);
        });
        return result!;
    }

    private static void WriteText(TextWriter o, ProbeResult r, ProbeArgs args, LiveCgroups cgroups)
    {
        o.WriteLine(Messages.Get("probe.created", r.Created, cgroups.MemoryMount));
        o.WriteLine(r.Exact
            ? Messages.Get("probe.free.exact", r.FreeSlots, r.RefusalSaid)
            : Messages.Get("probe.free.at-least", r.FreeSlots, args.Max));
        o.WriteLine(r.IdsInUse is { } used
            ? Messages.Get("probe.ids", used, MemcgIdSpace.Limit, (double)used / MemcgIdSpace.Limit)
            : Messages.Get("probe.ids.at-most", MemcgIdSpace.Limit - r.FreeSlots, MemcgIdSpace.Limit));
        if (r.HiddenIds is { } hidden)
        {
            o.WriteLine(Messages.Get("probe.hidden", hidden, r.KernelCountBefore));
        }

        o.WriteLine(Messages.Get("probe.kernel-count", N(r.KernelCountBefore), N(r.KernelCountAfter)));
        o.WriteLine(Messages.Get("probe.speed", r.CreatePerSecond, r.CreateSeconds * 1000, r.RemoveSeconds * 1000));
        foreach (string left in r.Left)
        {
            o.WriteLine(Messages.Get("probe.left", left));
        }
    }

    private static string N(long? v)
        => v?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Messages.Get("doctor.unknown");

    public static ProbeDocument ToDocument(ProbeResult r, LiveCgroups cgroups) => new(
        1, cgroups.MemoryMount, r.Created, r.FreeSlots, r.Exact, r.Refusal, r.IdsInUse, r.HiddenIds,
        r.KernelCountBefore, r.KernelCountAfter, Math.Round(r.CreateSeconds, 6), Math.Round(r.RemoveSeconds, 6),
        Math.Round(r.CreatePerSecond), r.Left);
}

public sealed record ProbeDocument(
    int SchemaVersion,
    string MemoryMount,
    int Created,
    long FreeSlots,
    bool Exact,
    string? RefusedWith,
    long? IdsInUse,
    long? HiddenIds,
    long? KernelCountBefore,
    long? KernelCountAfter,
    double CreateSeconds,
    double RemoveSeconds,
    double CreatePerSecond,
    IReadOnlyList<string> Left);
