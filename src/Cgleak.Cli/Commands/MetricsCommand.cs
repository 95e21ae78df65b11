using System.CommandLine;
using Cgleak.Agent;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Cli.Commands;

public sealed record MetricsArgs(string? HostRoot, string? Textfile);

/// <summary>
/// cgleak metrics [--textfile PATH]: the agent's metrics once, for node_exporter's textfile collector
/// (for users who will not open another port). Written to a temp file beside PATH and renamed, as the
/// collector requires. One-shot: the forecast metrics, which need a history, are absent.
/// </summary>
public static class MetricsCommand
{
    public static Command Create()
    {
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.metrics.host-root"),
            HelpName = "DIR"
        };
        var textfile = new Option<string?>("--textfile")
        {
            Description = Messages.Get("help.metrics.textfile"),
            HelpName = "PATH"
        };
        var command = new Command("metrics", Messages.Get("help.metrics"))
        {
            hostRoot, textfile,
        };
        command.SetAction(
            p => Run(new MetricsArgs(p.GetValue(hostRoot), p.GetValue(textfile)), Console.Out, TimeProvider.System));
        return command;
    }

    /// <summary>
    /// The metrics on <paramref name="output"/>, or in --textfile; the scan time and timestamp from <paramref
    /// name="clock"/>.
    /// </summary>
    public static int Run(MetricsArgs args, TextWriter output, TimeProvider clock)
    {
        string? textfile = args.Textfile;
        if (textfile is not null && !textfile.EndsWith(".prom", StringComparison.Ordinal))
        {
            throw new UserFacingException(Messages.Get("error.textfile-prom", textfile), ExitCodes.Usage);
        }

        if (textfile is not null && Path.GetDirectoryName(Path.GetFullPath(textfile)) is { } dir
            && !Directory.Exists(dir))
        {
            throw new UserFacingException(Messages.Get("error.textfile-no-dir", textfile, dir), ExitCodes.Usage);
        }

        HostRoot host = HostArgument.Resolve(args.HostRoot);
        long started = clock.GetTimestamp();
        DoctorReport report = Doctor.Examine(host);
        var extras = new SampleExtras(
            ScanSeconds: clock.GetElapsedTime(started).TotalSeconds,
            ScanErrors: report.Facts.Problems.Count > 0 ? 1 : 0,
            SampledAt: clock.GetUtcNow());
        string text = MetricsExporter.TextAsync(MetricsExporter.Render(report, extras, JsonReport.ToolVersion))
            .GetAwaiter()
            .GetResult();
        if (textfile is null)
        {
            output.Write(text);
        }
        else
        {
            Lab.AtomicFile.Write(textfile, text); // node_exporter must never read a half-written file
        }

        return ExitCodes.Ok;
    }
}
