using System.Text.Json;
using System.Text.Json.Serialization;
using Cgleak.Diagnosis;
using Cgleak.Host.Cgroups;

namespace Cgleak.Cli.Core.Rendering;

/// <summary>
/// The doctor's report as JSON; the schema is docs/doctor-json.md. Unknown numbers are null, never 0.
/// </summary>
public static class JsonReport
{
    public const int SchemaVersion = 1;

    /// <summary>cgleak's version, as every report, metric and --version shows it.</summary>
    public static string ToolVersion => typeof(JsonReport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static void Write(DoctorReport r, TextWriter output)
    {
        output.WriteLine(JsonSerializer.Serialize(ToDocument(r), ReportJsonContext.Default.DoctorDocument));
    }

    public static DoctorDocument ToDocument(DoctorReport r)
    {
        var f = r.Facts;
        KmemCounts? kmem = f.Layout.Memory == MemoryHierarchy.V1 ? f.Tree?.Kmem ?? KmemCounts.Of([]) : null;
        return new DoctorDocument(
            SchemaVersion,
            new ToolInfo("cgleak", ToolVersion),
            Names.Of(r.Verdict),
            r.VerdictReason,
            (int)r.Verdict,
            new HostInfo(
                f.RootDirectory,
                f.IsLive,
                f.Kernel?.Value.Text,
                r.Kernel?.Family,
                f.Distribution?.Display,
                Names.Of(f.Layout.Mode),
                Names.Of(f.Layout.Memory),
                f.Layout.MemoryMountPoint,
                f.Cmdline?.Value.Text),
            new MemoryCgroupsInfo(r.Counts.Limit, r.Counts.Reported, r.Counts.Live, r.Counts.Dying, r.Counts.IdsInUse,
                r.Counts.IdsInUseRatio is { } ratio
                    ? Math.Round(ratio, 6)
                    : null, [.. r.Counts.Basis.Select(b => b.ToString())]),
            new KmemInfo(kmem?.Checked, kmem?.Active, kmem?.Inactive, kmem?.Off, kmem?.Unknown),
            f.Components.Select(c => new ComponentInfo(c.Name, c.VersionText, c.Source, c.BinaryPath,
                c.Name == "runc" ? c.Build.ToString().ToLowerInvariant() : null)).ToList(),
            r.Checks.Select(c => new CheckInfo(c.Id, Names.Of(c.Status), c.Title, c.Summary, c.Evidence,
                c.Remediation.Select(x => new RemediationInfo(x.Text, x.Commands)).ToList())).ToList(),
            f.Problems.Select(p => new ProblemInfo(p.Path, p.Message)).ToList(),
            Math.Round(r.Elapsed.TotalSeconds, 4));
    }
}

public sealed record DoctorDocument(
    int SchemaVersion,
    ToolInfo Tool,
    string Verdict,
    string VerdictReason,
    int ExitCode,
    HostInfo Host,
    MemoryCgroupsInfo MemoryCgroups,
    KmemInfo Kmem,
    IReadOnlyList<ComponentInfo> Components,
    IReadOnlyList<CheckInfo> Checks,
    IReadOnlyList<ProblemInfo> Problems,
    double ElapsedSeconds);

public sealed record ToolInfo(string Name, string Version);

public sealed record HostInfo(string Root, bool Live, string? KernelRelease, string? KernelFamily, string? Distribution,
    string CgroupMode, string MemoryHierarchy, string? MemoryMount, string? Cmdline);

public sealed record MemoryCgroupsInfo(
    long Limit,
    long? Reported,
    long? Live,
    long? Dying,
    long? IdsInUse,
    double? IdsInUseRatio,
    IReadOnlyList<string> Basis);

public sealed record KmemInfo(int? Checked, int? Active, int? Inactive, int? Off, int? Unknown);

public sealed record ComponentInfo(string Name, string? Version, string Source, string? Path, string? Build);

public sealed record CheckInfo(
    string Id,
    string Status,
    string Title,
    string Summary,
    IReadOnlyList<string> Evidence,
    IReadOnlyList<RemediationInfo> Remediation);

public sealed record RemediationInfo(string Text, IReadOnlyList<string> Commands);

public sealed record ProblemInfo(string Path, string Message);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DoctorDocument))]
public sealed partial class ReportJsonContext : JsonSerializerContext;
