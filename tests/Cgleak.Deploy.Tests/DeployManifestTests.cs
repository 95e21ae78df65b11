using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Testing;
using k8s;
using k8s.Models;

namespace Cgleak.Deploy.Tests;

/// <summary>
/// deploy/: the manifests load with KubernetesClient's YAML loader, strictly (an unknown or misspelt field fails), and
/// say what the agent needs, and nothing more. (`kubectl create --dry-run=client` cannot run offline: it asks the
/// API server for its schema and resource mapping even then.)
/// </summary>
public partial class DeployManifestTests
{
    private static string Deploy(string path) => File.ReadAllText(Path.Combine(Repo.Root, "deploy", path));

    private static IEnumerable<string> Documents(string path) =>
        Deploy(path).Split("\n---\n").Where(d => d.Contains("kind:", StringComparison.Ordinal));

    [Fact]
    public void The_daemonset_runs_non_root_read_only_everywhere_with_limits()
    {
        V1DaemonSet ds = KubernetesYaml.Deserialize<V1DaemonSet>(Deploy("kubernetes/20-daemonset.yaml"), strict: true);
        V1PodSpec pod = ds.Spec.Template.Spec;
        V1Container c = pod.Containers.Single();
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(65534, pod.SecurityContext.RunAsUser);
        Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], c.SecurityContext.Capabilities.Drop);
        Assert.Null(c.SecurityContext.Privileged);
        Assert.Contains(pod.Tolerations, t => t.OperatorProperty == "Exists" && t.Key is null);
        Assert.NotNull(c.Resources.Requests["cpu"]);
        Assert.NotNull(c.Resources.Limits["memory"]);
        Assert.All(c.VolumeMounts, m => Assert.True(m.ReadOnlyProperty, m.Name + " must be read-only"));
        Assert.All(pod.Volumes, v => Assert.NotNull(v.HostPath));
        // nothing made on the node
        Assert.All(pod.Volumes, v => Assert.DoesNotContain("OrCreate", v.HostPath.Type ?? "",
            StringComparison.Ordinal));
        Assert.Equal("spec.nodeName", c.Env.Single(e => e.Name == "NODE_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Contains("--kubernetes", c.Args);
        Assert.Contains("--host-root=/host", c.Args);
        Assert.Equal("/readyz", c.ReadinessProbe.HttpGet.Path);
    }

    [Fact]
    public void Rbac_grants_get_and_patch_on_nodes_patch_on_nodes_status_and_create_events_only()
    {
        V1ClusterRole role = KubernetesYaml.Deserialize<V1ClusterRole>(Documents("kubernetes/10-rbac.yaml").Single(
            d => d.Contains("\nkind: ClusterRole\n", StringComparison.Ordinal)), strict: true);
        var grants = role.Rules.SelectMany(r => r.Resources.SelectMany(res => r.Verbs.Select(v => $"{res}:{v}")))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["events:create", "nodes/status:patch", "nodes:get", "nodes:patch"], grants);
    }

    [Fact]
    public void Service_selects_the_daemonset_pods_on_the_metrics_port()
    {
        V1Service svc = KubernetesYaml.Deserialize<V1Service>(Deploy("kubernetes/30-service.yaml"), strict: true);
        V1DaemonSet ds = KubernetesYaml.Deserialize<V1DaemonSet>(Deploy("kubernetes/20-daemonset.yaml"), strict: true);
        Assert.Equal(
            ds.Spec.Template.Metadata.Labels["app.kubernetes.io/name"],
            svc.Spec.Selector["app.kubernetes.io/name"]);
        Assert.Equal(9739, svc.Spec.Ports.Single().Port);
    }

    [Fact]
    public void The_prometheus_rule_carries_the_same_groups_as_the_promtool_tested_rules_file()
    {
        string rules = Deploy("prometheus/cgleak-rules.yaml");
        string groups = rules[rules.IndexOf("groups:", StringComparison.Ordinal)..].TrimEnd();
        string cr = Deploy("kubernetes/50-prometheusrule.yaml");
        string spec = cr[(cr.IndexOf("spec:\n", StringComparison.Ordinal) + 6)..].TrimEnd();
        Assert.Equal(
            groups,
            string.Join('\n', spec.Split('\n').Select(l => l.StartsWith("  ", StringComparison.Ordinal) ? l[2..] : l)));
    }

    [Fact]
    public void The_dashboard_queries_only_metrics_the_agent_exports()
    {
        JsonNode dashboard = JsonNode.Parse(Deploy("grafana/cgleak-dashboard.json"))!;
        var names = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray())
            .Select(t => (string)t!["expr"]!)
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(names);
        string source = File.ReadAllText(Path.Combine(Repo.Root, "src", "Cgleak.Agent", "MetricsExporter.cs"));
        Assert.All(names, n => Assert.Contains($"\"{n}\"", source, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"cgleak_[a-z_]+")]
    private static partial Regex MetricName();
}
