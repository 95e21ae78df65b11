using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;

namespace Cgleak.Cli.Core.Rendering;

/// <summary>The words reports use for enum values; the same in text and JSON.</summary>
public static class Names
{
    public static string Of(Verdict v) => VerdictNames.Of(v);

    public static string Of(CheckStatus s) => s.ToString().ToLowerInvariant();

    public static string Of(CgroupMode m) => m switch
    {
        CgroupMode.V1 => "v1",
        CgroupMode.V2 => "v2",
        CgroupMode.Hybrid => "hybrid",
        _ => "none",
    };

    public static string Of(MemoryHierarchy m) => m switch
    {
        MemoryHierarchy.V1 => "v1",
        MemoryHierarchy.V2 => "v2",
        _ => "none",
    };
}
