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
            throw new FleetException(
                new Message("fleet.error.kubeconfig", path, IOSaid.Of(e, path)),
                badInput: true,
                e);
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
        FleetException Bad(string key, params object?[] args)
            => new(new Message("fleet.error.kubeconfig", path, new Message(key, args)), badInput: true);

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw Bad("kubeconfig.not-a-mapping");
        }
        catch (YamlException e)
        {
            throw Bad("kubeconfig.not-yaml", e.Start.Line, e.Message);
        }

        string name = contextName
            ?? Scalar(root, "current-context") ?? throw Bad("kubeconfig.no-current-context");
        YamlMappingNode context = Named(root, "contexts", "context", name) ?? throw Bad("kubeconfig.no-context", name);
        string clusterName = Scalar(context, "cluster") ?? throw Bad("kubeconfig.context-no-cluster", name);
        YamlMappingNode cluster = Named(root, "clusters", "cluster", clusterName)
            ?? throw Bad("kubeconfig.no-cluster", clusterName);
        string? userName = Scalar(context, "user");
        YamlMappingNode? user = userName is null
            ? null
            : Named(root, "users", "user", userName) ?? throw Bad("kubeconfig.no-user", userName);

        string server = Scalar(cluster, "server") ?? throw Bad("kubeconfig.no-server", clusterName);
        if (!Uri.TryCreate(server, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http"))
        {
            throw Bad("kubeconfig.not-http", clusterName, server);
        }

        string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
        byte[]? Data(YamlMappingNode node, string key, Message where)
        {
            if (Scalar(node, key + "-data") is { } data)
            {
                try
                {
                    return Convert.FromBase64String(data);
                }
                catch (FormatException)
                {
                    throw Bad("kubeconfig.not-base64", where, key);
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
                throw Bad("kubeconfig.key-file", where, key, Resolve(file), IOSaid.Of(e, Resolve(file)));
            }
        }

        var endpoint = new FleetEndpoint(uri)
        {
            Insecure = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            TlsServerName = Scalar(cluster, "tls-server-name"),
        };
        var whereCluster = new Message("kubeconfig.cluster", clusterName);
        if (Data(cluster, "certificate-authority", whereCluster) is { } caPem)
        {
            endpoint = endpoint with
            {
                Ca = FleetEndpoint.CaFromPem(
                Encoding.UTF8.GetString(caPem),
                new Message(
                    "fleet.error.kubeconfig",
                    path,
                    new Message("kubeconfig.field", whereCluster, "certificate-authority")))
            };
        }

        if (user is null)
        {
            return endpoint;
        }

        var whereUser = new Message("kubeconfig.user", userName);
        if (user.Children.ContainsKey("auth-provider"))
        {
            throw Bad("kubeconfig.auth-provider", whereUser);
        }

        if (Scalar(user, "token") is { } token)
        {
            endpoint = endpoint with { Token = token };
        }
        else if (Scalar(user, "tokenFile") is { } tokenFile)
        {
            FleetEndpoint.ReadToken(
                Resolve(tokenFile),
                new Message("fleet.error.kubeconfig", path, new Message("kubeconfig.field", whereUser, "tokenFile")));
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
                exec as YamlMappingNode ?? throw Bad("kubeconfig.exec-not-a-mapping", whereUser),
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
                throw Bad("kubeconfig.cert-half", whereUser);
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
                throw Bad("kubeconfig.cert-load", whereUser, e.Message);
            }
        }

        return endpoint;
    }

    /// <summary>
    /// An exec credential plugin (client.authentication.k8s.io ExecCredential): runs the command with its args and
    /// env, and takes status.token or status.clientCertificateData/clientKeyData from its JSON.
    /// </summary>
    private static (string? Token, string? Cert, string? Key) Exec(YamlMappingNode exec, string path, Message whereUser)
    {
        FleetException Bad(string key, params object?[] args) => new(
            new Message(
                "fleet.error.kubeconfig",
                path,
                new Message("kubeconfig.exec", whereUser, new Message(key, args))),
            badInput: true);
        string command = Scalar(exec, "command") ?? throw Bad("kubeconfig.exec.no-command");
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
            using Process p = Process.Start(start) ?? throw Bad("kubeconfig.exec.not-started", command);
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(30_000))
            {
                p.Kill(entireProcessTree: true);
                throw Bad("kubeconfig.exec.timeout", command, 30);
            }

            output = stdout.GetAwaiter().GetResult();
            if (p.ExitCode != 0)
            {
                throw Bad(
                    "kubeconfig.exec.failed",
                    command,
                    p.ExitCode,
                    stderr.GetAwaiter().GetResult().Trim().ReplaceLineEndings(" "));
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw Bad("io.at", command, IOSaid.Of(e, command));
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
            throw Bad("kubeconfig.exec.no-credential", command);
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
