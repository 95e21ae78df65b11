namespace Cgleak.Diagnosis.Checks;

/// <summary>memcg.id-headroom: IDs in use against the 65535 limit (I1, I3); unknown where the kernel hides zombies (C2).</summary>
public sealed class IdHeadroomCheck : ICheck
{
    /// <summary>The usage-versus-limit thresholds node-mixin uses (ecosystem.md): 70 % warn, 90 % fail.</summary>
    public const double WarnRatio = 0.70, FailRatio = 0.90;

    public string Id => "memcg.id-headroom";

    public string Title => "memory cgroup IDs in use against the 65535 limit";

    public CheckResult Run(Findings f)
    {
        MemcgCounts c = f.Counts;
        var evidence = new List<string>();
        if (f.Facts.MemoryRow is { } row)
        {
            evidence.Add($"{row.Source}: memory num_cgroups={row.Value.NumCgroups}");
        }

        evidence.AddRange(c.Basis);
        if (f.Facts.Layout.MemoryMountPoint is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, "No memory controller mount was found in mountinfo: there are no memory cgroup IDs to run out of.", evidence, []);
        }

        if (c.IdsInUse is null && c.IdsInUseAtMost is { } atMost && (double)atMost / c.Limit < WarnRatio)
        {
            return new CheckResult(Id, Title, CheckStatus.Pass,
                $"At most {atMost} of {c.Limit} memory cgroup IDs in use ({(double)atMost / c.Limit:P1}): a probe created {c.Limit - atMost} without a refusal.", evidence, []);
        }

        if (c.IdsInUse is null && c.IdsInUseAtLeast is { } least && c.IdsInUseAtLeastRatio is { } leastRatio && leastRatio >= WarnRatio
            && f.Kernel?.CountsDying == false)
        {
            // 3.10 at the wall: num_cgroups counts live memcgs only (C2), so IDs in use are at least that; a bound above a threshold decides.
            string atLeast = $"At least {least} of {c.Limit} memory cgroup IDs in use ({leastRatio:P1}): /proc/cgroups counts live memory cgroups only on this kernel (C2), and zombies hold IDs on top.";
            return leastRatio >= FailRatio
                ? new CheckResult(Id, Title, CheckStatus.Fail, atLeast + " New pods fail or will soon fail with \"cannot allocate memory\" or \"no space left on device\".",
                    evidence, [Remediations.Reboot()], Concern.Affected)
                : new CheckResult(Id, Title, CheckStatus.Warn, atLeast + $" Above {WarnRatio:P0}: find what holds them (kmem.active-cgroups).",
                    evidence, [Remediations.Reboot()], Concern.AtRisk);
        }

        if (c.IdsInUse is not { } used || c.IdsInUseRatio is not { } ratio)
        {
            string why = f.Kernel?.CountsDying == false
                ? "This kernel does not count zombie memory cgroups, which hold IDs (C2): IDs in use are unknown."
                : "IDs in use could not be worked out from what this host shows.";
            return new CheckResult(Id, Title, CheckStatus.Skip, why, evidence,
            [
                Remediation.Say("Measure the real headroom by trying: a probe creates empty memory cgroups under a private parent and removes them. Bounded, it proves at least that many are free; --until-full finds the exact number (on a drained node: while it holds the slots, no pod can start).",
                    "cgleak doctor --probe", "cgleak probe --until-full --yes   # exact, at the wall"),
            ]);
        }

        string sentence = $"{used} of {c.Limit} memory cgroup IDs in use ({ratio:P1}).";
        if (ratio >= FailRatio)
        {
            return new CheckResult(Id, Title, CheckStatus.Fail, sentence + " New pods will soon fail with \"cannot allocate memory\" or \"no space left on device\".", evidence,
                [Remediations.Reboot()], Concern.Affected);
        }

        if (ratio >= WarnRatio)
        {
            return new CheckResult(Id, Title, CheckStatus.Warn, sentence + $" Above {WarnRatio:P0}: find what holds them (memcg.dying, kmem.active-cgroups).", evidence,
                [Remediations.Reboot()], Concern.AtRisk);
        }

        return new CheckResult(Id, Title, CheckStatus.Pass, sentence, evidence, []);
    }
}
