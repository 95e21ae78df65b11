namespace Cgleak.Diagnosis.Checks;

/// <summary>One check: a stable id and a pure decision over the host's findings.</summary>
public interface ICheck
{
    /// <summary>
    /// Stable: in the JSON, the metrics and the node condition. Each check holds it as its constant <c>CheckId</c>;
    /// other code refers to that constant, never to the string.
    /// </summary>
    string Id { get; }

    string Title { get; }

    CheckRole Role { get; }

    /// <summary>
    /// The rows of docs/kmem-facts.md the decision rests on, as the README's table cites them ("C1-C5, O4").
    /// </summary>
    string Facts { get; }

    CheckResult Run(CheckInput f);
}
