using Cgleak.Host.Boot;

namespace Cgleak.Host.Tests;

/// <summary>
/// The boot reader on scratch host trees: the links it records, where a stub's prefix sends it, which directory
/// entries it lists as ESP directories or files, and what it leaves alone.
/// </summary>
public class BootReaderTreeTests
{
    [Fact]
    public void Records_a_link_to_a_file_read_before_and_one_read_for_the_first_time()
    {
        using var t = new ScratchTree();
        t.File("/boot/grub2/grub.cfg", "menuentry 'a' {\n\tlinux /vmlinuz-5 ro\n}\n");
        t.Link("/etc/grub2.cfg", "../boot/grub2/grub.cfg");  // read first, through the link
        t.Link("/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"); // read after its target
        BootRead read = BootReader.Read(t.Host);
        Assert.Equal(
            [("/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"), ("/etc/grub2.cfg", "/boot/grub2/grub.cfg")],
            read.Links.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(["/boot/grub2/grub.cfg"], read.Files.Select(f => f.HostPath));
    }

    [Fact]
    public void A_stubs_prefix_is_read_as_given_and_under_boot_with_its_device_dropped()
    {
        using var t = new ScratchTree();
        t.File("/boot/efi/EFI/ubuntu/grub.cfg", "set prefix=($root)'/custom'\nconfigfile $prefix/grub.cfg\n");
        foreach (string dir in (string[])["/custom", "/boot/custom"])
        {
            t.File(dir + "/grub.cfg", "menuentry 'a' {\n\tlinux /vmlinuz-5 ro\n}\n");
            t.File(dir + "/grubenv", "# GRUB Environment Block\n");
        }

        BootRead read = BootReader.Read(t.Host);
        Assert.Equal(
            ["/boot/custom/grub.cfg", "/boot/custom/grubenv", "/boot/efi/EFI/ubuntu/grub.cfg", "/custom/grub.cfg",
                "/custom/grubenv"],
            read.Files.Select(f => f.HostPath));
    }

    [Theory]
    [InlineData("set prefix=grub")]               // relative: not a host path
    [InlineData("set prefix=(hd0)/../custom")]
    public void A_prefix_that_is_not_a_plain_absolute_path_is_not_read(string prefix)
    {
        using var t = new ScratchTree();
        t.File("/boot/efi/EFI/ubuntu/grub.cfg", prefix + "\nconfigfile $prefix/grub.cfg\n");
        t.File("/custom/grub.cfg", "menuentry 'a' {\n}\n");
        BootRead read = BootReader.Read(t.Host);
        Assert.Equal(["/boot/efi/EFI/ubuntu/grub.cfg"], read.Files.Select(f => f.HostPath));
        Assert.Empty(read.Problems);
    }

    [Fact]
    public void Esp_directories_are_directories_and_links_to_directories_but_not_links_to_files()
    {
        using var t = new ScratchTree();
        t.File("/boot/efi/EFI/ubuntu/grub.cfg", "menuentry 'u' {\n}\n");
        t.File("/boot/other/grub.cfg", "menuentry 'o' {\n}\n");
        t.Link("/boot/efi/EFI/alias", "/boot/other");
        t.File("/boot/efi/EFI/file/grub.cfg.txt", "");
        t.Link("/boot/efi/EFI/filelink", "/boot/efi/EFI/file/grub.cfg.txt");
        BootRead read = BootReader.Read(t.Host);
        Assert.Equal(["/boot/efi/EFI/ubuntu/grub.cfg", "/boot/other/grub.cfg"], read.Files.Select(f => f.HostPath));
        Assert.Equal("/boot/other/grub.cfg", read.Links["/boot/efi/EFI/alias/grub.cfg"]);
    }

    [Fact]
    public void Installed_kernels_are_files_and_links_to_files_never_directories()
    {
        using var t = new ScratchTree();
        t.File("/boot/vmlinuz-5.1.0", "");
        t.File("/opt/kernel-image", "");
        t.Link("/boot/vmlinuz-5.2.0", "/opt/kernel-image");
        Directory.CreateDirectory(t.Root + "/boot/vmlinuz-5.3.0");
        Directory.CreateDirectory(t.Root + "/opt/kdir");
        t.Link("/boot/vmlinuz-5.4.0", "/opt/kdir");
        Assert.Equal(["5.1.0", "5.2.0"], BootReader.Read(t.Host).InstalledKernels);
    }

    [Fact]
    public void A_boot_file_that_is_a_directory_is_neither_read_nor_a_problem()
    {
        using var t = new ScratchTree();
        Directory.CreateDirectory(t.Root + "/etc/default/grub");
        Directory.CreateDirectory(t.Root + "/boot/grub2/grub.cfg");
        BootRead read = BootReader.Read(t.Host);
        Assert.Empty(read.Files);
        Assert.Empty(read.Problems);
        Assert.Null(BootReader.Resolve(t.Host, "/etc/default/grub"));
        Assert.Null(BootReader.Resolve(t.Host, "/etc/missing"));
    }

    [Fact]
    public void A_bls_directory_that_cannot_be_listed_is_a_problem_naming_it()
    {
        using var t = new ScratchTree();
        t.Link("/boot/loader/entries", "/boot/loader/entries");
        HostMessage said = Assert.Single(BootReader.Read(t.Host).Problems);
        Assert.Equal(("boot.cannot-read", "/boot/loader/entries"), (said.Key, said.Args[0]));
        Assert.Contains("ELOOP", said.English, StringComparison.Ordinal);
    }
}
