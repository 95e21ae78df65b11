using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>The shipped alerting rules, checked and unit-tested by the real promtool.</summary>
public class PrometheusRulesTests
{
    [Fact]
    public void Rules_pass_promtool_check_rules() =>
        AssertTool(Repo.Root, "promtool", "check", "rules", "deploy/prometheus/cgleak-rules.yaml");

    [Fact]
    public void Every_alert_fires_and_clears_in_promtool_test_rules() =>
        AssertTool(
            Path.Combine(Repo.Root, "tests", "prometheus"),
            "promtool",
            "test",
            "rules",
            "cgleak-rules.test.yaml");

    private static void AssertTool(string directory, string file, params string[] args)
    {
        CgleakProcess.Result run = CgleakProcess.Capture(
            new ProcessStartInfo(file, args) { WorkingDirectory = directory });
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
    }
}
