namespace Cgleak.Diagnosis.Checks;

/// <summary>One check: a stable id and a pure decision over the host's findings.</summary>
public interface ICheck
{
    string Id { get; }

    string Title { get; }

    CheckRole Role { get; }

    CheckResult Run(Findings f);
}
