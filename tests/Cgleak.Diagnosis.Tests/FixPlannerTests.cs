using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using Cgleak.Host.Parsing;
using Cgleak.Testing;
using static Cgleak.Diagnosis.Tests.SmallBoot;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The planner: which method (kernel or components) a node gets and why, which entry becomes the default, which
/// file and line get the argument, and the steps around them (drain, reboot, verify), on small hosts and on the
/// real-world boot fixtures.
/// </summary>
public class FixPlannerTests
{
    private const string Arg = FixPlan.NokmemArgument;
    private const string El7New = "3.10.0-1160.el7.x86_64";

    private static readonly BootConfig NoBoot = Model(OsCentos);

    private static FixPlan Plan(HostFacts facts, BootConfig boot, FixMethod method = FixMethod.Auto) =>
        FixPlanner.Plan(Doctor.Diagnose(facts), boot, new PlanRequest(method));

    private static FixPlan PlanOf(string scenario, FixMethod method = FixMethod.Auto)
    {
        HostRoot host = HostRoot.At(Repo.Fixture(scenario));
        return FixPlanner.Plan(Doctor.Examine(host), BootConfig.Read(host), new PlanRequest(method));
    }

    /// <summary>Every message key in a message and the messages among its arguments.</summary>
    private static IEnumerable<string> Keys(Message m) =>
        m.Args.OfType<Message>().SelectMany(Keys).Prepend(m.Key);

    private static FixStep Step(FixPlan plan, string titleKey) => plan.Steps.Single(s => s.TitleSaid?.Key == titleKey);

    private static HostFacts El7OldWithRunc => Running(El7Old).With(Runc("runc version 1.0.0-rc93"));

    [Fact]
    public void Where_the_running_kernel_honours_nokmem_the_kernel_method_is_chosen_over_the_components()
    {
        FixPlan plan = Plan(Running(El7Fixed).With(Runc("runc version 1.0.0-rc93")), NoBoot);
        Assert.Equal(FixMethod.Kernel, plan.Method);
    }

    [Fact]
    public void An_installed_kernel_that_honours_nokmem_chooses_the_kernel_method_too()
    {
        Assert.Equal(FixMethod.Kernel, Plan(El7OldWithRunc, Model(OsCentos, [El7New])).Method);
        Assert.Equal(FixMethod.Components, Plan(El7OldWithRunc, Model(OsCentos, [El7Old])).Method);
    }

    [Fact]
    public void Without_a_kernel_that_honours_nokmem_the_components_are_moved_only_when_one_enables_kmem()
    {
        Assert.Equal(FixMethod.Components, Plan(El7OldWithRunc, NoBoot).Method);
        FixPlan kmemOnly = Plan(Running(El7Old) with { Tree = Tree(10, Containers(KmemState.Active)) }, NoBoot);
        Assert.Equal(FixMethod.Kernel, kmemOnly.Method);
        Assert.True(kmemOnly.NeedsKernelFirst);
        Assert.Contains("plan.kernel.none-honours", Keys(kmemOnly.SummarySaid!));
        Assert.Contains("kmem.active-cgroups", kmemOnly.Summary, StringComparison.Ordinal);
        Assert.Contains(kmemOnly.Problems, p => p.StartsWith("no boot entries found", StringComparison.Ordinal));
        Assert.Contains(kmemOnly.Steps, s => s.TitleSaid?.Key == "plan.install-kernel");
    }

    [Fact]
    public void The_symptom_in_the_logs_alone_is_a_reason_to_fix()
    {
        var slub = new SymptomScan([new(
            Symptom.SlubUnableToAllocate,
            "/var/log/messages",
            2,
            "SLUB: Unable to allocate memory on node -1",
            "")],
            ["/var/log/messages"], []);
        FixPlan plan = Plan(Running(Ubuntu54) with { Logs = slub }, NoBoot);
        Assert.Equal(FixMethod.Kernel, plan.Method);
        Assert.Contains("plan.need.leak", Keys(plan.SummarySaid!));
        Assert.Contains("logs.symptom", plan.Summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before 5.3 slab pins dying memcgs (L6): their pile-up is a reason for nokmem unless it is already on.
    /// </summary>
    [Theory]
    [InlineData("4.19.0", "ro", FixMethod.Kernel)]
    [InlineData("5.3.0", "ro", FixMethod.Auto)]
    [InlineData("4.19.0", "ro cgroup.memory=nokmem", FixMethod.Auto)]
    public void Dying_memcgs_piling_up_need_nokmem_only_where_slab_pins_them(
        string release,
        string cmdline,
        FixMethod method)
    {
        FixPlan plan = Plan(Running(release, cmdline).WithCounts(10, 6_000), NoBoot);
        Assert.Equal(method, plan.Method);
        Assert.Equal(method == FixMethod.Kernel, Keys(plan.SummarySaid!).Contains("plan.need.slab"));
    }

    [Fact]
    public void A_kernel_plan_asked_for_without_a_leak_says_it_was_asked_for()
    {
        FixPlan plan = Plan(Running(Ubuntu54), NoBoot, FixMethod.Kernel);
        Assert.Contains("plan.why.requested", Keys(plan.SummarySaid!));
        Assert.Contains("--method kernel", plan.Summary, StringComparison.Ordinal);
    }

    /// <summary>
    /// boot-el7-bios: the saved default is the old 957 kernel; 1160 (entry 0) honours the argument (the runbook's
    /// trap).
    /// </summary>
    [Fact]
    public void A_saved_default_that_ignores_nokmem_moves_to_the_kernel_that_honours_it_and_gets_the_argument()
    {
        FixPlan plan = PlanOf("boot-el7-bios");
        Assert.Equal(FixMethod.Kernel, plan.Method);
        Assert.Equal(El7Old, plan.Entries[plan.NextBoot!.Value].KernelVersion);
        BootEdit edit = plan.Edit!;
        Assert.Equal((El7New, DefaultIn.SavedEntry), (edit.TargetKernel, edit.DefaultIn));
        Assert.Equal($"CentOS Linux ({El7New}) 7 (Core)", edit.NewDefault);
        Assert.Contains("/boot/grub2/grubenv", edit.Files);
        Assert.Contains(
            $"grubby --args={Arg} --update-kernel /boot/vmlinuz-{El7New}",
            plan.Steps.SelectMany(s => s.Commands));
        Assert.Equal(
            ["plan.kernel.steps", "plan.why.to-stop", "plan.need.leak", "plan.kernel.make-default"],
            Keys(plan.SummarySaid!));
        Assert.Equal("plan.reboot.why", Step(plan, "plan.reboot").WhySaid!.Key);
    }

    /// <summary>
    /// el8-bls-kernelopts: the saved BLS id is the newer kernel and honours nokmem: it stays, kernelopts gets the
    /// argument.
    /// </summary>
    [Fact]
    public void A_saved_bls_entry_that_honours_nokmem_stays_the_default_and_kernelopts_gets_the_argument()
    {
        FixPlan plan = PlanOf("el8-bls-kernelopts", FixMethod.Kernel);
        BootEdit edit = plan.Edit!;
        Assert.Equal(BootStyle.GrubbyBls, edit.Style);
        Assert.Null(edit.NewDefault);
        Assert.True(edit.Kernelopts);
        Assert.Equal("/boot/loader/entries", edit.ConfigFile);
        Assert.EndsWith("4.18.0-240.15.1.el8_3.x86_64", edit.TargetEntry, StringComparison.Ordinal);
        Assert.Equal(plan.Entries[plan.NextBoot!.Value].KernelVersion, edit.TargetKernel);
        Assert.Equal("", plan.SummarySaid!.Args[1]);  // no "make ... the default"
        Assert.Equal("plan.reboot.why.argument", Step(plan, "plan.reboot").WhySaid!.Key);
    }

    /// <summary>el8-nokmem-kernelopts: the saved entry runs with the argument and boots with it next.</summary>
    [Fact]
    public void An_entry_that_runs_with_nokmem_and_boots_with_it_needs_no_change()
    {
        HostRoot host = HostRoot.At(Repo.Fixture("el8-nokmem-kernelopts"));
        DoctorReport report = Doctor.Examine(host);
        BootConfig boot = BootConfig.Read(host);
        FixPlan running = FixPlanner.Plan(report, boot, new PlanRequest(FixMethod.Kernel));
        Assert.Equal("plan.kernel.running", running.SummarySaid!.Key);
        Assert.DoesNotContain(running.Steps, s => s.ByApply);

        // The same boot files on a node that has not rebooted since, or runs another kernel: reboot into it.
        var notYet = report.Facts with { Cmdline = new(KernelCmdline.Parse("ro"), "/proc/cmdline") };
        Assert.Equal(
            "plan.kernel.boots",
            FixPlanner.Plan(Doctor.Diagnose(notYet), boot, new PlanRequest(FixMethod.Kernel)).SummarySaid!.Key);
        var other = report
            .Facts with
        { Kernel = new(KernelRelease.Parse("4.18.0-193.el8.x86_64")!, "/proc/sys/kernel/osrelease") };
        Assert.Equal(
            "plan.kernel.boots",
            FixPlanner.Plan(Doctor.Diagnose(other), boot, new PlanRequest(FixMethod.Kernel)).SummarySaid!.Key);
    }

    /// <summary>
    /// ubuntu2204-submenu-default: GRUB_DEFAULT="1>0" inside the submenu; that kernel honours nokmem: the default
    /// stays.
    /// </summary>
    [Fact]
    public void A_submenu_default_that_honours_nokmem_stays_and_grub_cmdline_linux_gets_the_argument()
    {
        FixPlan plan = PlanOf("ubuntu2204-submenu-default", FixMethod.Kernel);
        Assert.Equal("1>0", plan.Entries[plan.NextBoot!.Value].Number);
        BootEdit edit = plan.Edit!;
        Assert.Equal(
            (BootStyle.DefaultGrub, (string?)null, "/etc/default/grub"),
            (edit.Style, edit.NewDefault, edit.CmdlineFile));
        Assert.Contains("update-grub", plan.Steps.SelectMany(s => s.Commands));
    }

    /// <summary>
    /// debian11-pinned-kernel: the older 5.10.0-28 is pinned by a title path (1>2) and honours nokmem: the pin is kept.
    /// </summary>
    [Fact]
    public void A_kernel_pinned_by_a_title_path_keeps_its_pin()
    {
        FixPlan plan = PlanOf("debian11-pinned-kernel", FixMethod.Kernel);
        Assert.Equal("1>2", plan.Entries[plan.NextBoot!.Value].Number);
        Assert.Equal("5.10.0-28-amd64", plan.Edit!.TargetKernel);
        Assert.Null(plan.Edit.NewDefault);
        Assert.Equal(["/boot/grub/grub.cfg", "/etc/default/grub"], plan.Edit.Files);
    }

    [Fact]
    public void Of_two_kernels_that_honour_nokmem_the_newest_becomes_the_default_of_an_old_saved_one()
    {
        FixPlan plan = Plan(El7OldWithRunc with { Distribution = new Distribution("centos", "7", null, null) },
            El7(El7Old, El7Fixed, El7New, El7Old), FixMethod.Kernel);
        Assert.Equal(El7New, plan.Edit!.TargetKernel);
        Assert.Equal($"CentOS Linux ({El7New}) 7 (Core)", plan.Edit.NewDefault);
        Assert.Equal(2, plan.NextBoot);
    }

    [Fact]
    public void The_steps_start_with_the_list_and_end_with_drain_reboot_and_verify_which_a_person_does()
    {
        FixPlan plan = Plan(El7OldWithRunc, El7(El7Old, El7New, El7Old), FixMethod.Kernel);
        Assert.Equal("plan.boot.list", plan.Steps[0].TitleSaid!.Key);
        Assert.Equal(
            ["plan.drain", "plan.reboot", "plan.verify"],
            plan.Steps.TakeLast(3).Select(s => s.TitleSaid!.Key));
        Assert.All(plan.Steps.TakeLast(3), s => Assert.False(s.ByApply));
        Assert.Contains(
            plan.Steps,
            s => s.ByApply && s.Commands.Any(c => c.StartsWith("grubby --args", StringComparison.Ordinal)));
        Assert.Contains($"grep -o {Arg} /proc/cmdline", Step(plan, "plan.verify").Commands);
        Assert.Equal("plan.drain.why", Step(plan, "plan.drain").WhySaid!.Key); // 3.10 keeps IDs until a reboot
        Assert.Equal(
            "plan.drain.why.reboot",
            Step(Plan(Running(Ubuntu54), El7(El7Old, El7New, El7Old), FixMethod.Kernel), "plan.drain").WhySaid!.Key);
    }

    [Fact]
    public void The_plan_names_its_input_files_in_order_with_their_hashes()
    {
        BootConfig boot = Model(OsCentos, ("/etc/default/grub", El7Defaults), ("/boot/grub2/grubenv", Env()),
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", El7New)));
        FixPlan plan = Plan(El7OldWithRunc, boot, FixMethod.Kernel);
        Assert.Equal(
            ["/boot/grub2/grub.cfg", "/boot/grub2/grubenv", "/etc/default/grub"],
            plan.Inputs.Select(i => i.Path));
        Assert.Equal(BootConfig.Sha256(El7Defaults), plan.Inputs[2].Sha256);
    }

    [Theory]
    [InlineData("/boot/vmlinuz-3.10.0-1160.el7.x86_64", "/boot/vmlinuz-3.10.0-1160.el7.x86_64")]
    [InlineData("a=b,c:d@e%f+g", "a=b,c:d@e%f+g")]
    [InlineData("", "''")]
    [InlineData("vmlinuz linux", "'vmlinuz linux'")]
    [InlineData("$(reboot)", "'$(reboot)'")]
    [InlineData("it's", "'it'\\''s'")]
    public void A_host_value_is_one_shell_word(string value, string word) => Assert.Equal(word, FixPlanner.Word(value));
}
