using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cgleak.Agent.Kubernetes;

/// <summary>
/// The four node API calls over plain HTTPS with the pod's service account. Deliberately not KubernetesClient:
/// its AOT build doubles this binary (25 MB) and with it every start (+13 ms for each `cgleak check --npd`
/// every 30 s on every node) and the agent's resident memory (a program that only creates a client and
/// serializes one Event peaks at 25 MB); four requests do not need it. The manifests are still checked with
/// KubernetesClient's YAML loader in tests.
/// </summary>
public sealed class KubernetesNodeApi(HttpClient http, Uri server) : IKubernetesNodeApi
{
    private const string ServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// In a pod: KUBERNETES_SERVICE_HOST/PORT, the service account's token (re-read: it rotates) and CA.
    /// </summary>
    public static KubernetesNodeApi InCluster()
    {
        string host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")
            ?? throw new IOException("KUBERNETES_SERVICE_HOST is not set: not in a pod");
        string port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443";
        // ca.crt holds certificates only (no key), possibly several (a bundle during CA rotation).
        var ca = new X509Certificate2Collection();
        ca.ImportFromPemFile(ServiceAccount + "/ca.crt");
        if (ca.Count == 0)
        {
            throw new CryptographicException(ServiceAccount + "/ca.crt holds no certificate");
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = {
                RemoteCertificateValidationCallback = (_, cert, chain, errors) => Validate(ca, cert, chain, errors) },
        };
        var http = new HttpClient(new TokenHandler(handler)) { Timeout = TimeSpan.FromSeconds(10) };
        return new KubernetesNodeApi(
            http,
            new Uri($"https://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}"));
    }

    public Task PatchConditionAsync(
        string node,
        NodeCondition condition,
        DateTimeOffset heartbeat,
        DateTimeOffset transition,
        CancellationToken cancel)
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
        return SendAsync(
            HttpMethod.Patch,
            $"/api/v1/nodes/{node}/status",
            Json(body),
            "application/strategic-merge-patch+json",
            cancel);
    }

    public Task CreateEventAsync(string node, NodeCondition condition, DateTimeOffset at, CancellationToken cancel)
    {
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new Dictionary<string, string>
            {
                ["generateName"] = node + ".cgleak.",
                ["namespace"] = "default"
            },
            ["involvedObject"] = new Dictionary<string, string>
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["name"] = node,
                ["uid"] = node
            },
            ["reason"] = condition.Reason,
            ["message"] = condition.Message,
            ["type"] = condition.Problem ? "Warning" : "Normal",
            ["source"] = new Dictionary<string, string> { ["component"] = "cgleak", ["host"] = node },
            ["firstTimestamp"] = Time(at),
            ["lastTimestamp"] = Time(at),
            ["count"] = 1,
        };
        return SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/events", Json(body), "application/json", cancel);
    }

    public async Task SetTaintAsync(string node, bool present, CancellationToken cancel)
    {
        using HttpResponseMessage got = await http.GetAsync(new Uri(server, $"/api/v1/nodes/{node}"), cancel)
            .ConfigureAwait(false);
        await EnsureAsync(got, cancel).ConfigureAwait(false);
        JsonNode current = JsonNode.Parse(await got.Content.ReadAsStringAsync(cancel).ConfigureAwait(false))
            ?? throw new IOException("empty node");
        var existing = (current["spec"]?["taints"]?.AsArray() ?? []).Select(
            t => (
                Key: (string?)t?["key"] ?? "",
                Effect: (string?)t?["effect"] ?? "",
                Value: (string?)t?["value"] ?? "")).ToList();
        var taints = existing.Where(t => t.Key != NodeCondition.TaintKey).ToList();
        if (present)
        {
            taints.Add((NodeCondition.TaintKey, "NoSchedule", "true"));
        }

        if (existing.Any(t => t.Key == NodeCondition.TaintKey) == present)
        {
            return;
        }

        // spec.taints has no merge key: send the whole list, guarded by the resourceVersion read.
        var body = new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, string>
            {
                ["resourceVersion"] = (string?)current["metadata"]?["resourceVersion"] ?? ""
            },
            ["spec"] = new Dictionary<string, object>
            {
                ["taints"] = taints.Select(
                t => new Dictionary<string, string>
                {
                    ["key"] = t.Key,
                    ["effect"] = t.Effect,
                    ["value"] = t.Value,
                }).ToArray()
            },
        };
        await SendAsync(HttpMethod.Patch, $"/api/v1/nodes/{node}", Json(body), "application/merge-patch+json", cancel)
            .ConfigureAwait(false);
    }

    private async Task SendAsync(
        HttpMethod method,
        string path,
        string json,
        string contentType,
        CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, new Uri(server, path))
        {
            Content = new StringContent(
                json,
                Encoding.UTF8,
                new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" }),
        };
        using HttpResponseMessage response = await http.SendAsync(request, cancel).ConfigureAwait(false);
        await EnsureAsync(response, cancel).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        if (!response.IsSuccessStatusCode)
        {
            string text = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            throw new HttpRequestException(
                $"{(int)response.StatusCode} from the API server: {text[..Math.Min(200, text.Length)]}",
                null,
                response.StatusCode);
        }
    }

    private static string Json(Dictionary<string, object> body)
        => JsonSerializer.Serialize(body, PatchJsonContext.Default.DictionaryStringObject);

    private static string Time(DateTimeOffset t)
        => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The server's chain checked against these CAs only (the service account's ca.crt; cgleak fleet's kubeconfig).
    /// </summary>
    public static bool Validate(
        X509Certificate2Collection ca,
        X509Certificate? cert,
        X509Chain? chain,
        System.Net.Security.SslPolicyErrors errors)
    {
        if (errors == System.Net.Security.SslPolicyErrors.None)
        {
            return true;
        }

        if (cert is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(cert));
    }

    /// <summary>
    /// Adds the service account's bearer token, read fresh for each request (projected tokens rotate).
    /// </summary>
    private sealed class TokenHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            string token = (await File.ReadAllTextAsync(ServiceAccount + "/token", cancellationToken)
                .ConfigureAwait(false)).Trim();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(int))]
internal sealed partial class PatchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
