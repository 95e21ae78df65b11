using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Cgleak.Agent.Kubernetes;

/// <summary>The node API through KubernetesClient: in-cluster service account, or a given configuration (tests: a stand-in).</summary>
public sealed class KubernetesNodeApi(IKubernetes client) : IKubernetesNodeApi
{
    public static KubernetesNodeApi InCluster() => new(new k8s.Kubernetes(KubernetesClientConfiguration.InClusterConfig()));

    public Task PatchConditionAsync(string node, NodeCondition condition, DateTimeOffset heartbeat, DateTimeOffset transition, CancellationToken cancel)
    {
        var body = new Dictionary<string, object>
        {
            ["status"] = new Dictionary<string, object>
            {
                ["conditions"] = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["type"] = NodeCondition.Type,
                        ["status"] = condition.Problem ? "True" : "False",
                        ["reason"] = condition.Reason,
                        ["message"] = condition.Message,
                        ["lastHeartbeatTime"] = Time(heartbeat),
                        ["lastTransitionTime"] = Time(transition),
                    },
                },
            },
        };
        string json = JsonSerializer.Serialize(body, PatchJsonContext.Default.DictionaryStringObject);
        return client.CoreV1.PatchNodeStatusAsync(new V1Patch(json, V1Patch.PatchType.StrategicMergePatch), node, cancellationToken: cancel);
    }

    public Task CreateEventAsync(string node, NodeCondition condition, DateTimeOffset at, CancellationToken cancel) =>
        client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = node + ".cgleak.", NamespaceProperty = "default" },
            InvolvedObject = new V1ObjectReference { Kind = "Node", Name = node, Uid = node, ApiVersion = "v1" },
            Reason = condition.Reason,
            Message = condition.Message,
            Type = condition.Problem ? "Warning" : "Normal",
            Source = new V1EventSource { Component = "cgleak", Host = node },
            FirstTimestamp = at.UtcDateTime,
            LastTimestamp = at.UtcDateTime,
            Count = 1,
        }, "default", cancellationToken: cancel);

    public async Task SetTaintAsync(string node, bool present, CancellationToken cancel)
    {
        V1Node current = await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancel).ConfigureAwait(false);
        var taints = (current.Spec?.Taints ?? []).Where(t => t.Key != NodeCondition.TaintKey).ToList();
        if (present)
        {
            taints.Add(new V1Taint { Key = NodeCondition.TaintKey, Effect = "NoSchedule", Value = "true" });
        }

        if (taints.Count == (current.Spec?.Taints?.Count ?? 0) && (current.Spec?.Taints ?? []).Any(t => t.Key == NodeCondition.TaintKey) == present)
        {
            return;
        }

        // spec.taints has no merge key: send the whole list, guarded by the resourceVersion read.
        var body = new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, string> { ["resourceVersion"] = current.Metadata?.ResourceVersion ?? "" },
            ["spec"] = new Dictionary<string, object> { ["taints"] = taints.Select(t => new Dictionary<string, string> { ["key"] = t.Key, ["effect"] = t.Effect, ["value"] = t.Value ?? "" }).ToArray() },
        };
        string json = JsonSerializer.Serialize(body, PatchJsonContext.Default.DictionaryStringObject);
        await client.CoreV1.PatchNodeAsync(new V1Patch(json, V1Patch.PatchType.MergePatch), node, cancellationToken: cancel).ConfigureAwait(false);
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>[]))]
internal sealed partial class PatchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
