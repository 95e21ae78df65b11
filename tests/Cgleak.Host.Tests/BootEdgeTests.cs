using Cgleak.Host.Boot;

namespace Cgleak.Host.Tests;

/// <summary>
/// GRUB script split into words as GRUB's lexer and the shell split it, and the braces that open or close blocks.
/// </summary>
public class GrubScriptTests
{
    [Theory]
    [InlineData("menuentry 'Ubuntu' --class ubuntu $menuentry_id_option 'gnulinux-simple-8e3d' {",
        "menuentry|Ubuntu|--class|ubuntu|$menuentry_id_option|gnulinux-simple-8e3d|{", 1)]
    [InlineData(
        "menuentry 'Debian GNU/Linux, with Linux 5.10.0-28-amd64' {",
        "menuentry|Debian GNU/Linux, with Linux 5.10.0-28-amd64|{",
        1)]
    [InlineData("menuentry 'It'\\''s mine' {", "menuentry|It's mine|{", 1)]                // grub_quote's apostrophe
    [InlineData("set default=\"${saved_entry}\"", "set|default=${saved_entry}", 0)]
    [InlineData("echo \"a \\\"b\\\" c\"", "echo|a \"b\" c", 0)]
    [InlineData("if [ \"${next_entry}\" ] ; then", "if|[|${next_entry}|]|then", 0)]
    [InlineData("\tlinux\t/vmlinuz-1 ro\r", "linux|/vmlinuz-1|ro", 0)]
    [InlineData("a;b", "a|b", 0)]
    [InlineData("linux /vmlinuz-1 ro # quiet", "linux|/vmlinuz-1|ro", 0)]              // a comment from a word's start
    [InlineData("echo a#b", "echo|a#b", 0)]                                             // inside a word: not a comment
    [InlineData("echo ${a} x${b}y", "echo|${a}|x${b}y", 0)]
    // a variable is one word, blanks and all
    [InlineData("echo ${a b}", "echo|${a b}", 0)]
    // an escaped brace opens no block
    [InlineData("echo \\{ a\\ b", "echo|{|a b", 0)]
    [InlineData("}", "}", -1)]
    [InlineData("} }", "}|}", -2)]
    [InlineData("echo \"}\" '{' ${x} {", "echo|}|{|${x}|{", 1)]                         // quoted braces are no blocks
    [InlineData("x '' y", "x||y", 0)]
    public void Splits_a_line_into_words_and_counts_its_block_braces(string line, string words, int braces)
    {
        Assert.Equal(words.Split('|'), GrubScript.Words(line));
        Assert.Equal(braces, GrubScript.BraceBalance(line));
    }

    [Theory]
    [InlineData("echo 'abc", "echo|abc")]
    [InlineData("echo \"abc", "echo|abc")]
    [InlineData("echo ${abc", "echo|${abc")]
    [InlineData("echo a\\", "echo|a\\")]
    public void An_unclosed_quote_or_variable_runs_to_the_end_of_the_line(string line, string words) =>
        Assert.Equal(words.Split('|'), GrubScript.Words(line));

    [Theory]
    [InlineData("")]
    [InlineData("   \t")]
    [InlineData("# set default=1")]
    [InlineData("  # comment")]
    public void A_blank_or_comment_line_has_no_words(string line)
    {
        Assert.Empty(GrubScript.Words(line));
        Assert.Equal(0, GrubScript.BraceBalance(line));
    }
}

/// <summary>grubenv, BLS entries and the kernel version order on valid but unusual input.</summary>
public class BootFileEdgeTests
{
    private const string Header = "# GRUB Environment Block\n";

    [Fact]
    public void Grubenv_splits_at_the_first_equals_sign_and_skips_comments_and_lines_without_a_name()
    {
        GrubEnv env = GrubEnv.Parse(Header
            + "kernelopts=root=UUID=949779ce ro\n=orphan\nnoequals\n#saved_entry=x\nsaved_entry=\n"
            + new string('#', 900))!;
        Assert.Equal(["kernelopts", "saved_entry"], env.Values.Select(kv => kv.Key));
        Assert.Equal("root=UUID=949779ce ro", env["kernelopts"]);
        Assert.Equal("", env["saved_entry"]);
    }

    [Fact]
    public void Grubenv_with_replaces_a_value_in_place_and_appends_a_new_one()
    {
        GrubEnv env = GrubEnv.Parse(Header + "saved_entry=0\nboot_success=1\n")!.With("saved_entry", "1>2")
            .With("next_entry", "3");
        Assert.Equal(
            ["saved_entry=1>2", "boot_success=1", "next_entry=3"],
            env.Values.Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.StartsWith(
            Header + "saved_entry=1>2\nboot_success=1\nnext_entry=3\n#",
            env.Format(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Grubenv_fills_exactly_1024_bytes_counted_in_utf8_and_refuses_more()
    {
        string exact = new('x', GrubEnv.BlockSize - Header.Length - "k=\n".Length);
        Assert.Equal(GrubEnv.BlockSize, GrubEnv.Parse(Header)!.With("k", exact).Format().Length);
        Assert.Throws<InvalidOperationException>(() => GrubEnv.Parse(Header)!.With("k", exact + "x").Format());
        string title = "é" + new string('x', GrubEnv.BlockSize - Header.Length - "k=\n".Length - 2); // é is 2 bytes
        Assert.Equal(
            GrubEnv.BlockSize,
            System.Text.Encoding.UTF8.GetByteCount(GrubEnv.Parse(Header)!.With("k", title).Format()));
        Assert.Throws<InvalidOperationException>(() => GrubEnv.Parse(Header)!.With("k", title + "x").Format());
    }

    [Fact]
    public void Bls_entry_takes_keys_at_a_line_start_only_and_its_id_from_the_file_name()
    {
        BlsEntry e = BlsEntry.Parse("/boot/loader/entries/abc-5.14.0-70.el9.x86_64.conf",
            "title Rocky\n  version\t5.14.0-70.el9.x86_64 \nlinux /vmlinuz-5.14.0-162.el9.x86_64\n# options "
                + "x\noptions\n");
        Assert.Equal(("abc-5.14.0-70.el9.x86_64", "Rocky", "5.14.0-70.el9.x86_64"), (e.Id, e.Title, e.Version));
        Assert.Equal("5.14.0-70.el9.x86_64", e.KernelVersion); // version wins over the image's name
        Assert.Equal(("", 4), (e.Options, e.OptionsLine));
        Assert.False(e.UsesKernelopts);
        Assert.Equal("entry", BlsEntry.Parse("/x/entry", "").Id);
        Assert.Null(BlsEntry.Parse("/x/a.conf", "title only\n").KernelVersion);
        Assert.True(BlsEntry.Parse("/x/a.conf", "options root=/dev/vda1 $kernelopts\n").UsesKernelopts);
        Assert.False(BlsEntry.Parse("/x/a.conf", "options $kernelopts_x\n").UsesKernelopts);
    }

    [Theory]
    [InlineData("/boot/vmlinuz-4.18.0-348.el8.x86_64", "4.18.0-348.el8.x86_64")]
    [InlineData("/vmlinuz-5.4.0-42-generic", "5.4.0-42-generic")]
    [InlineData("(hd0,gpt2)/vmlinuz-6.1.0-18-amd64", "6.1.0-18-amd64")]
    [InlineData("/boot/bzImage", null)]
    [InlineData(null, null)]
    public void The_kernel_version_is_the_image_name_after_vmlinuz(string? image, string? version) =>
        Assert.Equal(version, BlsEntry.VersionOfImage(image));

    [Theory]
    [InlineData("5.4.0-42-generic", "5.4.0-42-lowlatency")]  // same numbers: the text decides
    [InlineData("abc", "abd")]                               // neither a version: the text decides
    [InlineData("3.10.0-1062.4.1.el7", "3.10.0-1062.4.2.el7")]
    [InlineData("3.10.0-1062.el7", "3.10.0-1062.0.1.el7")]   // a missing build number counts as 0
    [InlineData("4.18.0-80.el8", "4.19.0-1.el8")]
    [InlineData("4.18.0-80.el8", "5.0.0-1")]
    [InlineData("4.18.0-80.el8", "4.18.1-1")]
    public void Kernel_versions_order_each_number_then_the_text(string older, string newer)
    {
        Assert.True(KernelVersionOrder.Instance.Compare(older, newer) < 0);
        Assert.True(KernelVersionOrder.Instance.Compare(newer, older) > 0);
    }

    [Fact]
    public void A_missing_version_sorts_first_and_two_missing_are_equal()
    {
        Assert.Equal(0, KernelVersionOrder.Instance.Compare(null, null));
        Assert.True(KernelVersionOrder.Instance.Compare(null, "0-rescue-abc") < 0);
        Assert.True(KernelVersionOrder.Instance.Compare("0-rescue-abc", "3.10.0-957.el7") < 0);
        Assert.True(KernelVersionOrder.Instance.Compare("3.10.0-957.el7", null) > 0);
    }
}

/// <summary>
/// The menu's edges: entries of other systems, the first linux line, what counts outside an entry, broken files' line
/// numbers.
/// </summary>
public class GrubMenuEdgeTests
{
    private static BootMenuEntry Entry(
        string title,
        string? id = null,
        string? submenuId = null,
        string? image = "/vmlinuz-5.4.0-42-generic") =>
        new(
            "0",
            0,
            submenuId is null ? [] : ["Advanced"],
            submenuId is null ? [] : [submenuId],
            title,
            id,
            image,
            "ro",
            "f",
            0);

    [Fact]
    public void An_entry_is_another_systems_by_its_id_its_submenus_id_or_its_title_each_alone()
    {
        Assert.False(Entry("Ubuntu", "gnulinux-simple-ca4c").IsOtherSystem);
        Assert.True(Entry("Fedora", "osprober-gnulinux-simple-ade8").IsOtherSystem);
        Assert.True(Entry("Fedora", "gnulinux-x", submenuId: "osprober-gnulinux-advanced-ade8").IsOtherSystem);
        Assert.False(Entry("Fedora", "gnulinux-x", submenuId: "gnulinux-advanced-ade8").IsOtherSystem);
        Assert.True(Entry("Windows 7 (on /dev/sdb1)").IsOtherSystem);
    }

    [Fact]
    public void Recovery_and_rescue_entries_are_known_by_title_or_image()
    {
        Assert.True(Entry("Ubuntu, with Linux 5.4.0-42-generic (recovery mode)").IsRecovery);
        Assert.True(Entry("CentOS Linux 7", image: "/vmlinuz-0-rescue-8fcc").IsRecovery);
        Assert.True(Entry("Rescue").IsRecovery);
        Assert.False(Entry("CentOS Linux 7", image: null).IsRecovery);
        Assert.False(Entry("Ubuntu").IsRecovery);
    }

    [Fact]
    public void Os_probers_entries_keep_grubs_numbers_and_are_marked_as_other_systems()
    {
        BootConfig boot = BootConfig.Read(HostRoot.At(Cgleak.Testing.Repo.Fixture("ubuntu2004-bios-osprober")));
        Assert.Equal(["0", "1>0", "1>1", "2", "3>0", "3>1"], boot.Entries.Select(e => e.Number));
        Assert.Equal([false, false, false, true, true, true], boot.Entries.Select(e => e.IsOtherSystem));
    }

    [Fact]
    public void First_linux_line_of_an_entry_counts_and_set_default_or_configfile_inside_an_entry_is_not_the_files()
    {
        GrubMenu menu = GrubMenu.Parse("menuentry 'a' {\n\tset default=5\n\tif [ \"${next_entry}\" ]; "
            + "then\n\tfi\n\tconfigfile /boot/grub/grub.cfg\n"
            + "\tlinux /vmlinuz-1 ro quiet\n\tlinux /vmlinuz-2 single\n}\n", "f");
        BootMenuEntry e = Assert.Single(menu.Entries);
        Assert.Equal(("/vmlinuz-1", "ro quiet", 5), (e.KernelImage, e.Arguments, e.Line));
        Assert.Null(menu.Default);
        Assert.Null(menu.ConfigFile);
        Assert.False(menu.HonoursNextEntry);
        Assert.False(menu.IsStub);
    }

    [Fact]
    public void A_linux_line_without_an_image_and_a_set_without_a_value_are_ignored()
    {
        GrubMenu menu = GrubMenu.Parse("set\nset default\nmenuentry 'a' {\n\tlinux\n\tlinux16 /vmlinuz-3 ro\n}\n", "f");
        Assert.Empty(menu.DefaultSettings);
        Assert.Equal(("/vmlinuz-3", 4), (menu.Entries[0].KernelImage, menu.Entries[0].Line));
    }

    [Theory]
    [InlineData("menuentry 'a' --id=ida {\n}\n", "ida")]
    [InlineData("menuentry 'a' --class x --id ida {\n}\n", "ida")]
    [InlineData("menuentry 'a' ${menuentry_id_option} 'ida' {\n}\n", "ida")]
    [InlineData("menuentry 'a' --class ida {\n}\n", null)]
    public void Reads_an_entrys_id_in_each_form(string text, string? id) =>
        Assert.Equal(id, Assert.Single(GrubMenu.Parse(text, "f").Entries).Id);

    [Theory]
    [InlineData("menuentry 'a' {\n\tlinux /vmlinuz-1 ro\n", "f line 1: menuentry \"a\" is not closed")]
    [InlineData("\nsubmenu 's' {\nmenuentry 'a' {\n}\n", "f line 2: submenu \"s\" is not closed")]
    [InlineData("menuentry 'a' {\n}\n}\n", "f line 3: '}' closes no block")]
    [InlineData("menuentry 'a' {\nmenuentry 'b' {\n}\n}\n", "f line 2: menuentry inside menuentry \"a\"")]
    [InlineData("if [ x ]; then\nfunction f {\n", "f: unbalanced braces: the file ends inside a block")]
    public void Names_the_line_and_the_block_of_a_broken_menu(string text, string problem) =>
        Assert.Equal(problem, Assert.Single(GrubMenu.Parse(text, "f").Problems));

    [Fact]
    public void A_function_block_holds_no_entry_and_closes_cleanly()
    {
        GrubMenu menu = GrubMenu.Parse(
            "function load_video {\n  insmod all_video\n}\nmenuentry 'a' {\n\tlinux /vmlinuz-1 ro\n}\n",
            "f");
        Assert.Empty(menu.Problems);
        Assert.Equal(["0"], menu.Entries.Select(e => e.Number));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("1>3")]
    [InlineData("0>0")]
    public void A_number_one_past_a_levels_end_or_under_an_entry_finds_nothing(string selector)
    {
        GrubMenu menu = GrubMenu
            .Parse("menuentry 'a' {\n}\nsubmenu 's' {\nmenuentry 'b' {\n}\nmenuentry 'c' {\n}\nmenuentry 'd' {\n}\n}\n"
                + "menuentry 'e' {\n}\nsubmenu 'empty' {\n}\n", "f");
        Assert.Equal(["0", "1>0", "1>1", "1>2", "2"], menu.Entries.Select(e => e.Number));
        Assert.Null(GrubMenu.Find(menu.Items, selector));
        Assert.Null(GrubMenu.Find(menu.Items, "3")); // an empty submenu boots nothing
        Assert.Equal("1>2", GrubMenu.Find(menu.Items, "1>2")!.Number);
    }
}
