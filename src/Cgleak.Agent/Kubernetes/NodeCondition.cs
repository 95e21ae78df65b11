using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;

namespace Cgleak.Agent.Kubernetes;

/// <summary>
/// The node condition cgleak keeps, in its own terms (converted to Kubernetes types only at the edge):
/// type MemoryCgroupPressure, True = problem, as MemoryPressure and PIDPressure are. The message starts with the
/// verdict word when the node is not ok ("at-risk: ...", as `cgleak check --npd` says it), so a reader of the
/// condition (cgleak fleet) tells at-risk from ok and affected from at-risk: <see cref="VerdictOf"/>.
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
        string prefix = report.Verdict == Verdict.Ok ? "" : VerdictNames.Of(report.Verdict) + ": ";
        if (Check("kmem.active-cgroups").Concern == Concern.Affected || Check("logs.symptom").Concern == Concern.Affected)
        {
            CheckResult c = Check("kmem.active-cgroups").Concern == Concern.Affected ? Check("kmem.active-cgroups") : Check("logs.symptom");
            return new NodeCondition(true, "KmemLeakActive", prefix + c.Summary + suffix);
        }

        if (Check("memcg.id-headroom").Concern != Concern.None)
        {
            return new NodeCondition(true, "MemoryCgroupIdsNearLimit", prefix + Check("memcg.id-headroom").Summary + suffix);
        }

        if (Check("memcg.dying").Concern != Concern.None)
        {
            return new NodeCondition(true, "DyingMemoryCgroupsPileUp", prefix + Check("memcg.dying").Summary + suffix);
        }

        string risk = report.Verdict == Verdict.Ok ? "" : $"; {report.VerdictReason}";
        return new NodeCondition(false, "NoMemoryCgroupPressure", $"{prefix}memory cgroups: {report.Counts.IdsInUse?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} IDs in use of {report.Counts.Limit}{risk}{suffix}");
    }

    /// <summary>
    /// The verdict a condition written by <see cref="From"/> (or by the NPD plugin, whose message starts the same
    /// way) stands for: the message's first word; without one, True is at-risk (affected for KmemLeakActive),
    /// False ok, anything else unknown.
    /// </summary>
    public static Verdict VerdictOf(string? status, string? reason, string? message)
    {
        foreach (Verdict v in (Verdict[])[Verdict.Affected, Verdict.AtRisk, Verdict.Unknown, Verdict.Ok])
        {
            if (message?.StartsWith(VerdictNames.Of(v) + ":", StringComparison.Ordinal) == true)
            {
                return v;
            }
        }

        return status switch
        {
            "True" => reason == "KmemLeakActive" ? Verdict.Affected : Verdict.AtRisk,
            "False" => Verdict.Ok,
            _ => Verdict.Unknown,
        };
    }
}
