using System.Globalization;
using System.Text;
using System.Text.Json;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis.Text;
using Cgleak.Fleet;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// The fleet report as a table for people, in their language, and as JSON for scripts (schema: docs/fleet-json.md,
/// never translated); unknown is "-" and null.
/// </summary>
public static class FleetRenderer
{
    public const int SchemaVersion = 1;

    /// <summary>The table's columns, as catalog keys ("fleet.column.node": NODE, 节点).</summary>
    public static readonly string[] Columns =
    [
        "node", "verdict", "ids", "dying", "growth", "wall", "kernel", "runc", "kubelet", "checks", "seen",
    ];

    /// <summary>The state as JSON says it (stable, English); the text says it in the reader's language.</summary>
    public static string StateName(FleetState s) => s switch
    {
        FleetState.Affected => "affected",
        FleetState.AtRisk => "at-risk",
        FleetState.NotReporting => "not reporting",
        FleetState.Unknown => "unknown",
        _ => "ok",
    };

    public static IReadOnlyList<string[]> Rows(FleetReport report, Language language)
    {
        string T(string key, params object?[] args) => new Message(key, args).In(language);
        string State(string name) => T("fleet.state." + name.Replace(' ', '-'));
        return [.. report.Nodes.Select(n => new[]
        {
            n.Name,
            State(StateName(n.State))
                + (!n.Reporting && n.Verdict is { } last ? T("fleet.was", State(Names.Of(last))) : ""),
            n.IdsInUse is { } ids
                ? $"{(n.IdsAreLowerBound ? ">=" : "")}{ids}/{n.IdsLimit?.ToString(CultureInfo.InvariantCulture) ?? "?"}"
                : "-",
            n.Dying?.ToString(CultureInfo.InvariantCulture) ?? "-",
            n.IdsPerHour is { } perHour ? T("fleet.growth.ids", perHour)
                : n.DyingPerHour is { } dying ? T("fleet.growth.dying", dying)
                : "-",
            n.SecondsToWall is { } s ? Span(s, language) : "-",
            n.Kernel ?? "-",
            n.Runc ?? "-",
            n.Kubelet ?? "-",
            Checks(n, language),
            Seen(n, report.At, language),
        })];
    }

    public static void WriteText(FleetReport report, TextWriter output, Language language)
    {
        IReadOnlyList<string[]> rows = Rows(report, language);
        string[] titles = [.. Columns.Select(c => Messages.Template(language, "fleet.column." + c))];
        // Padded to the width a terminal shows: a Chinese character takes two columns.
        int[] widths = [.. titles.Select((t, i) => rows.Select(r => r[i]).Append(t).Max(TextWrap.DisplayWidth))];
        string Pad(string cell, int i) => cell + new string(' ', widths[i] - TextWrap.DisplayWidth(cell));
        string Line(string[] cells)
            => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : Pad(c, i))).TrimEnd();
        var text = new StringBuilder();
        text.AppendLine(Line(titles));
        foreach (string[] row in rows)
        {
            text.AppendLine(Line(row));
        }

        if (report.Nodes.Any(n => n.IdsAreLowerBound))
        {
            text.AppendLine(Messages.Template(language, "fleet.lower-bound"));
        }

        text.AppendLine(report.SummarySaid.In(language));
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

    private static string Checks(FleetNode n, Language language) =>
        n.FailingChecks.Count + n.WarningChecks.Count == 0 ? "-"
        : string.Join(",", n.FailingChecks) + (n.WarningChecks.Count == 0
            ? ""
            : (n.FailingChecks.Count > 0 ? " " : "")
                + new Message("fleet.checks.warn", string.Join(",", n.WarningChecks)).In(language));

    /// <summary>"9 d 3 h", "5 h 12 min", "40 min", as the node condition's forecast says it.</summary>
    public static string Span(double seconds, Language language)
    {
        var left = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, TimeSpan.MaxValue.TotalSeconds / 2));
        Message span = left.TotalDays >= 1 ? new("fleet.span.days", (int)left.TotalDays, left.Hours)
            : left.TotalHours >= 1 ? new("fleet.span.hours", (int)left.TotalHours, left.Minutes)
            : new("fleet.span.minutes", Math.Max(1, (int)left.TotalMinutes));
        return span.In(language);
    }

    private static string Seen(FleetNode n, DateTimeOffset now, Language language) => n.LastSeen is not { } seen
        ? Messages.Template(language, n.Reporting ? "fleet.seen.now" : "fleet.seen.never")
        : now - seen < TimeSpan.FromMinutes(2) ? Messages.Template(language, "fleet.seen.now")
        : new Message("fleet.seen.ago", Span((now - seen).TotalSeconds, language)).In(language);

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
