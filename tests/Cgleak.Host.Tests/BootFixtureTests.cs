using Cgleak.Host.Boot;
using Cgleak.Host.Facts;
using Cgleak.Testing;

namespace Cgleak.Host.Tests;

/// <summary>
/// The boot model on the fixture hosts that stand for real nodes (each README states what boots next, written
/// before cgleak ran on it; SOURCES.md names the public files): which menu GRUB reads, through which files,
/// GRUB's numbers, the entry that boots next and why, and the tools the family uses.
/// </summary>
public class BootFixtureTests
{
    [Theory]
    [InlineData("centos7-bios-514", false, "/boot/grub2/grub.cfg", "/boot/grub2/grubenv", "0 1 2", "0",
        "3.10.0-514.26.2.el7.x86_64", "saved_entry in /boot/grub2/grubenv", BootTooling.Grubby)]
    [InlineData("centos7-uefi-1127", true, "/boot/efi/EFI/centos/grub.cfg", "/boot/efi/EFI/centos/grubenv", "0 1", "0",
        "3.10.0-1127.el7.x86_64", "saved_entry in /boot/efi/EFI/centos/grubenv", BootTooling.Grubby)]
    [InlineData("centos7-bios-no-grubenv", false, "/boot/grub2/grub.cfg", null, "0", "0",
        "3.10.0-1160.114.2.el7.x86_64", "set default in /boot/grub2/grub.cfg", BootTooling.Grubby)]
    [InlineData("ubuntu1804-bios", false, "/boot/grub/grub.cfg", "/boot/grub/grubenv", "0 1>0 1>1 2 3 4", "0",
        "4.15.0-20-generic", "set default in /boot/grub/grub.cfg", BootTooling.UpdateGrub)]
    [InlineData(
        "ubuntu2204-uefi-stub",
        true,
        "/boot/efi/EFI/ubuntu/grub.cfg /boot/grub/grub.cfg",
        "/boot/grub/grubenv",
        "0 1>0 1>1",
        "0",
        "5.15.0-100-generic",
        "set default in /boot/grub/grub.cfg",
        BootTooling.UpdateGrub)]
    [InlineData(
        "ubuntu2204-submenu-default",
        true,
        "/boot/efi/EFI/ubuntu/grub.cfg /boot/grub/grub.cfg",
        "/boot/grub/grubenv",
        "0 1>0 1>1",
        "1>0",
        "5.15.0-100-generic",
        "set default in /boot/grub/grub.cfg",
        BootTooling.UpdateGrub)]
    [InlineData("ubuntu2204-saved-idpath", false, "/boot/grub/grub.cfg", "/boot/grub/grubenv", "0 1>0 1>1", "1>0",
        "5.15.0-100-generic", "saved_entry in /boot/grub/grubenv", BootTooling.UpdateGrub)]
    [InlineData(
        "debian11-pinned-kernel",
        false,
        "/boot/grub/grub.cfg",
        "/boot/grub/grubenv",
        "0 1>0 1>1 1>2 1>3",
        "1>2",
        "5.10.0-28-amd64",
        "set default in /boot/grub/grub.cfg",
        BootTooling.UpdateGrub)]
    [InlineData("rocky9-bls-inline", false, "/boot/grub2/grub.cfg", "/boot/grub2/grubenv", "0 1 2 3", "0",
        "5.14.0-162.6.1.el9_1.x86_64", "saved_entry in /boot/grub2/grubenv", BootTooling.Grubby)]
    [InlineData("el8-bls-kernelopts", false, "/boot/grub2/grub.cfg", "/boot/grub2/grubenv", "0 1 2", "0",
        "4.18.0-240.15.1.el8_3.x86_64", "saved_entry in /boot/grub2/grubenv", BootTooling.Grubby)]
    public void Reads_the_menu_grub_reads_and_the_entry_that_boots_next(
        string fixture,
        bool efi,
        string chain,
        string? grubenv,
        string numbers,
        string next,
        string kernel,
        string source,
        BootTooling tooling)
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Repo.Fixture(fixture)));
        Assert.Equal(efi, boot.Efi);
        Assert.Equal(chain.Split(' '), boot.Chain);
        Assert.Equal(boot.Chain[^1], boot.MenuFile!.HostPath);
        Assert.Equal(grubenv, boot.GrubEnvFile?.HostPath);
        Assert.Equal(numbers.Split(' '), boot.Entries.Select(e => e.Number));
        Assert.Equal(
            (next, kernel, source),
            (boot.Next.Entry!.Number, boot.Next.Entry.KernelVersion, boot.Next.Source));
        Assert.Null(boot.Next.Problem);
        Assert.Equal(tooling, boot.Tooling);
        Assert.Empty(boot.Problems);
        Assert.Empty(boot.Notes);
    }

    [Fact]
    public void El7_lists_the_installed_kernels_without_the_rescue_image_in_text_order()
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Repo.Fixture("centos7-bios-514")));
        Assert.Equal(["3.10.0-514.26.2.el7.x86_64", "3.10.0-514.el7.x86_64"], boot.InstalledKernels);
        Assert.Equal("/boot/grub2/grub.cfg", boot.Chain.Single()); // through the link /etc/grub2.cfg
        Assert.True(boot.Entries[2].IsRecovery);
        Assert.Equal(
            ("saved", "crashkernel=auto rhgb quiet"),
            (boot.Defaults!.Value("GRUB_DEFAULT"), boot.Defaults.Value("GRUB_CMDLINE_LINUX")));
    }

    [Fact]
    public void Bls_entries_are_numbered_by_kernel_version_as_numbers_with_the_rescue_entry_last()
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Repo.Fixture("rocky9-bls-inline")));
        Assert.True(boot.UsesBls);
        Assert.Equal(["5.14.0-162.6.1.el9_1.x86_64", "5.14.0-70.30.1.el9_0.x86_64", "5.14.0-70.22.1.el9_0.x86_64",
            "0-rescue-a98618aa1631441dbb52c75a50834a0a"],
            boot.Entries.Select(e => e.KernelVersion));
        Assert.All(boot.Entries, e => Assert.False(e.UsesKernelopts));
        Assert.Empty(boot.Stale); // BLS: grub.cfg is not where the arguments are
    }

    [Fact]
    public void Bls_entries_that_read_kernelopts_boot_with_grubenvs_arguments()
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Repo.Fixture("el8-bls-kernelopts")));
        BootMenuEntry next = boot.Next.Entry!;
        Assert.True(next.UsesKernelopts);
        Assert.Equal(boot.Env!["kernelopts"]!.Trim(), next.Arguments);
        Assert.Contains("nvme_core.io_timeout=4294967295", next.Arguments, StringComparison.Ordinal);
        Assert.Equal(
            "/boot/loader/entries/b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64.conf",
            next.File);
    }

    [Theory]
    [InlineData("ubuntu2204-uefi-stub")]
    [InlineData("ubuntu2204-saved-idpath")]
    [InlineData("ubuntu1804-bios")]
    [InlineData("centos7-bios-514")]
    [InlineData("debian11-pinned-kernel")]
    public void A_menu_made_from_its_current_settings_is_not_stale(string fixture) =>
        Assert.Empty(BootConfig.Read(HostRoot.At(Repo.Fixture(fixture))).Stale);

    [Fact]
    public void A_cloud_image_setting_changed_after_update_grub_makes_the_menu_stale_and_names_the_file_that_changed()
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Repo.Fixture("ubuntu2204-stale")));
        string stale = Assert.Single(boot.Stale);
        Assert.StartsWith(
            "/etc/default/grub.d/50-cloudimg-settings.cfg has GRUB_CMDLINE_LINUX_DEFAULT=",
            stale,
            StringComparison.Ordinal);
        Assert.Contains("nvme_core.io_timeout=4294967295", stale, StringComparison.Ordinal);
        Assert.Contains("entry 0 of /boot/grub/grub.cfg", stale, StringComparison.Ordinal);
    }
}
