using System.CommandLine;
using System.Diagnostics;
using Cgleak.Agent;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Cli.Commands;

/// <summary>
/// cgleak metrics [--textfile PATH]: the agent's metrics once, for node_exporter's textfile collector
/// (for users who will not open another port). Written to a temp file beside PATH and renamed, as the
/// collector requires. One-shot: the forecast metrics, which need a history, are absent.
/// </summary>
public static class MetricsCommand
{
    public static Command Create()
    {
        var hostRoot = new Option<string?>("--host-root") { Description = Messages.Get("help.metrics.host-root"), HelpName = "DIR" };
        var textfile = new Option<string?>("--textfile") { Description = Messages.Get("help.metrics.textfile"), HelpName = "PATH" };
        var command = new Command("metrics", Messages.Get("help.metrics"))
        {
            hostRoot, textfile,
        };
        command.SetAction(p => Run(p.GetValue(hostRoot), p.GetValue(textfile)));
        return command;
    }

    public static int Run(string? hostRoot, string? textfile)
    {
        if (textfile is not null && !textfile.EndsWith(".prom", StringComparison.Ordinal))
        {
            throw new UserFacingException(Messages.Get("error.textfile-prom", textfile), ExitCodes.Usage);
        }

        if (textfile is not null && Path.GetDirectoryName(Path.GetFullPath(textfile)) is { } dir && !Directory.Exists(dir))
        {
            throw new UserFacingException(Messages.Get("error.textfile-no-dir", textfile, dir), ExitCodes.Usage);
        }

        HostRoot host = HostArgument.Resolve(hostRoot);
        var clock = Stopwatch.StartNew();
        DoctorReport report = Doctor.Examine(host);
        var extras = new SampleExtras(ScanSeconds: clock.Elapsed.TotalSeconds, ScanErrors: report.Facts.Problems.Count > 0 ? 1 : 0,
            SampledAt: DateTimeOffset.UtcNow);
        string text = MetricsExporter.TextAsync(MetricsExporter.Render(report, extras, JsonReport.ToolVersion)).GetAwaiter().GetResult();
        if (textfile is null)
        {
            Console.Out.Write(text);
        }
        else
        {
            Lab.AtomicFile.Write(textfile, text); // node_exporter must never read a half-written file
        }

        return ExitCodes.Ok;
    }
}
