using Cgleak.Host.Boot;
using Cgleak.Host.Facts;

namespace Cgleak.Host.Tests;

/// <summary>
/// The boot model's decisions on small edge inputs, one value each side of a bound: which ESP menu the firmware
/// reads, how far a chain of stubs is followed, which grubenv, which BLS files and defaults count, which entry boots.
/// </summary>
public class BootDecisionTests
{
    private const string OsUbuntu = "ID=ubuntu\nID_LIKE=debian\n";

    private static string Menu(string version, string args = "ro") =>
        $"menuentry 'Linux {version}' {{\n\tlinux /vmlinuz-{version} {args}\n}}\n";

    private static string Env(params (string Key, string Value)[] values) =>
        values.Aggregate(GrubEnv.Parse("# GRUB Environment Block\n")!, (e, kv) => e.With(kv.Key, kv.Value)).Format();

    private static (string, string) Bls(string version, string options, string? title = null) =>
        ($"/boot/loader/entries/6fa2-{version}.conf",
            (title is null ? "" : $"title {title}\n")
                + $"version {version}\nlinux /vmlinuz-{version}\noptions {options}\n");

    private static BootConfig Model(
        bool efi = false,
        string? os = OsUbuntu,
        params (string Path, string Text)[] files) =>
        BootConfig.From(new BootRead(
            efi,
            null,
            os,
            new Dictionary<string, string>(),
            [.. files.Select(f => BootFile.Of(f.Path, f.Text))],
            [],
            []));

    [Fact]
    public void The_esp_menu_of_the_distribution_comes_before_the_others_and_the_fallback_boot_directory_last()
    {
        (string, string)[] files =
        [
            ("/boot/efi/EFI/BOOT/grub.cfg", Menu("1-boot")), ("/boot/efi/EFI/aaa/grub.cfg", Menu("2-aaa")),
            ("/boot/efi/EFI/ubuntu/grub.cfg", Menu("3-ubuntu")), ("/boot/efi/EFI/zzz/grub.cfg", Menu("4-zzz")),
        ];
        Assert.Equal("/boot/efi/EFI/ubuntu/grub.cfg", Model(efi: true, files: files).MenuFile!.HostPath);
        // Another distribution's host: no directory of its own, the first by name, BOOT only when nothing else.
        Assert.Equal(
            "/boot/efi/EFI/aaa/grub.cfg",
            Model(efi: true, os: "ID=centos\n", files: files).MenuFile!.HostPath);
        Assert.Equal(
            "/boot/efi/EFI/BOOT/grub.cfg",
            Model(efi: true, os: "ID=centos\n", files: files[..1]).MenuFile!.HostPath);
    }

    [Fact]
    public void Only_a_grub_cfg_under_the_esp_is_an_esp_menu()
    {
        BootConfig boot = Model(efi: true, files:
        [
            ("/boot/efi/EFI/aaa/grubenv", Env()), ("/boot/efi/EFI/bbb/grub.cfg", Menu("5.0")),
            ("/aaa/grub.cfg", Menu("6.0")),
        ]);
        Assert.Equal("/boot/efi/EFI/bbb/grub.cfg", boot.MenuFile!.HostPath);
        Assert.Equal("5.0", boot.Next.Entry!.KernelVersion);
    }

    [Fact]
    public void A_chain_of_stubs_is_followed_through_four_files_and_no_further()
    {
        static string Stub(string to) => $"configfile {to}\n";
        BootConfig four = Model(efi: true, files:
        [
            ("/boot/efi/EFI/ubuntu/grub.cfg", Stub("/s1/grub.cfg")), ("/s1/grub.cfg", Stub("/s2/grub.cfg")),
            ("/s2/grub.cfg", Stub("/s3/grub.cfg")), ("/s3/grub.cfg", Menu("5.0")),
        ]);
        Assert.Equal(["/boot/efi/EFI/ubuntu/grub.cfg", "/s1/grub.cfg", "/s2/grub.cfg", "/s3/grub.cfg"], four.Chain);
        Assert.Equal("5.0", four.Next.Entry!.KernelVersion);

        BootConfig five = Model(efi: true, files:
        [
            ("/boot/efi/EFI/ubuntu/grub.cfg", Stub("/s1/grub.cfg")), ("/s1/grub.cfg", Stub("/s2/grub.cfg")),
            ("/s2/grub.cfg", Stub("/s3/grub.cfg")), ("/s3/grub.cfg", Stub("/s4/grub.cfg")),
            ("/s4/grub.cfg", Menu("5.0")),
        ]);
        Assert.Equal(4, five.Chain.Count);
        Assert.Null(five.MenuFile);
        Assert.Null(five.Next.Entry);
    }

    [Theory]
    [InlineData("configfile grub.cfg")]                          // relative: GRUB's cwd is not known
    [InlineData("configfile (hd0,gpt2/grub.cfg")]                // a device that never closes: used to loop forever
    [InlineData("set prefix=x\nconfigfile $prefix/grub.cfg")]
    public void A_stub_whose_target_is_no_absolute_path_hands_over_to_nothing(string stub)
    {
        BootConfig boot = Model(efi: true, files:
        [
            ("/boot/efi/EFI/ubuntu/grub.cfg", stub + "\n"), ("/bootgrub.cfg", Menu("5.0")),
            ("/bootx/grub.cfg", Menu("5.1")), ("/grub.cfg", Menu("5.2")),
        ]);
        Assert.Null(boot.MenuFile);
        HostMessage handsOver = Assert.Single(boot.ProblemsSaid, p => p.Key == "boot.hands-over");
        Assert.Equal("/boot/efi/EFI/ubuntu/grub.cfg", handsOver.Args[0]);
    }

    [Theory]
    [InlineData("set prefix=($root)'/boot/grub'\nconfigfile ${prefix}/grub.cfg", "/boot/grub/grub.cfg")]
    [InlineData("set prefix=(hd0,gpt2)/grub\nconfigfile $prefix/grub.cfg", "/boot/grub/grub.cfg")]
    [InlineData("configfile ()/boot/grub/grub.cfg", "/boot/grub/grub.cfg")]
    [InlineData("configfile (lvm/a)(hd0)/boot/grub/grub.cfg", "/boot/grub/grub.cfg")]
    public void A_stub_hands_over_to_its_prefix_with_the_devices_dropped(string stub, string menu)
    {
        BootConfig boot = Model(efi: true, files:
            [("/boot/efi/EFI/ubuntu/grub.cfg", stub + "\n"), (menu, Menu("5.0"))]);
        Assert.Equal(menu, boot.MenuFile!.HostPath);
        Assert.Empty(boot.Problems);
    }

    [Fact]
    public void A_missing_target_names_the_stubs_prefix_or_says_it_is_unset()
    {
        BootConfig set = Model(efi: true, files:
            [("/boot/efi/EFI/ubuntu/grub.cfg", "set prefix=($root)'/nowhere'\nconfigfile $prefix/grub.cfg\n")]);
        HostMessage said = Assert.Single(set.ProblemsSaid);
        Assert.Equal(["/boot/efi/EFI/ubuntu/grub.cfg", "$prefix/grub.cfg", "($root)/nowhere"], said.Args);
        Assert.Contains("(prefix ($root)/nowhere)", said.English, StringComparison.Ordinal);

        BootConfig unset = Model(efi: true, files:
            [("/boot/efi/EFI/ubuntu/grub.cfg", "configfile $prefix/grub.cfg\n")]);
        Assert.Equal("boot.unset", Assert.IsType<HostMessage>(Assert.Single(unset.ProblemsSaid).Args[2]).Key);
    }

    [Fact]
    public void The_menus_own_problems_are_the_models_problems()
    {
        BootConfig boot = Model(files: [("/boot/grub/grub.cfg", Menu("5.0") + "}\n")]);
        Assert.Equal(["boot.stray-brace"], boot.ProblemsSaid.Select(p => p.Key));
    }

    [Fact]
    public void Grubenv_beside_the_menu_else_the_first_fallback_that_exists()
    {
        BootConfig beside = Model(files:
            [("/boot/grub/grub.cfg", Menu("5.0")), ("/boot/grub/grubenv", Env()), ("/boot/grub2/grubenv", Env())]);
        Assert.Equal("/boot/grub/grubenv", beside.GrubEnvFile!.HostPath);
        BootConfig fallback = Model(files: [("/boot/grub/grub.cfg", Menu("5.0")), ("/boot/grub2/grubenv", Env())]);
        Assert.Equal("/boot/grub2/grubenv", fallback.GrubEnvFile!.HostPath);
        Assert.NotNull(fallback.Env);
    }

    [Fact]
    public void A_grubenv_without_its_header_is_a_problem_and_no_environment()
    {
        BootConfig boot = Model(files:
            [("/boot/grub/grub.cfg", Menu("5.0")), ("/boot/grub/grubenv", "saved_entry=0\n")]);
        Assert.Null(boot.Env);
        HostMessage said = Assert.Single(boot.ProblemsSaid);
        Assert.Equal(("boot.not-grubenv", "/boot/grub/grubenv"), (said.Key, said.Args[0]));
    }

    [Fact]
    public void Only_conf_files_under_loader_entries_are_bls_entries_in_name_order()
    {
        BootConfig boot = Model(os: null, files:
        [
            ("/boot/grub2/grub.cfg", "blscfg\n"), Bls("5.14.0-2", "ro"), Bls("5.14.0-10", "ro"),
            ("/boot/loader/entries/6fa2-5.14.0-9.conf.rpmsave", "version 5.14.0-9\nlinux /vmlinuz-5.14.0-9\n"),
            ("/etc/dracut.conf", "version 5.14.0-8\nlinux /vmlinuz-5.14.0-8\n"),
        ]);
        Assert.Equal(
            ["/boot/loader/entries/6fa2-5.14.0-10.conf", "/boot/loader/entries/6fa2-5.14.0-2.conf"],
            boot.BlsFiles.Select(f => f.HostPath));
        Assert.Equal(["5.14.0-10", "5.14.0-2"], boot.Entries.Select(e => e.KernelVersion));
    }

    [Fact]
    public void Bls_entries_count_only_when_the_menu_calls_blscfg_or_there_is_no_menu()
    {
        BootConfig classic = Model(files: [("/boot/grub2/grub.cfg", Menu("4.18.0-1")), Bls("5.14.0-1", "ro")]);
        Assert.False(classic.UsesBls);
        Assert.Equal(["4.18.0-1"], classic.Entries.Select(e => e.KernelVersion));

        BootConfig noMenu = Model(files:
        [
            Bls("5.14.0-1", "ro"), Bls("5.14.0-2", "ro"),
            ("/boot/grub2/grubenv", Env(("saved_entry", "6fa2-5.14.0-1"))),
        ]);
        Assert.True(noMenu.UsesBls);
        Assert.Equal("5.14.0-1", noMenu.Next.Entry!.KernelVersion); // saved_entry, though grub.cfg is not there
        Assert.Equal("boot.source.saved", noMenu.Next.SourceSaid.Key);
    }

    [Fact]
    public void Bls_entries_take_their_title_expand_tuned_params_and_name_the_grubenv_that_lacks_kernelopts()
    {
        BootConfig boot = Model(files:
        [
            ("/boot/grub2/grub.cfg", "blscfg\n"), ("/boot/grub2/grubenv", Env(("tuned_params", "skew_tick=1"))),
            Bls("5.14.0-2", "$kernelopts $tuned_params", title: "Rocky Linux (5.14.0-2)"), Bls("5.14.0-1", "ro quiet"),
        ]);
        Assert.Equal(["Rocky Linux (5.14.0-2)", "6fa2-5.14.0-1"], boot.Entries.Select(e => e.Title));
        Assert.Equal("skew_tick=1", boot.Entries[0].Arguments);
        HostMessage said = Assert.Single(boot.ProblemsSaid, p => p.Key == "boot.no-kernelopts");
        Assert.Equal("/boot/grub2/grubenv", said.Args[0]);
        Assert.Contains("/boot/grub2/grubenv has no kernelopts", said.English, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_etc_default_grub_then_grub_d_cfg_files_whatever_order_they_were_read_in()
    {
        BootConfig boot = BootConfig.From(new BootRead(false, null, null, new Dictionary<string, string>(),
        [
            BootFile.Of("/etc/default/grub.d/50-cloud.cfg", "GRUB_TIMEOUT=1\n"),
            BootFile.Of("/etc/default/grub.d/60-x.txt", "GRUB_TIMEOUT=9\nGRUB_DISABLE_OS_PROBER=true\n"),
            BootFile.Of("/etc/default/grub", "GRUB_TIMEOUT=5\n"),
        ], [], []));
        Assert.Equal("1", boot.Defaults!.Value("GRUB_TIMEOUT"));
        Assert.Null(boot.Defaults.Value("GRUB_DISABLE_OS_PROBER"));
        Assert.Null(Model(files: [("/boot/grub/grub.cfg", Menu("5.0"))]).Defaults);
    }

    [Fact]
    public void A_menu_without_default_boots_its_first_entry_even_with_a_saved_entry()
    {
        BootConfig boot = Model(files:
            [("/boot/grub/grub.cfg", Menu("5.0") + Menu("5.1")), ("/boot/grub/grubenv", Env(("saved_entry", "1")))]);
        Assert.Equal("5.0", boot.Next.Entry!.KernelVersion);
        Assert.Equal(
            ("boot.source.no-default", "/boot/grub/grub.cfg"),
            (boot.Next.SourceSaid.Key, boot.Next.SourceSaid.Args[0]));
        Assert.False(boot.Next.Once);
    }

    [Fact]
    public void Next_entry_is_once_and_saved_entry_is_not()
    {
        string menu = "if [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\n"
            + "else\n set default=\"${saved_entry}\"\nfi\n" + Menu("5.0") + Menu("5.1");
        BootConfig once = Model(files:
            [("/boot/grub/grub.cfg", menu), ("/boot/grub/grubenv", Env(("saved_entry", "0"), ("next_entry", "1")))]);
        Assert.Equal(("5.1", true), (once.Next.Entry!.KernelVersion, once.Next.Once));
        BootConfig saved = Model(files:
            [("/boot/grub/grub.cfg", menu), ("/boot/grub/grubenv", Env(("saved_entry", "1")))]);
        Assert.Equal(("5.1", false), (saved.Next.Entry!.KernelVersion, saved.Next.Once));
    }

    [Fact]
    public void A_default_that_names_nothing_names_the_menu_file_or_the_bls_entries()
    {
        BootConfig menu = Model(files: [("/boot/grub/grub.cfg", "set default=\"9\"\n" + Menu("5.0"))]);
        Assert.Equal("/boot/grub/grub.cfg", menu.Next.ProblemSaid!.Args[2]);
        Assert.Contains("of /boot/grub/grub.cfg", menu.Next.Problem, StringComparison.Ordinal);

        BootConfig bls = Model(files: [Bls("5.14.0-1", "ro"), ("/boot/grub2/grubenv", Env(("saved_entry", "gone")))]);
        Assert.Equal("boot.bls-entries", Assert.IsType<HostMessage>(bls.Next.ProblemSaid!.Args[2]).Key);
        Assert.Equal("5.14.0-1", bls.Next.Entry!.KernelVersion);
    }

    [Fact]
    public void A_menu_with_no_entry_is_empty_not_missing()
    {
        BootConfig boot = Model(files: [("/boot/grub/grub.cfg", "set timeout=5\n")]);
        Assert.Equal("boot.menu-empty", boot.Next.ProblemSaid!.Key);
        Assert.Equal("boot.no-menu", Model(files: [("/etc/default/grub", "GRUB_TIMEOUT=5\n")]).Next.ProblemSaid!.Key);
    }

    [Fact]
    public void Grub_cmdline_linux_is_checked_on_recovery_entries_too_the_default_one_is_not()
    {
        const string Generated = "### BEGIN /etc/grub.d/10_linux ###\n"
            + "menuentry 'Linux' --id gnulinux-5.0-advanced {\n\tlinux /vmlinuz-5.0 ro console=ttyS0 quiet\n}\n"
            + "menuentry 'Linux (recovery mode)' --id gnulinux-5.0-recovery {\n\tlinux /vmlinuz-5.0 ro single\n}\n";
        BootConfig linux = Model(files:
            [("/boot/grub/grub.cfg", Generated), ("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"console=ttyS0\"\n")]);
        HostMessage stale = Assert.Single(linux.StaleSaid);
        Assert.Equal(("boot.stale.cmdline", "GRUB_CMDLINE_LINUX", "1"), (stale.Key, stale.Args[1], stale.Args[3]));

        BootConfig linuxDefault = Model(files:
            [("/boot/grub/grub.cfg", Generated), ("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")]);
        Assert.Empty(linuxDefault.StaleSaid);
    }

    [Theory]
    [InlineData(false, "BIOS")]
    [InlineData(true, "UEFI")]
    public void A_second_menu_with_other_kernels_is_noted_with_the_firmware_that_decides(bool efi, string firmware)
    {
        BootConfig boot = Model(efi: efi, os: "ID=centos\n", files:
            [("/boot/efi/EFI/centos/grub.cfg", Menu("3.10.0-1")), ("/boot/grub2/grub.cfg", Menu("3.10.0-2"))]);
        HostMessage note = Assert.Single(boot.NotesSaid);
        Assert.Equal(firmware, note.Args[2]);
        Assert.Contains($"boots with {firmware}", note.English, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_of_two_files_is_said_as_first_then_second()
    {
        BootConfig boot = Model(efi: true, files:
        [
            ("/boot/efi/EFI/ubuntu/grub.cfg", "configfile /boot/grub/grub.cfg\n"), ("/boot/grub/grub.cfg", Menu("5.0")),
            ("/boot/grub2/grub.cfg", Menu("4.0")),
        ]);
        HostMessage then = Assert.IsType<HostMessage>(Assert.Single(boot.NotesSaid).Args[3]);
        Assert.Equal(
            ("boot.then", "/boot/efi/EFI/ubuntu/grub.cfg", "/boot/grub/grub.cfg"),
            (then.Key, then.Args[0], then.Args[1]));
        Assert.Equal("/boot/grub/grub.cfg", Assert.Single(Model(files:
            [("/boot/grub/grub.cfg", Menu("5.0")), ("/boot/efi/EFI/x/grub.cfg", Menu("4.0"))]).NotesSaid).Args[3]);
    }

    [Fact]
    public void A_bls_host_is_not_compared_with_another_firmwares_menu()
    {
        BootConfig boot = Model(files:
        [
            ("/boot/grub2/grub.cfg", "blscfg\n"), Bls("5.14.0-1", "ro"),
            ("/boot/efi/EFI/centos/grub.cfg", Menu("3.10.0-1")),
        ]);
        Assert.True(boot.UsesBls);
        Assert.Empty(boot.NotesSaid);
    }

    [Theory]
    [InlineData("/boot/grub2/grub.cfg", BootTooling.Grubby)]
    [InlineData("/boot/grub/grub.cfg", BootTooling.UpdateGrub)]
    [InlineData("/grub/grub.cfg", null)]
    public void An_unknown_distribution_gets_the_tools_its_layout_tells(string menu, BootTooling? tooling)
    {
        BootConfig boot = Model(os: "ID=somethingelse\n", files:
            [(menu, Menu("5.0")), ("/etc/default/grub", "GRUB_TIMEOUT=5\n")]);
        Assert.Equal(tooling, boot.Tooling);
    }
}
