using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis;

/// <summary>The one thing to do next, as the doctor's first lines say it.</summary>
/// <param name="Command">the command to run next; null when there is nothing to do or nothing to run.</param>
/// <param name="Why">why that command, or what to do instead, in a few words.</param>
public sealed record NextStep(string? Command, Message Why)
{
    public const string FixPlan = "cgleak fix plan";

    public const string Reclaim = "cgleak reclaim";

    /// <summary>
    /// A leak cause (kernel, its command line, runc, containerd, kubelet) or the leak's symptom needs the reviewed
    /// fix plan; dying memcgs alone on a kernel that keeps no IDs need reclaiming; an unknown verdict needs the
    /// host read better; an ok node needs nothing. Never a command that fills the ID space.
    /// </summary>
    public static NextStep For(DoctorReport report)
    {
        var concerned = report.Checks.Where(c => c.Concern != Concern.None).ToList();
        bool leaks = report.Kernel?.LeaksIdsViaKmem == true;
        return report.Verdict switch
        {
            Verdict.Ok => new NextStep(null, new Message("next.nothing")),
            Verdict.Unknown => new NextStep(null, new Message("next.unknown")),
            _ when concerned.Any(c => c.Role == CheckRole.LeakCause) || (leaks && concerned.Count > 0) =>
                new NextStep(FixPlan, new Message("next.fix-plan-cause")),
            _ when concerned.Any(c => c.Role is CheckRole.Dying or CheckRole.Headroom) =>
                new NextStep(Reclaim, new Message("next.reclaim")),
            _ => new NextStep(FixPlan, new Message("next.fix-plan")),
        };
    }
}
