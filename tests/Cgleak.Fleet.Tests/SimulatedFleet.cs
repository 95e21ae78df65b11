using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Fleet.Tests;

/// <summary>
/// A fleet of real programs: one native cgleak-agent per node, each on its own host tree, all on loopback ports,
/// and Debian's real Prometheus scraping them every second with the shipped rules (every `for:` read as seconds
/// instead of minutes, so a test waits seconds). Each node is labelled node=NAME, as the ServiceMonitor does.
/// </summary>
internal sealed partial class SimulatedFleet : IDisposable
{
    private readonly AgentProcesses _processes = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-fleet-").FullName;

    public sealed record Member(string Node, string Tree, int Port)
    {
        public AgentProcesses.Started? Agent { get; set; }
    }

    /// <summary>The nodes: the issue's seven kinds and more, 13 trees in all.</summary>
    public static readonly (string Node, string Fixture)[] Layout =
    [
        ("el7-leaking", "el7-957-leaking"),
        ("el7-at-risk", "el7-1062-no-nokmem"),
        ("el7-at-the-wall", "el7-3.10-at-the-wall"),
        ("el7-fixed", "el7-nokmem-fixed"),
        ("ubuntu-dying", "ubuntu-5.4-dying"),
        ("v2-healthy", "cgroup-v2"),
        ("broken", "malformed"),
        ("no-memcg", "no-memory-controller"),
        ("el7-bios", "boot-el7-bios"),
        ("el7-uefi", "boot-el7-uefi"),
        ("el8-bls", "boot-el8-bls"),
        ("ubuntu-boot", "boot-ubuntu"),
        ("v2-stopping", "cgroup-v2"), // copied: the agent a test stops
    ];

    public List<Member> Members { get; } = [];

    public int PrometheusPort { get; private set; }

    public string PrometheusUrl => $"http://127.0.0.1:{PrometheusPort}";

    public static string AgentBinary => Path.Combine(Path.GetDirectoryName(CgleakProcess.Native)!, "cgleak-agent");

    public void Start()
    {
        foreach ((string node, string fixture) in Layout)
        {
            string tree = Repo.Fixture(fixture);
            if (node == "v2-stopping")
            {
                tree = Path.Combine(_dir, node);
                Directory.CreateDirectory(tree);
                Process.Start("cp", ["-a", Repo.Fixture(fixture) + "/.", tree])!.WaitForExit();
            }

            var member = new Member(node, tree, AgentProcesses.FreePort());
            member.Agent = _processes.Start(
                AgentBinary,
                "--interval",
                "1",
                "--listen",
                $"127.0.0.1:{member.Port}",
                "--host-root",
                tree);
            Members.Add(member);
        }

        foreach (Member m in Members)
        {
            AgentProcesses.WaitFor(() => _processes.Status(m.Port, "/readyz") == HttpStatusCode.OK);
        }

        // The shipped rules, every for: read in seconds instead of minutes (1h: 60s) so the test waits seconds.
        string rules = Path.Combine(_dir, "cgleak-rules.yaml");
        File.WriteAllText(rules, ForClause().Replace(File.ReadAllText(
            Path.Combine(Repo.Root, "deploy", "prometheus", "cgleak-rules.yaml")),
            m => $"for: {Seconds(m)}s"));
        string targets = string.Concat(
            Members.Select(m => $"      - targets: ['127.0.0.1:{m.Port}']\n        labels: {{node: {m.Node}}}\n"));
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            + $"rule_files: ['{rules}']\n"
            + "scrape_configs:\n  - job_name: cgleak\n    static_configs:\n" + targets);
        PrometheusPort = AgentProcesses.FreePort();
        _processes.Start(
            "prometheus",
            $"--config.file={_dir}/prometheus.yml",
            $"--storage.tsdb.path={_dir}/data",
            $"--web.listen-address=127.0.0.1:{PrometheusPort}");
        AgentProcesses.WaitFor(() => Vector("cgleak_verdict == 1").Count == Members.Count, seconds: 60);
    }

    /// <summary>What the doctor says of a member's tree: the verdict its agent must report.</summary>
    public static Verdict DoctorVerdict(Member m) => Doctor.Examine(HostRoot.At(m.Tree)).Verdict;

    public static void Stop(Member m) => AgentProcesses.Terminate(m.Agent!.Process);

    public JsonArray Vector(string query)
    {
        try
        {
            return JsonNode.Parse(
                _processes.Get(PrometheusPort, "/api/v1/query?query=" + Uri.EscapeDataString(
                    query)))?["data"]?["result"]?.AsArray() ?? [];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>inactive, pending or firing: the alert of that name for that node.</summary>
    public string AlertState(string alert, string node)
    {
        try
        {
            return JsonNode.Parse(_processes.Get(PrometheusPort, "/api/v1/alerts"))?["data"]?["alerts"]?.AsArray()
                .FirstOrDefault(
                    a => (string?)a!["labels"]!["alertname"] == alert && (
                        string?)a["labels"]!["node"] == node)?["state"]?.GetValue<string>() ?? "inactive";
        }
        catch (HttpRequestException)
        {
            return "inactive";
        }
    }

    public void Dispose()
    {
        _processes.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex(@"for: (\d+)([mh])")]
    private static partial Regex ForClause();

    /// <summary>A rule's "for:" in seconds, read as minutes: 5m becomes 5s, 1h becomes 60s.</summary>
    private static int Seconds(Match m)
        => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * (m.Groups[2].Value == "h" ? 60 : 1);
}
