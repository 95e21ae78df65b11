using Cgleak.Cli.Core.Rendering;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>The doctor's text for people, in-process: the answer first, fitted to the width, consistent.</summary>
public class DoctorTextTests
{
    public static TheoryData<string> Scenarios => new(Repo.Scenarios());

    private static string Render(string scenario, int width, bool verbose = false)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
        var text = new StringWriter();
        new TextReport(text, colour: false, width, verbose).Write(report);
        return text.ToString();
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void The_verdict_and_the_next_step_are_in_the_first_8_lines(string scenario)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
        string[] first = Render(scenario, 80).Split('\n').Take(8).ToArray();

        Assert.Contains(
            first,
            l => l.Contains(Names.Of(report.Verdict).ToUpperInvariant() + ":", StringComparison.Ordinal));
        Assert.Contains(first, l => l.TrimStart().StartsWith("Next:", StringComparison.Ordinal));
        NextStep next = NextStep.For(report);
        if (next.Command is { } command)
        {
            Assert.Contains(first, l => l.Contains(command, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Nothing_is_wider_than_the_terminal_but_a_whole_command(string scenario)
    {
        foreach (int width in new[] { 60, 80, 132 })
        {
            DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
            var commands = report.Checks.SelectMany(c => c.Remediation).SelectMany(r => r.Commands).ToHashSet();
            foreach (string line in Render(scenario, width, verbose: true).Split('\n'))
            {
                if (TextWrap.DisplayWidth(line) > width)
                {
                    // A command printed alone, whole; or a word too long to share a line with its label or indent
                    // (a path), alone after it.
                    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    Assert.True(commands.Contains(line) || TextWrap.DisplayWidth(words[^1]) > width - 20,
                        $"{scenario} at {width}: {line}");
                }
            }
        }
    }

    [Fact]
    public void Header_and_checks_agree_on_versions_as_the_packages_spell_them()
    {
        string text = Render("el7-957-leaking", 200);
        string components = text.Split('\n').Single(l => l.StartsWith("Components", StringComparison.Ordinal));

        Assert.Contains("runc 1.0.0-rc5 (inferred from containerd 1.2.0", components, StringComparison.Ordinal);
        Assert.Contains("docker 18.09.0", components, StringComparison.Ordinal);
        Assert.DoesNotContain("18.9.0", components, StringComparison.Ordinal);
        Assert.Contains("runc 1.0.0-rc5 enables kmem", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Remediations_never_fill_the_id_space_and_boot_edits_point_to_the_fix_plan(string scenario)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
        foreach (var fix in report.Checks.SelectMany(c => c.Remediation))
        {
            Assert.DoesNotContain(fix.Commands, c => c.Contains("--until-full", StringComparison.Ordinal));
            bool editsBoot = fix.Commands.Any(c => c.Contains("grubby --args", StringComparison.Ordinal)
                || c.Contains("/etc/default/grub", StringComparison.Ordinal));
            if (editsBoot)
            {
                Assert.StartsWith("cgleak fix plan", fix.Commands[0], StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Evidence_is_one_flag_away()
    {
        Assert.DoesNotContain(
            "/proc/cgroups: memory num_cgroups=45",
            Render("el7-957-leaking", 120),
            StringComparison.Ordinal);
        Assert.Contains(
            "/proc/cgroups: memory num_cgroups=45",
            Render("el7-957-leaking", 120, verbose: true),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_are_listed_before_passes()
    {
        string text = Render("el7-957-leaking", 200);
        int firstFail = text.IndexOf("[FAIL]", StringComparison.Ordinal);
        int firstSkip = text.IndexOf("[SKIP]", StringComparison.Ordinal);
        int firstInfo = text.IndexOf("[INFO]", StringComparison.Ordinal);
        Assert.True(firstFail < firstSkip && firstSkip < firstInfo, text);
    }
}
