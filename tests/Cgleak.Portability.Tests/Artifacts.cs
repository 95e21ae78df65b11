using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>One run of packaging/build per test run, into a temporary --out that every package test reads.</summary>
public sealed class Artifacts : IDisposable
{
    public Artifacts()
    {
        Out = Directory.CreateTempSubdirectory("cgleak-artifacts-").FullName;
        var start = new ProcessStartInfo(System.IO.Path.Combine(Repo.Root, "packaging", "build"), ["--out", Out])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using Process build = Process.Start(start)!;
        Task<string> stdout = build.StandardOutput.ReadToEndAsync();
        Task<string> stderr = build.StandardError.ReadToEndAsync();
        Assert.True(build.WaitForExit(TimeSpan.FromMinutes(20)), "packaging/build did not end");
        Assert.True(build.ExitCode == 0, $"packaging/build: exit {build.ExitCode}\n{stdout.Result}{stderr.Result}");
        Version = CgleakProcess.RunTool(NativeBinaries.Cgleak, "--version").Stdout.Trim().Split('+')[0];
    }

    public string Out { get; }

    public string Version { get; }

    public string Tarball => Path("cgleak-" + Version + "-linux-x86_64.tar.gz");

    public string Rpm => Path($"cgleak-{Version}-1.x86_64.rpm");

    public string Deb => Path($"cgleak_{Version}-1_amd64.deb");

    public string Image => Path($"cgleak-{Version}.oci.tar");

    public string Path(string file) => System.IO.Path.Combine(Out, file);

    /// <summary>The man pages there must be: cgleak.1 and one per command `cgleak --help` lists.</summary>
    public static string[] ManPages()
    {
        string help = CgleakProcess.RunTool(NativeBinaries.Cgleak, "--help").Stdout;
        string commands = help[help.IndexOf("Commands:", StringComparison.Ordinal)..];
        return
        [
            "cgleak.1.gz",
            .. commands.Split('\n').Skip(1).Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ')
                .Select(l => $"cgleak-{l.Trim().Split(' ')[0]}.1.gz"),
        ];
    }

    public void Dispose() => Directory.Delete(Out, recursive: true);
}

/// <summary>
/// The package and image tests share one <see cref="Artifacts"/>: packaging/build runs once per test run.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedArtifacts : ICollectionFixture<Artifacts>
{
    public const string Name = "packaging/build artifacts";
}
