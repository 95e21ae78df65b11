using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The distribution family table (kmem-facts section 10): package manager, boot tools and names per os-release.
/// </summary>
public class DistroFamiliesTests
{
    private static DistroFamily? Of(string? id, string? version, string? like = null) =>
        DistroFamilies.Of(new Distribution(id, version, null, null) { IdLike = like });

    [Theory]
    [InlineData("centos", "7", null, "RHEL/CentOS 7", PackageTool.Yum)]
    [InlineData("rhel", "7.9", "fedora", "RHEL/CentOS 7", PackageTool.Yum)]
    [InlineData("centos", "8", "rhel fedora", "RHEL 8+ family", PackageTool.Dnf)]
    [InlineData("rocky", "8", "rhel centos fedora", "RHEL 8+ family", PackageTool.Dnf)]
    [InlineData("almalinux", "9.4", "rhel centos fedora", "RHEL 8+ family", PackageTool.Dnf)]
    [InlineData("openEuler", "22.03", null, "openEuler", PackageTool.Dnf)]
    [InlineData("kylin", "V10", null, "Kylin Linux Advanced Server", PackageTool.Dnf)]
    [InlineData("kylin", "V10", "debian", "Kylin Desktop", PackageTool.Apt)]
    [InlineData("anolis", "8.6", "rhel fedora centos", "Anolis OS 8", PackageTool.Dnf)]
    [InlineData("alinux", "2.1903", "rhel fedora centos", "Alibaba Cloud Linux 2", PackageTool.Yum)]
    [InlineData("alinux", "3", "rhel fedora centos anolis", "Alibaba Cloud Linux 3", PackageTool.Dnf)]
    [InlineData("tlinux", "2.2", "rhel fedora centos", "TencentOS Server 2", PackageTool.Yum)]
    [InlineData("tencentos", "3.1", "rhel fedora centos", "TencentOS Server 3", PackageTool.Dnf)]
    [InlineData("amzn", "2", "centos rhel fedora", "Amazon Linux 2", PackageTool.Yum)]
    [InlineData("amzn", "2023", "fedora", "Amazon Linux 2023", PackageTool.Dnf)]
    [InlineData("ubuntu", "22.04", "debian", "Ubuntu", PackageTool.Apt)]
    [InlineData("debian", "12", null, "Debian", PackageTool.Apt)]
    public void Each_family_gets_its_own_package_manager(
        string id,
        string version,
        string? like,
        string name,
        PackageTool tool)
    {
        DistroFamily f = Of(id, version, like)!;
        Assert.Equal((name, tool), (f.Name, f.Packages));
    }

    [Fact]
    public void Version_boundaries_pick_yum_before_8_and_dnf_from_8()
    {
        Assert.Equal(PackageTool.Yum, Of("centos", "7.9.2009")!.Packages);
        Assert.Equal(PackageTool.Dnf, Of("centos", "8.0")!.Packages);
        Assert.Equal(PackageTool.Yum, Of("alinux", "2")!.Packages);
        Assert.Equal(PackageTool.Dnf, Of("alinux", "3")!.Packages);
        Assert.Equal(PackageTool.Yum, Of("amzn", "2")!.Packages);
        Assert.Equal(PackageTool.Dnf, Of("amzn", "2022")!.Packages);
    }

    [Fact]
    public void OpenEuler_spells_its_packages_its_own_way()
    {
        DistroFamily f = Of("openEuler", "20.03")!;
        Assert.Equal(
            ("docker-runc", "docker-engine", "kubernetes-kubelet"),
            (f.RuncPackage, f.DockerPackage, f.KubeletPackage));
        Assert.Equal("dnf upgrade docker-runc", f.Upgrade("docker-runc"));
        Assert.Equal("dnf install 'kubernetes-kubelet-1.21.2*'", f.InstallVersion("kubernetes-kubelet", "1.21.2"));
        Assert.Equal("rpm -q kernel", f.QueryKernels);
    }

    [Fact]
    public void Apt_families_check_kernels_with_dpkg_and_rpm_families_with_rpm()
    {
        Assert.Equal("dpkg-query -W 'linux-image-*'", Of("ubuntu", "20.04", "debian")!.QueryKernels);
        Assert.Equal("apt-get install linux-generic", Of("ubuntu", "20.04", "debian")!.Install("linux-generic"));
        Assert.Equal(
            "apt-get install 'kubelet=1.21.2-*'",
            Of("ubuntu", "20.04", "debian")!.InstallVersion("kubelet", "1.21.2"));
        Assert.Equal("yum update containerd.io", Of("centos", "7")!.Upgrade("containerd.io"));
        Assert.Equal(BootTooling.UpdateGrub, Of("debian", "12")!.Boot);
        Assert.Equal(BootTooling.Grubby, Of("tlinux", "2.2", "rhel fedora centos")!.Boot);
    }

    [Fact]
    public void Unknown_ids_fall_back_on_id_like_and_nothing_on_nothing()
    {
        Assert.Equal(PackageTool.Yum, Of("someel", null, "rhel fedora")!.Packages);
        Assert.Equal(PackageTool.Dnf, Of("someel", "9", "rhel fedora")!.Packages);
        Assert.Equal(PackageTool.Apt, Of("mint", "21", "ubuntu debian")!.Packages);
        Assert.Null(Of("arch", null));
        Assert.Null(DistroFamilies.Of(null));
    }

    [Fact]
    public void Os_release_names_the_family_and_an_el7_kernel_stands_in_without_it()
    {
        HostFacts el7 = SmallHost.Running(SmallHost.El7Old);
        Assert.Same(DistroFamilies.El7, new CheckInput(el7).Family);
        Assert.Equal(
            "Ubuntu",
            new CheckInput(el7 with { Distribution = new Distribution("ubuntu", "18.04", null, null) }).Family!.Name);
        Assert.Null(new CheckInput(SmallHost.Running(SmallHost.Ubuntu54)).Family);
        Assert.Empty(new CheckInput(el7 with { Tree = null }).ContainerKmem);
    }

    [Fact]
    public void Amazon_linux_has_no_kubelet_package_and_tencentos_2_no_known_kernel_package()
    {
        Assert.Null(Of("amzn", "2")!.KubeletPackage);
        Assert.Null(Of("tlinux", "2.2")!.KernelPackage);
    }
}

/// <summary>
/// Kernel families by the kernel's own version (kmem-facts section 9), one value each side of every boundary.
/// </summary>
public class KernelFamilyTests
{
    private static KernelTraits Of(string release) => KernelKnowledge.Of(KernelRelease.Parse(release)!);

    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", "RHEL/CentOS 7 (3.10)")]
    [InlineData("5.4.249-1.el7.elrepo.x86_64", "upstream 5.4 (ELRepo kernel-lt/kernel-ml for el7)")]
    [InlineData("6.5.4-1.el7.elrepo.x86_64", "upstream 6.5 (ELRepo kernel-lt/kernel-ml for el7)")]
    [InlineData("3.10.107-1-tlinux2_kvm_guest-0052", "upstream 3.10 (TencentOS 3.10 with backports)")]
    [InlineData("4.14.105-19-0012.tl2", "upstream 4.14")]
    [InlineData("4.19.91-26.al7.x86_64", "upstream 4.19 (Alibaba Cloud Linux)")]
    [InlineData("5.10.134-19.1.al8.x86_64", "upstream 5.10 (Alibaba Cloud Linux)")]
    [InlineData("5.10.134-13.an8.x86_64", "upstream 5.10 (Anolis ANCK)")]
    [InlineData("4.18.0-372.9.1.an8.x86_64", "upstream 4.18 (RHEL 8 family)")]
    [InlineData("4.14.171-136.231.amzn2.x86_64", "upstream 4.14 (Amazon Linux)")]
    [InlineData("5.10.75-79.358.amzn2.x86_64", "upstream 5.10 (Amazon Linux)")]
    [InlineData("5.10.0-182.0.0.95.oe2203sp3.x86_64", "upstream 5.10 (openEuler)")]
    [InlineData("4.19.90-2003.4.0.0036.oe1.aarch64", "upstream 4.19 (openEuler)")]
    [InlineData("4.19.90-89.11.v2401.ky10.x86_64", "upstream 4.19 (Kylin)")]
    [InlineData("4.18.0-240.22.1.el8.x86_64", "upstream 4.18 (RHEL 8 family)")]
    [InlineData("5.4.0-150-generic", "upstream 5.4")]
    public void Family_comes_from_the_kernel_version_not_the_distribution_tag(string release, string family) =>
        Assert.Equal(family, Of(release).Family);

    [Fact]
    public void An_elrepo_el7_kernel_is_upstream_and_keeps_its_ids()
    {
        KernelTraits lt = Of("5.4.249-1.el7.elrepo.x86_64");
        Assert.False(KernelRelease.Parse("5.4.249-1.el7.elrepo.x86_64")!.IsEl7);
        Assert.Equal((false, true, true), (lt.LeaksIdsViaKmem, lt.HonoursNokmem, lt.CountsDying));
    }

    [Theory]
    [InlineData("3.10.0-1062.4.0.el7.x86_64", false)]  // one build below the runbook's threshold (L5)
    [InlineData("3.10.0-1062.4.1.el7.x86_64", true)]
    [InlineData("4.4.0", false)]                         // L3: 4.5
    [InlineData("4.5.0", true)]
    public void Nokmem_boundaries(string release, bool honours) => Assert.Equal(honours, Of(release).HonoursNokmem);

    [Theory]
    [InlineData("4.6.7", null)]     // 4.6.y: the I5 backport may or may not be there
    [InlineData("4.7.0", false)]    // I5
    [InlineData("3.7.10", false)]   // L1: 3.8
    [InlineData("3.8.0", true)]
    public void Id_leak_boundaries(string release, bool? leaks) => Assert.Equal(leaks, Of(release).LeaksIdsViaKmem);

    [Fact]
    public void Tlinux_3_10_says_what_is_known_and_what_is_not()
    {
        KernelTraits t = Of("3.10.107-1-tlinux2-0050");
        Assert.Equal((false, (bool?)null, (bool?)null), (t.CountsDying, t.ReleasesIdAtOffline, t.LeaksIdsViaKmem));
        Assert.False(t.NokmemKnown);
        Assert.Contains("unknown", t.Unknown?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("6.1.53", false)]
    [InlineData("6.1.54", true)]    // L13
    [InlineData("6.1.55", false)]   // L14
    [InlineData("6.5.3", false)]
    [InlineData("6.5.4", true)]     // L13, kubernetes#120837
    [InlineData("6.5.5", false)]    // L14
    [InlineData("6.6.0", false)]
    public void Kmem_limit_file_is_gone_on_6_1_54_and_6_5_4_only(string release, bool gone) =>
        Assert.Equal(gone, Of(release).KmemLimitFileGone);
}

/// <summary>
/// 3.10 at the wall: /proc/cgroups counts live memcgs only (C2), so num_cgroups is a lower bound that can decide.
/// </summary>
public class IdLowerBoundTests
{
    private static HostFacts Facts(long numCgroups, string kernel = "3.10.0-1160.el7.x86_64") => new()
    {
        RootDirectory = "/nonexistent",
        IsLive = false,
        Kernel = new(KernelRelease.Parse(kernel)!, "/proc/sys/kernel/osrelease"),
        Layout = new CgroupLayout(CgroupMode.V1, MemoryHierarchy.V1, "/sys/fs/cgroup/memory", "/"),
        LayoutSource = "/proc/1/mountinfo",
        MemoryRow = new(new MemoryControllerRow(4, numCgroups, true), "/proc/cgroups"),
        Tree = new CgroupTreeScan(5, 5, [], []),
        Cmdline = new(KernelCmdline.Parse("ro quiet"), "/proc/cmdline"),
    };

    private static CheckResult Headroom(long n) => new IdHeadroomCheck().Run(new CheckInput(Facts(n)));

    [Fact]
    public void Num_cgroups_is_the_lower_bound_on_3_10()
    {
        MemcgCounts c = new CheckInput(Facts(64734)).Counts;
        Assert.Null(c.IdsInUse);
        Assert.Equal(64734, c.IdsInUseAtLeast);
    }

    [Theory]
    [InlineData(58981, CheckStatus.Warn, Concern.AtRisk)]     // 89.99 %: below 90 %
    [InlineData(58982, CheckStatus.Fail, Concern.Affected)]   // 90.0 %
    [InlineData(45874, CheckStatus.Skip, Concern.None)]       // 69.99 %: the bound decides nothing
    [InlineData(45875, CheckStatus.Warn, Concern.AtRisk)]     // 70.0 %
    [InlineData(65436, CheckStatus.Fail, Concern.Affected)]   // the runbook's count
    public void A_bound_above_a_threshold_decides(long numCgroups, CheckStatus status, Concern concern)
    {
        CheckResult r = Headroom(numCgroups);
        Assert.Equal((status, concern), (r.Status, r.Concern));
    }

    [Fact]
    public void At_the_wall_the_verdict_is_affected()
    {
        DoctorReport r = Doctor.Diagnose(Facts(65436));
        Assert.Equal(Verdict.Affected, r.Verdict);
        Assert.Contains(
            "At least 65436 of 65535",
            r.Checks.Single(c => c.Id == "memcg.id-headroom").Summary,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Where_the_kernel_counts_dying_num_cgroups_is_not_used_as_a_bound()
    {
        // On 6.x num_cgroups includes dying memcgs whose IDs are released (I5): the lower bound is the live count.
        MemcgCounts c = new CheckInput(Facts(64734, "6.1.0-18-amd64") with { SwapActive = new(true, "/proc/swaps") })
            .Counts;
        Assert.Equal(5, c.IdsInUseAtLeast);
    }
}

/// <summary>Plans that need no kernel change, and the component plan's packages by family.</summary>
public class PlanWithoutLeakTests
{
    private static readonly Host.Boot.BootConfig NoBoot = Host.Boot.BootConfig
        .Read(Host.HostRoot.At(Testing.Repo.Fixture("no-memory-controller")));

    private static HostFacts Facts(
        string kernel,
        string cmdline,
        Distribution? d = null,
        IReadOnlyList<ComponentFact>? components = null) => new()
        {
            RootDirectory = "/nonexistent",
            IsLive = false,
            Kernel = new(KernelRelease.Parse(kernel)!, "/proc/sys/kernel/osrelease"),
            Layout = new CgroupLayout(CgroupMode.V1, MemoryHierarchy.V1, "/sys/fs/cgroup/memory", "/"),
            LayoutSource = "/proc/1/mountinfo",
            MemoryRow = new(new MemoryControllerRow(4, 12, true), "/proc/cgroups"),
            Tree = new CgroupTreeScan(12, 12, [], []),
            Cmdline = new(KernelCmdline.Parse(cmdline), "/proc/cmdline"),
            Distribution = d,
            Components = components ?? [],
        };

    private static FixPlan Plan(HostFacts f, FixMethod m = FixMethod.Auto)
        => FixPlanner.Plan(Doctor.Diagnose(f), NoBoot, new PlanRequest(m));

    [Fact]
    public void An_unknown_diagnosis_gets_no_plan_and_says_what_is_missing()
    {
        HostFacts f = Facts("6.1.0", "ro") with { MemoryRow = null, Tree = null };
        DoctorReport r = Doctor.Diagnose(f);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        FixPlan plan = FixPlanner.Plan(r, NoBoot, new PlanRequest(FixMethod.Auto));
        Assert.StartsWith(
            "Cannot plan: the diagnosis is unknown (could not read the memory cgroup counts)",
            plan.Summary,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing to fix", plan.Summary, StringComparison.Ordinal);
        Assert.Empty(plan.Steps);
    }

    [Fact]
    public void A_node_running_with_nokmem_is_told_to_verify_not_to_reboot()
    {
        var symptom = new Host.Logs.SymptomScan(
            [new(
                Host.Logs.Symptom.MemcgMkdirFailed,
                "/var/log/messages",
                3,
                "mkdir /sys/fs/cgroup/memory/kubepods/x: cannot allocate memory",
                "Mar  3 10:10:02")],
            ["/var/log/messages"], []);
        HostFacts f = Facts(
            "3.10.0-1160.el7.x86_64",
            "ro cgroup.memory=nokmem",
            new Distribution("centos", "7", null, null)) with
        { Logs = symptom };
        FixPlan plan = Plan(f);
        Assert.StartsWith("Nothing to change", plan.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(
            plan.Steps,
            s => s.Title == "Reboot" || s.Commands.Any(c => c.Contains("reboot", StringComparison.Ordinal)));
    }

    private static FixPlan KernelPlanOf(string scenario)
    {
        Host.HostRoot host = Host.HostRoot.At(Testing.Repo.Fixture(scenario));
        return FixPlanner.Plan(
            Doctor.Examine(host),
            Host.Boot.BootConfig.Read(host),
            new PlanRequest(FixMethod.Kernel));
    }

    /// <summary>
    /// "keep their IDs until a reboot" is 3.10's story (I5 missing); on 4.15 the reboot is the reason to drain.
    /// </summary>
    [Fact]
    public void The_drain_and_reboot_steps_say_why_as_this_kernel_and_this_plan_do()
    {
        FixPlan ubuntu = KernelPlanOf("ubuntu1804-bios");
        FixPlan el7 = KernelPlanOf("centos7-bios-no-grubenv");
        FixPlan moving = KernelPlanOf("boot-el7-bios");
        Assert.Equal(
            "the reboot stops every pod on this node: move them off first",
            ubuntu.Steps.Single(s => s.Title == "Drain the node").Why);
        Assert.Contains(
            "keep their IDs until a reboot",
            el7.Steps.Single(s => s.Title == "Drain the node").Why,
            StringComparison.Ordinal);
        Assert.Equal("the argument takes effect at boot", el7.Steps.Single(s => s.Title == "Reboot").Why);
        Assert.Equal(
            "the new default entry and the argument take effect at boot",
            moving.Steps.Single(s => s.Title == "Reboot").Why);
    }

    /// <summary>
    /// Issue 13: a 1062.9.1 node that honours nokmem was told "install a kernel first" when /boot could not be read.
    /// </summary>
    [Fact]
    public void Boot_files_that_cannot_be_read_are_said_so_not_install_a_kernel()
    {
        HostFacts f = Facts("3.10.0-1062.9.1.el7.x86_64", "ro", new Distribution("centos", "7", null, null));
        var unreadable = Host.Boot.BootConfig.From(new Host.Boot.BootRead(false, null, "ID=centos\nVERSION_ID=7\n",
            new Dictionary<string, string>(), [], [], [HostMessage.Say(
                "boot.cannot-read",
                "/boot/grub2/grub.cfg: cannot read: Permission denied (EACCES)",
                "/boot/grub2/grub.cfg",
                "Permission denied (EACCES)")]));
        FixPlan plan = FixPlanner.Plan(Doctor.Diagnose(f), unreadable, new PlanRequest(FixMethod.Kernel));
        Assert.Contains(
            "the boot files could not be read (/boot/grub2/grub.cfg: cannot read",
            plan.Summary,
            StringComparison.Ordinal);
        Assert.False(plan.NeedsKernelFirst);
        Assert.DoesNotContain(
            plan.Steps,
            s => s.Commands.Any(c => c.Contains("install kernel", StringComparison.Ordinal)));
    }

    [Fact]
    public void Components_plan_on_a_node_without_runc_or_containerd_does_not_install_containerd_io()
    {
        HostFacts f = Facts("3.10.0-957.el7.x86_64", "ro", new Distribution("centos", "7", null, null),
            [new ComponentFact("runc", null, SmallHost.Source("not found"), null), new ComponentFact(
                "containerd",
                null,
                SmallHost.Source("not found"),
                null)]);
        FixPlan plan = Plan(f, FixMethod.Components);
        Assert.DoesNotContain(
            plan.Steps.SelectMany(s => s.Commands),
            c => c.Contains("containerd.io", StringComparison.Ordinal));
        Assert.Contains(plan.Problems, p => p.Contains("were not found", StringComparison.Ordinal));
    }

    [Fact]
    public void Tlinux_containerd_is_moved_with_yum_and_the_kernel_install_does_not_guess_a_package()
    {
        var d = new Distribution("tlinux", "2.2", null, null) { IdLike = "rhel fedora centos" };
        HostFacts f = Facts("3.10.107-1-tlinux2_kvm_guest-0052", "ro", d,
            [new ComponentFact(
                "containerd",
                "1.2.6-3.3.el7",
                SmallHost.Source("/var/log/yum.log (containerd.io)"),
                null)]);
        FixPlan components = Plan(f);
        Assert.Equal(FixMethod.Components, components.Method);
        Assert.Contains(
            components.Steps.SelectMany(s => s.Commands),
            c => c.StartsWith("yum update containerd.io", StringComparison.Ordinal));
        FixStep install = ComponentPlanner.KernelInstallStep(new CheckInput(f), new PlanRequest(FixMethod.Kernel));
        Assert.StartsWith("# TencentOS ships its own kernel packages", install.Commands[0], StringComparison.Ordinal);
        Assert.StartsWith("rpm -q kernel", install.Check[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Ubuntu_kernel_install_is_checked_with_dpkg()
    {
        HostFacts f = Facts(
            "4.4.0-21-generic",
            "ro",
            new Distribution("ubuntu", "16.04", null, null) { IdLike = "debian" });
        FixStep install = ComponentPlanner.KernelInstallStep(new CheckInput(f), new PlanRequest(FixMethod.Kernel));
        Assert.Equal("apt-get install linux-generic", install.Commands[0]);
        Assert.StartsWith("dpkg-query -W 'linux-image-*'", install.Check[0], StringComparison.Ordinal);
    }
}

/// <summary>
/// The new fixture hosts get what their READMEs promise (written from the runbook before running cgleak).
/// </summary>
public class RealMaterialFixtureTests
{
    private static DoctorReport Examine(string scenario)
        => Doctor.Examine(Host.HostRoot.At(Testing.Repo.Fixture(scenario)));

    private static CheckResult Check(DoctorReport r, string id) => r.Checks.Single(c => c.Id == id);

    [Fact]
    public void Elrepo_kernel_lt_on_el7_is_upstream_5_4_and_ok()
    {
        DoctorReport r = Examine("el7-elrepo-lt-5.4");
        Assert.Equal("upstream 5.4 (ELRepo kernel-lt/kernel-ml for el7)", r.Kernel!.Family);
        Assert.Equal(Verdict.Ok, r.Verdict);
        Assert.Equal(CheckStatus.Pass, Check(r, "kernel.kmem-leak").Status);
        Assert.DoesNotContain(
            r.Checks.SelectMany(c => c.Remediation),
            x => x.Text.Contains("1062.4.1", StringComparison.Ordinal));
    }

    [Fact]
    public void Elrepo_kernel_ml_6_5_4_warns_that_kmem_limit_is_gone()
    {
        DoctorReport r = Examine("el7-elrepo-ml-6.5");
        Assert.Equal("upstream 6.5 (ELRepo kernel-lt/kernel-ml for el7)", r.Kernel!.Family);
        CheckResult leak = Check(r, "kernel.kmem-leak");
        Assert.Equal(CheckStatus.Warn, leak.Status);
        Assert.Contains("no memory.kmem.limit_in_bytes (L13)", leak.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_3_10_node_at_the_wall_is_affected_on_the_lower_bound()
    {
        DoctorReport r = Examine("el7-3.10-at-the-wall");
        Assert.Equal(Verdict.Affected, r.Verdict);
        Assert.Equal(64734, r.Counts.IdsInUseAtLeast);
        Assert.Equal(CheckStatus.Fail, Check(r, "memcg.id-headroom").Status);
    }

    [Fact]
    public void Tlinux_3_10_is_unknown_where_nothing_is_known_and_at_risk_from_containerd()
    {
        DoctorReport r = Examine("tlinux2-3.10.107");
        Assert.Equal("upstream 3.10 (TencentOS 3.10 with backports)", r.Kernel!.Family);
        Assert.Equal(Verdict.AtRisk, r.Verdict);
        Assert.Contains("unknown", Check(r, "kernel.nokmem-arg").Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(
            r.Checks.SelectMany(c => c.Remediation).SelectMany(x => x.Commands),
            c => c.Contains("update-grub", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("openeuler-22.03", "upstream 5.10 (openEuler)", "openEuler")]
    [InlineData("kylin-v10", "upstream 4.19 (Kylin)", "Kylin Linux Advanced Server")]
    [InlineData("alinux3-nokmem", "upstream 5.10 (Alibaba Cloud Linux)", "Alibaba Cloud Linux 3")]
    [InlineData("amzn2-4.14", "upstream 4.14 (Amazon Linux)", "Amazon Linux 2")]
    [InlineData("rocky-8", "upstream 4.18 (RHEL 8 family)", "RHEL 8+ family")]
    public void Other_families_are_read_by_kernel_and_os_release_and_ok(string scenario, string kernel, string family)
    {
        DoctorReport r = Examine(scenario);
        Assert.Equal((kernel, family, Verdict.Ok), (r.Kernel!.Family, new CheckInput(r.Facts).Family!.Name, r.Verdict));
    }
}
