using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;

namespace Cgleak.Diagnosis;

/// <summary>
/// What cgleak verify concludes: verified, not verified (a rule failed), or undecided (the canary could not tell).
/// </summary>
public enum VerificationVerdict
{
    Verified,
    NotVerified,
    Undecided,
}

/// <summary>
/// The canary's outcome as verify judges it: leaking true, false or null (undecided), and its conclusion.
/// </summary>
public sealed record CanaryOutcome(bool? Leaking, Message Conclusion);

/// <summary>verify's results, shaped like check results (id, status, summary), and the verdict they give.</summary>
public sealed record VerificationReport(IReadOnlyList<CheckResult> Items, VerificationVerdict Verdict);

/// <summary>
/// cgleak verify's rules, after the reboot: the argument on the running command line when cgleak applied the fix,
/// kmem accounting off on every container cgroup where this kernel would lose their IDs (the runbook's check,
/// section 6), and, when it ran, the canary's outcome. Fail on any item is "not verified"; else skip (an
/// undecided canary) is "undecided"; info and pass are "verified".
/// </summary>
public static class Verification
{
    /// <summary>What each item decides, in a few words (a check result's title).</summary>
    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        ["cmdline"] = "the fix's argument on the running command line",
        ["kmem"] = "container cgroups with kernel-memory accounting active",
        ["canary"] = "removed memory cgroups give their ID slots back",
    };

    public static VerificationReport Of(
        CheckInput f,
        bool fixApplied,
        string stateDirectory,
        CanaryOutcome? canary = null)
    {
        List<CheckResult> items = [Cmdline(f, fixApplied, stateDirectory), Kmem(f)];
        if (canary is not null)
        {
            items.Add(Canary(canary));
        }

        return new VerificationReport(items, VerdictOf(items));
    }

    /// <summary>
    /// "cmdline": the argument cgleak's fix added is on /proc/cmdline (fail when it is not); info when cgleak applied
    /// no fix.
    /// </summary>
    public static CheckResult Cmdline(CheckInput f, bool fixApplied, string stateDirectory)
    {
        bool onCmdline = f.NokmemOnCmdline == true;
        if (!fixApplied)
        {
            return Item("cmdline", CheckStatus.Info,
                new Message(
                    onCmdline ? "verify.cmdline.not-applied-on" : "verify.cmdline.not-applied-off",
                    stateDirectory,
                    FixPlan.NokmemArgument));
        }

        return onCmdline
            ? Item("cmdline", CheckStatus.Pass, new Message("verify.cmdline.on", FixPlan.NokmemArgument))
            : Item("cmdline", CheckStatus.Fail, new Message("verify.cmdline.off", FixPlan.NokmemArgument));
    }

    /// <summary>
    /// "kmem": no container cgroup with kmem accounting active (pass); some active where it must be off (fail: this
    /// kernel loses their IDs, or nokmem is on the command line of a kernel that honours it); some active where it
    /// is harmless (info); no container cgroups to check (info).
    /// </summary>
    public static CheckResult Kmem(CheckInput f)
    {
        KmemCounts kmem = f.Facts.Tree?.Kmem ?? KmemCounts.Of([]);
        if (kmem.Checked == 0)
        {
            return Item("kmem", CheckStatus.Info, new Message("verify.kmem.none"));
        }

        if (kmem.Active == 0)
        {
            return Item("kmem", CheckStatus.Pass, new Message("verify.kmem.off", kmem.Checked));
        }

        bool mustBeOff = f.KernelExposed || (f.NokmemOnCmdline == true && f.Kernel?.HonoursNokmem == true);
        return mustBeOff
            ? Item("kmem", CheckStatus.Fail, new Message("verify.kmem.active", kmem.Active, kmem.Checked))
            : Item("kmem", CheckStatus.Info, new Message("verify.kmem.active-harmless", kmem.Active, kmem.Checked));
    }

    /// <summary>"canary": pass when its slots came back, fail when they did not, skip when it could not tell.</summary>
    public static CheckResult Canary(CanaryOutcome canary) => Item("canary", canary.Leaking switch
    {
        false => CheckStatus.Pass,
        true => CheckStatus.Fail,
        null => CheckStatus.Skip,
    }, canary.Conclusion);

    public static VerificationVerdict VerdictOf(IEnumerable<CheckResult> items)
    {
        var statuses = items.Select(i => i.Status).ToList();
        return statuses.Contains(CheckStatus.Fail) ? VerificationVerdict.NotVerified
            : statuses.Contains(CheckStatus.Skip) ? VerificationVerdict.Undecided
            : VerificationVerdict.Verified;
    }

    private static CheckResult Item(string id, CheckStatus status, Message summary) =>
        new(id, Titles[id], status, summary, [], []);
}
