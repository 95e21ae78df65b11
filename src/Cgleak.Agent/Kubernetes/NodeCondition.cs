using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;

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

    /// <summary>
    /// The condition a report (and the IDs forecast, when there is one) calls for; its message in
    /// <paramref name="language"/> after the verdict word, which stays English for the readers that parse it.
    /// </summary>
    public static NodeCondition From(DoctorReport report, string? forecast, Language language = Language.En)
    {
        string Summary(CheckResult c) => c.Said?.In(language) ?? c.Summary;
        CheckResult Check(string id) => report.Checks.Single(c => c.Id == id);
        string suffix = forecast is null ? "" : $"; {forecast}";
        string prefix = report.Verdict == Verdict.Ok ? "" : VerdictNames.Of(report.Verdict) + ": ";
        if (Check(KmemActiveCgroupsCheck.CheckId).Concern == Concern.Affected
            || Check(LogSymptomCheck.CheckId).Concern == Concern.Affected)
        {
            CheckResult c = Check(KmemActiveCgroupsCheck.CheckId).Concern == Concern.Affected
                ? Check(KmemActiveCgroupsCheck.CheckId)
                : Check(LogSymptomCheck.CheckId);
            return new NodeCondition(true, "KmemLeakActive", prefix + Summary(c) + suffix);
        }

        if (Check(IdHeadroomCheck.CheckId).Concern != Concern.None)
        {
            return new NodeCondition(
                true,
                "MemoryCgroupIdsNearLimit",
                prefix + Summary(Check(IdHeadroomCheck.CheckId)) + suffix);
        }

        if (Check(DyingCheck.CheckId).Concern != Concern.None)
        {
            return new NodeCondition(
                true,
                "DyingMemoryCgroupsPileUp",
                prefix + Summary(Check(DyingCheck.CheckId)) + suffix);
        }

        string risk = report.Verdict == Verdict.Ok
            ? ""
            : $"; {report.VerdictSaid?.In(language) ?? report.VerdictReason}";
        string used = report.Counts.IdsInUse?.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ?? new Message("doctor.unknown").In(language);
        return new NodeCondition(
            false,
            "NoMemoryCgroupPressure",
            prefix + new Message("condition.ids", used, report.Counts.Limit).In(language) + risk + suffix);
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
