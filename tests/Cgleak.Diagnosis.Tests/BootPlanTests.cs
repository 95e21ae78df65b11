using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Boot;
using static Cgleak.Diagnosis.Tests.SmallBoot;

namespace Cgleak.Diagnosis.Tests;

/// <summary>Which entry the plan boots, where the argument goes, and with which distribution's tools.</summary>
public class BootPlanTests
{
    private const string Arg = FixPlan.NokmemArgument;

    private static (BootDecision Decision, List<FixStep> Steps, BootEdit Edit, List<string> Problems) Plan(
        BootConfig boot)
    {
        var problems = new List<Message>();
        BootDecision d = BootPlanner.Decide(boot, problems);
        if (d.Target is null)
        {
            return (d, [], null!, [.. problems.Select(p => p.ToString())]);
        }

        var why = new Message("plan.why.to-stop", "the leak");
        (List<FixStep> steps, BootEdit edit) = BootPlanner.Steps(boot, d, why, problems);
        return (d, steps, edit, [.. problems.Select(p => p.ToString())]);
    }

    private static IEnumerable<string> Commands(IEnumerable<FixStep> steps) => steps.SelectMany(s => s.Commands);

    [Fact]
    public void Of_two_kernels_that_honour_nokmem_the_newest_by_number_is_made_default_when_the_saved_one_ignores_it()
    {
        BootConfig boot = Model(OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu(
                "${saved_entry}",
                "3.10.0-1062.4.1.el7.x86_64",
                "3.10.0-1160.el7.x86_64",
                "3.10.0-957.27.2.el7.x86_64")),
            ("/boot/grub2/grubenv", Env(("saved_entry", "CentOS Linux (3.10.0-957.27.2.el7.x86_64) 7 (Core)"))),
            ("/etc/default/grub", El7Defaults));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Equal("2", d.NextEntry!.Number);
        Assert.Equal("3.10.0-1160.el7.x86_64", d.Target!.KernelVersion); // 1160 > 1062.4.1 numerically
        Assert.Equal("CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)", edit.NewDefault);
        Assert.Equal(DefaultIn.SavedEntry, edit.DefaultIn);
        Assert.Contains("grub2-set-default 'CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)'", Commands(steps));
        Assert.Contains(
            "grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.el7.x86_64",
            Commands(steps));
        Assert.Equal(["/boot/grub2/grub.cfg", "/boot/grub2/grubenv", "/etc/default/grub"], edit.Files);
        Assert.Equal([true, true, false], d.Entries.Select(e => e.HonoursNokmem));
    }

    [Fact]
    public void A_saved_default_that_is_not_the_newest_but_honours_nokmem_stays_the_default()
    {
        BootConfig boot = Model(OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", "3.10.0-1160.el7.x86_64", "3.10.0-1062.4.1.el7.x86_64")),
            ("/boot/grub2/grubenv", Env(("saved_entry", "CentOS Linux (3.10.0-1062.4.1.el7.x86_64) 7 (Core)"))),
            ("/etc/default/grub", El7Defaults));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Equal("3.10.0-1062.4.1.el7.x86_64", d.Target!.KernelVersion);
        Assert.Same(d.NextEntry, d.Target);
        Assert.Null(edit.NewDefault);
        Assert.DoesNotContain(Commands(steps), c => c.Contains("set-default", StringComparison.Ordinal));
        Assert.Equal(["/boot/grub2/grub.cfg", "/etc/default/grub"], edit.Files);
    }

    [Fact]
    public void On_el7_the_argument_goes_to_the_entry_with_grubby_and_to_grub_cmdline_linux_with_the_reason()
    {
        BootConfig boot = Model(
            OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", "3.10.0-1160.el7.x86_64")),
            ("/boot/grub2/grubenv", Env()),
            ("/etc/default/grub", El7Defaults));
        var (_, steps, edit, _) = Plan(boot);
        FixStep keep = steps.Single(
            s => s.Commands.Any(c => c.Contains("GRUB_CMDLINE_LINUX", StringComparison.Ordinal)));
        Assert.Contains("grub2-mkconfig", keep.Why, StringComparison.Ordinal);
        Assert.Equal("/etc/default/grub", edit.CmdlineFile);
        Assert.DoesNotContain(Commands(steps), c => c.Contains("update-grub", StringComparison.Ordinal));
    }

    [Fact]
    public void Centos_without_grubenv_and_a_literal_default_is_planned_with_grub2_tools_and_a_quoted_grub_default()
    {
        BootConfig boot = Model(OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("0", "3.10.0-957.27.2.el7.x86_64", "3.10.0-1160.el7.x86_64")),
            ("/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\n"));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Equal("1", d.Target!.Number);
        Assert.Equal(DefaultIn.GrubDefault, edit.DefaultIn);
        var commands = Commands(steps).ToList();
        Assert.Contains("sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=\"CentOS Linux (3.10.0-1160.el7.x86_64) 7 "
            + "(Core)\"/' /etc/default/grub", commands);
        Assert.Contains("grub2-mkconfig -o /boot/grub2/grub.cfg", commands);
        Assert.DoesNotContain(commands, c => c.Contains("update-grub", StringComparison.Ordinal)
            || c.Contains("grub2-set-default", StringComparison.Ordinal));
        Assert.Contains("sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=0/' /etc/default/grub", steps.SelectMany(s => s.Undo));
    }

    private static string UbuntuMenu(string @default) => $$"""
        ### BEGIN /etc/grub.d/00_header ###
        set default="{{@default}}"
        ### BEGIN /etc/grub.d/10_linux ###
        menuentry 'Ubuntu' --class ubuntu $menuentry_id_option 'gnulinux-simple-8e3d' {
        	linux	/boot/vmlinuz-4.15.0-100-generic root=UUID=8e3d ro  quiet splash
        }
        submenu 'Advanced options for Ubuntu' $menuentry_id_option 'gnulinux-advanced-8e3d' {
        	menuentry 'Ubuntu, with Linux 4.15.0-100-generic' $menuentry_id_option 'gnulinux-4.15.0-100-generic-advanced-8e3d' {
        		linux	/boot/vmlinuz-4.15.0-100-generic root=UUID=8e3d ro  quiet splash
        	}
        	menuentry 'Ubuntu, with Linux 4.15.0-29-generic' $menuentry_id_option 'gnulinux-4.15.0-29-generic-advanced-8e3d' {
        		linux	/boot/vmlinuz-4.15.0-29-generic root=UUID=8e3d ro  quiet splash
        	}
        	menuentry 'Ubuntu, with Linux 4.4.0-210-generic' $menuentry_id_option 'gnulinux-4.4.0-210-generic-advanced-8e3d' {
        		linux	/boot/vmlinuz-4.4.0-210-generic root=UUID=8e3d ro  quiet splash
        	}
        }

        """;

    private const string UbuntuDefaults = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX=\"\"\n";

    [Fact]
    public void A_submenu_default_that_ignores_nokmem_moves_to_the_newest_kernel_by_number_with_a_quoted_path()
    {
        BootConfig boot = Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("1>2")),
            ("/etc/default/grub", "GRUB_DEFAULT=\"1>2\"\n" + UbuntuDefaults));
        var (d, steps, edit, problems) = Plan(boot);
        Assert.Equal("1>2", d.NextEntry!.Number);
        Assert.Equal("4.15.0-100-generic", d.Target!.KernelVersion); // numerically newer than 4.15.0-29
        Assert.Equal("0", d.Target.Number);
        Assert.Equal(["0", "1>0", "1>1", "1>2"], d.Entries.Select(e => e.Number));
        var commands = Commands(steps).ToList();
        Assert.Contains("sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=\"Ubuntu\"/' /etc/default/grub", commands);
        Assert.Contains("update-grub", commands);
        Assert.DoesNotContain(
            commands,
            c => c.Contains("grub2-", StringComparison.Ordinal) || c.Contains("grubby", StringComparison.Ordinal));
        // quoted: no redirection
        Assert.Contains("sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=\"1>2\"/' /etc/default/grub", steps.SelectMany(s
            => s.Undo));
        Assert.Equal(["/boot/grub/grub.cfg", "/etc/default/grub"], edit.Files);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("gnulinux-advanced-8e3d>gnulinux-4.4.0-210-generic-advanced-8e3d")]
    [InlineData("Advanced options for Ubuntu>Ubuntu, with Linux 4.4.0-210-generic")]
    [InlineData("1>2")]
    public void Grub_default_saved_is_never_rewritten_the_saved_entry_moves(string saved)
    {
        BootConfig boot = Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("${saved_entry}")),
            ("/boot/grub/grubenv", Env(("saved_entry", saved))),
            ("/etc/default/grub", "GRUB_DEFAULT=saved\n" + UbuntuDefaults));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Equal("4.4.0-210-generic", d.NextEntry!.KernelVersion);
        Assert.Equal(DefaultIn.SavedEntry, edit.DefaultIn);
        Assert.Equal("Ubuntu", edit.NewDefault);
        Assert.Contains("grub-set-default 'Ubuntu'", Commands(steps));
        Assert.DoesNotContain(Commands(steps), c => c.Contains("GRUB_DEFAULT", StringComparison.Ordinal));
        Assert.Contains($"grub-editenv - set 'saved_entry={saved}'", steps.SelectMany(s => s.Undo));
    }

    private static (string, string) Bls(string version, string options) =>
        ($"/boot/loader/entries/6fa2-{version}.conf", $"title Rocky Linux ({version}) 8.5 (Green Obsidian)\nversion "
            + $"{version}\nlinux /vmlinuz-{version}\n"
            + $"initrd /initramfs-{version}.img $tuned_initrd\noptions {options}\ngrub_class kernel\n");

    [Fact]
    public void Bls_with_kernelopts_edits_kernelopts_in_grubenv_and_keeps_the_saved_id()
    {
        BootConfig boot = Model("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
            ("/boot/grub2/grub.cfg", "set default=\"${saved_entry}\"\nblscfg\n"),
            ("/boot/grub2/grubenv", Env(
                ("saved_entry", "6fa2-4.18.0-305.el8.x86_64"),
                ("kernelopts", "root=/dev/mapper/rl-root ro rhgb quiet"))),
            Bls("4.18.0-348.el8.x86_64", "$kernelopts $tuned_params"), Bls(
                "4.18.0-305.el8.x86_64",
                "$kernelopts $tuned_params"),
            ("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n"));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Equal("6fa2-4.18.0-305.el8.x86_64", d.Target!.Id); // the saved one, not the newest
        Assert.Null(edit.NewDefault);
        Assert.True(edit.Kernelopts);
        Assert.Contains(
            "grub2-editenv - set 'kernelopts=root=/dev/mapper/rl-root ro rhgb quiet cgroup.memory=nokmem'",
            Commands(steps));
        Assert.DoesNotContain(Commands(steps), c => c.StartsWith("grubby --args", StringComparison.Ordinal));
        Assert.Equal(["/boot/grub2/grubenv", "/etc/default/grub"], edit.Files);
    }

    /// <summary>
    /// An el9 node with inline BLS options whose saved entry is a kernel that ignores nokmem, plus <paramref
    /// name="more"/> files.
    /// </summary>
    private static BootConfig AlmaSavedOld(
        params (string Path, string Text)[] more) => Model("ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n",
        [("/boot/grub2/grub.cfg", "set default=\"${saved_entry}\"\nblscfg\n"),
            ("/boot/grub2/grubenv", Env(("saved_entry", "6fa2-4.4.0-1.el9.x86_64"))),
            Bls("5.14.0-70.13.1.el9_0.x86_64", "root=/dev/vda1 ro"), Bls(
                "4.4.0-1.el9.x86_64",
                "root=/dev/vda1 ro"), .. more]);

    [Fact]
    public void Bls_with_arguments_inline_edits_the_entry_with_grubby_and_sets_the_default_by_id()
    {
        BootConfig boot = AlmaSavedOld();
        var (_, steps, edit, problems) = Plan(boot);
        Assert.Equal("6fa2-5.14.0-70.13.1.el9_0.x86_64", edit.NewDefault);
        Assert.Contains("grubby --set-default /boot/vmlinuz-5.14.0-70.13.1.el9_0.x86_64", Commands(steps));
        Assert.Contains(
            "grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-5.14.0-70.13.1.el9_0.x86_64",
            Commands(steps));
        Assert.Equal(["/boot/grub2/grubenv", "/boot/loader/entries/6fa2-5.14.0-70.13.1.el9_0.x86_64.conf"], edit.Files);
        Assert.Contains("grub2-editenv - set 'saved_entry=6fa2-4.4.0-1.el9.x86_64'", steps.SelectMany(s => s.Undo));
        // BLS needs none
        Assert.DoesNotContain(problems, p => p.Contains("no /etc/default/grub", StringComparison.Ordinal));
    }

    [Fact]
    public void No_kernel_that_honours_nokmem_leaves_no_target()
    {
        BootConfig boot = Model(
            OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", "3.10.0-957.27.2.el7.x86_64", "3.10.0-1062.el7.x86_64")),
            ("/boot/grub2/grubenv", Env()));
        Assert.Null(Plan(boot).Decision.Target); // 1062 without .4.1 is below the threshold (L5)
    }

    /// <summary>os-prober's entries boot another installation (ubuntu2004-bios-osprober): never the target.</summary>
    [Fact]
    public void An_os_prober_entry_of_another_system_is_never_the_target()
    {
        string menu = "set default=\"0\"\n"
            + "menuentry 'CentOS Linux (3.10.0-957.27.2.el7.x86_64) 7 (Core)' $menuentry_id_option "
                + "'gnulinux-3.10.0-957-advanced-8e3d' {\n"
            + "\tlinux16 /vmlinuz-3.10.0-957.27.2.el7.x86_64 ro\n}\n"
            + "submenu 'Advanced options for Fedora Linux 36 (on /dev/nvme0n1p4)' $menuentry_id_option "
                + "'osprober-gnulinux-advanced-ade8' {\n"
            + "\tmenuentry 'Fedora Linux 36 (on /dev/nvme0n1p4)' $menuentry_id_option "
                + "'osprober-gnulinux-/boot/vmlinuz-5.18.10-200.fc36.x86_64--ade8' {\n"
            + "\t\tlinux /boot/vmlinuz-5.18.10-200.fc36.x86_64 root=/dev/nvme0n1p4\n\t}\n}\n";
        var (d, _, _, _) = Plan(Model(OsCentos, ("/boot/grub2/grub.cfg", menu), ("/etc/default/grub", El7Defaults)));
        Assert.Null(d.Target); // install an el7 kernel first; Fedora's 5.18 is not this host's
        Assert.Equal([false, false], d.Entries.Select(e => e.HonoursNokmem));
    }

    [Fact]
    public void A_stale_grub_cfg_is_told_before_a_regeneration()
    {
        BootConfig boot = Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("0")),
            ("/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n"));
        var (_, _, _, problems) = Plan(boot);
        Assert.Contains(problems, p => p.Contains("is older than the settings", StringComparison.Ordinal)
            && p.Contains("update-grub", StringComparison.Ordinal));
    }

    [Fact]
    public void The_list_step_numbers_entries_as_grub_does()
    {
        BootConfig boot = Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("1>2")),
            ("/etc/default/grub", "GRUB_DEFAULT=\"1>2\"\n"));
        FixStep list = Plan(boot).Decision.ListStep;
        Assert.Contains("awk", list.Commands[0], StringComparison.Ordinal);
        Assert.EndsWith("/boot/grub/grub.cfg", list.Commands[0], StringComparison.Ordinal);
        Assert.StartsWith(
            "boots next: 1>2 : Ubuntu, with Linux 4.4.0-210-generic",
            list.Check[0],
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1>2", "\"1>2\"")]
    [InlineData("Bob's \"best\" $kernel", "\"Bob's \\\"best\\\" \\$kernel\"")]
    public void Values_written_into_default_grub_are_quoted_for_the_shell_that_sources_it(string value, string written)
        =>
        Assert.Equal(written, BootPlanner.ShellDoubleQuote(value));

    private const string El7New = "3.10.0-1160.el7.x86_64";
    private const string El7Old = "3.10.0-957.27.2.el7.x86_64";

    private static FixStep StepTitled(IEnumerable<FixStep> steps, string key)
        => steps.Single(s => s.TitleSaid?.Key == key);

    [Fact]
    public void On_el7_each_step_says_what_it_changes_checks_and_undoes()
    {
        var (d, steps, edit, problems) = Plan(El7(El7Old, El7New, El7Old));
        Assert.Equal(["awk", "grub2-editenv"], d.ListStep.Commands.Select(c => c.Split(' ')[0]));
        Assert.Equal("grub2-editenv list", d.ListStep.Commands[1]);
        Assert.DoesNotContain(d.ListStep.Check, c => c.StartsWith("GRUB reads", StringComparison.Ordinal));
        Assert.False(d.ListStep.ByApply);

        FixStep makeDefault = StepTitled(steps, "plan.boot.make-default");
        Assert.True(makeDefault.ByApply);
        Assert.Equal(
            $"grub2-editenv list | grep -Fx 'saved_entry=CentOS Linux ({El7New}) 7 (Core)'",
            makeDefault.Check[1]);
        Assert.Equal([$"grub2-editenv - set 'saved_entry=CentOS Linux ({El7Old}) 7 (Core)'"], makeDefault.Undo);
        Assert.Equal($"CentOS Linux ({El7Old}) 7 (Core)", edit.OldDefault);

        FixStep add = StepTitled(steps, "plan.boot.add");
        Assert.True(add.ByApply);
        Assert.Contains("(kernel.nokmem-arg, L5)", add.Why, StringComparison.Ordinal);

        FixStep keep = StepTitled(steps, "plan.boot.cmdline-keep");
        Assert.Equal(("plan.boot.keep.why", true), (keep.WhySaid!.Key, keep.ByApply));
        Assert.Equal(["sed -i 's/^GRUB_CMDLINE_LINUX=\"/&cgroup.memory=nokmem /' /etc/default/grub"], keep.Commands);
        Assert.Equal("grep -c cgroup.memory=nokmem /etc/default/grub", keep.Check[1]);
        Assert.Equal(["sed -i 's/cgroup.memory=nokmem //' /etc/default/grub"], keep.Undo);

        Assert.Equal((BootStyle.GrubbyGrubCfg, $"CentOS Linux ({El7New}) 7 (Core)", "/boot/grub2/grub.cfg", false),
            (edit.Style, edit.TargetEntry, edit.ConfigFile, edit.Kernelopts));
        Assert.Empty(problems);
    }

    [Fact]
    public void A_saved_default_without_grubenv_is_left_to_a_person()
    {
        BootConfig boot = Model(
            OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", El7Old, El7New)),
            ("/etc/default/grub", El7Defaults));
        var (d, steps, edit, problems) = Plan(boot);
        Assert.Equal(El7New, d.Target!.KernelVersion);
        FixStep makeDefault = StepTitled(steps, "plan.boot.make-default");
        Assert.False(makeDefault.ByApply);
        Assert.Equal(["grub2-editenv - unset saved_entry"], makeDefault.Undo);
        Assert.Null(edit.NewDefault);
        Assert.DoesNotContain(edit.Files, f => f.EndsWith("grubenv", StringComparison.Ordinal));
        Assert.Contains(
            problems,
            p => p.StartsWith("no grubenv beside /boot/grub2/grub.cfg", StringComparison.Ordinal));
    }

    [Fact]
    public void A_grubenv_that_is_no_environment_block_is_a_problem_of_the_plan()
    {
        BootConfig boot = Model(
            OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", El7New)),
            ("/boot/grub2/grubenv", "saved_entry=x\n"),
            ("/etc/default/grub", El7Defaults));
        Assert.Contains(
            Plan(boot).Problems,
            p => p.StartsWith("/boot/grub2/grubenv: not a GRUB environment block", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(OsCentos, "/boot/grub2/grub.cfg", "a regenerated menu will not keep the argument")]
    [InlineData(OsUbuntu, "/boot/grub/grub.cfg", "update-grub has nothing to take the argument from")]
    public void Without_etc_default_grub_the_plan_says_what_is_lost(string os, string menu, string lost)
    {
        var (_, _, edit, problems) = Plan(Model(os, (menu, El7Menu("0", El7New))));
        Assert.Contains("no /etc/default/grub: " + lost, problems);
        Assert.Null(edit.CmdlineFile);
    }

    [Theory]
    [InlineData("GRUB_DEFAULT=0\n", "echo 'GRUB_CMDLINE_LINUX=\"cgroup.memory=nokmem\"' >> /etc/default/grub")]
    [InlineData(
        "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=quiet\n",
        "sed -i 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=\"cgroup.memory=nokmem quiet\"/' /etc/default/grub")]
    public void Grub_cmdline_linux_gets_the_argument_whether_absent_quoted_or_bare(string defaults, string command)
    {
        var (_, steps, _, _) = Plan(
            Model(OsUbuntu, ("/boot/grub/grub.cfg", UbuntuMenu("0")), ("/etc/default/grub", defaults)));
        Assert.Equal(command, StepTitled(steps, "plan.boot.cmdline-regenerate").Commands[0]);
    }

    [Fact]
    public void On_debian_grub_cmdline_linux_is_changed_and_the_menu_regenerated_and_both_undone()
    {
        var (d, steps, edit, _) = Plan(Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("0")),
            ("/etc/default/grub", "GRUB_DEFAULT=0\n" + UbuntuDefaults)));
        Assert.Equal("grep ^GRUB_DEFAULT= /etc/default/grub", d.ListStep.Commands[1]);
        FixStep step = StepTitled(steps, "plan.boot.cmdline-regenerate");
        Assert.Equal(
            ["sed -i 's/^GRUB_CMDLINE_LINUX=\"/&cgroup.memory=nokmem /' /etc/default/grub", "update-grub"],
            step.Commands);
        Assert.Equal(["sed -i 's/cgroup.memory=nokmem //' /etc/default/grub", "update-grub"], step.Undo);
        Assert.Equal("grep -c cgroup.memory=nokmem /boot/grub/grub.cfg", step.Check[1]);
        Assert.Equal("plan.boot.regenerate.why", step.WhySaid!.Key);
        Assert.Equal(["/boot/grub/grub.cfg", "/etc/default/grub"], edit.Files);
        Assert.Equal(("/etc/default/grub", "Ubuntu"), (edit.CmdlineFile, edit.TargetEntry));
        Assert.Single(steps);
    }

    [Fact]
    public void Grub_cmdline_linux_set_in_grub_d_is_changed_where_it_is_set()
    {
        var (_, steps, edit, _) = Plan(Model(
            OsUbuntu,
            ("/boot/grub/grub.cfg", UbuntuMenu("0")),
            ("/etc/default/grub", "GRUB_DEFAULT=0\n" + UbuntuDefaults),
            ("/etc/default/grub.d/50-cloudimg-settings.cfg", "GRUB_CMDLINE_LINUX=\"console=ttyS0\"\n")));
        Assert.Equal("/etc/default/grub.d/50-cloudimg-settings.cfg", edit.CmdlineFile);
        Assert.EndsWith(
            " /etc/default/grub.d/50-cloudimg-settings.cfg",
            StepTitled(steps, "plan.boot.cmdline-regenerate").Commands[0],
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_literal_default_moves_in_the_file_that_sets_it_and_says_the_old_one()
    {
        BootConfig boot = Model(OsCentos,
            ("/boot/grub2/grub.cfg", El7Menu("0", El7Old, El7New)),
            ("/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\n"));
        var (_, steps, edit, _) = Plan(boot);
        Assert.Equal("0", edit.OldDefault);
        Assert.True(StepTitled(steps, "plan.boot.make-default").ByApply);
        Assert.Equal(["/boot/grub2/grub.cfg", "/etc/default/grub"], edit.Files);
    }

    [Fact]
    public void Bls_lists_with_grubby_and_checks_the_default_with_it()
    {
        BootConfig boot = AlmaSavedOld(("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"ro\"\nGRUB_ENABLE_BLSCFG=true\n"));
        var (d, steps, edit, _) = Plan(boot);
        Assert.StartsWith("grubby --info=ALL", d.ListStep.Commands[0], StringComparison.Ordinal);
        Assert.Equal("grub2-editenv list", d.ListStep.Commands[1]);
        Assert.Equal("grubby --default-kernel", StepTitled(steps, "plan.boot.make-default").Check[1]);
        Assert.Contains("(kernel.nokmem-arg, L3)", StepTitled(steps, "plan.boot.add").Why, StringComparison.Ordinal);
        Assert.Equal("plan.boot.keep-bls.why", StepTitled(steps, "plan.boot.cmdline-keep").WhySaid!.Key);
        Assert.Equal(
            ("6fa2-5.14.0-70.13.1.el9_0.x86_64", "/boot/loader/entries", BootStyle.GrubbyBls),
            (edit.TargetEntry, edit.ConfigFile, edit.Style));
    }

    [Fact]
    public void Bls_entries_that_read_an_empty_kernelopts_get_the_argument_alone()
    {
        BootConfig boot = Model("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
            ("/boot/grub2/grub.cfg", "set default=\"${saved_entry}\"\nblscfg\n"),
            ("/boot/grub2/grubenv", Env(("saved_entry", "6fa2-4.18.0-305.el8.x86_64"))),
            Bls("4.18.0-305.el8.x86_64", "$kernelopts"));
        var (_, steps, edit, _) = Plan(boot);
        FixStep kernelopts = StepTitled(steps, "plan.boot.kernelopts");
        Assert.Equal(["grub2-editenv - set 'kernelopts=cgroup.memory=nokmem'"], kernelopts.Commands);
        Assert.True(kernelopts.ByApply);
        Assert.True(edit.Kernelopts);
    }

    [Fact]
    public void An_entry_and_settings_that_have_the_argument_already_change_nothing()
    {
        BootConfig boot = Model(OsCentos,
            ("/boot/grub2/grub.cfg", El7MenuWith(" cgroup.memory=nokmem", "${saved_entry}", El7New)),
            ("/boot/grub2/grubenv", Env(("saved_entry", $"CentOS Linux ({El7New}) 7 (Core)"))),
            ("/etc/default/grub", "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"rhgb quiet cgroup.memory=nokmem\"\n"));
        var (d, steps, edit, _) = Plan(boot);
        Assert.Empty(steps);
        Assert.Equal((false, (string?)null), (edit.Kernelopts, edit.CmdlineFile));
        Assert.Empty(edit.Files);
        Assert.True(d.Entries.Single().HasArgument);
    }
}
