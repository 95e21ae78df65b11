using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cgleak.Cli.Core;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis.Text;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record ReproArgs(
    string? Runtime,
    int Pods,
    int Parallel,
    bool KeepFiles,
    string? Kmem,
    int ProbeMax,
    bool UntilFull,
    bool Yes,
    bool Json,
    string StateDirectory);

/// <summary>cgleak repro: the runbook's experiment, automated and safe.</summary>
public static class ReproCommand
{
    public static Command Create()
    {
        var runtime = new Option<string?>("--runtime")
        {
            Description = Messages.Get("help.repro.runtime"),
            HelpName = "runc|none"
        };
        runtime.AcceptOnlyFromAmong("runc", "none");
        var pods = new Option<int>("--pods")
        {
            Description = Messages.Get("help.repro.pods"),
            DefaultValueFactory = _ => 10,
            HelpName = "K"
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = Messages.Get("help.repro.parallel"),
            DefaultValueFactory = _ => 4,
            HelpName = "P"
        };
        var keepFiles = new Option<bool>("--keep-files") { Description = Messages.Get("help.repro.keep-files") };
        var kmem = new Option<string?>("--kmem") { Description = Messages.Get("help.repro.kmem"), HelpName = "LIMIT" };
        var probeMax = new Option<int>("--probe-max")
        {
            Description = Messages.Get("help.repro.probe-max"),
            DefaultValueFactory = _ => 200,
            HelpName = "N"
        };
        var untilFull = new Option<bool>("--until-full") { Description = Messages.Get("help.repro.until-full") };
        var yes = new Option<bool>("--yes") { Description = Messages.Get("help.repro.yes") };
        var output = new OutputSwitch();
        var stateDir = LabOptions.StateDir();
        var command = new Command("repro", Messages.Get("help.repro"))
        {
            runtime, pods, parallel, keepFiles, kmem, probeMax, untilFull, yes, stateDir,
        };
        output.AddTo(command);
        command.SetAction(p => Run(new ReproArgs(
            p.GetValue(runtime),
            p.GetValue(pods),
            p.GetValue(parallel),
            p.GetValue(keepFiles),
            p.GetValue(kmem),
            p.GetValue(probeMax),
            p.GetValue(untilFull),
            p.GetValue(yes),
            output.IsJson(p),
            p.GetValue(
                stateDir)!), Console.Out, CgroupAccess.Live, TimeProvider.System, () => new Interrupts()));
        return command;
    }

    /// <summary>
    /// Cleans up first, runs the experiment through <paramref name="access"/>, its waits on <paramref name="clock"/>,
    /// writes the table or JSON.
    /// </summary>
    public static int Run(
        ReproArgs args,
        TextWriter output,
        CgroupAccess access,
        TimeProvider clock,
        Func<Interrupts> interrupted)
    {
        if (args.Pods is < 1 or > 1000 || args.Parallel < 1 || args.ProbeMax < 1)
        {
            throw new UserFacingException(args.Pods is < 1 or > 1000 ? Messages.Get("repro.error.pods", args.Pods)
                : args.Parallel < 1 ? Messages.Get("error.at-least-1", "--parallel", args.Parallel)
                : Messages.Get("error.at-least-1", "--probe-max", args.ProbeMax), ExitCodes.Usage);
        }

        long? kmem = args.Kmem is null ? null : ParseSize(args.Kmem);
        ReproRuntime runtime = args.Runtime switch
        {
            "runc" => ReproRuntime.Runc,
            "none" => ReproRuntime.None,
            _ => RuncBundle.FindRunc() is null ? ReproRuntime.None : ReproRuntime.Runc,
        };
        if (kmem is not null && runtime == ReproRuntime.None)
        {
            throw new UserFacingException(Messages.Get("repro.error.kmem-runtime"), ExitCodes.Usage);
        }

        LiveCgroups cgroups = access.Mounts();
        if (args.UntilFull)
        {
            LabOptions.Confirm(args.Yes, Messages.Get("repro.confirm-until-full"));
        }

        LabOptions.CleanupFirst(args.StateDirectory, cgroups, access.Fs);
        using Interrupts interrupts = interrupted();
        var request = new ReproRequest(
            runtime,
            args.Pods,
            args.Parallel,
            args.KeepFiles,
            kmem,
            args.ProbeMax,
            args.UntilFull);
        using StatusLine? status = args.Json ? null : StatusLine.ForTerminal();
        var repro = new Repro(args.StateDirectory, cgroups, access.Fs, clock)
        {
            Progress = status is null ? null : message => status.Update($"cgleak repro: {message}..."),
        };
        ReproResult result = repro.Run(request, interrupts.Token);
        status?.Dispose();
        if (args.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(ToDocument(result), LabJsonContext.Default.ReproDocument));
        }
        else
        {
            WriteText(output, result);
        }

        return ExitCodes.Ok;
    }

    internal static long ParseSize(string text)
    {
        string t = text.Trim().ToUpperInvariant();
        long unit = t.EndsWith('K') ? 1L << 10 : t.EndsWith('M') ? 1L << 20 : t.EndsWith('G') ? 1L << 30 : 1;
        string digits = unit == 1 ? t : t[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
            && n <= long.MaxValue / unit
            ? n * unit
            : throw new UserFacingException(Messages.Get("repro.error.size", text), ExitCodes.Usage);
    }

    private static void WriteText(TextWriter o, ReproResult r)
    {
        string extras = (r.Request.KeepFiles ? Messages.Get("repro.files-kept") : "")
            + (r.Request.KmemLimitBytes is { } k ? Messages.Get("repro.kmem-limit", k) : "");
        o.WriteLine(Messages.Get(
            r.Request.Runtime == ReproRuntime.Runc ? "repro.title.runc" : "repro.title.cgroups",
            r.Request.Pods,
            extras));
        o.WriteLine();
        string[] heading = ["step", "kernel-count", "live", "dying", "ids", "free", "delta"];
        Row(o, heading.Select(h => Messages.Get("repro.column." + h)).ToArray());
        long? first = r.Steps[0].IdsInUse;
        foreach (ReproStep s in r.Steps)
        {
            string free = s.FreeExact ? N(s.FreeSlots) : $">= {s.FreeSlots}";
            string delta = s.IdsInUse - first is { } d
                ? d.ToString("+0;-0;0", CultureInfo.InvariantCulture)
                : Messages.Get("doctor.unknown");
            Row(o, [Messages.Get("repro.step." + s.Name), N(s.KernelCount), N(s.Live), N(s
                .Dying), N(s.IdsInUse), free, delta]);
        }

        o.WriteLine();
        o.WriteLine(Messages.Get("repro.per-pod", F(r.CgroupsPerPod), F(r.SlotsLostPerPod), F(r.LeftDyingPerPod)));
        foreach (Message note in r.NotesSaid)
        {
            o.WriteLine(Messages.Get("repro.note", note.In(Languages.Current)));
        }

        o.WriteLine(Messages.Get("repro.conclusion", r.Said.In(Languages.Current)));
    }

    /// <summary>
    /// One row of the table: the step left-aligned, the numbers right-aligned, by display width (Chinese headings are
    /// two columns a character).
    /// </summary>
    private static void Row(TextWriter o, string[] cells)
    {
        int[] widths = [14, 12, 8, 8, 11, 12, 10];
        string Pad(string s, int w) => new(' ', Math.Max(0, w - TextWrap.DisplayWidth(s)));
        o.WriteLine(string.Join(' ', cells.Select((c, i) => i == 0 ? c + Pad(c, widths[i]) : Pad(c, widths[i]) + c)));
    }

    private static string N(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? Messages.Get("doctor.unknown");

    private static string F(double? v)
        => v?.ToString("0.##", CultureInfo.InvariantCulture) ?? Messages.Get("doctor.unknown");

    private static ReproDocument ToDocument(ReproResult r) => new(
        1, r.Request.Runtime.ToString().ToLowerInvariant(), r.Request.Pods, r.Request.KeepFiles, r.Request
            .KmemLimitBytes,
        r.Steps,
        new ReproPerPod(r.CgroupsPerPod, r.SlotsLostPerPod, r.LeftDyingPerPod), r.Conclusion, r.Notes);
}

public sealed record ReproPerPod(double Cgroups, double? IdSlotsLost, double? LeftDying);

public sealed record ReproDocument(int SchemaVersion, string Runtime, int Pods, bool KeepFiles, long? KmemLimitBytes,
    IReadOnlyList<ReproStep> Steps, ReproPerPod PerPod, string Conclusion, IReadOnlyList<string> Notes);
