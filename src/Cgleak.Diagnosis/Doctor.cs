using System.Diagnostics;
using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Facts;

namespace Cgleak.Diagnosis;

/// <summary>Reads a host, runs every check of the catalog and decides the verdict.</summary>
public static class Doctor
{
    /// <summary>
    /// Reads the host and diagnoses it; <paramref name="probe"/> is a headroom probe's result, when one ran.
    /// </summary>
    public static DoctorReport Examine(
        HostRoot host, SurveyOptions? options = null, HeadroomProbe? probe = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        HostFacts facts = new HostSurvey(host, options).Read(cancel);
        DoctorReport report = Diagnose(facts, probe);
        return report with { Elapsed = clock.Elapsed };
    }

    public static DoctorReport Diagnose(HostFacts facts, HeadroomProbe? probe = null)
    {
        var input = new CheckInput(facts, probe);
        var results = CheckCatalog.All.Select(c => RunSafely(c, input)).ToList();
        (Verdict verdict, Message reason) = Decide(input, results);
        return new DoctorReport(facts, input.Kernel, input.Counts, results, verdict, reason.ToString(), TimeSpan.Zero)
        {
            VerdictSaid = reason,
            Probe = probe,
            Input = input,
        };
    }

    /// <summary>
    /// Affected or at-risk as soon as one check says so; otherwise unknown when the essentials (the kernel
    /// release, and the memory controller's counts where there is one) could not be read; otherwise ok.
    /// </summary>
    internal static (Verdict, Message) Decide(CheckInput f, IReadOnlyList<CheckResult> results)
    {
        var affected = results.Where(r => r.Concern == Concern.Affected).Select(r => r.Id).ToList();
        if (affected.Count > 0)
        {
            return (Verdict.Affected, new Message("verdict.affected-by", string.Join(", ", affected)));
        }

        var atRisk = results.Where(r => r.Concern == Concern.AtRisk).Select(r => r.Id).ToList();
        if (atRisk.Count > 0)
        {
            return (Verdict.AtRisk, new Message("verdict.at-risk-from", string.Join(", ", atRisk)));
        }

        var missing = new List<Message>();
        if (f.Kernel is null)
        {
            missing.Add(new Message("verdict.missing.kernel"));
        }

        bool memoryExpected = f.Facts.MemoryRow is not null || f.Facts.Layout.MemoryMountPoint is not null
            || f.Facts.Problems.Any(p => p.Path == "/proc/cgroups");
        if (memoryExpected && (f.Counts.Reported is null || f.Counts.Live is null))
        {
            missing.Add(new Message("verdict.missing.counts"));
        }

        if (f.Facts.LayoutSource is null)
        {
            missing.Add(new Message("verdict.missing.layout"));
        }

        if (results.Any(r => r.Status == CheckStatus.Error))
        {
            missing.Add(new Message(
                "verdict.missing.failed-checks",
                string.Join(", ", results.Where(r => r.Status == CheckStatus.Error).Select(r => r.Id))));
        }

        return missing.Count > 0
            ? (Verdict.Unknown, new Message("verdict.could-not-read", Message.Joined("list.semicolon", missing)))
            : (Verdict.Ok, new Message(
                f.Facts.Layout.MemoryMountPoint is null ? "verdict.no-memory-controller" : "verdict.no-leak"));
    }

    private static CheckResult RunSafely(ICheck check, CheckInput input)
    {
        try
        {
            return check.Run(input) with { Role = check.Role };
        }
#pragma warning disable CA1031 // a bug in one check must not hide the others' results
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new CheckResult(
                check.Id, check.Title, CheckStatus.Error, new Message("check.crashed", e.GetType().Name, e.Message), [],
                [])
            {
                Role = check.Role,
            };
        }
    }
}
