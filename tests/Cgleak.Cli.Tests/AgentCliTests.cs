using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>cgleak agent as it runs: served endpoints, faults it rides out, and real Prometheus scraping it.</summary>
public sealed class AgentCliTests : IDisposable
{
    private readonly AgentProcesses _agents = new();

    public void Dispose() => _agents.Dispose();

    [Fact]
    public void The_agent_serves_metrics_health_readiness_and_status()
    {
        int port = StartAgent(Repo.Fixture("el7-957-leaking"));
        Assert.Equal("ok\n", _agents.Get(port, "/healthz"));
        AgentProcesses.WaitFor(() => _agents.Status(port, "/readyz") == HttpStatusCode.OK);
        string metrics = _agents.Get(port, "/metrics");
        Assert.Contains("cgleak_kmem_active_cgroups 39", metrics, StringComparison.Ordinal);
        Assert.Contains("cgleak_verdict{verdict=\"affected\"} 1", metrics, StringComparison.Ordinal);
        Assert.Equal("affected", (string?)JsonNode.Parse(_agents.Get(port, "/status"))!["verdict"]);
        Assert.Equal(HttpStatusCode.NotFound, _agents.Status(port, "/nope"));
    }

    [Fact]
    public void Faults_are_counted_the_agent_keeps_serving_and_recovers()
    {
        string root = Directory.CreateTempSubdirectory("cgleak-agent-faults-").FullName;
        try
        {
            Process.Start("cp", ["-a", Repo.Fixture("ubuntu-5.4-dying") + "/.", root])!.WaitForExit();
            int port = StartAgent(root);
            AgentProcesses.WaitFor(() => _agents.Get(port, "/metrics")
                .Contains("cgleak_memory_cgroups_reported 41969", StringComparison.Ordinal));
            Assert.Contains("cgleak_scan_errors_total 0", _agents.Get(port, "/metrics"), StringComparison.Ordinal);

            // /proc/cgroups turns unreadable (a directory in its place: EISDIR), and a pod's cgroups vanish.
            File.Move(root + "/proc/cgroups", root + "/proc/cgroups.saved");
            Directory.CreateDirectory(root + "/proc/cgroups");
            string pod = Directory.GetDirectories(root + "/sys/fs/cgroup/memory/kubepods/besteffort")[0];
            Directory.Move(pod, root + "/vanished-pod");
            AgentProcesses.WaitFor(
                () => !_agents.Get(port, "/metrics").Contains("cgleak_scan_errors_total 0", StringComparison.Ordinal));
            string during = _agents.Get(port, "/metrics");
            Assert.DoesNotContain(
                "cgleak_memory_cgroups_reported",
                during.Split('\n').Where(l => !l.StartsWith('#')).Aggregate("", (a, b) => a + b + "\n"),
                StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, _agents.Status(port, "/healthz"));

            // ... and come back.
            Directory.Delete(root + "/proc/cgroups");
            File.Move(root + "/proc/cgroups.saved", root + "/proc/cgroups");
            Directory.Move(root + "/vanished-pod", pod);
            AgentProcesses.WaitFor(() => _agents.Get(port, "/metrics")
                .Contains("cgleak_memory_cgroups_reported 41969", StringComparison.Ordinal));
            Assert.Contains(
                "cgleak_memory_cgroups{state=\"live\"} 96",
                _agents.Get(port, "/metrics"),
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Real_prometheus_scrapes_the_agent_and_answers_promql_for_this_machine()
    {
        int agent = StartAgent(null);
        AgentProcesses.WaitFor(() => _agents.Status(agent, "/readyz") == HttpStatusCode.OK);
        long live = long.Parse(_agents.Get(agent, "/metrics").Split('\n').Single(
            l => l.StartsWith("cgleak_memory_cgroups{state=\"live\"}", StringComparison.Ordinal)).Split(' ')[1],
                System.Globalization.CultureInfo.InvariantCulture);

        WithPrometheus(agent, rules: null, port =>
        {
            JsonNode? result = null;
            AgentProcesses.WaitFor(() => (result = Query(port, "/api/v1/query?query=cgleak_memory_cgroup_ids_limit")?[
                "data"]!["result"]!.AsArray().FirstOrDefault()) is not null, seconds: 60);
            Assert.Equal("65535", (string?)result!["value"]![1]);
            Assert.Equal("cgleak", (string?)result["metric"]!["job"]);
            JsonNode liveResult = Query(port, "/api/v1/query?query=cgleak_memory_cgroups%7Bstate%3D%22live%22%7D")![
                "data"]!["result"]![0]!;
            Assert.InRange(
                long.Parse((string)liveResult["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture),
                live - 5,
                live + 5);
            Assert.Equal("1", (string?)Query(port, "/api/v1/query?query=up%7Bjob%3D%22cgleak%22%7D")!["data"]![
                "result"]![0]!["value"]![1]);
        });
    }

    [Fact]
    public void Real_prometheus_with_the_shipped_rules_raises_the_alerts_a_leaking_node_calls_for()
    {
        // kmem active in 39 pods, the runbook's mkdir error in the logs
        int agent = StartAgent(Repo.Fixture("el7-957-leaking"));
        WithPrometheus(agent, Path.Combine(Repo.Root, "deploy", "prometheus", "cgleak-rules.yaml"), port =>
        {
            string State(string alert) => Query(port, "/api/v1/alerts")?["data"]!["alerts"]!.AsArray()
                .FirstOrDefault(a => (string?)a!["labels"]!["alertname"] == alert)?["state"]?
                .GetValue<string>() ?? "inactive";

            // for: 0m
            AgentProcesses.WaitFor(() => State("CgleakMemoryCgroupCreationFailing") == "firing", seconds: 60);
            Assert.Equal("pending", State("CgleakKmemLeakActive")); // for: 5m
            // 3.10 hides its zombies: no IDs in use, no guess
            Assert.Equal("inactive", State("CgleakMemoryCgroupIdsHigh"));
            JsonNode rule = Query(port, "/api/v1/rules")!["data"]!["groups"]!.AsArray()
                .SelectMany(g => g!["rules"]!.AsArray())
                .Single(r => (string?)r!["name"] == "CgleakMemoryCgroupCreationFailing")!;
            Assert.Equal("ok", (string?)rule["health"]);
            Assert.EndsWith(
                "docs/runbook.md#cgleakmemorycgroupcreationfailing",
                (string?)rule["annotations"]!["runbook_url"],
                StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// Debian's prometheus scraping the agent every second (and evaluating the rules file, if any), for the time of
    /// <paramref name="test"/>.
    /// </summary>
    private void WithPrometheus(int agent, string? rules, Action<int> test)
    {
        string dir = Directory.CreateTempSubdirectory("cgleak-prometheus-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "prometheus.yml"),
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + (rules is null ? "" : $"rule_files: ['{rules}']\n")
                + $"scrape_configs:\n  - job_name: cgleak\n    static_configs:\n      - targets: "
                    + $"['127.0.0.1:{agent}']\n");
            int port = AgentProcesses.FreePort();
            _agents.Start(
                "prometheus",
                $"--config.file={dir}/prometheus.yml",
                $"--storage.tsdb.path={dir}/data",
                $"--web.listen-address=127.0.0.1:{port}");
            test(port);
        }
        finally
        {
            _agents.StopAll(); // prometheus first: its data directory goes next
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A Prometheus API answer; null while it is not up yet.</summary>
    private JsonNode? Query(int port, string pathAndQuery)
    {
        try
        {
            return JsonNode.Parse(_agents.Get(port, pathAndQuery));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private int StartAgent(string? hostRoot)
    {
        int port = AgentProcesses.FreePort();
        var args = new List<string> {
            Path.Combine(AppContext.BaseDirectory, "cgleak.dll"),
            "agent",
            "--interval",
            "1",
            "--listen",
            $"127.0.0.1:{port}" };
        if (hostRoot is not null)
        {
            args.AddRange(["--host-root", hostRoot]);
        }

        _agents.Start("dotnet", [.. args]);
        AgentProcesses.WaitFor(() => _agents.Status(port, "/healthz") == HttpStatusCode.OK);
        return port;
    }
}
