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

        if (c.IdsInUse is not { } used || c.IdsInUseRatio is not { } ratio)
        {
            string why = f.Kernel?.CountsDying == false
                ? "This kernel does not count zombie memory cgroups, which hold IDs (C2): IDs in use are unknown."
                : "IDs in use could not be worked out from what this host shows.";
            return new CheckResult(Id, Title, CheckStatus.Skip, why, evidence,
            [
                Remediation.Say("Measure the real headroom by trying: create empty memory cgroups in a scratch parent until mkdir fails, count them, remove them (the runbook's experiment, section 3). Do it in a maintenance window: while the slots are held, no pod can start.",
                    "mkdir /sys/fs/cgroup/memory/headroom-probe && i=0; while mkdir /sys/fs/cgroup/memory/headroom-probe/$i 2>/dev/null; do i=$((i+1)); [ $i -ge 1000 ] && break; done; echo \"free slots: at least $i\"; rmdir /sys/fs/cgroup/memory/headroom-probe/* /sys/fs/cgroup/memory/headroom-probe"),
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
