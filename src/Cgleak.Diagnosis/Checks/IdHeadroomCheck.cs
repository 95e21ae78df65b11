using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// memcg.id-headroom: IDs in use against the 65535 limit (I1, I3); unknown where the kernel hides zombies (C2).
/// </summary>
public sealed class IdHeadroomCheck : ICheck
{
    /// <summary>
    /// The usage-versus-limit thresholds node-mixin uses (NodeFileDescriptorLimit, prometheus/node_exporter
    /// docs/node-mixin): 70 % warn, 90 % fail.
    /// </summary>
    public const double WarnRatio = 0.70, FailRatio = 0.90;

    public const string CheckId = "memcg.id-headroom";

    public string Id => CheckId;

    public string Facts => "I1, I3, I5, C1, C2";

    public string Title => "memory cgroup IDs in use against the 65535 limit";

    public CheckRole Role => CheckRole.Headroom;

    public CheckResult Run(CheckInput f)
    {
        MemcgCounts c = f.Counts;
        var evidence = new List<Message>();
        if (f.Facts.MemoryRow is { } row)
        {
            evidence.Add(new Message("evidence.num-cgroups", row.Source, row.Value.NumCgroups));
        }

        evidence.AddRange(c.Basis.Select(b => b.Said));
        if (f.Facts.Layout.MemoryMountPoint is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("headroom.no-mount"), evidence, []);
        }

        if (c.IdsInUse is null && c.IdsInUseAtMost is { } atMost && (double)atMost / c.Limit < WarnRatio)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                new Message(
                    "headroom.at-most",
                    atMost,
                    c.Limit,
                    (double)atMost / c.Limit,
                    c.Limit - atMost), evidence, []);
        }

        if (c.IdsInUse is null && c.IdsInUseAtLeast is { } least && c.IdsInUseAtLeastRatio is { } leastRatio
            && leastRatio >= WarnRatio
            && f.Kernel?.CountsDying == false)
        {
            // 3.10 at the wall: num_cgroups counts live memcgs only (C2), so IDs in use are at least that; a bound
            // above a threshold decides.
            var atLeast = new Message("headroom.at-least", least, c.Limit, leastRatio);
            return leastRatio >= FailRatio
                ? new CheckResult(
                    Id, Title, CheckStatus.Fail,
                    new Message("join.sentences", atLeast, new Message("headroom.pods-fail")), evidence,
                    [Remediations.Reboot()], Concern.Affected)
                : new CheckResult(Id, Title, CheckStatus.Warn, new Message(
                    "join.sentences",
                    atLeast,
                    new Message("headroom.above", WarnRatio, KmemActiveCgroupsCheck.CheckId)),
                    evidence, [Remediations.Reboot()], Concern.AtRisk);
        }

        if (c.IdsInUse is not { } used || c.IdsInUseRatio is not { } ratio)
        {
            var why = new Message(f.Kernel?.CountsDying == false ? "headroom.uncounted" : "headroom.unknown");
            return new CheckResult(Id, Title, CheckStatus.Skip, why, evidence,
            [
                // Bounded only: a node that may be near the wall is never told to fill the ID space (cgleak probe
                // --until-full is for drained nodes, README).
                Remediation.Say(new Message("headroom.fix.probe"),
                    "cgleak doctor --probe"),
            ]);
        }

        var sentence = new Message("headroom.used", used, c.Limit, ratio);
        if (ratio >= FailRatio)
        {
            return new CheckResult(
                Id, Title, CheckStatus.Fail,
                new Message("join.sentences", sentence, new Message("headroom.pods-will-fail")), evidence,
                [Remediations.Reboot()], Concern.Affected);
        }

        if (ratio >= WarnRatio)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn, new Message(
                "join.sentences",
                sentence,
                new Message(
                    "headroom.above", WarnRatio, $"{DyingCheck.CheckId}, {KmemActiveCgroupsCheck.CheckId}")),
                evidence,
                [Remediations.Reboot()], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, []);
    }
}
