using Cgleak.Diagnosis.Checks;

namespace Cgleak.Diagnosis;

/// <summary>The one thing to do next, as the doctor's first lines say it.</summary>
/// <param name="Command">the command to run next; null when there is nothing to do or nothing to run.</param>
/// <param name="Why">why that command, or what to do instead, in a few words.</param>
public sealed record NextStep(string? Command, string Why)
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
            Verdict.Ok => new NextStep(null, "nothing to do"),
            Verdict.Unknown => new NextStep(null, "see what could not be read, below; as root, the doctor reads more"),
            _ when concerned.Any(c => c.Role == CheckRole.LeakCause) || (leaks && concerned.Count > 0) =>
                new NextStep(FixPlan, "the steps that remove the cause here, to review"),
            _ when concerned.Any(c => c.Role is CheckRole.Dying or CheckRole.Headroom) =>
                new NextStep(Reclaim, "frees the dying memory cgroups this kernel can free"),
            _ => new NextStep(FixPlan, "the steps this node needs, to review"),
        };
    }
}
