using System.CommandLine;
using System.Text.Json;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis.Text;
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
        var max = new Option<int>("--max") { Description = Messages.Get("help.probe.max"), DefaultValueFactory = _ => DefaultMax, HelpName = "N" };
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
        command.SetAction(p => Run(new ProbeArgs(p.GetValue(max), p.GetValue(untilFull), p.GetValue(yes), output.IsJson(p), p.GetValue(stateDir)!, p.GetValue(hold))));
        return command;
    }

    public static int Run(ProbeArgs args)
    {
        if (args.Max < 1 || args.HoldSeconds < 0)
        {
            throw new UserFacingException(args.Max < 1 ? $"--max {args.Max}: must be at least 1" : $"--hold {args.HoldSeconds}: must not be negative", ExitCodes.Usage);
        }

        LiveCgroups cgroups = LabOptions.Cgroups();
        if (args.UntilFull)
        {
            LabOptions.Confirm(args.Yes, "--until-full takes every free memory cgroup slot until the kernel refuses: while they are held (a second or two), no pod on this node can start.");
        }

        LabOptions.CleanupFirst(args.StateDirectory, cgroups);
        using var interrupts = new Interrupts();
        ProbeResult result = RunWithProgress(args, cgroups, interrupts.Token);
        if (args.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(ToDocument(result, cgroups), LabJsonContext.Default.ProbeDocument));
        }
        else
        {
            WriteText(result, args, cgroups);
        }

        return result.Left.Count == 0 ? ExitCodes.Ok : ExitCodes.LeftBehind;
    }

    /// <summary>Runs a bounded probe for the doctor (--probe): cleanup first, journaled, interruptible.</summary>
    public static ProbeResult ForDoctor(int max, string stateDirectory)
    {
        LiveCgroups cgroups = LabOptions.Cgroups();
        LabOptions.CleanupFirst(stateDirectory, cgroups);
        using var interrupts = new Interrupts();
        return new Probe(LinuxCgroupFs.Instance, stateDirectory, cgroups).Run(new ProbeRequest(max), interrupts.Token);
    }

    private static ProbeResult RunWithProgress(ProbeArgs args, LiveCgroups cgroups, CancellationToken cancel)
    {
        var request = new ProbeRequest(args.UntilFull ? null : args.Max, TimeSpan.FromSeconds(args.HoldSeconds));
        if (Console.IsErrorRedirected || args.Json)
        {
            return new Probe(LinuxCgroupFs.Instance, args.StateDirectory, cgroups).Run(request, cancel);
        }

        IAnsiConsole err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ProbeResult? result = null;
        err.Progress().AutoClear(true).Start(ctx =>
        {
            ProgressTask task = ctx.AddTask("creating memory cgroups", maxValue: args.UntilFull ? ProbeResult.IdLimit : args.Max);
            var probe = new Probe(LinuxCgroupFs.Instance, args.StateDirectory, cgroups) { Progress = n => task.Value = n };
            result = probe.Run(request, cancel);
        });
        return result!;
    }

    private static void WriteText(ProbeResult r, ProbeArgs args, LiveCgroups cgroups)
    {
        TextWriter o = Console.Out;
        o.WriteLine($"cgleak probe: created {r.Created} empty memory cgroups under {cgroups.MemoryMount}/cgleak-probe-*, then removed them.");
        o.WriteLine(r.Exact
            ? $"Free slots      {r.FreeSlots} (exact: the kernel refused the next one with {r.Refusal})"
            : $"Free slots      at least {r.FreeSlots} (stopped at --max {args.Max}; the kernel did not refuse)");
        o.WriteLine(r.IdsInUse is { } used
            ? $"IDs in use      {used} of {ProbeResult.IdLimit} ({(double)used / ProbeResult.IdLimit:P1})"
            : $"IDs in use      at most {ProbeResult.IdLimit - r.FreeSlots} of {ProbeResult.IdLimit}");
        if (r.HiddenIds is { } hidden)
        {
            o.WriteLine($"Hidden          {hidden} IDs held beyond the {r.KernelCountBefore} that /proc/cgroups counts (zombies a 3.10 kernel does not count, kmem-facts C2)");
        }

        o.WriteLine($"Kernel count    /proc/cgroups memory {N(r.KernelCountBefore)} before, {N(r.KernelCountAfter)} right after (removed empty cgroups leave the count within seconds, O3)");
        o.WriteLine($"Speed           created {r.CreatePerSecond:N0}/s ({r.CreateSeconds * 1000:N1} ms), removed in {r.RemoveSeconds * 1000:N1} ms");
        foreach (string left in r.Left)
        {
            o.WriteLine($"LEFT BEHIND     {left} (run `cgleak cleanup`)");
        }
    }

    private static string N(long? v) => v?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";

    public static ProbeDocument ToDocument(ProbeResult r, LiveCgroups cgroups) => new(
        1, cgroups.MemoryMount, r.Created, r.FreeSlots, r.Exact, r.Refusal, r.IdsInUse, r.HiddenIds,
        r.KernelCountBefore, r.KernelCountAfter, Math.Round(r.CreateSeconds, 6), Math.Round(r.RemoveSeconds, 6),
        Math.Round(r.CreatePerSecond), r.Left);
}

public sealed record ProbeDocument(
    int SchemaVersion, string MemoryMount, int Created, long FreeSlots, bool Exact, string? RefusedWith, long? IdsInUse, long? HiddenIds,
    long? KernelCountBefore, long? KernelCountAfter, double CreateSeconds, double RemoveSeconds, double CreatePerSecond, IReadOnlyList<string> Left);
