namespace Cgleak.Diagnosis.Checks;

/// <summary>A check's outcome, as kube-bench prints it.</summary>
public enum CheckStatus
{
    Pass,
    Warn,
    Fail,
    Info,
    Skip,
    Error,
}

/// <summary>What a result means for the verdict.</summary>
public enum Concern
{
    None,

    /// <summary>The leak can start here.</summary>
    AtRisk,

    /// <summary>The leak is happening or has hit.</summary>
    Affected,
}
