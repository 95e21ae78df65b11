using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cgleak.Diagnosis.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cgleak.Fleet.Kubernetes;

/// <summary>
/// A kubeconfig file read as kubectl reads it (k8s.io/client-go/tools/clientcmd/api/v1): the current context
/// (or the one named), its cluster (server, certificate-authority[-data], insecure-skip-tls-verify,
/// tls-server-name) and user (token, tokenFile, client-certificate[-data] + client-key[-data], username +
/// password, exec credential plugins). Relative paths are relative to the file, as kubectl has them.
/// </summary>
public static class Kubeconfig
{
    public static FleetEndpoint Load(string path, string? context = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(new Message("fleet.error.kubeconfig", path, e.Message), badInput: true, e);
        }

        return Parse(text, path, context);
    }

    /// <summary>
    /// In a pod: KUBERNETES_SERVICE_HOST/PORT and the service account's CA and token (re-read: it rotates).
    /// </summary>
    public static FleetEndpoint InCluster(string serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount")
    {
        string host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")
            ?? throw new FleetException(new Message("fleet.error.not-in-a-pod"), badInput: true);
        string port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443";
        FleetEndpoint.ReadToken(serviceAccount + "/token", new Message("fleet.what.sa-token"));
        return new FleetEndpoint(
            new Uri($"https://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}"))
        {
            Ca = FleetEndpoint.CaFromFile(serviceAccount + "/ca.crt", new Message("fleet.what.sa-ca")),
            TokenFile = serviceAccount + "/token",
        };
    }

    public static FleetEndpoint Parse(string text, string path, string? contextName = null)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        // What is wrong inside a kubeconfig stays in English: it names YAML keys, as kubectl does.
        FleetException Bad(string what) => new(new Message("fleet.error.kubeconfig", path, what), badInput: true);

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw Bad("not a kubeconfig (one YAML mapping expected)");
        }
        catch (YamlException e)
        {
            throw Bad($"not valid YAML at line {e.Start.Line}: {e.Message}");
        }

        string name = contextName
            ?? Scalar(root, "current-context") ?? throw Bad("no current-context (name one with --context)");
        YamlMappingNode context = Named(root, "contexts", "context", name) ?? throw Bad($"no context named \"{name}\"");
        string clusterName = Scalar(context, "cluster") ?? throw Bad($"context \"{name}\" names no cluster");
        YamlMappingNode cluster = Named(root, "clusters", "cluster", clusterName)
            ?? throw Bad($"no cluster named \"{clusterName}\"");
        string? userName = Scalar(context, "user");
        YamlMappingNode? user = userName is null
            ? null
            : Named(root, "users", "user", userName) ?? throw Bad($"no user named \"{userName}\"");

        string server = Scalar(cluster, "server") ?? throw Bad($"cluster \"{clusterName}\" has no server");
        if (!Uri.TryCreate(server, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http"))
        {
            throw Bad($"cluster \"{clusterName}\": server \"{server}\" is not an http(s) URL");
        }

        string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
        byte[]? Data(YamlMappingNode node, string key, string where)
        {
            if (Scalar(node, key + "-data") is { } data)
            {
                try
                {
                    return Convert.FromBase64String(data);
                }
                catch (FormatException)
                {
                    throw Bad($"{where}: {key}-data is not base64");
                }
            }

            if (Scalar(node, key) is not { } file)
            {
                return null;
            }

            try
            {
                return File.ReadAllBytes(Resolve(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Bad($"{where}: {key} {Resolve(file)}: {e.Message}");
            }
        }

        var endpoint = new FleetEndpoint(uri)
        {
            Insecure = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            TlsServerName = Scalar(cluster, "tls-server-name"),
        };
        if (Data(cluster, "certificate-authority", $"cluster \"{clusterName}\"") is { } caPem)
        {
            endpoint = endpoint with
            {
                Ca = FleetEndpoint.CaFromPem(
                Encoding.UTF8.GetString(caPem),
                new Message("fleet.error.kubeconfig", path, $"cluster \"{clusterName}\" certificate-authority"))
            };
        }

        if (user is null)
        {
            return endpoint;
        }

        string whereUser = $"user \"{userName}\"";
        if (user.Children.ContainsKey("auth-provider"))
        {
            throw Bad(
                $"{whereUser}: auth-provider plugins were removed from kubectl (1.26); use an exec plugin or a token");
        }

        if (Scalar(user, "token") is { } token)
        {
            endpoint = endpoint with { Token = token };
        }
        else if (Scalar(user, "tokenFile") is { } tokenFile)
        {
            FleetEndpoint.ReadToken(
                Resolve(tokenFile),
                new Message("fleet.error.kubeconfig", path, $"{whereUser} tokenFile"));
            endpoint = endpoint with { TokenFile = Resolve(tokenFile) };
        }
        else if (Scalar(user, "username") is { } username)
        {
            endpoint = endpoint with { Basic = (username, Scalar(user, "password") ?? "") };
        }

        byte[]? cert = Data(user, "client-certificate", whereUser);
        byte[]? key = Data(user, "client-key", whereUser);
        if (user.Children.TryGetValue("exec", out YamlNode? exec))
        {
            (string? execToken, string? execCert, string? execKey) = Exec(
                exec as YamlMappingNode ?? throw Bad($"{whereUser}: exec is not a mapping"),
                path,
                whereUser);
            endpoint = execToken is null ? endpoint : endpoint with { Token = execToken };
            (cert, key) = execCert is null
                ? (cert, key)
                : (Encoding.UTF8.GetBytes(execCert), Encoding.UTF8.GetBytes(execKey ?? ""));
        }

        if (cert is not null || key is not null)
        {
            if (cert is null || key is null)
            {
                throw Bad($"{whereUser}: a client certificate needs both client-certificate and client-key");
            }

            try
            {
                using var loaded = X509Certificate2.CreateFromPem(
                    Encoding.UTF8.GetString(cert),
                    Encoding.UTF8.GetString(key));
                // Exported and re-imported: an ephemeral key is not usable by the TLS layer everywhere.
                endpoint = endpoint with
                {
                    ClientCertificate = X509CertificateLoader.LoadPkcs12(
                    loaded.Export(X509ContentType.Pkcs12),
                    null)
                };
            }
            catch (CryptographicException e)
            {
                throw Bad($"{whereUser}: the client certificate and key do not load ({e.Message})");
            }
        }

        return endpoint;
    }

    /// <summary>
    /// An exec credential plugin (client.authentication.k8s.io ExecCredential): runs the command with its args and
    /// env, and takes status.token or status.clientCertificateData/clientKeyData from its JSON.
    /// </summary>
    private static (string? Token, string? Cert, string? Key) Exec(YamlMappingNode exec, string path, string whereUser)
    {
        FleetException Bad(string what)
            => new(new Message("fleet.error.kubeconfig", path, $"{whereUser}: exec: {what}"), badInput: true);
        string command = Scalar(exec, "command") ?? throw Bad("no command");
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        };
        if (exec.Children.TryGetValue("args", out YamlNode? args) && args is YamlSequenceNode list)
        {
            foreach (YamlScalarNode a in list.OfType<YamlScalarNode>())
            {
                start.ArgumentList.Add(a.Value ?? "");
            }
        }

        if (exec.Children.TryGetValue("env", out YamlNode? env) && env is YamlSequenceNode vars)
        {
            foreach (YamlMappingNode v in vars.OfType<YamlMappingNode>())
            {
                start.Environment[Scalar(v, "name") ?? ""] = Scalar(v, "value") ?? "";
            }
        }

        string apiVersion = Scalar(exec, "apiVersion") ?? "client.authentication.k8s.io/v1";
        start.Environment["KUBERNETES_EXEC_INFO"]
            = $"{{\"apiVersion\":\"{apiVersion}\",\"kind\":\"ExecCredential\",\"spec\":{{\"interactive\":false}}}}";
        string output;
        try
        {
            using Process p = Process.Start(start) ?? throw Bad($"{command} did not start");
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(30_000))
            {
                p.Kill(entireProcessTree: true);
                throw Bad($"{command} did not finish in 30 s");
            }

            output = stdout.GetAwaiter().GetResult();
            if (p.ExitCode != 0)
            {
                throw Bad($"{command} exited with {p.ExitCode}: "
                    + $"{stderr.GetAwaiter().GetResult().Trim().ReplaceLineEndings(" ")}");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw Bad($"{command}: {e.Message}");
        }

        try
        {
            using var doc = JsonDocument.Parse(output);
            JsonElement status = doc.RootElement.GetProperty("status");
            string? Get(string name) => status.TryGetProperty(name, out JsonElement v) ? v.GetString() : null;
            return (Get("token"), Get("clientCertificateData"), Get("clientKeyData"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Bad($"{command} did not print an ExecCredential with a status");
        }
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out YamlNode? v) && v is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

    /// <summary>The "cluster" mapping of the clusters[] entry named NAME (and so for contexts and users).</summary>
    private static YamlMappingNode? Named(YamlMappingNode root, string list, string field, string name) =>
        root.Children.TryGetValue(list, out YamlNode? items) && items is YamlSequenceNode seq
            ? seq.OfType<YamlMappingNode>().Where(i => Scalar(i, "name") == name)
                .Select(
                    i => i.Children.TryGetValue(field, out YamlNode? f) ? f as YamlMappingNode : null).FirstOrDefault()
            : null;
}
