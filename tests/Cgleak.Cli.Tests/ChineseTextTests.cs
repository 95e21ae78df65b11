using System.Text.Json.Nodes;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// 中文: the text in Simplified Chinese, chosen by --language or the locale; JSON and exit codes unchanged by it.
/// Goldens under tests/goldens/zh-CN (CGLEAK_UPDATE_GOLDENS=1 rewrites them; review them like code).
/// </summary>
public class ChineseTextTests
{
    private static readonly Dictionary<string, string> Chinese = new() { ["LANG"] = "zh_CN.UTF-8" };

    public static TheoryData<string> Scenarios => new(Repo.Scenarios());

    public static TheoryData<string> Reviewed => new("el7-957-leaking", "ubuntu-5.4-dying", "el7-3.10-at-the-wall");

    [Theory]
    [MemberData(nameof(Reviewed))]
    public void Doctor_text_in_Chinese_matches_the_reviewed_golden(string scenario)
    {
        // The header names the host root and is wrapped at 80 columns: reached through a link of the same length
        // wherever the repository is cloned, so the golden does not depend on the clone's path.
        string link = $"/tmp/cgleak-zh-{Guid.NewGuid():N}"[..24];
        File.CreateSymbolicLink(link, Repo.Fixture(scenario));
        try
        {
            var run = CgleakProcess.RunWith(
                new Dictionary<string, string>(Chinese) { ["COLUMNS"] = "80" },
                "doctor",
                "--host-root",
                link);
            Assert.Equal("", run.Stderr);
            MatchesGolden(
                $"doctor-{scenario}.txt",
                run.Stdout.Replace(link, $"/tmp/{scenario}", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(link);
        }
    }

    [Theory]
    [MemberData(nameof(Reviewed))]
    public void Fix_plan_in_Chinese_matches_the_reviewed_golden(string scenario)
    {
        foreach ((string format, string extension) in new[] { ("text", "txt"), ("sh", "sh") })
        {
            var run = CgleakProcess.RunWith(
                Chinese,
                "fix",
                "plan",
                "--host-root",
                Repo.Fixture(scenario),
                "--format",
                format);
            Assert.Equal("", run.Stderr);
            MatchesGolden($"fix-plan-{scenario}.{extension}", run.Stdout);
        }
    }

    [Theory]
    [MemberData(nameof(Reviewed))]
    public void Json_and_exit_codes_are_the_same_in_either_language(string scenario)
    {
        foreach (string[] args in new[] { new[] { "doctor", "--json" }, ["fix", "plan", "--format", "json"] })
        {
            string[] full = [.. args, "--host-root", Repo.Fixture(scenario)];
            var english = CgleakProcess.Run(full);
            var chinese = CgleakProcess.RunWith(Chinese, full);
            var option = CgleakProcess.Run([.. full, "--language", "zh-CN"]);
            Assert.Equal(english.ExitCode, chinese.ExitCode);
            Assert.Equal(english.ExitCode, option.ExitCode);
            Assert.Equal(WithoutTime(english.Stdout), WithoutTime(chinese.Stdout));
            Assert.Equal(WithoutTime(english.Stdout), WithoutTime(option.Stdout));
        }
    }

    [Fact]
    public void The_language_comes_from_the_environment_and_the_option_wins()
    {
        string fixture = Repo.Fixture("el7-957-leaking");
        Assert.Contains(
            "已受影响",
            CgleakProcess.RunWith(Chinese, "doctor", "--host-root", fixture).Stdout,
            StringComparison.Ordinal);
        Assert.Contains("已受影响", CgleakProcess.RunWith(
            new Dictionary<string, string> { ["LC_MESSAGES"] = "zh_CN.UTF-8", ["LANG"] = "C" },
            "doctor",
            "--host-root",
            fixture).Stdout, StringComparison.Ordinal);
        Assert.StartsWith("----", CgleakProcess.RunWith(
            new Dictionary<string, string> { ["LC_ALL"] = "C", ["LANG"] = "zh_CN.UTF-8" },
            "doctor",
            "--host-root",
            fixture).Stdout, StringComparison.Ordinal);
        Assert.Contains(
            "AFFECTED: the memory cgroup leak",
            CgleakProcess.RunWith(Chinese, "doctor", "--host-root", fixture, "--language", "en").Stdout,
            StringComparison.Ordinal);
        Assert.Contains(
            "已受影响",
            CgleakProcess.Run("--language=zh-CN", "doctor", "--host-root", fixture).Stdout,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_language_is_a_usage_error_naming_the_choices()
    {
        var run = CgleakProcess.Run("doctor", "--language", "fr");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--language: one of en, zh-CN, got 'fr'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_and_errors_are_in_Chinese()
    {
        var help = CgleakProcess.RunWith(Chinese, "doctor", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("诊断", help.Stdout, StringComparison.Ordinal);
        var typo = CgleakProcess.RunWith(Chinese, "docter");
        Assert.Equal(ExitCodes.Usage, typo.ExitCode);
        Assert.Contains("'doctor'", typo.Stderr, StringComparison.Ordinal);
        Assert.Contains("不是", typo.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every fixture, in Chinese, at several widths: every message has its text, and nothing is wider than the
    /// terminal.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Every_fixture_renders_in_Chinese_within_the_width(string scenario)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
        var commands = report.Checks.SelectMany(c => c.Remediation).SelectMany(r => r.Commands).ToHashSet();
        foreach (int width in new[] { 60, 80, 132 })
        {
            var text = new StringWriter();
            new TextReport(text, colour: false, width, verbose: true, Language.ZhCN).Write(report);
            string[] lines = text.ToString().Split('\n');
            Assert.Contains(lines.Take(8), l => l.Contains("下一步：", StringComparison.Ordinal));
            foreach (string line in lines.Where(l => TextWrap.DisplayWidth(l) > width))
            {
                string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(
                    commands.Contains(line) || TextWrap.DisplayWidth(words[^1]) > width - 20,
                    $"{scenario} at {width}: {line}");
            }
        }

        FixPlan plan = FixCommand.MakePlan(HostRoot.At(Repo.Fixture(scenario)), "auto", null);
        Assert.DoesNotContain("plan.", PlanRenderer.Text(plan, "x", Language.ZhCN), StringComparison.Ordinal);
        Assert.NotEmpty(PlanRenderer.Shell(plan, "x", Language.ZhCN));
    }

    private static string WithoutTime(string json)
    {
        if (!json.TrimStart().StartsWith('{'))
        {
            return json;
        }

        JsonNode doc = JsonNode.Parse(json)!;
        if (doc["elapsedSeconds"] is not null)
        {
            doc["elapsedSeconds"] = 0;
        }

        return doc.ToJsonString();
    }

    private static void MatchesGolden(string name, string actual)
    {
        string golden = Path.Combine(Repo.Root, "tests", "goldens", "zh-CN", name);
        if (Environment.GetEnvironmentVariable("CGLEAK_UPDATE_GOLDENS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, actual);
        }

        Assert.True(File.Exists(golden), $"no golden {golden}: run with CGLEAK_UPDATE_GOLDENS=1 and review it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }
}
