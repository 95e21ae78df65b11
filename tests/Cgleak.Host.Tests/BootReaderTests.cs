using Cgleak.Host.Boot;

namespace Cgleak.Host.Tests;

/// <summary>The boot model's one reader on a host tree: links resolved inside the root, EFI, grubby, grub.d.</summary>
public sealed class BootReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-bootread-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string hostPath, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_root + hostPath)!);
        File.WriteAllText(_root + hostPath, text);
    }

    [Fact]
    public void Reads_the_layout_of_an_el7_uefi_host_through_its_links()
    {
        Write("/boot/efi/EFI/centos/grub.cfg", "set default=\"${saved_entry}\"\nmenuentry 'CentOS Linux "
            + "(3.10.0-1160.el7.x86_64) 7 (Core)' {\n\tlinuxefi /vmlinuz-3.10.0-1160.el7.x86_64 ro\n}\n");
        Write("/boot/efi/EFI/centos/grubenv", GrubEnv.Parse("# GRUB Environment Block\n")!.With(
            "saved_entry",
            "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)").Format());
        Write("/boot/vmlinuz-3.10.0-1160.el7.x86_64", "");
        Write("/boot/vmlinuz-0-rescue-abc", "");
        Write("/etc/default/grub", "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\n");
        Write("/etc/default/grub.d/50-x.cfg", "GRUB_TIMEOUT=1\n");
        Write("/etc/os-release", "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n");
        Write("/usr/sbin/grubby", "");
        Directory.CreateDirectory(_root + "/sys/firmware/efi");
        File.CreateSymbolicLink(_root + "/etc/grub2-efi.cfg", "../boot/efi/EFI/centos/grub.cfg");
        // dangling: el7 UEFI has no BIOS menu
        File.CreateSymbolicLink(_root + "/etc/grub2.cfg", "/boot/grub2/grub.cfg");

        BootConfig boot = BootConfig.Read(HostRoot.At(_root));
        Assert.True(boot.Efi);
        Assert.Equal("/usr/sbin/grubby", boot.Grubby);
        Assert.Equal("/boot/efi/EFI/centos/grub.cfg", boot.MenuFile!.HostPath);
        Assert.Equal("/boot/efi/EFI/centos/grubenv", boot.GrubEnvFile!.HostPath);
        Assert.Equal("0", boot.Next.Entry!.Number);
        Assert.Equal(["3.10.0-1160.el7.x86_64"], boot.InstalledKernels);
        Assert.Equal(["/boot/efi/EFI/centos/grub.cfg", "/boot/efi/EFI/centos/grubenv", "/etc/default/grub",
            "/etc/default/grub.d/50-x.cfg"],
            boot.All.Select(f => f.HostPath));
        Assert.Equal("1", boot.Defaults!.Value("GRUB_TIMEOUT"));
        Assert.Empty(boot.Problems);
    }

    [Fact]
    public void A_bios_host_has_no_efi_and_no_grubby()
    {
        Write(
            "/boot/grub/grub.cfg",
            "menuentry 'Debian GNU/Linux' {\n\tlinux /boot/vmlinuz-6.1.0-18-amd64 ro quiet\n}\n");
        BootConfig boot = BootConfig.Read(HostRoot.At(_root));
        Assert.False(boot.Efi);
        Assert.Null(boot.Grubby);
        Assert.Equal("6.1.0-18-amd64", boot.Next.Entry!.KernelVersion);
    }
}
