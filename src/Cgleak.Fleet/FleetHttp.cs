using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Fleet;

/// <summary>How to reach a source over HTTP(S): whom to trust, and who we are.</summary>
public sealed record FleetEndpoint(Uri Server)
{
    /// <summary>
    /// Trust only these CAs (the kubeconfig's certificate-authority, --prometheus-ca-file); null: the system's.
    /// </summary>
    public X509Certificate2Collection? Ca { get; init; }

    /// <summary>insecure-skip-tls-verify: the server's certificate is not checked.</summary>
    public bool Insecure { get; init; }

    /// <summary>Sent as "Authorization: Bearer TOKEN".</summary>
    public string? Token { get; init; }

    /// <summary>A token file read fresh for each request (projected service account tokens rotate).</summary>
    public string? TokenFile { get; init; }

    public (string User, string Password)? Basic { get; init; }

    /// <summary>A client certificate with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// tls-server-name: the name the server's certificate is checked against instead of the URL's host.
    /// </summary>
    public string? TlsServerName { get; init; }

    /// <summary>PEM certificates from a file (a CA bundle); a one-line error naming it when it holds none.</summary>
    public static X509Certificate2Collection CaFromFile(string path, Message what)
    {
        try
        {
            return CaFromPem(File.ReadAllText(path), new Message("fleet.what.file", what, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(what, path, e);
        }
    }

    public static X509Certificate2Collection CaFromPem(string pem, Message what)
    {
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new FleetException(new Message("fleet.error.not-pem", what, e.Message), badInput: true, e);
        }

        return ca.Count > 0 ? ca : throw new FleetException(new Message("fleet.error.no-pem", what), badInput: true);
    }

    /// <summary>Reads a bearer token file now, so a missing or empty one fails before any request.</summary>
    public static string ReadToken(string path, Message what)
    {
        string token;
        try
        {
            token = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(what, path, e);
        }

        return token.Length == 0 || token.Any(char.IsControl)
            ? throw new FleetException(
                new Message(token.Length == 0 ? "fleet.error.token-empty" : "fleet.error.not-a-token", what, path),
                badInput: true)
            : token;
    }

    /// <summary>
    /// An HttpClient that trusts and authenticates as this endpoint says (the agent's CA check, <see
    /// cref="KubernetesNodeApi.Validate"/>).
    /// </summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        if (Insecure)
        {
#pragma warning disable CA5359 // the kubeconfig's insecure-skip-tls-verify: true asks for exactly this, as kubectl does
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (Ca is { } ca)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, chain, errors) => KubernetesNodeApi
                .Validate(ca, cert, chain, errors);
        }

        if (TlsServerName is not null)
        {
            handler.SslOptions.TargetHost = TlsServerName;
        }

        if (ClientCertificate is { } client)
        {
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }

        return new HttpClient(new AuthHandler(this, handler)) { Timeout = timeout };
    }

    private sealed class AuthHandler(FleetEndpoint endpoint, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            string? token = endpoint.TokenFile is { } file
                ? (await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)).Trim()
                : endpoint.Token;
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            else if (endpoint.Basic is { } basic)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}")));
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// GET <paramref name="url"/>: the status and the body as UTF-8 (half the memory of a string, and what the JSON
    /// parser reads: a 5,000-node answer is megabytes), whatever the status; a failure to reach the server is the
    /// one line of <see cref="Unreachable"/> (a cancellation by the caller stays a cancellation).
    /// </summary>
    internal static async Task<(int Status, byte[] Body)> GetAsync(HttpClient http, Uri url, CancellationToken cancel)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync(url, cancel).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancel)
                .ConfigureAwait(false));
        }
        catch (Exception e) when (IsTransport(e) && !cancel.IsCancellationRequested)
        {
            throw Unreachable(url, e);
        }
    }

    private static FleetException Unreadable(Message what, string path, Exception e) =>
        new(new Message("fleet.error.file", what, path, IOSaid.Of(e, path)), badInput: true, e);

    /// <summary>The one line a failed request becomes: "cannot reach URL: connection refused".</summary>
    internal static FleetException Unreachable(Uri url, Exception e) => new(
        e is TaskCanceledException
            ? new Message("fleet.error.no-answer", url.GetLeftPart(UriPartial.Path))
            : new Message("fleet.error.unreachable", url.GetLeftPart(UriPartial.Path), IOSaid.Of(Innermost(e))),
        badInput: false,
        e);

    /// <summary>The start of an answer that is not what was expected, for a one-line error.</summary>
    internal static string Shorten(ReadOnlySpan<byte> body) =>
        body.Length <= 120
            ? Encoding.UTF8.GetString(body).ReplaceLineEndings(" ")
            : Encoding.UTF8.GetString(body[..120]).ReplaceLineEndings(" ") + "...";

    internal static bool IsTransport(Exception e) =>
        e is HttpRequestException or TaskCanceledException or IOException
            or System.Security.Authentication.AuthenticationException;

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
