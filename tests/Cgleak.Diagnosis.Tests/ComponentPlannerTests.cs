using Cgleak.Diagnosis.Fix;
using Cgleak.Host.Boot;
using Cgleak.Host.Components;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using static Cgleak.Diagnosis.Tests.SmallBoot;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The plans that change no boot entry: nothing to fix, dying memcgs to release, nokmem already on, and the
/// runbook's method 1 (runc, docker and kubelet off kmem accounting) in each family's own packages.
/// </summary>
public class ComponentPlannerTests
{
    private static readonly BootConfig NoBoot = Model(OsCentos);
    private static readonly Distribution Centos7 = new("centos", "7", null, null);

    private static FixPlan Plan(HostFacts facts, FixMethod method = FixMethod.Auto, string? kernelPackages = null) =>
        FixPlanner.Plan(Doctor.Diagnose(facts), NoBoot, new PlanRequest(method, kernelPackages));

    private static IEnumerable<string> Commands(FixPlan plan) => plan.Steps.SelectMany(s => s.Commands);

    private static SymptomScan MkdirFailed => new([new(
        Symptom.MemcgMkdirFailed,
        "/var/log/messages",
        3,
        "mkdir /sys/fs/cgroup/memory/kubepods/x: cannot allocate memory",
        "")],
        ["/var/log/messages"], []);

    [Fact]
    public void An_ok_node_gets_nothing_to_do_and_its_warnings_named()
    {
        FixPlan quiet = Plan(Running(Ubuntu54));
        Assert.Equal(("plan.nothing", FixMethod.Auto), (quiet.SummarySaid!.Key, quiet.Method));
        Assert.Empty(quiet.Steps);

        // 4.4 may lose IDs (I5 backport unknown): its checks warn, and nothing here is at risk.
        FixPlan warned = Plan(Running("4.4.0-21-generic"));
        Assert.Equal(Verdict.Ok, Doctor.Diagnose(Running("4.4.0-21-generic")).Verdict);
        Assert.Equal("plan.nothing-but-warnings", warned.SummarySaid!.Key);
        Assert.Contains("kernel.nokmem-arg", warned.Summary, StringComparison.Ordinal);
        Assert.False(warned.NeedsKernelFirst);
    }

    [Fact]
    public void An_unknown_node_gets_the_problems_that_made_it_unknown()
    {
        FixPlan plan = Plan(Running(Ubuntu54) with
        {
            MemoryRow = null,
            Problems = [SmallHost.Problem(
            "/proc/cgroups",
            "cannot read: Permission denied (EACCES)")]
        });
        Assert.Equal("plan.cannot", plan.SummarySaid!.Key);
        Assert.Contains(plan.Problems, p => p.Contains("/proc/cgroups", StringComparison.Ordinal));
    }

    [Fact]
    public void Dying_memcgs_alone_are_released_and_kept_low_by_a_person()
    {
        FixPlan plan = Plan(Running(Ubuntu54).WithCounts(10, 6_000));
        Assert.Equal(("plan.no-leak-fix.steps", FixMethod.Auto), (plan.SummarySaid!.Key, plan.Method));
        Assert.Equal(["plan.release", "plan.keep-low"], plan.Steps.Select(s => s.TitleSaid?.Key));
        Assert.All(plan.Steps, s => Assert.False(s.ByApply));
        FixStep release = plan.Steps[0];
        Assert.Contains(new CheckInput(Running(Ubuntu54)).Kernel!.DyingPinnedBy, release.Why, StringComparison.Ordinal);
        Assert.Equal(["cgleak reclaim", "# by hand: echo 3 > /proc/sys/vm/drop_caches"], release.Commands);
        Assert.False(plan.NeedsKernelFirst);
    }

    [Fact]
    public void Ids_running_out_with_dying_ones_to_release_are_released_first()
    {
        FixPlan plan = Plan(Running(Ubuntu54).WithCounts(50_000, 10));
        Assert.Equal(["plan.release", "plan.keep-low"], plan.Steps.Select(s => s.TitleSaid?.Key));
    }

    [Fact]
    public void Ids_running_out_with_none_dying_get_the_checks_own_remedy()
    {
        FixPlan plan = Plan(Running(Ubuntu54).WithCounts(50_000, 0));
        FixStep step = plan.Steps.Single();
        Assert.StartsWith("memcg.id-headroom: ", step.Title, StringComparison.Ordinal);
        Assert.StartsWith("# ", step.Commands[0], StringComparison.Ordinal);
        Assert.Contains("reboot", step.Commands);
        Assert.False(step.ByApply);
    }

    [Theory]
    [InlineData(
        SmallHost.El7Fixed,
        "centos",
        "grubby --info \"$(grubby --default-kernel)\" | grep -c cgroup.memory=nokmem   # the default entry keeps it")]
    [InlineData(Ubuntu54, "ubuntu", "grep -c cgroup.memory=nokmem /boot/grub/grub.cfg   # the menu keeps it")]
    public void A_node_running_with_nokmem_is_verified_with_its_own_boot_tools(string release, string id, string keeps)
    {
        FixPlan plan = Plan(Running(release, "ro cgroup.memory=nokmem") with
        {
            Distribution = new Distribution(
            id,
            null,
            null,
            null),
            Logs = MkdirFailed
        });
        Assert.Equal(("plan.nokmem-on", FixMethod.Kernel), (plan.SummarySaid!.Key, plan.Method));
        FixStep verify = plan.Steps.Single();
        Assert.Equal("plan.verify-off", verify.TitleSaid!.Key);
        Assert.False(verify.ByApply);
        Assert.Contains(keeps, verify.Check);
        Assert.Contains(
            plan.Problems,
            p => p.StartsWith("the logs still show memory cgroup creation failures", StringComparison.Ordinal));
    }

    [Fact]
    public void Components_on_el7_move_containerd_io_then_drain_reboot_and_verify()
    {
        HostFacts facts = Running(El7Old).With(Runc(null, RuncBuild.Kmem), new ComponentFact(
            "containerd",
            "1.2.6-3.3.el7",
            SmallHost.Source("/var/log/yum.log (containerd.io)"),
            "/usr/bin/containerd"))
            with
        { Distribution = Centos7 };
        FixPlan plan = Plan(facts);
        Assert.Equal(FixMethod.Components, plan.Method);
        FixStep runc = plan.Steps[0];
        Assert.Equal("plan.runc", runc.TitleSaid!.Key);
        Assert.Equal("containerd.io", runc.TitleSaid.Args[0]);
        Assert.Contains("(D9)", runc.Why, StringComparison.Ordinal);
        Assert.Contains("now: runc unknown, containerd 1.2.6-3.3.el7", runc.Why, StringComparison.Ordinal);
        Assert.StartsWith(
            "yum update containerd.io   # to 1.4.5+/1.5.1+ (D9)",
            runc.Commands[0],
            StringComparison.Ordinal);
        Assert.Equal(["yum downgrade containerd.io"], runc.Undo);
        Assert.False(runc.ByApply);
        Assert.Equal(
            ["plan.drain", "plan.reboot", "plan.verify"],
            plan.Steps.TakeLast(3).Select(s => s.TitleSaid!.Key));
        Assert.Equal("plan.reboot.why.components", plan.Steps[^2].WhySaid!.Key);
        Assert.False(plan.NeedsKernelFirst);
        Assert.Contains("plan.why.to-stop", plan.SummarySaid!.Args.OfType<Text.Message>().Select(m => m.Key));
        Assert.DoesNotContain(
            plan.Problems,
            p => p.StartsWith("the distribution is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Runc_from_its_own_package_is_moved_with_it_and_an_unknown_distribution_is_said()
    {
        FixPlan plan = Plan(Running(El7Old).With(new ComponentFact(
            "runc",
            "runc version 1.0.0-rc93",
            SmallHost.Source("/var/log/yum.log (runc)"),
            "/usr/bin/runc")));
        FixStep runc = plan.Steps[0];
        Assert.Contains("now: runc runc version 1.0.0-rc93, containerd not found", runc.Why, StringComparison.Ordinal);
        Assert.Contains("(R8)", runc.Why, StringComparison.Ordinal);
        // el7 kernel: the el7 family
        Assert.Equal("yum update runc   # to runc 1.0.0-rc94 or later (R8)", runc.Commands[0]);
    }

    [Fact]
    public void Without_a_family_package_commands_name_the_package_manager_for_a_person_to_fill_in()
    {
        FixPlan plan = Plan(Running("4.4.0-21-generic").With(Runc("runc version 1.0.0-rc93"), Kubelet(
            "Kubernetes v1.19.3",
            binary: "/usr/bin/kubelet") with
        { Said = SmallHost.Source("kubelet --version") }));
        Assert.Contains(plan.Problems, p => p.StartsWith("the distribution is unknown", StringComparison.Ordinal));
        FixStep runc = plan.Steps.Single(s => s.TitleSaid?.Key == "plan.runc");
        Assert.Equal("<package manager> upgrade runc   # to runc 1.0.0-rc94 or later (R8)", runc.Commands[0]);
        Assert.Equal("<package manager> query runc", runc.Check[0]);
        Assert.Equal(["<package manager> downgrade runc"], runc.Undo);
        FixStep kubelet = plan.Steps.Single(s => s.TitleSaid?.Key == "plan.kubelet");
        Assert.Equal(
            "# install kubelet 1.21.2 or later the way this node's kubelet was installed",
            kubelet.Commands[0]);
        Assert.Equal(["reinstall the previous kubelet"], kubelet.Undo);
    }

    [Theory]
    [InlineData("openEuler", "(docker-runc)", "dnf upgrade docker-runc")]   // the package the host's history names
    [InlineData("openEuler", "", "dnf upgrade docker-runc")]                // else the family's
    [InlineData("openEuler", "(runc)", "dnf upgrade runc")]
    [InlineData("ubuntu", "", "apt-get install --only-upgrade runc")]
    public void Runc_is_moved_in_the_package_the_host_names_or_else_its_familys(string id, string package, string move)
    {
        var runc = new ComponentFact(
            "runc",
            "runc version 1.0.0-rc93",
            SmallHost.Source(("runc --version " + package).Trim()),
            "/usr/bin/runc");
        FixPlan plan = Plan(
            Running(El7Old).With(runc) with { Distribution = new Distribution(id, "22.03", null, null) },
            FixMethod.Components);
        Assert.StartsWith(move + "   #", plan.Steps[0].Commands[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.19.3", "# or rebuild 1.19.3 without kmem (K5)")]
    [InlineData("1.14.0", "# or rebuild 1.14.0 without kmem (K5)")]
    [InlineData("1.13.12", "# or patch 1.13.12's vendored runc")]
    public void Kubelet_is_moved_to_1_21_2_or_rebuilt_where_the_nokmem_tag_exists(string version, string rebuild)
    {
        FixPlan plan = Plan(Running(El7Old).With(Kubelet("Kubernetes v" + version)) with { Distribution = Centos7 });
        FixStep kubelet = plan.Steps.Single(s => s.TitleSaid?.Key == "plan.kubelet");
        Assert.Equal(
            "yum install 'kubelet-1.21.2*'   # or later, within your cluster's version skew policy",
            kubelet.Commands[0]);
        Assert.StartsWith(rebuild, kubelet.Commands[1], StringComparison.Ordinal);
        Assert.Equal(["yum downgrade kubelet"], kubelet.Undo);
        Assert.False(kubelet.ByApply);
    }

    [Theory]
    [InlineData("openEuler", "kubelet --version", "dnf install 'kubernetes-kubelet-1.21.2*'")]
    [InlineData("openEuler", "/var/log/dnf.log (kubelet)", "dnf install 'kubelet-1.21.2*'")]
    [InlineData("amzn", "kubelet --version", "# Amazon Linux 2 has no kubelet package")]
    public void Kubelet_is_moved_in_the_package_the_host_names_or_else_its_familys(
        string id,
        string source,
        string move)
    {
        HostFacts facts = Running(El7Old).With(
            new ComponentFact("kubelet", "Kubernetes v1.19.3", SmallHost.Source(source), "/usr/bin/kubelet"))
            with
        { Distribution = new Distribution(id, "2", null, null) };
        Assert.StartsWith(
            move,
            Plan(facts).Steps.Single(s => s.TitleSaid?.Key == "plan.kubelet").Commands[0],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Only_concerned_components_get_a_step()
    {
        // runc enables kmem; kubelet 1.22 ignores it: no kubelet step. Kubelet 1.19 enables it; runc rc94 ignores it:
        // no runc step.
        FixPlan runcOnly = Plan(Running(El7Old).With(
            Runc("runc version 1.0.0-rc93"),
            Kubelet("Kubernetes v1.22.0")) with
        { Distribution = Centos7 });
        Assert.DoesNotContain(runcOnly.Steps, s => s.TitleSaid?.Key == "plan.kubelet");
        FixPlan kubeletOnly = Plan(Running(El7Old).With(
            Runc("runc version 1.0.0-rc94"),
            Kubelet("Kubernetes v1.19.3")) with
        { Distribution = Centos7 });
        Assert.DoesNotContain(kubeletOnly.Steps, s => s.TitleSaid?.Key == "plan.runc");
        Assert.Contains(kubeletOnly.Steps, s => s.TitleSaid?.Key == "plan.kubelet");
    }

    [Fact]
    public void Components_that_enable_nothing_leave_nothing_to_move()
    {
        FixPlan plan = Plan(
            Running(El7Old).With(Runc("runc version 1.0.0-rc94")) with { Distribution = Centos7 },
            FixMethod.Components);
        Assert.Equal("plan.components.nothing", plan.SummarySaid!.Key);
        Assert.Contains(
            plan.Problems,
            p => p.StartsWith("no component here enables kmem accounting", StringComparison.Ordinal));
    }

    /// <summary>
    /// nokmem is effective, so nothing is at risk; Docker CE 18.06 is still moved when the components method is asked
    /// for.
    /// </summary>
    [Fact]
    public void A_components_plan_asked_for_without_a_leak_says_it_was_asked_for()
    {
        HostFacts facts = Running(El7Fixed, "ro cgroup.memory=nokmem").With(new ComponentFact(
            "docker",
            "18.06.3-ce",
            SmallHost.Source("/var/log/yum.log (docker-ce)"),
            "/usr/bin/docker"))
            with
        { Distribution = Centos7 };
        FixPlan plan = Plan(facts, FixMethod.Components);
        Assert.Equal("plan.docker", plan.Steps[0].TitleSaid!.Key);
        Assert.Contains("--method components", plan.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("18.06.3-ce", "/var/log/yum.log (docker-ce)", true)]
    [InlineData("18.09.0", "/var/log/yum.log (docker-ce)", true)]
    [InlineData("18.09.1", "/var/log/yum.log (docker-ce)", false)]   // D2: 18.09.1 and later
    [InlineData("1.13.1", "/var/log/yum.log (docker)", false)]       // Red Hat's own docker: not Docker CE's packages
    [InlineData("18.06.3-ce", "docker version", true)]               // no package named: the family's (el7: docker-ce)
    public void Docker_ce_before_18_09_1_on_el7_is_upgraded(string version, string source, bool upgraded)
    {
        HostFacts facts = Running(El7Old).With(
            Runc("runc version 1.0.0-rc93"),
            new ComponentFact("docker", version, SmallHost.Source(source), "/usr/bin/docker"))
            with
        { Distribution = Centos7 };
        FixStep? docker = Plan(facts).Steps.SingleOrDefault(s => s.TitleSaid?.Key == "plan.docker");
        Assert.Equal(upgraded, docker is not null);
        if (docker is not null)
        {
            Assert.Equal("yum update docker-ce   # to 18.09.1 or later", docker.Commands[0]);
        }
    }

    [Theory]
    [InlineData("rocky", "8", "dnf install /srv/kernels/kernel-*.rpm")]
    [InlineData("centos", "7", "yum localinstall /srv/kernels/kernel-*.rpm")]
    [InlineData("ubuntu", "20.04", "apt-get install /srv/kernels/linux-image-*.deb")]
    public void An_offline_kernel_is_installed_from_its_directory_with_the_familys_tool(
        string id,
        string version,
        string install)
    {
        var f = new CheckInput(Running(El7Old) with { Distribution = new Distribution(id, version, null, null) });
        Assert.Equal(
            install,
            ComponentPlanner.KernelInstallStep(f, new PlanRequest(FixMethod.Kernel, "/srv/kernels/")).Commands[0]);
    }

    [Theory]
    [InlineData(El7Old, "(kernel.nokmem-arg, L5)", "yum install kernel", "rpm -q kernel", "rpm -e")]
    [InlineData(
        "4.4.0-21-generic",
        "(kernel.nokmem-arg, L3)",
        "# install a kernel of 4.5 or later",
        "dpkg-query -W 'linux-image-*'",
        "apt-get remove")]
    [InlineData(
        "3.18.0-1.el9.x86_64",
        "(kernel.nokmem-arg, L3)",
        "# install a kernel of 4.5 or later",
        "rpm -q kernel",
        "rpm -e")]
    public void A_kernel_to_install_says_why_and_is_checked_and_undone_as_the_host_packages_it(
        string release,
        string why,
        string install,
        string query,
        string undo)
    {
        FixStep step = ComponentPlanner.KernelInstallStep(
            new CheckInput(Running(release)),
            new PlanRequest(FixMethod.Kernel));
        Assert.EndsWith(why, step.Why, StringComparison.Ordinal);
        Assert.StartsWith(install, step.Commands[0], StringComparison.Ordinal);
        Assert.StartsWith(query, step.Check[0], StringComparison.Ordinal);
        Assert.StartsWith(undo, step.Undo[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_reason_is_the_verdicts_own_message_so_it_follows_the_language()
    {
        FixPlan plan = Plan(Running(Ubuntu54));
        Assert.Equal("verdict.no-leak", Assert.IsType<Text.Message>(plan.SummarySaid!.Args[0]).Key);
    }
}
