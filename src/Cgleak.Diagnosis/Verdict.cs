namespace Cgleak.Diagnosis;

/// <summary>The first thing a person reads. The numbers are the doctor's exit codes.</summary>
public enum Verdict
{
    /// <summary>Nothing here leaks memory cgroup IDs or piles up dying ones.</summary>
    Ok = 0,

    /// <summary>
    /// The leak can start: a leaking kernel with a component that enables kmem, dying memcgs piling up, IDs at 70 %+.
    /// </summary>
    AtRisk = 1,

    /// <summary>
    /// The leak is happening or has hit: kmem active on a leaking kernel, the symptom in the logs, IDs at 90 %+.
    /// </summary>
    Affected = 2,

    /// <summary>The host could not be read well enough to tell.</summary>
    Unknown = 3,
}

/// <summary>The word every report, metric label and message uses for a verdict.</summary>
public static class VerdictNames
{
    public static string Of(Verdict v) => v switch
    {
        Verdict.Ok => "ok",
        Verdict.AtRisk => "at-risk",
        Verdict.Affected => "affected",
        _ => "unknown",
    };
}
