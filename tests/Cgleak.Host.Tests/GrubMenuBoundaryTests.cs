using Cgleak.Host.Boot;

namespace Cgleak.Host.Tests;

/// <summary>
/// grub.cfg and GRUB script at their bounds: the shortest lines that still count, conditions opened and closed,
/// blocks that nest or are left open, and the line numbers problems carry.
/// </summary>
public class GrubMenuBoundaryTests
{
    private const string File = "/boot/grub/grub.cfg";

    [Theory]
    [InlineData("echo \"ab\\", "echo|ab\\")]   // a backslash that ends the line inside double quotes is kept
    [InlineData("echo $", "echo|$")]           // a dollar that ends the line is a dollar
    [InlineData("echo a{ b}", "echo|a{|b}")]   // a brace after a letter is no variable: the blank splits
    [InlineData("echo \"a\\\"b\" c", "echo|a\"b|c")]
    public void A_line_ends_cleanly_on_a_backslash_or_a_dollar_and_only_dollar_brace_is_a_variable(
        string line,
        string words) =>
        Assert.Equal(words.Split('|'), GrubScript.Words(line));

    [Fact]
    public void An_entry_without_id_or_submenus_is_this_systems()
    {
        var entry = new BootMenuEntry("0", 0, [], [], "Ubuntu", null, "/vmlinuz-5.4.0", "ro", File, 1);
        Assert.False(entry.IsOtherSystem);
        Assert.False((entry with { SubmenuIds = [null], Submenus = ["Advanced"] }).IsOtherSystem);
    }

    [Fact]
    public void A_file_with_neither_entries_nor_configfile_is_no_stub_and_one_with_entries_neither()
    {
        Assert.False(GrubMenu.Parse("set timeout=5\n", File).IsStub);
        GrubMenu both = GrubMenu.Parse(
            "configfile /boot/grub2/grub.cfg\nmenuentry 'a' {\n\tlinux /vmlinuz-5 ro\n}\n",
            File);
        Assert.False(both.IsStub);
        Assert.True(GrubMenu.Parse("configfile /boot/grub2/grub.cfg\n", File).IsStub);
    }

    [Fact]
    public void The_shortest_menuentry_and_linux_lines_count()
    {
        GrubMenu menu = GrubMenu.Parse("menuentry {\n\tlinux /vmlinuz-5.0\n}\n", File);
        Assert.Empty(menu.Problems);
        BootMenuEntry entry = Assert.Single(menu.Entries);
        Assert.Equal(("{", "/vmlinuz-5.0", "", 1), (entry.Title, entry.KernelImage, entry.Arguments, entry.Line));
    }

    [Fact]
    public void An_image_spelled_with_an_escape_has_no_arguments_to_keep_byte_for_byte()
    {
        GrubMenu menu = GrubMenu.Parse("menuentry 'a' {\n\tlinux /vm\\linuz-5 ro quiet\n}\n", File);
        BootMenuEntry entry = Assert.Single(menu.Entries);
        Assert.Equal(("/vmlinuz-5", ""), (entry.KernelImage, entry.Arguments));
    }

    [Fact]
    public void A_nested_entry_is_reported_at_its_line_and_not_listed()
    {
        GrubMenu menu = GrubMenu.Parse("menuentry 'a' {\n\tmenuentry 'b' {\n\t}\n\tlinux /vmlinuz-5 ro\n}\n", File);
        HostMessage nested = Assert.Single(menu.ProblemsSaid);
        Assert.Equal(("boot.nested-entry", 2, "a"), (nested.Key, nested.Args[1], nested.Args[2]));
        Assert.Equal(["a"], menu.Entries.Select(e => e.Title));
    }

    [Fact]
    public void Stray_and_unclosed_braces_carry_their_line_numbers()
    {
        HostMessage stray = Assert.Single(GrubMenu.Parse("set a=1\n}\n", File).ProblemsSaid);
        Assert.Equal(("boot.stray-brace", 2), (stray.Key, stray.Args[1]));
        HostMessage open = Assert.Single(GrubMenu.Parse("\nsubmenu 's' {\n", File).ProblemsSaid);
        Assert.Equal(("boot.not-closed", 2, "submenu"), (open.Key, open.Args[1], open.Args[2]));
    }

    [Fact]
    public void An_open_entry_around_an_open_block_is_one_unclosed_entry_not_also_unbalanced_braces()
    {
        GrubMenu menu = GrubMenu.Parse("menuentry 'a' {\n\tfunction f {\n", File);
        Assert.Equal(["boot.not-closed"], menu.ProblemsSaid.Select(p => p.Key));
        Assert.Equal(
            ["boot.unbalanced"],
            GrubMenu.Parse("function f {\n", File).ProblemsSaid.Select(p => p.Key));
    }

    [Fact]
    public void A_line_that_closes_one_block_and_opens_another_keeps_the_depth()
    {
        GrubMenu menu = GrubMenu.Parse("function f {\n} else {\n}\nmenuentry 'a' {\n\tlinux /vmlinuz-5 ro\n}\n", File);
        Assert.Empty(menu.Problems);
        Assert.Equal(["a"], menu.Items.Select(i => i.Title));
    }

    [Fact]
    public void Set_prefix_counts_only_outside_entries_and_only_as_a_set()
    {
        GrubMenu menu = GrubMenu.Parse(
            "echo prefix=/echoed\nmenuentry 'a' {\n\tset prefix=(hd0)/inner\n\tlinux /vmlinuz-5 ro\n}\n",
            File);
        Assert.Null(menu.Prefix);
    }

    [Fact]
    public void Two_next_entry_tests_still_honour_next_entry()
    {
        string header = "if [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\nfi\n";
        Assert.True(GrubMenu.Parse(header + header, File).HonoursNextEntry);
    }

    [Fact]
    public void One_fi_closes_one_condition_so_a_default_inside_another_if_stays_conditional()
    {
        const string Text = "if [ x$fallback = xy ] ; then\n"
            + "if [ \"${next_entry}\" ] ; then\n set default=\"${next_entry}\"\nfi\n"
            + " set default=\"1\"\nfi\nmenuentry 'a' {\n\tlinux /vmlinuz-5 ro\n}\n";
        GrubMenu menu = GrubMenu.Parse(Text, File);
        Assert.Null(menu.Default);
        Assert.Empty(menu.DefaultSettings);
    }

    [Fact]
    public void A_menuentry_titled_fi_closes_no_condition()
    {
        const string Text = "if [ x$fallback = xy ] ; then\nmenuentry fi {\n\tlinux /vmlinuz-5 ro\n}\n"
            + " set default=\"1\"\nfi\n";
        GrubMenu menu = GrubMenu.Parse(Text, File);
        Assert.Equal(["fi"], menu.Entries.Select(e => e.Title));
        Assert.Null(menu.Default);
    }
}
