namespace Cgleak.Diagnosis.Checks;

/// <summary>A fix for one finding: a sentence and the commands, filled in for this host.</summary>
public sealed record Remediation(string Text, IReadOnlyList<string> Commands)
{
    public static Remediation Say(string text, params string[] commands) => new(text, commands);
}

/// <summary>
/// One check's result. Text, JSON, metrics and node conditions are renderings of it.
/// </summary>
/// <param name="Id">stable id, e.g. "memcg.dying".</param>
/// <param name="Title">what the check decides, in a few words.</param>
/// <param name="Status">pass, warn, fail, info, skip, error.</param>
/// <param name="Summary">one sentence for people.</param>
/// <param name="Evidence">the files read and the values seen.</param>
/// <param name="Remediation">what to do, empty when nothing is needed.</param>
/// <param name="Concern">what this result means for the verdict.</param>
public sealed record CheckResult(
    string Id,
    string Title,
    CheckStatus Status,
    string Summary,
    IReadOnlyList<string> Evidence,
    IReadOnlyList<Remediation> Remediation,
    Concern Concern = Concern.None)
{
    /// <summary>What the check speaks about; set from the check by the doctor.</summary>
    public CheckRole Role { get; init; }
}
