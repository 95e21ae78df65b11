using Cgleak.Host.Logs;

namespace Cgleak.Diagnosis.Checks;

/// <summary>logs.symptom: the runbook's error lines (DIGEST section 1; both errno strings, I7) and SLUB allocation failures.</summary>
public sealed class LogSymptomCheck : ICheck
{
    public string Id => "logs.symptom";

    public string Title => "the runbook's error lines in the logs";


    public CheckRole Role => CheckRole.Symptom;

    public CheckResult Run(Findings f)
    {
        if (f.Facts.Logs is not { } logs)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "Logs were not searched.", [], []);
        }

        if (logs.LogsRead.Count == 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "No log could be read (/var/log/messages, /var/log/syslog, kern.log, the journal).", logs.Problems, []);
        }

        var evidence = logs.Sightings.Select(s => $"{s.Log}: {s.Count} x {Describe(s.Symptom)}, last {s.LastSeen}: {Shorten(s.LastLine)}").ToList();
        int mkdir = logs.Sightings.Where(s => s.Symptom == Symptom.MemcgMkdirFailed).Sum(s => s.Count);
        int slub = logs.Sightings.Where(s => s.Symptom == Symptom.SlubUnableToAllocate).Sum(s => s.Count);
        string searched = "searched: " + string.Join(", ", logs.LogsRead);
        evidence.Add(searched);
        if (mkdir > 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Fail,
                $"Memory cgroup creation failed {mkdir} times in the logs (\"mkdir /sys/fs/cgroup/memory/...: cannot allocate memory / no space left on device\"): pods cannot start.",
                evidence, [Remediations.Reboot()], Concern.Affected);
        }

        if (slub > 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn,
                $"\"SLUB: Unable to allocate memory on node\" appears {slub} times: kernel-memory accounting is failing allocations (runc#1725).",
                evidence, [], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, "None of the runbook's error lines are in the logs.", evidence, []);
    }

    private static string Describe(Symptom s) => s == Symptom.MemcgMkdirFailed ? "memory cgroup mkdir failed" : "SLUB: Unable to allocate memory on node";

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..197] + "...";
}
