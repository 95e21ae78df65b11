using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;

namespace Cgleak.Agent.Kubernetes;

/// <summary>
/// The node condition cgleak keeps, in its own terms (converted to Kubernetes types only at the edge):
/// type MemoryCgroupPressure, True = problem, as MemoryPressure and PIDPressure are.
/// </summary>
public sealed record NodeCondition(bool Problem, string Reason, string Message)
{
    public const string Type = "MemoryCgroupPressure";
    public const string TaintKey = "cgleak.io/memcg-exhausted";

    /// <summary>The condition a report (and the IDs forecast, when there is one) calls for.</summary>
    public static NodeCondition From(DoctorReport report, string? forecast)
    {
        CheckResult Check(string id) => report.Checks.Single(c => c.Id == id);
        string suffix = forecast is null ? "" : $"; {forecast}";
        if (Check("kmem.active-cgroups").Concern == Concern.Affected || Check("logs.symptom").Concern == Concern.Affected)
        {
            CheckResult c = Check("kmem.active-cgroups").Concern == Concern.Affected ? Check("kmem.active-cgroups") : Check("logs.symptom");
            return new NodeCondition(true, "KmemLeakActive", c.Summary + suffix);
        }

        if (Check("memcg.id-headroom").Concern != Concern.None)
        {
            return new NodeCondition(true, "MemoryCgroupIdsNearLimit", Check("memcg.id-headroom").Summary + suffix);
        }

        if (Check("memcg.dying").Concern != Concern.None)
        {
            return new NodeCondition(true, "DyingMemoryCgroupsPileUp", Check("memcg.dying").Summary + suffix);
        }

        string risk = report.Verdict == Verdict.AtRisk ? $"; at risk: {report.VerdictReason}" : "";
        return new NodeCondition(false, "NoMemoryCgroupPressure", $"memory cgroups: {report.Counts.IdsInUse?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} IDs in use of {report.Counts.Limit}{risk}{suffix}");
    }
}
