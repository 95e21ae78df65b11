namespace Cgleak.Agent.Kubernetes;

/// <summary>The four calls the publisher makes; KubernetesNodeApi is the real one.</summary>
public interface IKubernetesNodeApi
{
    /// <summary>PATCH nodes/NAME/status with the condition (strategic merge on conditions[type]).</summary>
    Task PatchConditionAsync(
        string node,
        NodeCondition condition,
        DateTimeOffset heartbeat,
        DateTimeOffset transition,
        CancellationToken cancel);

    /// <summary>An Event on the node for a transition.</summary>
    Task CreateEventAsync(string node, NodeCondition condition, DateTimeOffset at, CancellationToken cancel);

    /// <summary>Adds or removes cgleak's NoSchedule taint (read-modify-write of spec.taints).</summary>
    Task SetTaintAsync(string node, bool present, CancellationToken cancel);
}
