using System.Globalization;
using System.Text.Json;
using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Fleet.Kubernetes;

/// <summary>
/// The fleet from the API server: the nodes' MemoryCgroupPressure conditions (the agent's; NPD's
/// MemoryCgroupPressureNPD where the agent does not run) and their nodeInfo (kernel, runtime, kubelet), listed
/// 500 nodes a request. A node whose condition's heartbeat is older than <see cref="Stale"/>, or that has no
/// condition, is not reporting.
/// </summary>
public sealed class KubernetesFleetSource(HttpClient http, Uri server, TimeSpan stale)
{
    /// <summary>
    /// The type node-problem-detector's plugin writes (deploy/node-problem-detector): never the agent's own.
    /// </summary>
    public const string NpdConditionType = NodeCondition.Type + "NPD";

    public TimeSpan Stale { get; } = stale;

    public async Task<IReadOnlyList<FleetNode>> ReadAsync(DateTimeOffset now, CancellationToken cancel)
    {
        var nodes = new List<FleetNode>();
        string? next = null;
        do
        {
            var url = new Uri(
                server,
                "api/v1/nodes?limit=500" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next)));
            (int status, byte[] body) = await FleetEndpoint.GetAsync(http, url, cancel).ConfigureAwait(false);
            next = ParseList(body, status, url, now, nodes);
        }
        while (next is not null);

        return nodes;
    }

    /// <summary>
    /// One page of GET /api/v1/nodes (a v1 NodeList) into <paramref name="into"/>; the continue token, if any.
    /// </summary>
    internal string? ParseList(ReadOnlyMemory<byte> body, int status, Uri url, DateTimeOffset now, List<FleetNode> into)
    {
        string where = url.GetLeftPart(UriPartial.Path);
        try
        {
            using var doc = JsonDocument.Parse(body);
            JsonElement root = doc.RootElement;
            if (status is < 200 or > 299)
            {
                string message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(
                    "message",
                    out JsonElement m) ? m.ToString() : FleetEndpoint.Shorten(body.Span);
                throw new FleetException(new Message("fleet.error.answered", where, status, message), badInput: false);
            }

            if (root.ValueKind != JsonValueKind.Object || Str(root, "kind") != "NodeList"
                || !root.TryGetProperty("items", out JsonElement items)
                || items.ValueKind != JsonValueKind.Array)
            {
                throw new FleetException(new Message("fleet.error.not-a-node-list", where), badInput: false);
            }

            foreach (JsonElement item in items.EnumerateArray())
            {
                into.Add(Node(item, now));
            }

            return root.TryGetProperty("metadata", out JsonElement meta)
                && Str(meta, "continue") is { Length: > 0 } token ? token : null;
        }
        catch (JsonException)
        {
            throw new FleetException(
                new Message("fleet.error.not-json", where, status, FleetEndpoint.Shorten(body.Span)),
                badInput: false);
        }
    }

    private FleetNode Node(JsonElement item, DateTimeOffset now)
    {
        string name = item.TryGetProperty("metadata", out JsonElement meta) ? Str(meta, "name") ?? "" : "";
        JsonElement? info = item.TryGetProperty("status", out JsonElement st)
            && st.TryGetProperty("nodeInfo", out JsonElement ni) ? ni : null;
        JsonElement? condition = null;
        if (item.TryGetProperty("status", out JsonElement s)
            && s.TryGetProperty("conditions", out JsonElement conditions)
            && conditions.ValueKind == JsonValueKind.Array)
        {
            // The agent's own condition when there is one; NPD's plugin only where the agent does not run.
            condition = conditions.EnumerateArray().Where(c => Str(c, "type") == NodeCondition.Type)
                .Cast<JsonElement?>()
                .FirstOrDefault()
                ?? conditions.EnumerateArray().Where(c => Str(c, "type") == NpdConditionType).Cast<JsonElement?>()
                    .FirstOrDefault();
        }

        DateTimeOffset? heartbeat = condition is { } c && Str(c, "lastHeartbeatTime") is { } t
            && DateTimeOffset.TryParse(
                t,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out DateTimeOffset at) ? at : null;
        string? runtime = info is { } i ? Str(i, "containerRuntimeVersion") : null;
        return new FleetNode
        {
            Name = name,
            Reporting = heartbeat is { } h && now - h <= Stale,
            Verdict = condition is { } cond
                ? NodeCondition.VerdictOf(Str(cond, "status"), Str(cond, "reason"), Str(cond, "message"))
                : null,
            Kernel = info is { } k ? Str(k, "kernelVersion") : null,
            // nodeInfo names the runtime, not runc: "containerd://1.6.8", "docker://18.9.0".
            Runc = runtime,
            Kubelet = info is { } kl ? Str(kl, "kubeletVersion") : null,
            LastSeen = heartbeat,
            Message = condition is { } msg ? Str(msg, "message") : null,
        };
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v)
            && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
