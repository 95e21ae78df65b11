using Cgleak.Diagnosis;

namespace Cgleak.Fleet;

/// <summary>
/// One node of the fleet as its agent last reported it. Unknown numbers are null, never 0. A node whose agent
/// is gone is <see cref="Reporting"/> false, with the verdict it last reported (if any) in <see cref="Verdict"/>.
/// </summary>
public sealed record FleetNode
{
    public required string Name { get; init; }

    public required bool Reporting { get; init; }

    /// <summary>The verdict now; for a node not reporting, the last one seen (null: never seen).</summary>
    public Verdict? Verdict { get; init; }

    /// <summary>
    /// IDs in use, exact; or, where the kernel hides zombies (3.10), the lower bound (<see cref="IdsAreLowerBound"/>).
    /// </summary>
    public long? IdsInUse { get; init; }

    public bool IdsAreLowerBound { get; init; }

    public long? IdsLimit { get; init; }

    public long? Dying { get; init; }

    /// <summary>IDs gained per hour, the agent's least-squares slope (only where it forecasts the wall).</summary>
    public double? IdsPerHour { get; init; }

    public double? DyingPerHour { get; init; }

    public double? SecondsToWall { get; init; }

    public string? Kernel { get; init; }

    public string? Runc { get; init; }

    public string? Kubelet { get; init; }

    /// <summary>Check ids with status fail, then those with warn.</summary>
    public IReadOnlyList<string> FailingChecks { get; init; } = [];

    public IReadOnlyList<string> WarningChecks { get; init; } = [];

    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>The node condition's message, when the node came from Kubernetes.</summary>
    public string? Message { get; init; }

    /// <summary>What the table says in the verdict column: the verdict, or "not reporting".</summary>
    public FleetState State => !Reporting ? FleetState.NotReporting : Verdict switch
    {
        Diagnosis.Verdict.Affected => FleetState.Affected,
        Diagnosis.Verdict.AtRisk => FleetState.AtRisk,
        Diagnosis.Verdict.Ok => FleetState.Ok,
        _ => FleetState.Unknown,
    };
}

/// <summary>The table's verdict column, most urgent first.</summary>
public enum FleetState
{
    Affected,
    AtRisk,
    NotReporting,
    Unknown,
    Ok,
}
