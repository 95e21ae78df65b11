using Cgleak.Host.Boot;
using Cgleak.Host.Facts;

namespace Cgleak.Host.Tests;

/// <summary>
/// The boot model built from files as read: which menu GRUB reads, and which entry boots next for every default form.
/// </summary>
public class BootModelTests
{
    private const string UbuntuStub
        = "search.fs_uuid 8e3d root hd0,gpt2 \nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n";
    private const string OsUbuntu = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n";
    private const string OsCentos = "NAME=\"CentOS Linux\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n";

    private static string Env(params (string Key, string Value)[] values) =>
        values.Aggregate(GrubEnv.Parse("# GRUB Environment Block\n")!, (e, kv) => e.With(kv.Key, kv.Value)).Format();

    private static string Saved(string menu)
        => menu.Replace("set default=\"0\"", "set default=\"${saved_entry}\"", StringComparison.Ordinal);

    private static BootConfig Model(
        bool efi = false,
        string? os = OsUbuntu,
        Dictionary<string, string>? links = null,
        params (string Path, string Text)[] files) =>
        BootConfig.From(
            new BootRead(efi, null, os, links ?? [], files.Select(f => BootFile.Of(f.Path, f.Text)).ToList(), [], []));

    [Fact]
    public void On_ubuntu_uefi_the_esp_stub_hands_over_to_the_real_menu()
    {
        BootConfig boot = Model(efi: true, files: [("/boot/efi/EFI/ubuntu/grub.cfg", UbuntuStub), (
            "/boot/grub/grub.cfg", BootMenuTests.Ubuntu), ("/boot/grub/grubenv", Env())]);
        Assert.Equal(["/boot/efi/EFI/ubuntu/grub.cfg", "/boot/grub/grub.cfg"], boot.Chain);
        Assert.Equal("/boot/grub/grub.cfg", boot.MenuFile!.HostPath);
        Assert.Equal(6, boot.Entries.Count);
        Assert.Equal("/boot/grub/grubenv", boot.GrubEnvFile!.HostPath);
        Assert.Empty(boot.Problems);
        Assert.Empty(boot.Notes); // the stub is no second menu: nothing to compare
        Assert.Equal(BootTooling.UpdateGrub, boot.Tooling);
    }

    [Fact]
    public void A_stub_whose_target_is_missing_is_a_problem_not_an_empty_menu()
    {
        BootConfig boot = Model(efi: true, files: [("/boot/efi/EFI/ubuntu/grub.cfg", UbuntuStub)]);
        Assert.Null(boot.MenuFile);
        Assert.Contains(boot.Problems, p => p.Contains("hands over to $prefix/grub.cfg", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stub_with_a_separate_boot_partition_hands_over_to_boot_grub()
    {
        BootConfig boot = Model(efi: true, files: [("/boot/efi/EFI/debian/grub.cfg", "search.fs_uuid 1 root\nset "
            + "prefix=($root)'/grub'\nconfigfile $prefix/grub.cfg\n"),
            ("/boot/grub/grub.cfg", BootMenuTests.Ubuntu)]);
        Assert.Equal("/boot/grub/grub.cfg", boot.MenuFile!.HostPath);
    }

    [Fact]
    public void El7_reads_the_file_its_symlink_names_for_its_firmware_and_notes_a_second_menu_that_differs()
    {
        const string Efi = "menuentry 'CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)' {\n\tlinuxefi "
            + "/vmlinuz-3.10.0-1160.el7.x86_64 ro\n}\n";
        const string Bios = "menuentry 'CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)' {\n\tlinux16 "
            + "/vmlinuz-3.10.0-957.el7.x86_64 ro\n}\n";
        var links = new Dictionary<string, string>
        {
            ["/etc/grub2-efi.cfg"] = "/boot/efi/EFI/centos/grub.cfg",
            ["/etc/grub2.cfg"] = "/boot/grub2/grub.cfg"
        };
        (string, string)[] files = [("/boot/efi/EFI/centos/grub.cfg", Efi), ("/boot/grub2/grub.cfg", Bios), (
            "/boot/efi/EFI/centos/grubenv", Env()), ("/boot/grub2/grubenv", Env())];
        BootConfig uefi = Model(efi: true, os: OsCentos, links: links, files: files);
        Assert.Equal("/boot/efi/EFI/centos/grub.cfg", uefi.MenuFile!.HostPath);
        Assert.Equal("/boot/efi/EFI/centos/grubenv", uefi.GrubEnvFile!.HostPath);
        Assert.Equal("3.10.0-1160.el7.x86_64", uefi.Next.Entry!.KernelVersion);
        Assert.Contains(
            uefi.Notes,
            n => n.Contains("/boot/grub2/grub.cfg lists other kernels", StringComparison.Ordinal));
        Assert.DoesNotContain(uefi.Notes, n => n.Contains("remove", StringComparison.Ordinal));
        Assert.Equal(BootTooling.Grubby, uefi.Tooling);

        BootConfig bios = Model(efi: false, os: OsCentos, links: links, files: files);
        Assert.Equal("/boot/grub2/grub.cfg", bios.MenuFile!.HostPath);
        Assert.Equal("/boot/grub2/grubenv", bios.GrubEnvFile!.HostPath);
        Assert.Equal("3.10.0-957.el7.x86_64", bios.Next.Entry!.KernelVersion);
    }

    [Theory]
    [InlineData("0", "0", "set default in /boot/grub/grub.cfg")]
    [InlineData("1>2", "1>2", "set default in /boot/grub/grub.cfg")]
    [InlineData("Advanced options for Ubuntu>Ubuntu, with Linux 4.15.0-20-generic", "1>2", "set default in")]
    [InlineData("bob", "3", "set default in")]
    public void A_literal_default_boots_the_entry_it_names(string value, string number, string source)
    {
        BootConfig boot = Model(files: [("/boot/grub/grub.cfg", BootMenuTests.Ubuntu
            .Replace("set default=\"0\"", $"set default=\"{value}\"", StringComparison.Ordinal))]);
        Assert.Equal(number, boot.Next.Entry!.Number);
        Assert.StartsWith(source, boot.Next.Source, StringComparison.Ordinal);
        Assert.Null(boot.Next.Problem);
    }

    [Theory]
    // what grub-set-default and grub-reboot write
    [InlineData("gnulinux-advanced-8e3d>gnulinux-4.15.0-20-generic-advanced-8e3d", "1>2")]
    [InlineData("Advanced options for Ubuntu>Ubuntu, with Linux 4.15.0-29-generic (recovery mode)", "1>1")]
    [InlineData("1>2", "1>2")]
    [InlineData("2", "2")]
    [InlineData("gnulinux-simple-8e3d", "0")]
    public void Saved_boots_the_saved_entry_whatever_its_form(string saved, string number)
    {
        BootConfig boot = Model(files: [("/boot/grub/grub.cfg", Saved(
            BootMenuTests.Ubuntu)), ("/boot/grub/grubenv", Env(("saved_entry", saved)))]);
        Assert.Equal(number, boot.Next.Entry!.Number);
        Assert.Equal(saved, boot.Next.Selector);
        Assert.Equal("saved_entry in /boot/grub/grubenv", boot.Next.Source);
    }

    [Fact]
    public void Saved_without_a_saved_entry_or_without_grubenv_boots_the_first_entry()
    {
        Assert.Equal("0", Model(
            files: [("/boot/grub/grub.cfg", Saved(BootMenuTests.Ubuntu)), ("/boot/grub/grubenv", Env(
                ))]).Next.Entry!.Number);
        BootConfig noEnv = Model(files: [("/boot/grub/grub.cfg", Saved(BootMenuTests.Ubuntu))]);
        Assert.Equal("0", noEnv.Next.Entry!.Number);
        Assert.Null(noEnv.GrubEnvFile);
    }

    [Fact]
    public void Next_entry_wins_once_and_a_default_that_names_nothing_falls_back_to_entry_0_with_a_problem()
    {
        BootConfig once = Model(files: [("/boot/grub/grub.cfg", Saved(
            BootMenuTests.Ubuntu)), ("/boot/grub/grubenv", Env(("saved_entry", "1>2"), ("next_entry", "3")))]);
        Assert.Equal("3", once.Next.Entry!.Number);
        Assert.StartsWith("next_entry", once.Next.Source, StringComparison.Ordinal);

        BootConfig gone = Model(files: [("/boot/grub/grub.cfg", Saved(
            BootMenuTests.Ubuntu)), ("/boot/grub/grubenv", Env(("saved_entry",
                "Ubuntu, with Linux 4.4.0-1-generic")))]);
        Assert.Equal("0", gone.Next.Entry!.Number);
        Assert.Contains("names no entry", gone.Next.Problem, StringComparison.Ordinal);
        Assert.Contains(gone.Problems, p => p.Contains("GRUB falls back to entry 0", StringComparison.Ordinal));
    }

    private const string Kernelopts = "root=/dev/mapper/rl-root ro crashkernel=auto rhgb quiet";

    private static (string, string) Bls(string version, string options) =>
        ($"/boot/loader/entries/6fa2-{version}.conf", $"title Rocky Linux ({version}) 8.5 (Green Obsidian)\nversion "
            + $"{version}\nlinux /vmlinuz-{version}\n"
            + $"initrd /initramfs-{version}.img $tuned_initrd\noptions {options}\ngrub_class kernel\n");

    [Fact]
    public void Bls_entries_are_listed_newest_first_with_kernelopts_expanded_and_saved_entry_is_their_id()
    {
        BootConfig boot = Model(os: "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", files: [
            ("/boot/grub2/grub.cfg", "set default=\"${saved_entry}\"\ninsmod blscfg\nblscfg\n"),
            ("/boot/grub2/grubenv", Env(("saved_entry", "6fa2-4.18.0-80.el8.x86_64"), ("kernelopts", Kernelopts))),
            Bls("4.18.0-80.el8.x86_64", "$kernelopts $tuned_params"), Bls(
                "4.18.0-348.el8.x86_64",
                "$kernelopts $tuned_params"),
            Bls("4.18.0-305.el8.x86_64", "root=/dev/vda1 ro cgroup.memory=nokmem")]);
        Assert.True(boot.UsesBls);
        Assert.Equal(
            ["4.18.0-348.el8.x86_64", "4.18.0-305.el8.x86_64", "4.18.0-80.el8.x86_64"],
            boot.Entries.Select(e => e.KernelVersion));
        Assert.Equal(["0", "1", "2"], boot.Entries.Select(e => e.Number));
        Assert.Equal(Kernelopts, boot.Entries[0].Arguments);
        Assert.True(boot.Entries[0].UsesKernelopts);
        Assert.False(boot.Entries[1].UsesKernelopts);
        // not the newest: the saved one
        Assert.Equal("/boot/loader/entries/6fa2-4.18.0-80.el8.x86_64.conf", boot.Next.Entry!.File);
        Assert.Equal(4, boot.Next.Entry.Line);
        Assert.Equal(BootTooling.Grubby, boot.Tooling);
    }

    [Fact]
    public void Bls_entries_that_read_kernelopts_without_one_in_grubenv_are_a_problem()
    {
        BootConfig boot = Model(os: OsCentos, files: [("/boot/grub2/grub.cfg", "blscfg\n"), ("/boot/grub2/grubenv", Env(
            )), Bls("4.18.0-80.el8.x86_64", "$kernelopts")]);
        Assert.Contains(boot.Problems, p => p.Contains("has no kernelopts", StringComparison.Ordinal));
        Assert.Equal("0", boot.Next.Entry!.Number);
    }

    [Fact]
    public void A_grub_cfg_older_than_its_settings_is_noticed()
    {
        string menu = BootMenuTests.Ubuntu;
        Assert.Empty(Model(files: [("/boot/grub/grub.cfg", menu), ("/etc/default/grub",
            "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX=\"\"\n")]).Stale);
        BootConfig cmdline = Model(files: [("/boot/grub/grub.cfg", menu), ("/etc/default/grub",
            "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n")]);
        Assert.Contains(
            cmdline.Stale,
            s => s.Contains("GRUB_CMDLINE_LINUX=\"console=ttyS0\"", StringComparison.Ordinal));
        BootConfig saved = Model(files: [("/boot/grub/grub.cfg", menu), ("/etc/default/grub", "GRUB_DEFAULT=saved\n")]);
        Assert.Contains(saved.Stale, s => s.Contains("GRUB_DEFAULT=saved", StringComparison.Ordinal));
        BootConfig overridden = Model(files: [("/boot/grub/grub.cfg", menu), ("/etc/default/grub",
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"),
            ("/etc/default/grub.d/50-cloudimg-settings.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 "
                + "console=ttyS0\"\n")]);
        Assert.Contains(overridden.Stale, s => s.StartsWith(
            "/etc/default/grub.d/50-cloudimg-settings.cfg has GRUB_CMDLINE_LINUX_DEFAULT",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ID=openEuler\n", BootTooling.Grubby)]
    [InlineData("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", BootTooling.Grubby)]
    [InlineData("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", BootTooling.UpdateGrub)]
    [InlineData("ID=somethingelse\n", BootTooling.Grubby)] // unknown: the layout (/boot/grub2) tells
    [InlineData(null, BootTooling.Grubby)]
    public void The_family_comes_from_os_release_then_from_the_layout(string? os, BootTooling tooling) =>
        Assert.Equal(tooling, Model(os: os, files: [("/boot/grub2/grub.cfg", "menuentry 'a' {\n}\n")]).Tooling);

    /// <summary>
    /// One table of families (DistroFamilies): the boot model names the family the plans use for packages.
    /// </summary>
    [Theory]
    [InlineData("ID=openEuler\nVERSION_ID=\"22.03\"\n", "openEuler")]
    [InlineData("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n", "RHEL/CentOS 7")]
    [InlineData("ID=euleros\nVERSION_ID=\"2.0\"\n", "EulerOS")]
    [InlineData("ID=somethingelse\n", null)]
    public void The_boot_model_and_the_plans_share_the_family_table(string os, string? family) =>
        Assert.Equal(family, Model(os: os, files: [("/boot/grub/grub.cfg", "menuentry 'a' {\n}\n")]).Family?.Name);

    [Fact]
    public void No_menu_at_all_gives_no_entry_and_says_so()
    {
        BootConfig boot = Model(files: [("/etc/default/grub", "GRUB_DEFAULT=0\n")]);
        Assert.Empty(boot.Entries);
        Assert.Null(boot.Next.Entry);
        Assert.Equal("no grub.cfg menu could be read", boot.Next.Problem);
        Assert.False(boot.Unreadable);
        BootConfig unreadable = BootConfig.From(new BootRead(false, null, null, new Dictionary<string, string>(), [],
            [], [HostMessage.Say("boot.cannot-read", "/boot/grub2/grub.cfg: cannot read: Permission denied",
            "/boot/grub2/grub.cfg", "Permission denied")]));
        Assert.True(unreadable.Unreadable);
    }
}
