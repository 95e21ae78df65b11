using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The verdict: affected, else at risk, else unknown where an essential is missing or a check erred, else ok.
/// </summary>
public class DoctorVerdictTests
{
    // 5.4 keeps its IDs; 10 live memcgs, none dying, no component, logs not searched: nothing to worry about.
    private static readonly HostFacts Quiet = Running(Ubuntu54);

    private static DoctorReport Diagnose(HostFacts facts) => Doctor.Diagnose(facts);

    [Fact]
    public void A_quiet_host_is_ok()
    {
        DoctorReport r = Diagnose(Quiet);
        Assert.Equal((Verdict.Ok, "no leak and no risk found"), (r.Verdict, r.VerdictReason));
        Assert.Equal(CheckCatalog.All.Select(c => c.Id), r.Checks.Select(c => c.Id));
    }

    [Fact]
    public void Without_a_memory_controller_there_is_nothing_to_leak()
    {
        DoctorReport r = Diagnose(Quiet with
        {
            Layout = CgroupLayout.None with { Mode = CgroupMode.V1 },
            MemoryRow = null,
            Tree = null
        });
        Assert.Equal(Verdict.Ok, r.Verdict);
        Assert.Contains("no memory controller", r.VerdictReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false)]   // /proc/cgroups unreadable: num_cgroups unknown
    [InlineData(false, true)]   // the tree not walked: live unknown
    [InlineData(true, true)]
    public void One_unreadable_count_makes_the_verdict_unknown(bool rowMissing, bool treeMissing)
    {
        HostFacts facts = Quiet with
        {
            MemoryRow = rowMissing ? null : Quiet.MemoryRow,
            Tree = treeMissing ? null : Quiet.Tree
        };
        DoctorReport r = Diagnose(facts);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Equal("could not read the memory cgroup counts", r.VerdictReason);
    }

    [Fact]
    public void An_unreadable_proc_cgroups_expects_a_memory_controller_even_without_a_mount()
    {
        HostFacts facts = Quiet with
        {
            Layout = CgroupLayout.None,
            MemoryRow = null,
            Tree = null,
            Problems = [SmallHost.Problem("/proc/cgroups", "cannot read: Permission denied (EACCES)")],
        };
        Assert.Equal(Verdict.Unknown, Diagnose(facts).Verdict);
        Assert.Equal(Verdict.Ok,
            Diagnose(facts with { Problems = [SmallHost.Problem("/proc/swaps", "missing")] }).Verdict);
    }

    [Fact]
    public void A_row_without_a_mount_still_expects_the_counts()
    {
        HostFacts facts = Quiet with { Layout = CgroupLayout.None, Tree = null };
        DoctorReport r = Diagnose(facts);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Contains("the memory cgroup counts", r.VerdictReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_kernel_release_or_layout_make_it_unknown()
    {
        DoctorReport noKernel = Diagnose(Quiet with { Kernel = null });
        Assert.Equal(Verdict.Unknown, noKernel.Verdict);
        Assert.Contains("the kernel release", noKernel.VerdictReason, StringComparison.Ordinal);

        DoctorReport noLayout = Diagnose(Quiet with { LayoutSource = null });
        Assert.Equal((Verdict.Unknown, "could not read the cgroup layout"), (noLayout.Verdict, noLayout.VerdictReason));
    }

    [Fact]
    public void An_erring_check_makes_the_verdict_unknown_and_is_named()
    {
        DoctorReport r = Diagnose(Quiet with { Cmdline = null });
        Assert.Equal(CheckStatus.Error, r.Checks.Single(c => c.Id == "kernel.nokmem-arg").Status);
        Assert.Equal((Verdict.Unknown, "could not read checks that failed: kernel.nokmem-arg"),
            (r.Verdict, r.VerdictReason));
    }

    [Fact]
    public void A_check_that_throws_errs_alone_and_the_others_still_run()
    {
        // A sighting without its line makes logs.symptom throw: a bug in one check must not hide the others.
        var sighting = new SymptomSighting(Symptom.SlubUnableToAllocate, "/var/log/messages", 1, null!, "");
        var broken = new SymptomScan([sighting], ["/var/log/messages"], []);
        DoctorReport r = Diagnose(Quiet with { Logs = broken });
        CheckResult logs = r.Checks.Single(c => c.Id == "logs.symptom");
        Assert.Equal(CheckStatus.Error, logs.Status);
        Assert.StartsWith("The check failed: NullReferenceException", logs.Summary, StringComparison.Ordinal);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Equal(CheckStatus.Pass, r.Checks.Single(c => c.Id == "memcg.id-headroom").Status);
    }

    [Fact]
    public void Affected_wins_over_at_risk_and_every_culprit_is_named_in_catalog_order()
    {
        HostFacts facts = Running(El7Old).With(Runc("runc version 1.0.0-rc93")) with
        {
            Tree = Tree(10, Containers(KmemState.Active)),
            Logs = new SymptomScan([new(Symptom.MemcgMkdirFailed, "/var/log/messages", 2, "mkdir", "")],
                ["/var/log/messages"], []),
        };
        DoctorReport r = Diagnose(facts);
        Assert.Equal((Verdict.Affected, "affected by kmem.active-cgroups, logs.symptom"), (r.Verdict, r.VerdictReason));
    }

    [Fact]
    public void At_risk_names_its_checks_and_wins_over_unknown()
    {
        DoctorReport r = Diagnose(Running(El7Old).With(Runc("runc version 1.0.0-rc93")) with { LayoutSource = null });
        Assert.Equal((Verdict.AtRisk, "at risk from runtime.runc"), (r.Verdict, r.VerdictReason));
        Assert.Equal(Verdict.AtRisk,
            Diagnose(Running(Ubuntu54).WithCounts(10, 5_000).With(Runc("runc version 1.0.0-rc93"))).Verdict);
        Assert.Equal("at risk from memcg.dying", Diagnose(Running(Ubuntu54).WithCounts(10, 5_000)).VerdictReason);
    }

    [Fact]
    public void The_verdict_and_every_result_carry_their_message_and_role()
    {
        DoctorReport r = Diagnose(Quiet with
        {
            Logs = new SymptomScan(
            [new SymptomSighting(Symptom.SlubUnableToAllocate, "/var/log/messages", 1, null!, "")],
            ["/var/log/messages"],
            [])
        });
        Assert.Equal("verdict.could-not-read", r.VerdictSaid!.Key);
        Assert.Equal(CheckCatalog.All.Select(c => c.Role), r.Checks.Select(c => c.Role));
        Assert.Equal(CheckRole.Symptom, r.Checks.Single(c => c.Status == CheckStatus.Error).Role);
    }
}
