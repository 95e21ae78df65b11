using Cgleak.Lab.Boot;

namespace Cgleak.Lab.Tests;

/// <summary>
/// Each boot-file edit on the lines it is for and the lines it must leave alone, as grubby, grub2-set-default
/// and update-grub would; the lines are shaped like the fixtures' real files (tests/fixtures/hosts/*/SOURCES.md).
/// </summary>
public class BootEditsTests
{
    private const string Arg = "cgroup.memory=nokmem";

    [Fact]
    public void Update_grub_puts_the_new_cmdline_where_the_old_one_stood_and_appends_where_it_was_not()
    {
        string cfg = string.Join('\n',
            "\tlinux\t/boot/vmlinuz-5.4.0-150-generic root=UUID=6c1a ro console=ttyS0 quiet splash $vt_handoff",
            "\tlinux\t/boot/vmlinuz-5.4.0-148-generic root=UUID=6c1a ro  ",
            "\tlinux16\t/boot/memtest86+.bin console=ttyS0",
            $"\tlinuxefi /vmlinuz-4.18.0-513.el8.x86_64 root=/dev/sda1 console=ttyS0 {Arg}",
            "menuentry 'console=ttyS0' {");
        string edited = BootEdits.GrubCfgReplaceCmdlineLinux(cfg, "console=ttyS0", $"{Arg} console=ttyS0", Arg);
        Assert.Equal(string.Join('\n',
            $"\tlinux\t/boot/vmlinuz-5.4.0-150-generic root=UUID=6c1a ro {Arg} console=ttyS0 quiet splash $vt_handoff",
            $"\tlinux\t/boot/vmlinuz-5.4.0-148-generic root=UUID=6c1a ro {Arg}",
            "\tlinux16\t/boot/memtest86+.bin console=ttyS0",                            // not a kernel
            $"\tlinuxefi /vmlinuz-4.18.0-513.el8.x86_64 root=/dev/sda1 console=ttyS0 {Arg}", // has it already
            "menuentry 'console=ttyS0' {"), edited);
        Assert.Equal(
            edited,
            BootEdits.GrubCfgReplaceCmdlineLinux(edited, "console=ttyS0", $"{Arg} console=ttyS0", Arg));
    }

    [Fact]
    public void With_an_empty_old_cmdline_update_grub_appends()
    {
        const string Line = "\tlinux /boot/vmlinuz-5.15.0-91-generic root=UUID=6c1a ro quiet";
        Assert.Equal(Line + " " + Arg, BootEdits.GrubCfgReplaceCmdlineLinux(Line, "", Arg, Arg));
    }

    [Fact]
    public void Grubby_adds_the_argument_to_that_kernels_lines_only()
    {
        string cfg = "\tlinux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro \n\tlinux16 "
            + "/vmlinuz-3.10.0-1160.el7.x86_64-debug ro\n\tlinux16 /vmlinuz-3.10.0-957.el7.x86_64 ro";
        Assert.Equal(
            $"\tlinux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro {Arg}\n\tlinux16 "
                + $"/vmlinuz-3.10.0-1160.el7.x86_64-debug ro\n\tlinux16 /vmlinuz-3.10.0-957.el7.x86_64 ro",
            BootEdits.GrubCfgAddArgument(cfg, "3.10.0-1160.el7.x86_64", Arg));
    }

    [Theory]
    [InlineData(
        "options root=/dev/mapper/rl-root ro crashkernel=auto",
        $"options root=/dev/mapper/rl-root ro crashkernel=auto {Arg}")]
    [InlineData("options\troot=UUID=1 ro  ", $"options\troot=UUID=1 ro {Arg}")]
    [InlineData("options", $"options {Arg}")]
    [InlineData($"options ro {Arg} quiet", $"options ro {Arg} quiet")]
    [InlineData("optionsX ro", "optionsX ro")] // another key that starts alike
    [InlineData(
        "title Rocky Linux (4.18.0-513.el8.x86_64) 8.9 (Green Obsidian)",
        "title Rocky Linux (4.18.0-513.el8.x86_64) 8.9 (Green Obsidian)")]
    public void Grubby_on_a_bls_entry_appends_to_its_options_line(string line, string expected) =>
        Assert.Equal($"title x\n{expected}\n", BootEdits.BlsAddArgument($"title x\n{line}\n", Arg));

    [Fact]
    public void A_bls_entry_that_reads_kernelopts_is_refused()
    {
        var e = Assert.Throws<FormatException>(
            () => BootEdits.BlsAddArgument("options $kernelopts $tuned_params\n", Arg));
        Assert.Contains("grubenv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_menus_default_changes_and_the_one_shot_next_entry_line_does_not()
    {
        string cfg = "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\n   set next_entry=\nelse\n  "
            + " set default=\"0\"\nfi\nset default='1'";
        Assert.Equal(
            "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\n   set next_entry=\nelse\n   set "
                + "default=\"1>2\"\nfi\nset default=\"1>2\"",
            BootEdits.GrubCfgSetDefault(cfg, "1>2"));
    }

    [Theory]
    [InlineData("GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n", "GRUB_DEFAULT=\"1>2\"\nGRUB_TIMEOUT=5\n")]
    [InlineData("GRUB_TIMEOUT=5\n", "GRUB_TIMEOUT=5\nGRUB_DEFAULT=\"1>2\"\n")]
    [InlineData("GRUB_TIMEOUT=5", "GRUB_TIMEOUT=5\nGRUB_DEFAULT=\"1>2\"\n")]
    [InlineData("#GRUB_DEFAULT=0\n", "#GRUB_DEFAULT=0\nGRUB_DEFAULT=\"1>2\"\n")] // a comment is not an assignment
    public void Grub_default_is_set_where_it_is_assigned_or_appended(string text, string expected) =>
        Assert.Equal(expected, BootEdits.DefaultGrubSetRaw(text, "GRUB_DEFAULT", "\"1>2\""));

    [Theory]
    [InlineData("GRUB_CMDLINE_LINUX=\"console=ttyS0 quiet\"\n", $"GRUB_CMDLINE_LINUX=\"{Arg} console=ttyS0 quiet\"\n")]
    [InlineData("GRUB_CMDLINE_LINUX=quiet\n", $"GRUB_CMDLINE_LINUX=\"{Arg} quiet\"\n")]
    // one quote is a value, not a quoted one
    [InlineData("GRUB_CMDLINE_LINUX=\"\n", $"GRUB_CMDLINE_LINUX=\"{Arg} \"\"\n")]
    [InlineData("GRUB_TIMEOUT=5\n", $"GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"{Arg}\"\n")]
    [InlineData($"GRUB_CMDLINE_LINUX=\"quiet {Arg}\"\n", $"GRUB_CMDLINE_LINUX=\"quiet {Arg}\"\n")]
    [InlineData(
        "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
        $"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"{Arg}\"\n")]
    public void The_runbooks_sed_puts_the_argument_first_in_grub_cmdline_linux(string text, string expected) =>
        Assert.Equal(expected, BootEdits.DefaultGrubAddArgument(text, Arg));

    [Fact]
    public void Kernelopts_gain_the_argument_once_and_the_block_stays_1024_bytes()
    {
        string block = Block(
            "saved_entry=ffe6f7d1a0b54d3b8c5e3a8f1c6a6f9e-4.18.0-513.el8.x86_64\nkernelopts=root=/dev/mapper/rl-root " +
            "ro  \n");
        string once = BootEdits.GrubEnvAddKernelopt(block, Arg);
        Assert.Equal(1024, once.Length);
        Assert.StartsWith($"# GRUB Environment "
            + $"Block\nsaved_entry=ffe6f7d1a0b54d3b8c5e3a8f1c6a6f9e-4.18.0-513.el8.x86_64\nkernelopts=root=/dev/mappe" +
                $"r/rl-root ro {Arg}\n#", once, StringComparison.Ordinal);
        Assert.Same(once, BootEdits.GrubEnvAddKernelopt(once, Arg));

        Assert.StartsWith(
            $"# GRUB Environment Block\nkernelopts={Arg}\n#",
            BootEdits.GrubEnvAddKernelopt(Block("kernelopts=\n"), Arg),
            StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => BootEdits.GrubEnvAddKernelopt(Block("saved_entry=0\n"), Arg));
        Assert.Throws<FormatException>(() => BootEdits.GrubEnvAddKernelopt("saved_entry=0\n", Arg));
    }

    private static string Block(string values)
    {
        string text = "# GRUB Environment Block\n" + values;
        return text + new string('#', 1024 - text.Length);
    }
}
