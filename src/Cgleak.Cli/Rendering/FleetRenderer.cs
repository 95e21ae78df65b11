using System.Globalization;
using System.Text;
using System.Text.Json;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Fleet;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// The fleet report as a table for people and as JSON for scripts (schema: docs/fleet-json.md); unknown is "-" and
/// null.
/// </summary>
public static class FleetRenderer
{
    public const int SchemaVersion = 1;

    public static readonly string[] Columns =
    [
        "NODE", "VERDICT", "IDS IN USE", "DYING", "GROWTH/H", "TO THE WALL", "KERNEL", "RUNC", "KUBELET", "CHECKS",
        "LAST SEEN",
    ];

    public static string StateName(FleetState s) => s switch
    {
        FleetState.Affected => "affected",
        FleetState.AtRisk => "at-risk",
        FleetState.NotReporting => "not reporting",
        FleetState.Unknown => "unknown",
        _ => "ok",
    };

    public static IReadOnlyList<string[]> Rows(FleetReport report) =>
        [.. report.Nodes.Select(n => new[]
        {
            n.Name,
            StateName(n.State) + (!n.Reporting && n.Verdict is { } last ? $" (was {Names.Of(last)})" : ""),
            n.IdsInUse is { } ids
                ? $"{(n.IdsAreLowerBound ? ">=" : "")}{ids}/{n.IdsLimit?.ToString(CultureInfo.InvariantCulture) ?? "?"}"
                : "-",
            n.Dying?.ToString(CultureInfo.InvariantCulture) ?? "-",
            Growth(n),
            n.SecondsToWall is { } s ? Span(s) : "-",
            n.Kernel ?? "-",
            n.Runc ?? "-",
            n.Kubelet ?? "-",
            Checks(n),
            Seen(n, report.At),
        })];

    public static void WriteText(FleetReport report, TextWriter output)
    {
        IReadOnlyList<string[]> rows = Rows(report);
        int[] widths = [.. Columns.Select((c, i) => rows.Select(r => r[i].Length).Append(c.Length).Max())];
        string Line(string[] cells)
            => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        var text = new StringBuilder();
        text.AppendLine(Line(Columns));
        foreach (string[] row in rows)
        {
            text.AppendLine(Line(row));
        }

        if (report.Nodes.Any(n => n.IdsAreLowerBound))
        {
            text.AppendLine(
                ">= : a lower bound: the kernel (3.10) hides its zombie memory cgroups, which hold IDs too.");
        }

        text.AppendLine(report.Summary);
        output.Write(text.ToString());
    }

    public static void WriteJson(FleetReport report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteString("at", report.At);
            w.WriteStartArray("sources");
            foreach (string s in report.Sources)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
            w.WriteString("verdict", Names.Of(report.Overall));
            w.WriteNumber("exitCode", (int)report.Overall);
            w.WriteStartObject("summary");
            w.WriteNumber("affected", report.Count(FleetState.Affected));
            w.WriteNumber("atRisk", report.Count(FleetState.AtRisk));
            w.WriteNumber("ok", report.Count(FleetState.Ok));
            w.WriteNumber("notReporting", report.Count(FleetState.NotReporting));
            w.WriteNumber("unknown", report.Count(FleetState.Unknown));
            w.WriteEndObject();
            w.WriteStartArray("nodes");
            foreach (FleetNode n in report.Nodes)
            {
                w.WriteStartObject();
                w.WriteString("node", n.Name);
                w.WriteString("state", StateName(n.State));
                w.WriteBoolean("reporting", n.Reporting);
                Str(w, "verdict", n.Verdict is { } v ? Names.Of(v) : null);
                Num(w, "idsInUse", n.IdsInUse);
                w.WriteBoolean("idsInUseIsLowerBound", n.IdsAreLowerBound);
                Num(w, "idsLimit", n.IdsLimit);
                Num(w, "dying", n.Dying);
                Num(w, "idsPerHour", n.IdsPerHour);
                Num(w, "dyingPerHour", n.DyingPerHour);
                Num(w, "secondsToWall", n.SecondsToWall);
                Str(w, "kernel", n.Kernel);
                Str(w, "runc", n.Runc);
                Str(w, "kubelet", n.Kubelet);
                w.WriteStartArray("failingChecks");
                n.FailingChecks.ToList().ForEach(w.WriteStringValue);
                w.WriteEndArray();
                w.WriteStartArray("warningChecks");
                n.WarningChecks.ToList().ForEach(w.WriteStringValue);
                w.WriteEndArray();
                if (n.LastSeen is { } seen)
                {
                    w.WriteString("lastSeen", seen);
                }
                else
                {
                    w.WriteNull("lastSeen");
                }

                Str(w, "message", n.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Growth(FleetNode n) =>
        n.IdsPerHour is { } ids ? $"{ids:+0;-0;0} IDs"
        : n.DyingPerHour is { } dying ? $"{dying:+0;-0;0} dying"
        : "-";

    private static string Checks(FleetNode n) =>
        n.FailingChecks.Count + n.WarningChecks.Count == 0 ? "-"
        : string.Join(",", n.FailingChecks) + (n.WarningChecks.Count == 0
            ? ""
            : (n.FailingChecks.Count > 0 ? " " : "") + $"(warn: {string.Join(",", n.WarningChecks)})");

    /// <summary>"9 d 3 h", "5 h 12 min", "40 min", as the node condition's forecast says it.</summary>
    public static string Span(double seconds)
    {
        var left = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, TimeSpan.MaxValue.TotalSeconds / 2));
        return left.TotalDays >= 1 ? $"{(int)left.TotalDays} d {left.Hours} h" : left.TotalHours >= 1
            ? $"{(int)left.TotalHours} h {left.Minutes} min"
            : $"{Math.Max(1, (int)left.TotalMinutes)} min";
    }

    private static string Seen(FleetNode n, DateTimeOffset now) => n.LastSeen is not { } seen
        ? (n.Reporting ? "now" : "never")
        : now - seen < TimeSpan.FromMinutes(2) ? "now"
        : Span((now - seen).TotalSeconds) + " ago";

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Num(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
