using System.CommandLine;
using System.Text;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Commands;

public sealed record CheckArgs(bool Npd, string? HostRoot);

/// <summary>
/// cgleak check --npd: node-problem-detector's custom-plugin protocol (kubernetes/node-problem-detector,
/// pkg/custompluginmonitor):
/// exit 0 OK (condition False), 1 NonOK (condition True), anything else Unknown; stdout is the condition
/// message, at most 80 bytes.
/// </summary>
public static class CheckCommand
{
    public const int MaxMessageBytes = 80;

    public static Command Create()
    {
        var npd = new Option<bool>("--npd") { Description = Messages.Get("help.check.npd") };
        var hostRoot = new Option<string?>("--host-root")
        {
            Description = Messages.Get("help.check.host-root"),
            HelpName = "DIR"
        };
        var command = new Command("check", Messages.Get("help.check"))
        {
            npd, hostRoot,
        };
        command.SetAction(p => Run(new CheckArgs(p.GetValue(npd), p.GetValue(hostRoot)), Console.Out));
        return command;
    }

    /// <summary>
    /// One line of at most 80 bytes; exits 0 ok, 1 at risk or affected, 2 unknown. Without --npd: a usage error.
    /// </summary>
    public static int Run(CheckArgs args, TextWriter output)
    {
        if (!args.Npd)
        {
            throw new UserFacingException(Messages.Get("error.check-protocol"), ExitCodes.Usage);
        }

        DoctorReport report = Doctor.Examine(HostArgument.Resolve(args.HostRoot));
        output.WriteLine(Message(report));
        return report.Verdict switch
        {
            Verdict.Ok => 0,
            Verdict.AtRisk or Verdict.Affected => 1,
            _ => 2,
        };
    }

    /// <summary>
    /// "affected: kmem.active-cgroups, logs.symptom; 31% IDs", cut to 80 bytes on a character boundary.
    /// </summary>
    public static string Message(DoctorReport report)
    {
        var problems = report.Checks.Where(c => c.Concern != Concern.None).Select(c => c.Id).ToList();
        string ids = report.Counts.IdsInUseRatio is { } r
            ? $"IDs {r * 100:0.#}% used"
            : report.Counts.Dying is { } d ? $"{d} dying" : "";
        string text = report.Verdict switch
        {
            Verdict.Ok => "ok" + (ids.Length > 0 ? $": {ids}" : ""),
            Verdict.Unknown => "unknown: " + report.VerdictReason,
            _ => $"{Names.Of(report.Verdict)}: {string.Join(", ", problems)}" + (ids.Length > 0 ? $"; {ids}" : ""),
        };
        return Cut(TerminalText.Escape(text), MaxMessageBytes);
    }

    internal static string Cut(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var sb = new StringBuilder();
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(sb.ToString()) + rune.Utf8SequenceLength > maxBytes - 3)
            {
                break;
            }

            sb.Append(rune.ToString());
        }

        return sb.Append("...").ToString();
    }
}
