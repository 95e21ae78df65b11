using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Facts;

namespace Cgleak.Diagnosis;

/// <summary>One diagnosis of one host: facts, derived counts, every check's result and the verdict.</summary>
public sealed record DoctorReport(
    HostFacts Facts,
    KernelTraits? Kernel,
    MemcgCounts Counts,
    IReadOnlyList<CheckResult> Checks,
    Verdict Verdict,
    string VerdictReason,
    TimeSpan Elapsed)
{
    /// <summary>
    /// What the checks were given: the facts (and probe) with what the knowledge tables derive from them. The fix
    /// planners and verify judge from the same, not from a copy rebuilt from <see cref="Facts"/>. Not in the report's
    /// JSON: JsonReport and StatusJson write documents of their own.
    /// </summary>
    public required CheckInput Input { get; init; }

    /// <summary>The headroom probe the counts used (cgleak doctor --probe), else null.</summary>
    public HeadroomProbe? Probe { get; init; }

    /// <summary>
    /// The reason as a message, for text in the reader's language (<see cref="VerdictReason"/> is its English).
    /// </summary>
    public Message? VerdictSaid { get; init; }
}
