using System.Globalization;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// The doctor's report for people, the answer first: a box with the verdict, why, the numbers that matter and
/// the next command; then the host's facts, the checks (failures first, one line each; evidence with
/// --verbose), the remediations with their commands, and the summary. Fitted to the terminal's width.
/// </summary>
public sealed class TextReport(TextWriter output, bool colour, int width = 80, bool verbose = false)
{
    /// <summary>The order checks are listed in: what needs attention first.</summary>
    private static readonly CheckStatus[] Order =
        [CheckStatus.Fail, CheckStatus.Error, CheckStatus.Warn, CheckStatus.Skip, CheckStatus.Info, CheckStatus.Pass];

    public void Write(DoctorReport r)
    {
        HostFacts f = r.Facts;
        WriteAnswer(r);
        output.WriteLine();

        Paragraph(f.IsLive ? "this host" : "host tree " + f.RootDirectory, Bold("cgleak doctor:") + " ", "  ");
        Fact("Kernel", f.Kernel is { } k ? $"{k.Value.Text}{(r.Kernel is { } t ? $" ({t.Family})" : "")}" : "unknown");
        Fact("Distribution", f.Distribution?.Display ?? "unknown");
        Fact("Cgroups", f.Layout.Mode == CgroupMode.None ? "none mounted"
            : $"{Names.Of(f.Layout.Mode)}; memory controller "
              + (f.Layout.MemoryMountPoint is { } m ? $"{Names.Of(f.Layout.Memory)} at {m}" : "not mounted"));
        Fact("Command line", f.Cmdline?.Value.Text ?? "unknown");
        MemcgCounts c = r.Counts;
        Fact("Memory cgroups", $"limit {c.Limit}, reported {N(c.Reported)}, live {N(c.Live)}, dying {N(c.Dying)}, "
            + $"IDs in use {N(c.IdsInUse)}" + (c.IdsInUseRatio is { } ratio ? $" ({ratio:P1})" : ""));
        KmemCounts kmem = f.Tree?.Kmem ?? KmemCounts.Of([]);
        Fact("Kmem", f.Layout.Memory == MemoryHierarchy.V1
            ? $"{kmem.Checked} container cgroups checked, {kmem.Active} with kmem accounting active"
            : "not per cgroup on this layout");
        Fact("Components", string.Join(", ", f.Components.Select(x => Component(x, f))));
        output.WriteLine();

        output.WriteLine(Bold("== Checks =="));
        foreach (CheckResult check in r.Checks.OrderBy(x => Array.IndexOf(Order, x.Status)))
        {
            string tag = Tag(check.Status);
            Paragraph($"{check.Id}: {check.Summary}", tag + " ", new string(' ', 7));
            if (verbose)
            {
                foreach (string e in check.Evidence)
                {
                    Paragraph(e, "       ", "         ", dim: true);
                }
            }
        }

        // One entry per distinct fix, naming every check that calls for it.
        var fixes = r.Checks
            .Where(x => x.Status is CheckStatus.Fail or CheckStatus.Warn or CheckStatus.Skip)
            .OrderBy(x => Array.IndexOf(Order, x.Status))
            .SelectMany(x => x.Remediation.Select(fix => (x.Id, Fix: fix)))
            .GroupBy(x => x.Fix.Text, StringComparer.Ordinal)
            .ToList();
        if (fixes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Bold("== Remediations =="));
            foreach (var group in fixes)
            {
                Remediation fix = group.First().Fix;
                Paragraph($"[{string.Join(", ", group.Select(x => x.Id).Distinct())}] {fix.Text}", "", "  ");
                foreach (string command in fix.Commands)
                {
                    output.WriteLine(TextWrap.Command(TerminalText.Escape(command), width, "    "));
                }
            }
        }

        if (f.Problems.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Bold("== Problems reading the host =="));
            foreach (HostProblem p in f.Problems)
            {
                Paragraph(p.ToString(), "", "  ");
            }
        }

        output.WriteLine();
        output.WriteLine(Bold("== Summary =="));
        output.WriteLine(string.Join(", ", Enum.GetValues<CheckStatus>().Select(s => $"{r.Checks.Count(x => x.Status == s)} {Names.Of(s)}")));
        Paragraph($"({r.VerdictReason})", $"Verdict: {Paint(VerdictColour(r.Verdict), Names.Of(r.Verdict).ToUpperInvariant())} ", "  ");
        if (!verbose && r.Checks.Any(x => x.Evidence.Count > 0))
        {
            output.WriteLine(Dim("(the files read and the values seen: cgleak doctor --verbose)"));
        }
    }

    /// <summary>The answer, in at most 8 lines: a rule, the verdict, why (3 lines at most), the IDs, the next command, a rule.</summary>
    private void WriteAnswer(DoctorReport r)
    {
        const string Indent = "  ";
        string rule = new('-', Math.Min(width, 78));
        output.WriteLine(Dim(rule));
        output.WriteLine($"{Indent}{Paint(VerdictColour(r.Verdict), Names.Of(r.Verdict).ToUpperInvariant())}: {Headline(r.Verdict)}");
        if (r.Verdict != Verdict.Ok)
        {
            WriteBounded("Why:  ", Why(r), Indent, maxLines: 3);
        }

        WriteBounded("IDs:  ", Ids(r.Counts, r.Kernel?.CountsDying), Indent, maxLines: 1);
        NextStep next = NextStep.For(r);
        if (next.Command is { } command)
        {
            // The command whole, and why when it fits beside it.
            string line = $"{Indent}Next: {command}";
            string withWhy = $"{line}   ({next.Why})";
            output.WriteLine(TextWrap.DisplayWidth(withWhy) <= width
                ? withWhy.Replace(command, Bold(command), StringComparison.Ordinal)
                : TextWrap.Command(line.Replace(command, Bold(command), StringComparison.Ordinal), width + Invisible(Bold(command)), ""));
        }
        else
        {
            WriteBounded("Next: ", next.Why, Indent, maxLines: 1);
        }

        output.WriteLine(Dim(rule));
    }

    private void WriteBounded(string label, string text, string indent, int maxLines)
    {
        var lines = TextWrap.Lines(TerminalText.Escape(text), width, indent + label, indent + new string(' ', label.Length)).ToList();
        if (lines.Count > maxLines)
        {
            lines = lines.Take(maxLines).ToList();
            string last = lines[^1].TrimEnd();
            while (TextWrap.DisplayWidth(last) + 4 > width && last.LastIndexOf(' ') is > 0 and int cut)
            {
                last = last[..cut].TrimEnd();
            }

            lines[^1] = last + " ...";
        }

        lines.ForEach(output.WriteLine);
    }

    private static string Headline(Verdict v) => v switch
    {
        Verdict.Affected => "the memory cgroup leak is happening on this node",
        Verdict.AtRisk => "the memory cgroup leak can start on this node",
        Verdict.Ok => "no leak and no risk found",
        _ => "the host could not be read well enough to decide",
    };

    /// <summary>The concerned checks' findings in words: the first clause of the two worst, and how many more.</summary>
    private static string Why(DoctorReport r)
    {
        var concerned = r.Checks.Where(x => x.Concern != Concern.None)
            .OrderByDescending(x => x.Concern).ThenBy(x => Array.IndexOf(Order, x.Status))
            .Select(x => FirstClause(x.Summary)).Distinct().ToList();
        if (concerned.Count == 0)
        {
            return Capitalised(r.VerdictReason) + ".";
        }

        string why = string.Join("; ", concerned.Take(2).Select((clause, i) => i == 0 ? clause : Uncapitalised(clause)));
        return why + (concerned.Count > 2 ? $" (and {concerned.Count - 2} more below)." : ".");
    }

    /// <summary>A summary's statement of fact: the text before its first ": ", " (", "; " or ". ".</summary>
    internal static string FirstClause(string summary)
    {
        int end = summary.Length;
        foreach (string stop in new[] { ": ", " (", "; ", ". " })
        {
            int at = summary.IndexOf(stop, StringComparison.Ordinal);
            if (at > 0 && at < end)
            {
                end = at;
            }
        }

        return summary[..end].TrimEnd('.');
    }

    private static string Ids(MemcgCounts c, bool? kernelCountsDying)
    {
        if (c.IdsInUse is { } used)
        {
            return $"{used} in use of {c.Limit} ({(double)used / c.Limit:P1})" + (c.Dying is { } d ? $", {d} dying" : "");
        }

        string live = c.Live is { } l ? $"; {l} live of {c.Limit}" : "";
        return c.IdsInUseAtMost is { } most
            ? $"at most {most} in use of {c.Limit} (a bounded probe){live}"
            : $"in use unknown{(kernelCountsDying == false ? " (this kernel does not count dying ones)" : "")}{live}";
    }

    private static string Capitalised(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>A sentence's first word in lower case when it is an ordinary word ("Memory"), not a name ("SLUB", "runc").</summary>
    private static string Uncapitalised(string s) =>
        s.Length > 1 && char.IsUpper(s[0]) && char.IsLower(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    /// <summary>
    /// A component with its version as its package spells it (docker 18.09.0, not 18.9.0), or the version the
    /// checks inferred, so that header and checks agree.
    /// </summary>
    private static string Component(ComponentFact x, HostFacts facts)
    {
        if (Spelled(x.VersionText) is { } spelled)
        {
            return $"{x.Name} {spelled}";
        }

        if (x.Name == "runc" && RuncCheck.InferFromContainerd(facts) is { } inferred)
        {
            return $"runc {inferred.Version} (inferred from {inferred.From})";
        }

        return $"{x.Name} {(x.BinaryPath is null ? "not found" : "version unknown")}";
    }

    /// <summary>The version as the source wrote it: the first word that starts with a digit ("runc version 1.0.0-rc93").</summary>
    internal static string? Spelled(string? versionText) =>
        versionText?.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.TrimStart('v').TrimEnd(',', ';'))
            .FirstOrDefault(w => w.Length > 0 && char.IsAsciiDigit(w[0]));

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unknown";

    private void Fact(string name, string value) => Paragraph(value, $"{name,-15} ", new string(' ', 16));

    private void Paragraph(string text, string first, string rest, bool dim = false)
    {
        text = TerminalText.Escape(text); // host files' control bytes never reach the terminal
        // The prefix may carry colour codes, which take no columns.
        int invisible = Invisible(first);
        bool firstLine = true;
        foreach (string line in TextWrap.Lines(text, width + invisible, first, rest))
        {
            output.WriteLine(dim ? Dim(line) : line);
            if (firstLine)
            {
                firstLine = false;
            }
        }
    }

    private int Invisible(string s) => colour ? s.Length - Plain(s).Length : 0;

    private static string Plain(string s) => System.Text.RegularExpressions.Regex.Replace(s, "\u001b\\[[0-9;]*m", "");

    private string Tag(CheckStatus s) => Paint(StatusColour(s), $"[{s.ToString().ToUpperInvariant()}]");

    private static string StatusColour(CheckStatus s) => s switch
    {
        CheckStatus.Pass => "32",
        CheckStatus.Warn => "33",
        CheckStatus.Fail => "31",
        CheckStatus.Info => "34",
        CheckStatus.Error => "35",
        _ => "90",
    };

    private static string VerdictColour(Verdict v) => v switch
    {
        Verdict.Ok => "1;32",
        Verdict.AtRisk => "1;33",
        Verdict.Affected => "1;31",
        _ => "1;35",
    };

    private string Bold(string s) => Paint("1", s);

    private string Dim(string s) => Paint("2", s);

    private string Paint(string code, string s) => colour ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
