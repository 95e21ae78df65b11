using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Fleet;

/// <summary>The fleet sorted by urgency, with its counts and the one verdict a script acts on.</summary>
public sealed record FleetReport(IReadOnlyList<FleetNode> Nodes, DateTimeOffset At, IReadOnlyList<string> Sources)
{
    /// <summary>
    /// Most urgent first: affected, at risk, not reporting, unknown, ok; within each, the nearest wall first,
    /// then the fullest ID space, then the most dying memcgs, then the name.
    /// </summary>
    public static FleetReport Of(IEnumerable<FleetNode> nodes, DateTimeOffset at, IReadOnlyList<string> sources) =>
        new([.. nodes.OrderBy(n => n.State)
            .ThenBy(n => n.SecondsToWall ?? double.PositiveInfinity)
            .ThenByDescending(n => n.IdsInUse is { } used && n.IdsLimit is > 0 ? (double)used / n.IdsLimit.Value : -1)
            .ThenByDescending(n => n.Dying ?? -1)
            .ThenBy(n => n.Name, StringComparer.Ordinal)], at, sources);

    public int Count(FleetState state) => Nodes.Count(n => n.State == state);

    /// <summary>"3 affected, 12 at risk, 480 ok, 5 not reporting" (and unknown, when any).</summary>
    public string Summary => SummarySaid.ToString();

    /// <summary><see cref="Summary"/> as a message, for text in the reader's language.</summary>
    public Message SummarySaid => new(
        Count(FleetState.Unknown) > 0 ? "fleet.summary.with-unknown" : "fleet.summary",
        Count(FleetState.Affected),
        Count(FleetState.AtRisk),
        Count(FleetState.Ok),
        Count(FleetState.NotReporting),
        Count(FleetState.Unknown));

    /// <summary>
    /// The doctor's verdict numbers for the fleet: any affected, else any at risk, else any not reporting or unknown,
    /// else ok.
    /// </summary>
    public Verdict Overall =>
        Count(FleetState.Affected) > 0 ? Verdict.Affected
        : Count(FleetState.AtRisk) > 0 ? Verdict.AtRisk
        : Count(FleetState.NotReporting) + Count(FleetState.Unknown) > 0 ? Verdict.Unknown
        : Verdict.Ok;
}
