using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// A root directory holding nothing but cgleak's two static binaries (/bin), a /dev/urandom and mount points for
/// /proc, /sys, the fixture hosts (/fixtures) and a service account: no libc, no libssl, no /etc. Commands run
/// chrooted into it through in-empty-root, which mounts (read-only, in a mount namespace of its own) and unmounts.
/// </summary>
public sealed class EmptyRoot : IDisposable
{
    public const string ServiceAccountPath = "var/run/secrets/kubernetes.io/serviceaccount";

    public EmptyRoot()
    {
        Path = Directory.CreateTempSubdirectory("cgleak-emptyroot-").FullName;
        foreach (string dir in (string[])["bin", "dev", "proc", "sys", "fixtures", ServiceAccountPath])
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, dir));
        }

        foreach (string binary in NativeBinaries.Both)
        {
            File.Copy(binary, System.IO.Path.Combine(Path, "bin", System.IO.Path.GetFileName(binary)));
        }

        // .NET reads /dev/urandom (the HTTP listener resets connections without it).
        CgleakProcess.Result node = CgleakProcess.RunTool(
            "mknod",
            "-m",
            "666",
            System.IO.Path.Combine(Path, "dev", "urandom"),
            "c",
            "1",
            "9");
        Assert.Equal(0, node.ExitCode);
    }

    public string Path { get; }

    public static string Fixture(string scenario) => "/fixtures/" + scenario;

    /// <summary>in-empty-root with /bin/cgleak (or another program of the root) and its arguments.</summary>
    public ProcessStartInfo Start(string? serviceAccount, params string[] command)
    {
        var start = new ProcessStartInfo(
            System.IO.Path.Combine(Repo.Root, "tests", "Cgleak.Portability.Tests", "in-empty-root"))
        {
            UseShellExecute = false,
        };
        foreach (string a in (string[])[Path, System.IO.Path
            .Combine(Repo.Root, "tests", "fixtures", "hosts"), serviceAccount ?? "-", .. command])
        {
            start.ArgumentList.Add(a);
        }

        foreach (string proxy in (string[])["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
            "ALL_PROXY"])
        {
            start.Environment.Remove(proxy);
        }

        return start;
    }

    internal CgleakProcess.Result Run(params string[] args)
        => CgleakProcess.Capture(Start(null, ["/bin/cgleak", .. args]));

    public void Dispose()
    {
        // in-empty-root mounted in a namespace of its own: nothing of it may show here.
        string mounts = File.ReadAllText("/proc/self/mountinfo");
        Assert.DoesNotContain(Path, mounts, StringComparison.Ordinal);
        Directory.Delete(Path, recursive: true);
    }
}
