using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Facts;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>kernel.nokmem-arg: the argument on the command line, and whether this kernel honours it (L3, L5).</summary>
public class NokmemArgumentCheckTests
{
    private const string Nokmem = "ro quiet cgroup.memory=nokmem";

    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", CheckStatus.Fail)]   // the runbook's trap: set, and ignored
    [InlineData("3.10.0-1062.el7.x86_64", CheckStatus.Fail)]       // fewer build numbers than 1062.4.1: before it
    [InlineData("3.10.0-1062.4.0.el7.x86_64", CheckStatus.Fail)]
    [InlineData("3.10.0-1062.4.1.el7.x86_64", CheckStatus.Pass)]   // the first el7 build that honours it
    [InlineData("3.10.0-1062.5.el7.x86_64", CheckStatus.Pass)]
    [InlineData("3.10.0-1160.el7.x86_64", CheckStatus.Pass)]
    [InlineData("4.4.0-21-generic",
        CheckStatus.Fail)]             // upstream before 4.5 ignores it (L3), and 4.4 may leak
    [InlineData("4.5.0", CheckStatus.Pass)]
    public void Nokmem_on_the_command_line_counts_only_where_the_kernel_honours_it(string release, CheckStatus status)
    {
        CheckResult r = Check<NokmemArgumentCheck>(Running(release, Nokmem));
        Assert.Equal(status, r.Status);
        Assert.Contains("/proc/cmdline: cgroup.memory=nokmem", r.Evidence);
        Assert.Contains(r.Evidence,
            e => e.StartsWith(release + (status == CheckStatus.Pass ? " honours" : " ignores"),
            StringComparison.Ordinal));
        Assert.Equal(status == CheckStatus.Pass, r.Remediation.Count == 0);
    }

    [Fact]
    public void The_trap_on_el7_says_to_upgrade_the_kernel_first()
    {
        CheckResult r = Check<NokmemArgumentCheck>(Running(El7Old, Nokmem));
        Assert.Contains("ignores", r.Summary, StringComparison.Ordinal);
        Assert.Contains("NOT off", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Evidence, e => e.Contains("el7 before 3.10.0-1062.4.1, L5", StringComparison.Ordinal));
        Assert.Equal("yum install kernel", r.Commands().First(c => c != Remediations.FixPlanCommand));
    }

    [Fact]
    public void The_evidence_names_the_rule_of_the_kernel_family()
    {
        Assert.Contains(Check<NokmemArgumentCheck>(Running(El7Fixed, Nokmem)).Evidence,
            e => e.EndsWith("(el7 3.10.0-1062.4.1+, L5)", StringComparison.Ordinal));
        Assert.Contains(Check<NokmemArgumentCheck>(Running("4.5.0", Nokmem)).Evidence,
            e => e.EndsWith("(4.5+, L3)", StringComparison.Ordinal));
        Assert.Contains(Check<NokmemArgumentCheck>(Running("4.4.0-21-generic", Nokmem)).Evidence,
            e => e.EndsWith("(before 4.5, L3)", StringComparison.Ordinal));
    }

    [Fact]
    public void Ignored_where_no_ids_leak_only_warns()
    {
        // 3.2 has no per-cgroup kmem accounting (L1) and predates nokmem (L3).
        CheckResult r = Check<NokmemArgumentCheck>(Running("3.2.0", Nokmem));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.NotEmpty(r.Remediation);
    }

    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", "would ignore it")]
    [InlineData("3.10.0-1062.4.1.el7.x86_64", "would honour it")]
    public void Not_set_where_ids_leak_warns_and_says_whether_the_argument_would_work(string release, string would)
    {
        CheckResult r = Check<NokmemArgumentCheck>(Running(release));
        Assert.Equal((CheckStatus.Warn, Concern.None), (r.Status, r.Concern));
        Assert.Contains(would, r.Summary, StringComparison.Ordinal);
        Assert.Contains("/proc/cmdline: no cgroup.memory= argument", r.Evidence);
        Assert.Contains(r.Commands(), c => c.Contains("cgroup.memory=nokmem", StringComparison.Ordinal));
    }

    [Fact]
    public void Not_set_where_ids_do_not_leak_is_information()
    {
        CheckResult r = Check<NokmemArgumentCheck>(Running(Ubuntu54));
        Assert.Equal(CheckStatus.Info, r.Status);
        Assert.Empty(r.Remediation);
    }

    [Fact]
    public void Every_cgroup_memory_token_is_evidence()
    {
        CheckResult r = Check<NokmemArgumentCheck>(Running(Ubuntu54, "cgroup.memory=nosocket ro cgroup.memory=nokmem"));
        Assert.Contains("/proc/cmdline: cgroup.memory=nosocket cgroup.memory=nokmem", r.Evidence);
        Assert.Equal(CheckStatus.Pass, r.Status);
    }

    [Fact]
    public void Without_the_command_line_it_errs_and_without_the_kernel_it_skips()
    {
        Assert.Equal(CheckStatus.Error, Check<NokmemArgumentCheck>(Running(El7Old) with { Cmdline = null }).Status);
        CheckResult r = Check<NokmemArgumentCheck>(Running(El7Old, Nokmem) with { Kernel = null });
        Assert.Equal(CheckStatus.Skip, r.Status);
        Assert.Contains("/proc/cmdline: cgroup.memory=nokmem", r.Evidence);
    }

    /// <summary>
    /// TencentOS 3.10 may or may not have the nokmem backport: set, it is verified; unset, it is added.
    /// </summary>
    [Fact]
    public void On_a_kernel_not_known_to_honour_it_nokmem_is_verified_or_added()
    {
        const string Tlinux = "3.10.107-1-tlinux2_kvm_guest-0052";
        CheckResult set = Check<NokmemArgumentCheck>(Running(Tlinux, Nokmem));
        CheckResult unset = Check<NokmemArgumentCheck>(Running(Tlinux));
        Assert.Equal((CheckStatus.Warn, "nokmem.on-unknown"), (set.Status, set.Said!.Key));
        Assert.Equal(["cgleak verify --canary"], set.Commands());
        Assert.Equal((CheckStatus.Warn, "nokmem.off-unknown"), (unset.Status, unset.Said!.Key));
        Assert.Contains("cgleak fix plan", unset.Commands());
        Assert.Contains(set.Evidence, e => e.StartsWith(Tlinux + ": whether it honours", StringComparison.Ordinal));
    }
}

/// <summary>kernel.kmem-leak: does this kernel family lose IDs to kmem-pinned zombies (L1, L2, I5).</summary>
public class KernelKmemLeakCheckTests
{
    [Theory]
    [InlineData("5.4.0-150-generic", "(I5, 4.7+)")]
    [InlineData("4.7.0", "(I5, 4.7+)")]
    [InlineData("3.2.0", "before 3.8 (L1)")]
    public void Families_that_keep_their_ids_pass_and_say_why(string release, string why)
    {
        CheckResult r = Check<KernelKmemLeakCheck>(Running(release));
        Assert.Equal(CheckStatus.Pass, r.Status);
        Assert.Contains(why, r.Summary, StringComparison.Ordinal);
        Assert.Contains($"/proc/sys/kernel/osrelease: {release}", r.Evidence);
        Assert.Empty(r.Remediation);
    }

    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", "ro", CheckStatus.Warn)]
    [InlineData("3.10.0-957.27.2.el7.x86_64", "cgroup.memory=nokmem", CheckStatus.Warn)]  // set, but ignored
    [InlineData("3.10.0-1062.4.1.el7.x86_64", "cgroup.memory=nokmem", CheckStatus.Pass)]
    [InlineData("4.6.0", "ro", CheckStatus.Warn)]                                          // 4.6.y: unless backported
    [InlineData("4.6.0", "cgroup.memory=nokmem", CheckStatus.Pass)]
    [InlineData("4.6.7", "cgroup.memory=nosocket,nokmem", CheckStatus.Pass)]
    public void Leaking_families_pass_only_with_an_honoured_nokmem(string release, string cmdline, CheckStatus status)
    {
        CheckResult r = Check<KernelKmemLeakCheck>(Running(release, cmdline));
        Assert.Equal(status, r.Status);
        Assert.Equal(status == CheckStatus.Warn,
            r.Commands().Any(c => c.Contains("cgroup.memory=nokmem", StringComparison.Ordinal)));
        Assert.Equal(status == CheckStatus.Pass, r.Summary.Contains("nokmem is on", StringComparison.Ordinal));
    }

    [Fact]
    public void The_4_4_and_4_6_stable_kernels_name_the_backport()
    {
        CheckResult r = Check<KernelKmemLeakCheck>(Running("4.4.0-21-generic"));
        Assert.Contains("moby#24559", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Cgroup_v2_is_said_in_the_evidence()
    {
        HostFacts v2 = Running(Ubuntu54) with { Layout = V2 };
        Assert.Contains(Check<KernelKmemLeakCheck>(v2).Evidence,
            e => e.StartsWith("memory controller on cgroup v2", StringComparison.Ordinal));
        Assert.DoesNotContain(Check<KernelKmemLeakCheck>(Running(Ubuntu54)).Evidence,
            e => e.Contains("cgroup v2", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_kernel_release_it_errs() =>
        Assert.Equal(CheckStatus.Error, Check<KernelKmemLeakCheck>(Running(El7Old) with { Kernel = null }).Status);

    [Fact]
    public void Where_the_kmem_limit_file_is_gone_the_note_is_evidence()
    {
        CheckResult r = Check<KernelKmemLeakCheck>(Running("6.5.4"));
        Assert.Equal(CheckStatus.Warn, r.Status);
        Assert.Contains(
            r.Evidence,
            e => e.StartsWith("6.5.4: memory.kmem.limit_in_bytes is removed (L13)", StringComparison.Ordinal));
    }
}

/// <summary>The kernel-side fix, written for the host's boot tooling (runbook 4.2).</summary>
public class KernelArgumentRemedyTests
{
    /// <summary>The remedy's own commands: every boot-editing remedy first points to the reviewed plan.</summary>
    private static List<string> For(HostFacts facts)
    {
        IReadOnlyList<string> commands = Remediations.KernelArgument(new CheckInput(facts)).Commands;
        return commands.Where(c => c != Remediations.FixPlanCommand).ToList();
    }

    [Fact]
    public void An_el7_kernel_that_ignores_nokmem_is_upgraded_first() =>
        Assert.Equal("yum install kernel", For(Running(El7Old))[0]);

    [Fact]
    public void Red_hat_family_kernels_get_grubby_for_their_own_image()
    {
        Assert.Equal("grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1062.4.1.el7.x86_64",
            For(Running(El7Fixed))[0]);
        Assert.StartsWith("grubby ", For(Running("4.18.0-348.el8.x86_64"))[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rocky", true)]
    [InlineData("centos", true)]
    [InlineData("amzn", true)]
    [InlineData("ubuntu", false)]
    [InlineData(null, false)]
    public void Other_kernels_use_grubby_on_red_hat_family_distributions_and_update_grub_elsewhere(string? id,
        bool grubby)
    {
        List<string> commands = For(Running("4.6.0") with
        {
            Distribution = new Distribution(id,
            null, null, null)
        });
        Assert.Equal(grubby,
            commands[0].StartsWith("grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-4.6.0",
            StringComparison.Ordinal));
        Assert.Equal(!grubby, commands.Contains("update-grub"));
    }

    [Fact]
    public void An_unknown_kernel_gets_the_running_one()
    {
        List<string> commands = For(Running(El7Old) with
        {
            Kernel = null,
            Distribution = new Distribution("centos", "7", null, null)
        });
        Assert.Equal("grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-$(uname -r)", commands[0]);
    }

    [Theory]
    [InlineData("4.4.0-21-generic", "fix.kernel-ignores")]
    [InlineData("3.10.107-1-tlinux2_kvm_guest-0052", "fix.kernel-unknown")]
    public void A_kernel_that_ignores_or_may_ignore_nokmem_gets_a_kernel_to_install_and_its_check(
        string release,
        string key)
    {
        CheckInput f = new(Running(release));
        Remediation r = Remediations.KernelArgument(f);
        Assert.Equal(key, r.Said!.Key);
        Fix.FixStep install = Fix.ComponentPlanner.KernelInstallStep(f, new Fix.PlanRequest(Fix.FixMethod.Kernel));
        Assert.Equal([.. install.Commands, install.Check[0], "cgleak fix plan"], r.Commands);
    }
}
