using Cgleak.Diagnosis.Checks;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>runtime.runc: rc2-rc93 enable kmem unless built nokmem (R2, R9, R5), rc94+ ignore it (R8).</summary>
public class RuncCheckTests
{
    private static CheckResult On(string release, params ComponentFact[] components) =>
        Check<RuncCheck>(Running(release).With(components));

    [Theory]
    [InlineData("runc version 1.0.0-rc1", CheckStatus.Pass, "only when one is asked")]   // R1
    [InlineData("runc version 1.0.0-rc2", CheckStatus.Fail, "predates the nokmem tag")]  // R2
    [InlineData("runc version 1.0.0-rc5", CheckStatus.Fail, "predates the nokmem tag")]
    [InlineData("runc version 1.0.0-rc6", CheckStatus.Fail, "unless built with the nokmem tag")]  // R5
    [InlineData("runc version 1.0.0-rc93", CheckStatus.Fail, "unless built with the nokmem tag")]
    [InlineData("runc version 1.0.0-rc94", CheckStatus.Pass, "ignores kernel-memory settings")]   // R8
    [InlineData("runc version 1.1.5", CheckStatus.Pass, "ignores kernel-memory settings")]
    public void Judges_runc_by_its_version_on_a_leaking_kernel(string version, CheckStatus status, string fact)
    {
        CheckResult r = On(El7Old, Runc(version));
        Assert.Equal(status, r.Status);
        Assert.Contains(fact, r.Summary, StringComparison.Ordinal);
        Assert.Equal(status == CheckStatus.Fail ? Concern.AtRisk : Concern.None, r.Concern);
        Assert.Equal(status == CheckStatus.Fail, r.Commands().Any(c => c.Contains("nokmem", StringComparison.Ordinal)));
        Assert.Contains(r.Evidence, e => e.StartsWith("runc " + version[13..] + ": ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_runc_that_enables_kmem_on_a_kernel_that_keeps_its_ids_is_information()
    {
        CheckResult r = On(Ubuntu54, Runc("runc version 1.0.0-rc93"));
        Assert.Equal((CheckStatus.Info, Concern.None), (r.Status, r.Concern));
        Assert.Empty(r.Remediation);
    }

    [Fact]
    public void A_nokmem_build_passes_whatever_its_version()
    {
        CheckResult r = On(El7Old, Runc("runc version 1.0.0-rc93", RuncBuild.Nokmem));
        Assert.Equal(CheckStatus.Pass, r.Status);
        Assert.Contains(r.Evidence,
            e => e.StartsWith("/usr/bin/runc: build fingerprint nokmem", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_version_the_kmem_fingerprint_alone_decides()
    {
        CheckResult r = On(El7Old, Runc(null, RuncBuild.Kmem));
        Assert.Equal((CheckStatus.Fail, Concern.AtRisk), (r.Status, r.Concern));
        Assert.Contains("R11", r.Summary, StringComparison.Ordinal);
        Assert.Contains(r.Evidence,
            e => e.StartsWith("/usr/bin/runc: build fingerprint kmem", StringComparison.Ordinal));
        Assert.Contains(r.Evidence, e => e == "runc --version: version unknown"
            || e.EndsWith(": version unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_version_or_a_fingerprint_it_skips()
    {
        CheckResult r = On(El7Old, Runc(null));
        Assert.Equal(CheckStatus.Skip, r.Status);
        Assert.Contains(r.Evidence, e => e.EndsWith("build fingerprint none found (R11)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1.2.13-3.1.el7", CheckStatus.Fail, "1.0.0-rc10")]
    [InlineData("1.2.0-3.el7", CheckStatus.Fail, "1.0.0-rc5")]   // a pin before rc6 stands for rc5
    [InlineData("1.4.5-3.1.el7", CheckStatus.Pass, "1.0.0-rc94")]
    public void Without_a_version_the_runc_containerd_pins_stands_in(string containerd, CheckStatus status, string runc)
    {
        CheckResult r = On(El7Old, Runc(null), Containerd(containerd));
        Assert.Equal(status, r.Status);
        Assert.Contains(r.Evidence,
            e => e.StartsWith("runc's version inferred from containerd", StringComparison.Ordinal));
        Assert.Contains(r.Evidence, e => e.StartsWith($"runc {runc}: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_containerd_without_a_known_pin_infers_nothing() =>
        Assert.Equal(CheckStatus.Skip, On(El7Old, Runc(null), Containerd("1.0.3")).Status);

    [Fact]
    public void Absent_runc_skips()
    {
        Assert.Equal(CheckStatus.Skip, On(El7Old).Status);
        CheckResult r = On(El7Old, Runc(null, binary: null));
        Assert.Equal(CheckStatus.Skip, r.Status);
        Assert.Empty(r.Evidence);
    }

    [Fact]
    public void A_version_read_without_a_binary_has_no_fingerprint_evidence() =>
        Assert.DoesNotContain(On(El7Old, Runc("runc version 1.0.0-rc93", binary: null)).Evidence,
            e => e.Contains("fingerprint", StringComparison.Ordinal));

    [Fact]
    public void The_kernels_kmem_limit_note_is_evidence_where_runc_enables_kmem()
    {
        CheckResult r = On("5.16.0", Runc("runc version 1.0.0-rc93"));
        Assert.Contains(r.Evidence, e => e.StartsWith("5.16.0: ", StringComparison.Ordinal)
            && e.Contains("EOPNOTSUPP", StringComparison.Ordinal));
        Assert.DoesNotContain(On("5.16.0", Runc("runc version 1.0.0-rc94")).Evidence,
            e => e.StartsWith("5.16.0: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_binary_without_a_readable_version_says_so_in_the_evidence() =>
        Assert.Equal("binary found, version not readable without running it: version unknown",
            On(El7Old, Runc(null, RuncBuild.Kmem)).Evidence[0]);
}

/// <summary>runtime.containerd: the runc each containerd release pins (D8, D9).</summary>
public class ContainerdCheckTests
{
    private static CheckResult On(string release, params ComponentFact[] components) =>
        Check<ContainerdCheck>(Running(release).With(components));

    [Theory]
    [InlineData("1.4.4", "1.0.0-rc92", CheckStatus.Warn)]
    [InlineData("1.4.5", "1.0.0-rc94", CheckStatus.Pass)]  // D9: pins exactly rc94
    [InlineData("1.4.6", "1.0.0-rc95", CheckStatus.Pass)]
    [InlineData("1.5.0", "1.0.0-rc93", CheckStatus.Warn)]
    [InlineData("1.5.1", "1.0.0-rc94", CheckStatus.Pass)]  // D9: pins exactly rc94
    [InlineData("1.6.20", "1.1 or later", CheckStatus.Pass)]
    public void Passes_from_the_releases_that_pin_rc94(string version, string runc, CheckStatus status)
    {
        CheckResult r = On(El7Old, Containerd(version + "-3.1.el7"));
        Assert.Equal(status, r.Status);
        Assert.Contains($"containerd {version} pins runc {runc} (D8)", r.Evidence);
        Assert.Contains("/var/log/yum.log (containerd.io): " + version + "-3.1.el7", r.Evidence);
        Assert.Equal(status == CheckStatus.Warn ? Concern.AtRisk : Concern.None, r.Concern);
        Assert.Equal(status == CheckStatus.Warn, r.Remediation.Count > 0);
    }

    [Theory]
    [InlineData("1.2.0", "cannot be built without it")]
    [InlineData("1.1.4", "cannot be built without it")]
    [InlineData("1.1.5", "unless built nokmem")]
    [InlineData("1.2.13", "unless built nokmem")]
    public void Says_whether_the_pinned_runc_could_be_built_without_kmem(string version, string fact) =>
        Assert.Contains(fact, On(El7Old, Containerd(version)).Summary, StringComparison.Ordinal);

    [Fact]
    public void Leaves_the_judgement_to_runtime_runc_when_runc_itself_was_read()
    {
        Assert.Equal(CheckStatus.Info, On(El7Old, Containerd("1.2.13"), Runc("runc version 1.0.0-rc10")).Status);
        Assert.Equal(CheckStatus.Info, On(El7Old, Containerd("1.2.13"), Runc(null, RuncBuild.Kmem)).Status);
        Assert.Contains("runtime.runc", On(El7Old, Containerd("1.2.13"), Runc(null, RuncBuild.Nokmem)).Summary,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unjudged_runc_warns_only_on_a_kernel_that_leaks()
    {
        CheckResult leaking = On(El7Old, Containerd("1.2.13"), Runc(null));
        Assert.Equal((CheckStatus.Warn, Concern.AtRisk), (leaking.Status, leaking.Concern));
        CheckResult safe = On(Ubuntu54, Containerd("1.2.13"), Runc(null));
        Assert.Equal((CheckStatus.Info, Concern.None), (safe.Status, safe.Concern));
        Assert.Empty(safe.Remediation);
    }

    [Theory]
    [InlineData("1.0.3")]
    [InlineData("a build without a version")]
    public void A_release_without_a_known_pin_is_information(string version)
    {
        CheckResult r = On(El7Old, Containerd(version));
        Assert.Equal(CheckStatus.Info, r.Status);
        Assert.Contains("no pinned runc is known", r.Summary, StringComparison.Ordinal);
        Assert.Contains(version, r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_or_unreadable_containerd_skips()
    {
        CheckResult absent = On(El7Old, Containerd(null, binary: null));
        CheckResult unreadable = On(El7Old, Containerd(null));
        Assert.Equal((CheckStatus.Skip, CheckStatus.Skip), (absent.Status, unreadable.Status));
        Assert.NotEqual(absent.Summary, unreadable.Summary);
        Assert.Equal(CheckStatus.Skip, On(El7Old).Status);
    }

    [Fact]
    public void Absent_and_unreadable_containerd_say_which()
    {
        Assert.Equal("containerd.not-found", On(El7Old, Containerd(null, binary: null)).Said!.Key);
        Assert.Equal("containerd.version-unknown", On(El7Old, Containerd(null)).Said!.Key);
    }

    [Fact]
    public void A_release_without_a_pin_is_named_by_its_version_not_the_whole_line()
    {
        CheckResult r = On(
            El7Old,
            Containerd("containerd github.com/containerd/containerd v1.0.3 773c489c9c1b21a6d78b5c538cd395416ec50f88"));
        Assert.Equal((CheckStatus.Info, "containerd.no-pin"), (r.Status, r.Said!.Key));
        Assert.Equal("1.0.3", r.Said.Args[0]!.ToString());
    }
}

/// <summary>kubelet.kmem: 1.8 to 1.21.1 with the cgroupfs driver on cgroup v1 enables kmem (K1-K9).</summary>
public class KubeletKmemCheckTests
{
    private static CheckResult On(HostFacts facts) => Check<KubeletKmemCheck>(facts);

    [Theory]
    [InlineData("1.7.16", CheckStatus.Pass, "(K3)")]
    [InlineData("1.8.0", CheckStatus.Fail, "(K1, K9)")]
    [InlineData("1.21.1", CheckStatus.Fail, "(K1, K9)")]
    [InlineData("1.21.2", CheckStatus.Pass, "(K7)")]
    public void Enables_kmem_from_1_8_to_1_21_1(string version, CheckStatus status, string rows)
    {
        CheckResult r = On(Running(El7Old).With(Kubelet(version)));
        Assert.Equal(status, r.Status);
        Assert.Contains(rows, r.Summary, StringComparison.Ordinal);
        Assert.Equal(status == CheckStatus.Fail ? Concern.AtRisk : Concern.None, r.Concern);
        if (status == CheckStatus.Fail)
        {
            Assert.Contains($"kubelet {version}", r.Remediation[0].Text, StringComparison.Ordinal);
            Assert.Contains(r.Commands(), c => c.Contains("cgroup.memory=nokmem", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_systemd_driver_does_not_enable_kmem()
    {
        CheckResult r = On(Running(El7Old).With(Kubelet("1.16.4")) with
        {
            KubeletDriver = new("systemd", HostMessage.Say("driver.config",
            "/var/lib/kubelet/config.yaml: cgroupDriver: systemd", "/var/lib/kubelet/config.yaml", "systemd"))
        });
        Assert.Equal(CheckStatus.Pass, r.Status);
        Assert.Contains("K2", r.Summary, StringComparison.Ordinal);
        Assert.Contains("cgroup driver: /var/lib/kubelet/config.yaml: cgroupDriver: systemd", r.Evidence);
    }

    [Fact]
    public void The_cgroupfs_driver_on_a_leaking_kernel_fails()
    {
        HostFacts facts = Running(El7Old).With(Kubelet("1.16.4")) with
        {
            KubeletDriver = new("cgroupfs", HostMessage.Say("driver.flag",
            "/etc/sysconfig/kubelet: --cgroup-driver=cgroupfs", "/etc/sysconfig/kubelet", "cgroupfs"))
        };
        Assert.Equal(CheckStatus.Fail, On(facts).Status);
    }

    [Fact]
    public void Only_on_cgroup_v1_and_only_where_ids_leak()
    {
        Assert.Equal(CheckStatus.Pass, On(Running(El7Old).With(Kubelet("1.16.4")) with { Layout = V2 }).Status);
        Assert.Equal(CheckStatus.Pass,
            On(Running(El7Old).With(Kubelet("1.16.4")) with { Layout = CgroupLayout.None }).Status);
        CheckResult safe = On(Running(Ubuntu54).With(Kubelet("1.16.4")));
        Assert.Equal((CheckStatus.Info, Concern.None), (safe.Status, safe.Concern));
    }

    [Fact]
    public void Absent_or_unversioned_kubelet_skips()
    {
        Assert.Equal(CheckStatus.Skip, On(Running(El7Old)).Status);
        Assert.Empty(On(Running(El7Old).With(Kubelet(null, binary: null))).Evidence);
        CheckResult unversioned = On(Running(El7Old).With(Kubelet(null)));
        Assert.Equal(CheckStatus.Skip, unversioned.Status);
        Assert.Contains("/var/log/yum.log (kubelet): version unknown", unversioned.Evidence);
    }

    [Fact]
    public void The_rule_and_its_rows_are_evidence_and_an_unversioned_binary_says_so()
    {
        CheckResult r = On(Running(El7Old).With(Kubelet("Kubernetes v1.19.3")));
        Assert.Contains(
            "kubelet 1.19.3: enables kmem implicitly with the cgroupfs driver (K3, K6, K8, K9)",
            r.Evidence);
        Assert.Equal(
            "/var/log/yum.log (kubelet): version unknown",
            On(Running(El7Old).With(Kubelet(null))).Evidence[0]);
    }

    [Fact]
    public void The_kubelet_remedy_names_the_version_to_move_from()
    {
        CheckResult r = On(Running(El7Old).With(Kubelet("Kubernetes v1.19.3")));
        Assert.Contains(" 1.19.3", r.Remediation[0].Text, StringComparison.Ordinal);
    }
}

/// <summary>kmem.active-cgroups: the runbook's slabinfo check, for every container cgroup (C6, L2, L4).</summary>
public class KmemActiveCgroupsCheckTests
{
    private static CheckResult On(string release, string cmdline, params KmemState[] states) =>
        Check<KmemActiveCgroupsCheck>(Running(release, cmdline) with { Tree = Tree(50, Containers(states)) });

    [Fact]
    public void Active_accounting_on_a_leaking_kernel_is_the_leak_happening()
    {
        CheckResult r = On(El7Old, "ro", KmemState.Active, KmemState.Active, KmemState.Off, KmemState.Inactive);
        Assert.Equal((CheckStatus.Fail, Concern.Affected), (r.Status, r.Concern));
        Assert.Contains("on 2 of 4 container cgroups", r.Summary, StringComparison.Ordinal);
        Assert.Equal("4 container cgroups checked: 2 active, 1 inactive, 1 off (EIO), 0 unreadable", r.Evidence[0]);
        Assert.Contains("/sys/fs/cgroup/memory/kubepods/pod0: evidence 0", r.Evidence);
        Assert.Equal(3, r.Remediation.Count);
    }

    [Fact]
    public void A_4_4_kernel_may_leak_too() =>
        Assert.Equal(CheckStatus.Fail, On("4.4.0-21-generic", "ro", KmemState.Active).Status);

    [Theory]
    [InlineData(5, false)]
    [InlineData(6, true)]
    public void Names_five_active_cgroups_and_counts_the_rest(int active, bool more)
    {
        CheckResult r = On(El7Old, "ro", Enumerable.Repeat(KmemState.Active, active).ToArray());
        Assert.Equal(
            more ? ["... and 1 more with kmem accounting active"] : [],
            r.Evidence.Where(e => e.StartsWith("... and", StringComparison.Ordinal)));
        Assert.Equal(5, r.Evidence.Count(e => e.Contains("/kubepods/pod", StringComparison.Ordinal)));
    }

    [Fact]
    public void Active_where_ids_are_released_at_offline_is_information()
    {
        CheckResult r = On(Ubuntu54, "ro", KmemState.Active);
        Assert.Equal((CheckStatus.Info, Concern.None), (r.Status, r.Concern));
        Assert.Contains("(L4)", r.Summary, StringComparison.Ordinal);
        CheckResult fixedEl7 = On(El7Fixed, "cgroup.memory=nokmem", KmemState.Active);
        Assert.Equal(CheckStatus.Info, fixedEl7.Status);
        Assert.DoesNotContain("(L4)", fixedEl7.Summary, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Info,
            Check<KmemActiveCgroupsCheck>(Running(El7Old) with
            {
                Kernel = null,
                Tree = Tree(5, Containers(KmemState.Active))
            }).Status);
    }

    [Fact]
    public void No_active_accounting_passes_unless_some_could_not_be_read()
    {
        CheckResult off = On(El7Old, "ro", KmemState.Off, KmemState.Inactive);
        Assert.Equal((CheckStatus.Pass, Concern.None), (off.Status, off.Concern));
        Assert.DoesNotContain("could not be read", off.Summary, StringComparison.Ordinal);

        CheckResult unreadable = On(El7Old, "ro", KmemState.Off, KmemState.Unknown);
        Assert.Equal((CheckStatus.Warn, Concern.None), (unreadable.Status, unreadable.Concern));
        Assert.Contains("1 could not be read", unreadable.Summary, StringComparison.Ordinal);
        Assert.Contains("/sys/fs/cgroup/memory/kubepods/pod1: evidence 1", unreadable.Evidence);
        Assert.DoesNotContain("/sys/fs/cgroup/memory/kubepods/pod0: evidence 0", unreadable.Evidence);
    }

    [Fact]
    public void Without_container_cgroups_there_is_nothing_to_check()
    {
        CheckResult r = On(El7Old, "ro");
        Assert.Equal(CheckStatus.Info, r.Status);
        Assert.Contains("/sys/fs/cgroup/memory", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Skips_on_cgroup_v2_and_without_a_walked_v1_hierarchy()
    {
        Assert.Equal(CheckStatus.Skip, Check<KmemActiveCgroupsCheck>(Running(Ubuntu54) with { Layout = V2 }).Status);
        Assert.Equal(CheckStatus.Skip, Check<KmemActiveCgroupsCheck>(Running(El7Old) with { Tree = null }).Status);
        Assert.Equal(CheckStatus.Skip,
            Check<KmemActiveCgroupsCheck>(Running(El7Old) with { Layout = CgroupLayout.None }).Status);
    }
}
