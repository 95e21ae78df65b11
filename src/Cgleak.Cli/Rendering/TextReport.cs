using System.Globalization;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// The doctor's report for people, the answer first: a box with the verdict, why, the numbers that matter and
/// the next command; then the host's facts, the checks (failures first, one line each; evidence with
/// --verbose), the remediations with their commands, and the summary. Fitted to the terminal's width, in the
/// reader's language (identifiers, commands and paths stay as they are).
/// </summary>
public sealed class TextReport(
    TextWriter output,
    bool colour,
    int width = 80,
    bool verbose = false,
    Language? language = null)
{
    private readonly Language _language = language ?? Languages.Current;

    /// <summary>The order checks are listed in: what needs attention first.</summary>
    private static readonly CheckStatus[] Order =
        [CheckStatus.Fail, CheckStatus.Error, CheckStatus.Warn, CheckStatus.Skip, CheckStatus.Info, CheckStatus.Pass];

    public void Write(DoctorReport r)
    {
        HostFacts f = r.Facts;
        WriteAnswer(r);
        output.WriteLine();

        Paragraph(
            f.IsLive ? T("doctor.this-host") : T("doctor.host-tree", f.RootDirectory),
            Bold("cgleak doctor:") + " ",
            "  ");
        string unknown = T("doctor.unknown");
        Fact(
            T("doctor.fact.kernel"),
            f.Kernel is { } k ? $"{k.Value.Text}{(r.Kernel is { } t ? $" ({t.Family})" : "")}" : unknown);
        Fact(T("doctor.fact.distribution"), f.Distribution?.Display ?? unknown);
        Fact(T("doctor.fact.cgroups"), f.Layout.Mode == CgroupMode.None ? T("doctor.cgroups.none")
            : f.Layout.MemoryMountPoint is { } m
                ? T("doctor.cgroups.memory-at", Names.Of(f.Layout.Mode), Names.Of(f.Layout.Memory), m)
                : T("doctor.cgroups.no-memory", Names.Of(f.Layout.Mode)));
        Fact(T("doctor.fact.cmdline"), f.Cmdline?.Value.Text ?? unknown);
        MemcgCounts c = r.Counts;
        Fact(T("doctor.fact.memcgs"), T("doctor.memcgs", c.Limit, N(c.Reported), N(c.Live), N(c.Dying), N(c.IdsInUse))
            + (c.IdsInUseRatio is { } ratio ? T("doctor.ratio", ratio) : ""));
        KmemCounts kmem = f.Tree?.Kmem ?? KmemCounts.Of([]);
        Fact(T("doctor.fact.kmem"), f.Layout.Memory == MemoryHierarchy.V1
            ? T("doctor.kmem", kmem.Checked, kmem.Active)
            : T("doctor.kmem.not-per-cgroup"));
        Fact(T("doctor.fact.components"), string.Join(", ", f.Components.Select(x => Component(x, f))));
        output.WriteLine();

        output.WriteLine(Bold(T("doctor.heading.checks")));
        foreach (CheckResult check in r.Checks.OrderBy(x => Array.IndexOf(Order, x.Status)))
        {
            string tag = Tag(check.Status);
            Paragraph($"{check.Id}: {check.Said?.In(_language) ?? check.Summary}", tag + " ", new string(' ', 7));
            if (verbose)
            {
                foreach (string e in check.EvidenceSaid?.Select(x => x.In(_language)) ?? check.Evidence)
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
            output.WriteLine(Bold(T("doctor.heading.remediations")));
            foreach (var group in fixes)
            {
                Remediation fix = group.First().Fix;
                Paragraph(
                    $"[{string.Join(", ", group.Select(x => x.Id).Distinct())}] {fix.Said?.In(_language) ?? fix.Text}",
                    "",
                    "  ");
                foreach (string command in fix.Commands)
                {
                    output.WriteLine(TextWrap.Command(TerminalText.Escape(command), width, "    "));
                }
            }
        }

        if (f.Problems.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Bold(T("doctor.heading.problems")));
            foreach (HostProblem p in f.Problems)
            {
                Paragraph(Message.Of(p).In(_language), "", "  ");
            }
        }

        output.WriteLine();
        output.WriteLine(Bold(T("doctor.heading.summary")));
        output.WriteLine(string.Join(T("list.comma"), Enum.GetValues<CheckStatus>()
            .Select(s => T("doctor.count", r.Checks.Count(x => x.Status == s), StatusWord(s)))));
        Paragraph(
            T("doctor.reason", r.VerdictSaid?.In(_language) ?? r.VerdictReason),
            T("doctor.verdict-label", Paint(VerdictColour(r.Verdict), VerdictWord(r.Verdict))),
            "  ");
        if (!verbose && r.Checks.Any(x => x.Evidence.Count > 0))
        {
            output.WriteLine(Dim(T("doctor.verbose-hint")));
        }
    }

    /// <summary>
    /// The answer, in at most 8 lines: a rule, the verdict, why (3 lines at most), the IDs, the next command, a rule.
    /// </summary>
    private void WriteAnswer(DoctorReport r)
    {
        const string Indent = "  ";
        string rule = new('-', Math.Min(width, 78));
        output.WriteLine(Dim(rule));
        string verdict = Paint(VerdictColour(r.Verdict), VerdictWord(r.Verdict));
        output.WriteLine($"{Indent}{T("doctor.headline", verdict, Headline(r.Verdict))}");
        string[] labels = [T("doctor.box.why"), T("doctor.box.ids"), T("doctor.box.next")];
        // The labels padded to one width; a space after an ASCII colon ("Next: "), none after a full-width one
        // ("下一步：").
        int labelWidth = labels.Max(l => TextWrap.DisplayWidth(l) + (char.IsAscii(l[^1]) ? 1 : 0));
        string Label(int i) => labels[i] + new string(' ', labelWidth - TextWrap.DisplayWidth(labels[i]));
        if (r.Verdict != Verdict.Ok)
        {
            WriteBounded(Label(0), Why(r), Indent, maxLines: 3);
        }

        WriteBounded(Label(1), Ids(r.Counts, r.Kernel?.CountsDying), Indent, maxLines: 1);
        NextStep next = NextStep.For(r);
        if (next.Command is { } command)
        {
            // The command whole, and why when it fits beside it.
            string line = $"{Indent}{Label(2)}{command}";
            string withWhy = $"{line}   {T("doctor.next-why", next.Why.In(_language))}";
            output.WriteLine(TextWrap.DisplayWidth(withWhy) <= width
                ? withWhy.Replace(command, Bold(command), StringComparison.Ordinal)
                : TextWrap.Command(
                    line.Replace(command, Bold(command), StringComparison.Ordinal),
                    width + Invisible(Bold(command)),
                    ""));
        }
        else
        {
            WriteBounded(Label(2), next.Why.In(_language), Indent, maxLines: 1);
        }

        output.WriteLine(Dim(rule));
    }

    private void WriteBounded(string label, string text, string indent, int maxLines)
    {
        var lines = TextWrap.Lines(
            TerminalText.Escape(text),
            width,
            indent + label,
            indent + new string(' ', TextWrap.DisplayWidth(label))).ToList();
        if (lines.Count > maxLines)
        {
            lines = lines.Take(maxLines).ToList();
            string last = lines[^1].TrimEnd();
            while (TextWrap.DisplayWidth(last) + 4 > width && last.LastIndexOf(' ') is > 0 and int cut)
            {
                last = last[..cut].TrimEnd();
            }

            lines[^1] = last + T("doctor.more");
        }

        lines.ForEach(output.WriteLine);
    }

    private string Headline(Verdict v) => T(v switch
    {
        Verdict.Affected => "doctor.headline.affected",
        Verdict.AtRisk => "doctor.headline.at-risk",
        Verdict.Ok => "doctor.headline.ok",
        _ => "doctor.headline.unknown",
    });

    /// <summary>
    /// AFFECTED; in Chinese 已受影响（AFFECTED）, so that the word of the JSON and the exit codes stays findable.
    /// </summary>
    private string VerdictWord(Verdict v) => T("doctor.verdict-word." + Names.Of(v), Names.Of(v).ToUpperInvariant());

    private string StatusWord(CheckStatus s) => T("doctor.status." + Names.Of(s));

    private string T(string key, params object?[] args) => new Message(key, args).In(_language);

    /// <summary>
    /// The concerned checks' findings in words: the first clause of the two worst, and how many more.
    /// </summary>
    private string Why(DoctorReport r)
    {
        var concerned = r.Checks.Where(x => x.Concern != Concern.None)
            .OrderByDescending(x => x.Concern).ThenBy(x => Array.IndexOf(Order, x.Status))
            .Select(x => FirstClause(x.Said?.In(_language) ?? x.Summary)).Distinct().ToList();
        if (concerned.Count == 0)
        {
            return T("doctor.why.reason", Capitalised(r.VerdictSaid?.In(_language) ?? r.VerdictReason));
        }

        string why = string.Join(
            T("list.semicolon"),
            concerned.Take(2).Select((clause, i) => i == 0 ? clause : Uncapitalised(clause)));
        return concerned.Count > 2 ? T("doctor.why.and-more", why, concerned.Count - 2) : T("doctor.why.reason", why);
    }

    /// <summary>
    /// A summary's statement of fact: the text before its first ": ", " (", "; " or ". " (in Chinese "：", "（",
    /// "；",
    /// "。").
    /// </summary>
    internal static string FirstClause(string summary)
    {
        int end = summary.Length;
        foreach (string stop in new[] { ": ", " (", "; ", ". ", "：", "（", "；", "。" })
        {
            int at = summary.IndexOf(stop, StringComparison.Ordinal);
            if (at > 0 && at < end)
            {
                end = at;
            }
        }

        return summary[..end].TrimEnd('.', '。');
    }

    private string Ids(MemcgCounts c, bool? kernelCountsDying)
    {
        if (c.IdsInUse is { } used)
        {
            return T("doctor.ids.used", used, c.Limit, (double)used / c.Limit) + (c.Dying is { } d
                ? T("doctor.ids.dying", d)
                : "");
        }

        string live = c.Live is { } l ? T("doctor.ids.live", l, c.Limit) : "";
        return (c.IdsInUseAtMost is { } most
            ? T("doctor.ids.at-most", most, c.Limit)
            : T(kernelCountsDying == false ? "doctor.ids.unknown-uncounted" : "doctor.ids.unknown")) + live;
    }

    private static string Capitalised(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>
    /// A sentence's first word in lower case when it is an ordinary word ("Memory"), not a name ("SLUB", "runc").
    /// </summary>
    private static string Uncapitalised(string s) =>
        s.Length > 1 && char.IsUpper(s[0]) && char.IsLower(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    /// <summary>
    /// A component with its version as its package spells it (docker 18.09.0, not 18.9.0), or the version the
    /// checks inferred, so that header and checks agree.
    /// </summary>
    private string Component(ComponentFact x, HostFacts facts)
    {
        if (Spelled(x.VersionText) is { } spelled)
        {
            return $"{x.Name} {spelled}";
        }

        if (x.Name == "runc" && RuncCheck.InferFromContainerd(facts) is { } inferred)
        {
            return T("doctor.component.inferred", inferred.Version, inferred.From.In(_language));
        }

        return T(x.BinaryPath is null ? "doctor.component.not-found" : "doctor.component.version-unknown", x.Name);
    }

    /// <summary>
    /// The version as the source wrote it: the first word that starts with a digit ("runc version 1.0.0-rc93").
    /// </summary>
    internal static string? Spelled(string? versionText) =>
        versionText?.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.TrimStart('v').TrimEnd(',', ';'))
            .FirstOrDefault(w => w.Length > 0 && char.IsAsciiDigit(w[0]));

    private string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? T("doctor.unknown");

    private void Fact(string name, string value)
        => Paragraph(value, name + new string(' ', Math.Max(1, 16 - TextWrap.DisplayWidth(name))), new string(' ', 16));

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

    private string Tag(CheckStatus s) => Paint(StatusColour(s), T("doctor.tag." + Names.Of(s)));

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
