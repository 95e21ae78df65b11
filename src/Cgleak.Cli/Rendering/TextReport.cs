using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.Cli.Rendering;

/// <summary>The doctor's report for people, kube-bench style: facts, [PASS]/[WARN]/... lines with evidence, remediations, summary.</summary>
public sealed class TextReport(TextWriter output, bool colour)
{
    public void Write(DoctorReport r)
    {
        HostFacts f = r.Facts;
        output.WriteLine(Bold($"cgleak doctor: {(f.IsLive ? "this host" : "host tree " + TerminalText.Escape(f.RootDirectory))}"));
        Fact("Kernel", f.Kernel is { } k ? $"{k.Value.Text}{(r.Kernel is { } t ? $" ({t.Family})" : "")}" : "unknown");
        Fact("Distribution", f.Distribution?.Display ?? "unknown");
        Fact("Cgroups", f.Layout.Mode == CgroupMode.None ? "none mounted"
            : $"{Names.Of(f.Layout.Mode)}; memory controller {(f.Layout.MemoryMountPoint is { } m ? $"{Names.Of(f.Layout.Memory)} at {m}" : "not mounted")}");
        Fact("Command line", f.Cmdline?.Value.Text ?? "unknown");
        MemcgCounts c = r.Counts;
        Fact("Memory cgroups", $"limit {c.Limit}, reported {N(c.Reported)}, live {N(c.Live)}, dying {N(c.Dying)}, IDs in use {N(c.IdsInUse)}"
            + (c.IdsInUseRatio is { } ratio ? $" ({ratio:P1})" : ""));
        KmemCounts kmem = f.Tree?.Kmem ?? KmemCounts.Of([]);
        Fact("Kmem", f.Layout.Memory == MemoryHierarchy.V1
            ? $"{kmem.Checked} container cgroups checked, {kmem.Active} with kmem accounting active"
            : "not per cgroup on this layout");
        Fact("Components", string.Join(", ", f.Components.Select(x =>
            $"{x.Name} {Host.Parsing.ComponentVersion.FindText(x.VersionText) ?? x.VersionText ?? (x.BinaryPath is null ? "not found" : "version unknown")}")));
        output.WriteLine();

        output.WriteLine(Bold("== Checks =="));
        foreach (CheckResult check in r.Checks)
        {
            output.WriteLine($"{Tag(check.Status)} {check.Id}: {TerminalText.Escape(check.Summary)}");
            foreach (string e in check.Evidence)
            {
                output.WriteLine(Dim($"       {TerminalText.Escape(e)}"));
            }
        }

        // One entry per distinct fix, naming every check that calls for it.
        var fixes = r.Checks
            .Where(x => x.Status is CheckStatus.Fail or CheckStatus.Warn or CheckStatus.Skip)
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
                output.WriteLine($"[{string.Join(", ", group.Select(x => x.Id).Distinct())}] {TerminalText.Escape(fix.Text)}");
                foreach (string command in fix.Commands)
                {
                    output.WriteLine($"    {TerminalText.Escape(command)}");
                }
            }
        }

        if (f.Problems.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Bold("== Problems reading the host =="));
            foreach (HostProblem p in f.Problems)
            {
                output.WriteLine(TerminalText.Escape(p.ToString()));
            }
        }

        output.WriteLine();
        output.WriteLine(Bold("== Summary =="));
        output.WriteLine(string.Join(", ", Enum.GetValues<CheckStatus>().Select(s => $"{r.Checks.Count(x => x.Status == s)} {Names.Of(s)}")));
        output.WriteLine($"Verdict: {Paint(VerdictColour(r.Verdict), Names.Of(r.Verdict).ToUpperInvariant())} ({TerminalText.Escape(r.VerdictReason)})");
    }

    private static string N(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";

    private void Fact(string name, string value) => output.WriteLine($"{name,-15} {TerminalText.Escape(value)}");

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
