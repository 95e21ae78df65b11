using Cgleak.Diagnosis.Text;
using Cgleak.Fleet.Kubernetes;
using Cgleak.Fleet.Prometheus;

namespace Cgleak.Fleet;

/// <summary>What cgleak fleet reads: Prometheus, the API server, or both.</summary>
public sealed record FleetSources(
    FleetEndpoint? Prometheus,
    PrometheusFleetOptions PrometheusOptions,
    FleetEndpoint? Kubernetes,
    TimeSpan Stale,
    TimeSpan Timeout);

/// <summary>Reads every source at once and merges them by node name into one report.</summary>
public static class Fleet
{
    public static async Task<FleetReport> ReadAsync(FleetSources sources, DateTimeOffset now, CancellationToken cancel)
    {
        if (sources.Prometheus is null && sources.Kubernetes is null)
        {
            throw new FleetException(new Message("fleet.error.no-source"), badInput: true);
        }

        using HttpClient? promHttp = sources.Prometheus?.CreateClient(sources.Timeout);
        using HttpClient? kubeHttp = sources.Kubernetes?.CreateClient(sources.Timeout);
        Task<IReadOnlyList<FleetNode>> fromPrometheus = sources.Prometheus is { } p
            ? new PrometheusFleetSource(promHttp!, WithSlash(p.Server), sources.PrometheusOptions).ReadAsync(cancel)
            : Task.FromResult<IReadOnlyList<FleetNode>>([]);
        Task<IReadOnlyList<FleetNode>> fromKubernetes = sources.Kubernetes is { } k
            ? new KubernetesFleetSource(kubeHttp!, WithSlash(k.Server), sources.Stale).ReadAsync(now, cancel)
            : Task.FromResult<IReadOnlyList<FleetNode>>([]);
        IReadOnlyList<FleetNode> prometheus = await fromPrometheus.ConfigureAwait(false);
        IReadOnlyList<FleetNode> kubernetes = await fromKubernetes.ConfigureAwait(false);

        var names = new List<string>();
        if (sources.Prometheus is not null)
        {
            names.Add("prometheus " + sources.Prometheus.Server);
        }

        if (sources.Kubernetes is not null)
        {
            names.Add("kubernetes " + sources.Kubernetes.Server);
        }

        return FleetReport.Of(Merge(prometheus, kubernetes), now, names);
    }

    /// <summary>
    /// By node name: the agent's metrics where Prometheus has them (the richer row), the node condition where it
    /// has not; a node is reporting when either source hears from it; nodes only one source knows are kept.
    /// </summary>
    public static IEnumerable<FleetNode> Merge(IReadOnlyList<FleetNode> prometheus, IReadOnlyList<FleetNode> kubernetes)
    {
        var fromKube = kubernetes.GroupBy(n => n.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (FleetNode p in prometheus)
        {
            if (!fromKube.Remove(p.Name, out FleetNode? k))
            {
                yield return p;
            }
            else if (p.Reporting || !k.Reporting)
            {
                yield return p with
                {
                    Kubelet = p.Kubelet ?? k.Kubelet,
                    Kernel = p.Kernel ?? k.Kernel,
                    Message = k
                    .Message,
                    LastSeen = Latest(p.LastSeen, k.LastSeen)
                };
            }
            else
            {
                yield return k with { LastSeen = Latest(p.LastSeen, k.LastSeen) };
            }
        }

        foreach (FleetNode k in fromKube.Values)
        {
            yield return k;
        }
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b)
        => a is null ? b : b is null ? a : a > b ? a : b;

    private static Uri WithSlash(Uri u) => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/");
}
