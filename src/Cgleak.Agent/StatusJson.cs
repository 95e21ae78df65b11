using System.Text.Json;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;

namespace Cgleak.Agent;

/// <summary>
/// /status: the doctor's report in the JSON `cgleak doctor --format json` writes (docs/doctor-json.md).
/// </summary>
public static class StatusJson
{
    public static string Of(DoctorReport report, bool redact) =>
        JsonSerializer.Serialize(Document(report, redact), ReportJsonContext.Default.DoctorDocument);

    /// <summary>
    /// /status: the doctor's JSON; with --status-redact without the kernel command line and the log lines.
    /// </summary>
    public static DoctorDocument Document(DoctorReport report, bool redact)
    {
        DoctorDocument document = JsonReport.ToDocument(report);
        if (!redact)
        {
            return document;
        }

        // The logs check's evidence quotes log lines ("..., last Mar  3 11:12:17: ... pod4a9c1b2e...: cannot allocate
        // memory"): the file, count and time stay, the line goes.
        string[] quoted = [.. report.Facts.Logs?.Sightings.Select(s => $", last {s.LastSeen}: ") ?? []];
        var checks = document.Checks.Select(c => c.Id == LogSymptomCheck.CheckId
            ? c with { Evidence = [.. c.Evidence.Select(e => WithoutLine(e, quoted))] }
            : c).ToList();
        return document with { Host = document.Host with { Cmdline = null }, Checks = checks };
    }

    private static string WithoutLine(string evidence, string[] quoted)
    {
        foreach (string q in quoted)
        {
            if (evidence.IndexOf(q, StringComparison.Ordinal) is >= 0 and int at)
            {
                return evidence[..(at + q.Length - 2)] + " (line left out: --status-redact)";
            }
        }

        return evidence;
    }
}
