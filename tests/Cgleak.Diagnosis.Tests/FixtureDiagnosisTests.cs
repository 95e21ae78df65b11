using Cgleak.Diagnosis.Checks;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>Every fixture host gets the verdict, counts and decisive check statuses its README promises.</summary>
public class FixtureDiagnosisTests
{
    private static DoctorReport Examine(string scenario) => Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));

    private static CheckStatus Status(DoctorReport r, string id) => r.Checks.Single(c => c.Id == id).Status;

    [Fact]
    public void El7_957_leaking_is_affected_with_unknown_ids_and_every_culprit_named()
    {
        DoctorReport r = Examine("el7-957-leaking");
        Assert.Equal(Verdict.Affected, r.Verdict);
        Assert.Equal((45L, 42L), (r.Counts.Reported, r.Counts.Live));
        Assert.Null(r.Counts.Dying);      // C2: 3.10 hides zombies
        Assert.Null(r.Counts.IdsInUse);
        Assert.Equal(CheckStatus.Skip, Status(r, "memcg.id-headroom"));
        Assert.Equal(CheckStatus.Fail, Status(r, "kmem.active-cgroups"));
        Assert.Equal(CheckStatus.Fail, Status(r, "runtime.runc"));
        Assert.Equal(CheckStatus.Fail, Status(r, "kubelet.kmem"));
        Assert.Equal(CheckStatus.Fail, Status(r, "logs.symptom"));
        Assert.Contains(
            "this kernel would ignore it",
            r.Checks.Single(c => c.Id == "kernel.nokmem-arg").Summary,
            StringComparison.Ordinal);
        Assert.Contains(
            r.Checks.SelectMany(c => c.Remediation),
            x => x.Text.Contains("upgrade to 3.10.0-1062.4.1.el7", StringComparison.Ordinal));
    }

    [Fact]
    public void El7_1062_without_nokmem_is_at_risk_and_gets_the_grubby_command_for_its_own_kernel()
    {
        DoctorReport r = Examine("el7-1062-no-nokmem");
        Assert.Equal(Verdict.AtRisk, r.Verdict);
        Assert.Equal(CheckStatus.Warn, Status(r, "kernel.nokmem-arg"));
        Assert.Equal(CheckStatus.Fail, Status(r, "runtime.runc"));
        Assert.Equal(CheckStatus.Fail, Status(r, "kubelet.kmem"));
        Assert.Contains(r.Checks.SelectMany(c => c.Remediation).SelectMany(x => x.Commands),
            c => c == "grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1062.4.1.el7.x86_64");
    }

    [Fact]
    public void El7_fixed_with_nokmem_is_ok_and_every_container_cgroup_reads_EIO()
    {
        DoctorReport r = Examine("el7-nokmem-fixed");
        Assert.Equal(Verdict.Ok, r.Verdict);
        Assert.Equal(CheckStatus.Pass, Status(r, "kernel.nokmem-arg"));
        Assert.Equal(CheckStatus.Pass, Status(r, "kmem.active-cgroups"));
        Assert.All(r.Facts.Tree!.Containers, c => Assert.Equal(Host.Cgroups.KmemState.Off, c.State));
        Assert.Equal(27, r.Facts.Tree.Containers.Count);
    }

    [Fact]
    public void Ubuntu_5_4_with_tens_of_thousands_of_dying_memcgs_is_at_risk_from_them_alone()
    {
        DoctorReport r = Examine("ubuntu-5.4-dying");
        Assert.Equal(Verdict.AtRisk, r.Verdict);
        Assert.Equal((41969L, 96L, 41873L, 96L), (r.Counts.Reported, r.Counts.Live, r.Counts.Dying, r.Counts.IdsInUse));
        Assert.Equal(CheckStatus.Warn, Status(r, "memcg.dying"));
        Assert.Equal(CheckStatus.Info, Status(r, "kmem.active-cgroups"));
        Assert.Contains(
            r.Checks.Single(c => c.Id == "memcg.dying").Remediation.SelectMany(x => x.Commands),
            c => c.StartsWith("sync; echo 3 > /proc/sys/vm/drop_caches", StringComparison.Ordinal));
    }

    [Fact]
    public void Cgroup_v2_reads_dying_from_cgroup_stat_and_live_from_memory_enabled_cgroups()
    {
        DoctorReport r = Examine("cgroup-v2");
        Assert.Equal(Verdict.Ok, r.Verdict);
        Assert.Equal((120L, 61L, 61L), (r.Counts.Dying, r.Counts.Live, r.Counts.IdsInUse));
        Assert.Equal(CheckStatus.Skip, Status(r, "kmem.active-cgroups"));
        Assert.Equal("/sys/fs/cgroup", r.Facts.Layout.MemoryMountPoint);
    }

    [Fact]
    public void A_host_without_a_memory_controller_is_ok_with_memory_checks_skipped()
    {
        DoctorReport r = Examine("no-memory-controller");
        Assert.Equal(Verdict.Ok, r.Verdict);
        Assert.Equal(CheckStatus.Skip, Status(r, "memcg.id-headroom"));
        Assert.Empty(r.Facts.Problems);
    }

    [Fact]
    public void A_malformed_tree_is_unknown_with_one_problem_per_bad_line_and_the_other_checks_run()
    {
        DoctorReport r = Examine("malformed");
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Contains(r.Facts.Problems, p => p.Path == "/proc/sys/kernel/osrelease");
        Assert.Equal(2, r.Facts.Problems.Count(p => p.Path == "/proc/1/mountinfo"));
        Assert.Contains(
            r.Facts.Problems,
            p => p.Path == "/proc/cgroups" && p.Message.Contains("line 3", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Pass, Status(r, "logs.symptom")); // the cut-off line is no symptom
        Assert.Equal(CatalogIds, r.Checks.Select(c => c.Id));
    }

    private static readonly string[] CatalogIds = CheckCatalog.All.Select(c => c.Id).ToArray();
}
