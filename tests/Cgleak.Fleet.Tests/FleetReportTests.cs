using System.Text;
using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;
using Cgleak.Fleet.Prometheus;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Fleet.Tests;

/// <summary>The fleet's decisions: order, counts, the overall verdict; and reading the two sources' answers.</summary>
public sealed class FleetReportTests
{
    private static FleetNode N(string name, Verdict? v, bool reporting = true, double? wall = null, long? ids = null) =>
        new()
        {
            Name = name,
            Verdict = v,
            Reporting = reporting,
            SecondsToWall = wall,
            IdsInUse = ids,
            IdsLimit = 65535
        };

    [Fact]
    public void Nodes_sort_affected_at_risk_not_reporting_unknown_ok_and_nearest_wall_first()
    {
        FleetReport r = FleetReport.Of(
        [
            N("ok-a", Verdict.Ok), N("gone", Verdict.Affected, reporting: false), N(
                "risk-full",
                Verdict.AtRisk,
                ids: 60000),
            N("aff-later", Verdict.Affected, wall: 7200), N("unk", Verdict.Unknown), N(
                "aff-soon",
                Verdict.Affected,
                wall: 600),
            N("risk-empty", Verdict.AtRisk, ids: 100), N("aff-nowall", Verdict.Affected),
        ], DateTimeOffset.UnixEpoch, []);
        Assert.Equal(
            ["aff-soon", "aff-later", "aff-nowall", "risk-full", "risk-empty", "gone", "unk", "ok-a"],
            r.Nodes.Select(n => n.Name));
        Assert.Equal("3 affected, 2 at risk, 1 ok, 1 not reporting, 1 unknown", r.Summary);
        Assert.Equal(Verdict.Affected, r.Overall);
    }

    [Theory]
    [InlineData(new[] { Verdict.Ok, Verdict.Ok }, true, Verdict.Ok)]
    [InlineData(new[] { Verdict.Ok, Verdict.AtRisk }, true, Verdict.AtRisk)]
    [InlineData(new[] { Verdict.Ok, Verdict.Ok }, false, Verdict.Unknown)]
    // a silent node's last word is not counted
    [InlineData(new[] { Verdict.AtRisk, Verdict.Affected }, false, Verdict.AtRisk)]
    public void The_exit_verdict_is_the_worst_reporting_node_and_a_silent_node_is_not_ok(
        Verdict[] verdicts,
        bool lastReports,
        Verdict overall)
    {
        var nodes = verdicts.Select((v, i) => N($"n{i}", v, reporting: i < verdicts.Length - 1 || lastReports));
        Assert.Equal(overall, FleetReport.Of(nodes, DateTimeOffset.UnixEpoch, []).Overall);
    }

    [Fact]
    public void Every_fixture_condition_reads_back_as_the_verdict_the_agent_wrote()
    {
        foreach (string scenario in Repo.Scenarios())
        {
            DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
            NodeCondition c = NodeCondition.From(report, "at +41 IDs/h, 65535 in 9 d 3 h");
            Assert.True(
                report.Verdict == NodeCondition.VerdictOf(c.Problem ? "True" : "False", c.Reason, c.Message),
                $"{scenario}: {c.Message}");
        }
    }

    [Theory]
    [InlineData("True", "KmemLeakActive", "something", Verdict.Affected)]
    [InlineData("True", "MemoryCgroupIdsNearLimit", "an older agent's message", Verdict.AtRisk)]
    [InlineData("False", "NoMemoryCgroupPressure", "memory cgroups: 61 IDs in use of 65535", Verdict.Ok)]
    // NPD's plugin
    [InlineData("True", "MemoryCgroupLeak", "affected: kmem.active-cgroups, logs.symptom", Verdict.Affected)]
    [InlineData("Unknown", "MemoryCgroupLeak", "", Verdict.Unknown)]
    public void Conditions_of_older_agents_and_of_the_npd_plugin_read_as_a_verdict(
        string status,
        string reason,
        string message,
        Verdict expected) =>
        Assert.Equal(expected, NodeCondition.VerdictOf(status, reason, message));

    [Fact]
    public void A_prometheus_error_or_a_page_that_is_not_its_api_is_one_line_naming_the_url()
    {
        var url = new Uri("http://prom:9090/api/v1/query?query=up");
        FleetException error = Assert.Throws<FleetException>(() => PrometheusFleetSource.ParseAnswer(
            Encoding.UTF8.GetBytes("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}"),
            400,
            url));
        Assert.Equal("http://prom:9090/api/v1/query answered 400: parse error", error.Message);
        FleetException html = Assert.Throws<FleetException>(
            () => PrometheusFleetSource.ParseAnswer(Encoding.UTF8.GetBytes("<html>login</html>"), 200, url));
        Assert.StartsWith(
            "http://prom:9090/api/v1/query answered 200 with something that is not the Prometheus API's JSON",
            html.Message,
            StringComparison.Ordinal);
        Assert.False(html.BadInput);
        Assert.Single(PrometheusFleetSource.ParseAnswer(Encoding.UTF8.GetBytes(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"node\":\"a\"},\"v" +
            "alue\":[1,\"2\"]},{\"metric\":{},\"value\":[1,\"NaN\"]}]}}"), 200, url));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("1d", 86400)]
    [InlineData("30", 30)]
    public void Durations_read_as_promql_writes_them(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), PrometheusFleetSource.ParseDuration(text, "--x"));
        Assert.Equal(text.EndsWith('0') ? "30s" : text, PrometheusFleetSource.Duration(TimeSpan.FromSeconds(seconds)));
    }
}
