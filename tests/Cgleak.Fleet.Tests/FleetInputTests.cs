using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cgleak.Fleet.Kubernetes;
using Cgleak.Testing;

namespace Cgleak.Fleet.Tests;

/// <summary>
/// What cgleak fleet is given: kubeconfig's forms as kubectl accepts them, and bad input as one line with its exit
/// code.
/// </summary>
public sealed class FleetInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-fleet-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("unreachable", 69, "cannot reach http://127.0.0.1:1/api/v1/query")]
    [InlineData("not-a-url", 64, "--prometheus localhost:9090: not an http(s) URL")]
    [InlineData("no-token-file", 64, "--prometheus-token-file /nonexistent/token:")]
    [InlineData("empty-token-file", 64, "--prometheus-token-file EMPTY: empty")]
    [InlineData("no-kubeconfig", 64, "kubeconfig /nonexistent/config:")]
    [InlineData("bad-yaml", 64, "kubeconfig BAD: not valid YAML at line")]
    [InlineData("no-context", 64, "kubeconfig NOCTX: no context named \"elsewhere\"")]
    [InlineData("nothing", 64, "say where the fleet reports")]
    [InlineData("bad-duration", 64, "--lookback soon: not a duration")]
    public void Bad_input_is_one_line_naming_it_with_its_exit_code(string kind, int code, string message)
    {
        string empty = Write("empty", "\n"), bad = Write("bad", "clusters: [\n"), noCtx = Write(
            "noctx",
            "current-context: elsewhere\ncontexts: []\n");
        string[] args = kind switch
        {
            "unreachable" => ["--prometheus", "http://127.0.0.1:1"],
            "not-a-url" => ["--prometheus", "localhost:9090"],
            "no-token-file" => ["--prometheus", "http://127.0.0.1:1", "--prometheus-token-file", "/nonexistent/token"],
            "empty-token-file" => ["--prometheus", "http://127.0.0.1:1", "--prometheus-token-file", empty],
            "no-kubeconfig" => ["--kubeconfig", "/nonexistent/config"],
            "bad-yaml" => ["--kubeconfig", bad],
            "no-context" => ["--kubeconfig", noCtx],
            "bad-duration" => ["--prometheus", "http://127.0.0.1:1", "--lookback", "soon"],
            _ => [],
        };
        CgleakProcess.Result run = CgleakProcess.Run(["fleet", .. args]);
        Assert.Equal(code, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string line = Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(message.Replace("EMPTY", empty, StringComparison.Ordinal).Replace(
            "BAD",
            bad,
            StringComparison.Ordinal).Replace("NOCTX", noCtx, StringComparison.Ordinal), line,
                StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_token_file_relative_to_the_file_is_sent_as_a_bearer_token()
    {
        Write("token", "from-a-file\n");
        FleetEndpoint e = Kubeconfig.Parse(Config("tokenFile: token"), Path.Combine(_dir, "config"));
        Assert.Equal(Path.Combine(_dir, "token"), e.TokenFile);
        Assert.Equal(new Uri("https://10.0.0.1:6443"), e.Server);
        Assert.True(e.Insecure);
    }

    [Fact]
    public void A_kubeconfig_client_certificate_and_key_load_from_files_or_data()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 cert = new CertificateRequest("CN=platform", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Write("client.crt", cert.ExportCertificatePem());
        Write("client.key", key.ExportPkcs8PrivateKeyPem());
        FleetEndpoint fromFiles = Kubeconfig.Parse(
            Config("client-certificate: client.crt\n      client-key: client.key"),
            Path.Combine(_dir, "config"));
        Assert.True(fromFiles.ClientCertificate!.HasPrivateKey);
        string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
        FleetEndpoint fromData = Kubeconfig.Parse(Config($"client-certificate-data: "
            + $"{B64(cert.ExportCertificatePem())}\n      client-key-data: {B64(key.ExportPkcs8PrivateKeyPem())}"),
                Path.Combine(_dir, "config"));
        Assert.Equal(cert.Thumbprint, fromData.ClientCertificate!.Thumbprint);
        FleetException half = Assert.Throws<FleetException>(
            () => Kubeconfig.Parse(Config("client-certificate: client.crt"), Path.Combine(_dir, "config")));
        Assert.Contains("needs both client-certificate and client-key", half.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kubeconfig_exec_plugin_is_run_and_its_token_used()
    {
        string plugin = Write("plugin.sh", "#!/bin/sh\necho "
            + "'{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\"" +
                ":\"from-'\"$WHO\"'\"}}'\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FleetEndpoint e = Kubeconfig.Parse(Config($"exec:\n        apiVersion: client.authentication.k8s.io/v1\n     "
            + $"   command: {plugin}\n        env: [{{name: WHO, value: exec}}]"), Path.Combine(_dir, "config"));
        Assert.Equal("from-exec", e.Token);
        FleetException failing = Assert.Throws<FleetException>(
            () => Kubeconfig.Parse(Config("exec: {command: /bin/false}"), Path.Combine(_dir, "config")));
        Assert.Contains("exec: /bin/false exited with 1", failing.Message, StringComparison.Ordinal);
        Assert.True(failing.BadInput);
    }

    [Fact]
    public void A_kubeconfig_certificate_authority_that_is_no_certificate_is_refused()
    {
        Write("ca.crt", "not a certificate\n");
        string text = Config("token: t").Replace(
            "insecure-skip-tls-verify: true",
            "certificate-authority: ca.crt",
            StringComparison.Ordinal);
        FleetException e = Assert.Throws<FleetException>(() => Kubeconfig.Parse(text, Path.Combine(_dir, "config")));
        Assert.Contains("certificate-authority", e.Message, StringComparison.Ordinal);
    }

    private static string Config(string user) => $"""
        apiVersion: v1
        kind: Config
        current-context: c
        contexts:
        - name: c
          context: {"{"}cluster: k, user: u{"}"}
        clusters:
        - name: k
          cluster:
            server: https://10.0.0.1:6443
            insecure-skip-tls-verify: true
        users:
        - name: u
          user:
              {user}
        """;

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
