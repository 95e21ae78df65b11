using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Testing;

namespace Cgleak.Deploy.Tests;

/// <summary>
/// deploy/grafana/cgleak-dashboard.json: what Grafana needs to import it, and queries the agent can answer.
/// </summary>
public partial class GrafanaDashboardTests
{
    private static JsonNode Dashboard
        => JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "deploy", "grafana", "cgleak-dashboard.json")))!;

    private static IEnumerable<JsonNode> Panels => Dashboard["panels"]!.AsArray().Select(p => p!);

    [Fact]
    public void The_dashboard_has_the_fields_grafana_imports_and_tags()
    {
        JsonNode d = Dashboard;
        Assert.Equal("cgleak-memcg", (string?)d["uid"]);
        Assert.False(string.IsNullOrEmpty((string?)d["title"]));
        Assert.True((int)d["schemaVersion"]! >= 36);
        Assert.Contains("cgleak", d["tags"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(Panels.Count(), Panels.Select(p => (int)p["id"]!).Distinct().Count());
        Assert.All(Panels, p => Assert.NotNull(p["gridPos"]?["w"]));
        JsonNode variable = d["templating"]!["list"]!.AsArray().Single(v => (string?)v!["name"] == "datasource")!;
        Assert.Equal(("datasource", "prometheus"), ((string?)variable["type"], (string?)variable["query"]));
    }

    [Fact]
    public void Every_panel_and_query_uses_the_datasource_variable()
    {
        static void IsVariable(JsonNode? ds, string where)
        {
            Assert.True(ds is not null, where + " names no datasource");
            Assert.Equal(("prometheus", "${datasource}"), ((string?)ds["type"], (string?)ds["uid"]));
        }

        foreach (JsonNode p in Panels)
        {
            IsVariable(p["datasource"], $"panel {p["title"]}");
            Assert.All(
                p["targets"]!.AsArray(),
                t => IsVariable(t!["datasource"], $"panel {p["title"]} query {t["refId"]}"));
        }

        IsVariable(
            Dashboard["templating"]!["list"]!.AsArray().Single(v => (string?)v!["name"] == "instance")!["datasource"],
            "variable instance");
    }

    [Fact]
    public void The_fleet_table_has_the_columns_of_cgleak_fleet()
    {
        JsonNode table = Panels.Single(p => ((string?)p["title"])!.StartsWith("Fleet", StringComparison.Ordinal));
        Assert.Equal("table", (string?)table["type"]);
        string queries = string.Join('\n', table["targets"]!.AsArray().Select(t => (string?)t!["expr"]));
        Assert.All(
            (string[])["cgleak_verdict", "cgleak_memory_cgroup_ids_in_use",
                "cgleak_memory_cgroup_ids_in_use_lower_bound", "cgleak_memory_cgroup_ids_limit",
                "cgleak_memory_cgroups{state=\"dying\"", "cgleak_memory_cgroup_ids_exhaustion_eta_seconds",
                    "cgleak_node_info", "cgleak_check_status{status=\"fail\"", "cgleak_build_info"],
            q => Assert.Contains(q, queries, StringComparison.Ordinal));
        var names = table["transformations"]!.AsArray().Single(t => (string?)t!["id"] == "organize")!["options"]![
            "renameByName"]!.AsObject().Select(p => (string?)p.Value);
        Assert.Equal(["node", "IDs in use", "limit", "dying", "growth (IDs/h)", "time to the wall", "failing checks",
            "last seen"], names);
    }

    [Fact]
    public void Every_metric_a_query_names_is_in_cgleak_metrics_output()
    {
        string metrics = string.Concat(((string[])["el7-957-leaking", "ubuntu-5.4-dying", "cgroup-v2"]).Select(
            f => CgleakProcess.Run("metrics", "--host-root", Repo.Fixture(f)).Stdout));
        var names = Panels.SelectMany(p => p["targets"]!.AsArray()).Select(t => (string)t!["expr"]!)
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).Distinct().ToList();
        Assert.True(names.Count >= 10, string.Join(", ", names));
        Assert.All(names, n => Assert.Contains($"# TYPE {n} ", metrics, StringComparison.Ordinal));
    }

    [Fact]
    public void Cgleak_fleet_sends_a_handful_of_queries_whatever_the_fleet_and_every_metric_they_name_is_exported()
    {
        IReadOnlyDictionary<string, string> queries = Fleet.Prometheus.PrometheusFleetSource
            .QueriesFor(new Fleet.Prometheus.PrometheusFleetOptions());
        Assert.InRange(queries.Count, 1, 8);
        string metrics = CgleakProcess.Run("metrics", "--host-root", Repo.Fixture("el7-957-leaking")).Stdout
            + CgleakProcess.Run("metrics", "--host-root", Repo.Fixture("ubuntu-5.4-dying")).Stdout;
        var names = queries.Values.SelectMany(
            q => System.Text.RegularExpressions.Regex.Matches(q, "cgleak_[a-z_]+").Select(m => m.Value)).Distinct();
        // declared even when absent (forecasts)
        Assert.All(names, n => Assert.Contains("# TYPE " + n + " ", metrics, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"cgleak_[a-z_]+")]
    private static partial Regex MetricName();
}
