using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>
/// A copy of a boot fixture in a temp directory, its state directory inside it, removed on dispose (read-only
/// bind mounts a test made are its own to remove, in its own finally). Paths are built here, never by the code
/// under test.
/// </summary>
internal sealed class BootFixtureCopy : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("cgleak-bootcopy-").FullName;

    public BootFixtureCopy(string scenario)
    {
        Root = Path.Combine(_temp, "host");
        CgleakProcess.RunTool("cp", "-a", Repo.Fixture(scenario), Root);
    }

    public string Root { get; }

    public string State => Root + "/state";

    /// <summary>A scratch directory beside the host root, outside it.</summary>
    public string Beside(string name) => Directory.CreateDirectory(Path.Combine(_temp, name)).FullName;

    public BootEditor Editor(string? grubby = null, Action<string>? beforeRename = null) =>
        new(HostRoot.At(Root), State, grubby) { BeforeRename = beforeRename };

    public FixPlan Plan(FixMethod method = FixMethod.Auto)
    {
        HostRoot host = HostRoot.At(Root);
        DoctorReport report = Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = false });
        return FixPlanner.Plan(report, BootConfig.Read(host), new PlanRequest(method));
    }

    public byte[] Bytes(string hostPath) => File.ReadAllBytes(Root + hostPath);

    /// <summary>Every file under the host root but the state directory, as bytes.</summary>
    public Dictionary<string, byte[]> Snapshot() =>
        Directory.GetFiles(Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(State + "/", StringComparison.Ordinal))
            .ToDictionary(f => f[Root.Length..], File.ReadAllBytes);

    /// <summary>Asserts every file is as in <paramref name="before"/>, byte for byte; none came or went.</summary>
    public void AssertSame(Dictionary<string, byte[]> before)
    {
        var now = Snapshot();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(now[kv.Key]), kv.Key + " differs"));
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);
}
