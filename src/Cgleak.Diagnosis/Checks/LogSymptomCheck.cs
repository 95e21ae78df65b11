using Cgleak.Diagnosis.Text;
using Cgleak.Host.Logs;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// logs.symptom: the runbook's error lines (DIGEST section 1; both errno strings, I7) and SLUB allocation failures.
/// </summary>
public sealed class LogSymptomCheck : ICheck
{
    public const string CheckId = "logs.symptom";

    public string Id => CheckId;

    public string Facts => "I7";

    public string Title => "the runbook's error lines in the logs";

    public CheckRole Role => CheckRole.Symptom;

    public CheckResult Run(CheckInput f)
    {
        if (f.Facts.Logs is not { } logs)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("logs.not-searched"), [], []);
        }

        if (logs.LogsRead.Count == 0)
        {
            return new CheckResult(
                Id, Title, CheckStatus.Skip, new Message("logs.none-read"), [.. logs.Problems.Select(Message.Of)], []);
        }

        var evidence = logs.Sightings.Select(
            s => new Message(
                "evidence.sighting", s.Log, s.Count, Describe(s.Symptom), s.LastSeen, Shorten(s.LastLine))).ToList();
        int mkdir = logs.Sightings.Where(s => s.Symptom == Symptom.MemcgMkdirFailed).Sum(s => s.Count);
        int slub = logs.Sightings.Where(s => s.Symptom == Symptom.SlubUnableToAllocate).Sum(s => s.Count);
        evidence.Add(new Message("evidence.searched", string.Join(", ", logs.LogsRead)));
        if (mkdir > 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Fail,
                new Message("logs.mkdir-failed", mkdir),
                evidence, [Remediations.Reboot()], Concern.Affected);
        }

        if (slub > 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn,
                new Message("logs.slub", slub),
                evidence, [], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, new Message("logs.clean"), evidence, []);
    }

    private static Message Describe(Symptom s)
        => new(s == Symptom.MemcgMkdirFailed ? "evidence.symptom.mkdir" : "evidence.symptom.slub");

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..197] + "...";
}
