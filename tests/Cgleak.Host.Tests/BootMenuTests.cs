using Cgleak.Host.Boot;

namespace Cgleak.Host.Tests;

/// <summary>grub.cfg as GRUB reads it: numbering, ids, quotes, the default, the stub's hand-over.</summary>
public class BootMenuTests
{
    /// <summary>
    /// An Ubuntu 18.04 menu as grub-mkconfig writes it (trimmed), with a custom entry after the submenu.
    /// </summary>
    internal const string Ubuntu = """
        ### BEGIN /etc/grub.d/00_header ###
        if [ -s $prefix/grubenv ]; then
          set have_grubenv=true
          load_env
        fi
        if [ "${next_entry}" ] ; then
           set default="${next_entry}"
           set next_entry=
           save_env next_entry
           set boot_once=true
        else
           set default="0"
        fi
        if [ x"${feature_menuentry_id}" = xy ]; then
          menuentry_id_option="--id"
        else
          menuentry_id_option=""
        fi
        function load_video {
          insmod all_video
        }
        ### END /etc/grub.d/00_header ###
        ### BEGIN /etc/grub.d/10_linux ###
        menuentry 'Ubuntu' --class ubuntu --class gnu-linux $menuentry_id_option 'gnulinux-simple-8e3d' {
        	recordfail
        	if [ x$feature_platform_search_hint = xy ]; then
        	  search --no-floppy --fs-uuid --set=root  8e3d
        	fi
        	linux	/boot/vmlinuz-4.15.0-29-generic root=UUID=8e3d ro  quiet splash $vt_handoff
        	initrd	/boot/initrd.img-4.15.0-29-generic
        }
        submenu 'Advanced options for Ubuntu' $menuentry_id_option 'gnulinux-advanced-8e3d' {
        	menuentry 'Ubuntu, with Linux 4.15.0-29-generic' --class ubuntu $menuentry_id_option 'gnulinux-4.15.0-29-generic-advanced-8e3d' {
        		linux	/boot/vmlinuz-4.15.0-29-generic root=UUID=8e3d ro  quiet splash $vt_handoff
        	}
        	menuentry 'Ubuntu, with Linux 4.15.0-29-generic (recovery mode)' --class ubuntu $menuentry_id_option 'gnulinux-4.15.0-29-generic-recovery-8e3d' {
        		linux	/boot/vmlinuz-4.15.0-29-generic root=UUID=8e3d ro recovery nomodeset
        	}
        	menuentry 'Ubuntu, with Linux 4.15.0-20-generic' --class ubuntu $menuentry_id_option 'gnulinux-4.15.0-20-generic-advanced-8e3d' {
        		linux	/boot/vmlinuz-4.15.0-20-generic root=UUID=8e3d ro  quiet splash $vt_handoff
        	}
        }
        ### END /etc/grub.d/10_linux ###
        menuentry "Memory test (memtest86+)" {
        	linux16	/boot/memtest86+.bin
        }
        menuentry 'Bob'\''s kernel' --id=bob {
        	linux	/boot/vmlinuz-5.4.0-bob root=/dev/sda1
        }

        """;

    [Fact]
    public void Numbers_entries_as_grub_does_a_submenu_counts_once_and_its_entries_are_paths()
    {
        GrubMenu menu = GrubMenu.Parse(Ubuntu, "/boot/grub/grub.cfg");
        Assert.Empty(menu.Problems);
        Assert.Equal(["0", "1>0", "1>1", "1>2", "2", "3"], menu.Entries.Select(e => e.Number));
        Assert.Equal([0, 1, 2, 3, 4, 5], menu.Entries.Select(e => e.Index));
        Assert.Equal(4, menu.Items.Count);
        Assert.True(menu.Items[1].IsSubmenu);
    }

    [Fact]
    public void Reads_titles_in_both_quotes_and_with_escaped_apostrophes_and_ids_in_every_form()
    {
        GrubMenu menu = GrubMenu.Parse(Ubuntu, "/boot/grub/grub.cfg");
        Assert.Equal("Memory test (memtest86+)", menu.Entries[4].Title);
        Assert.Null(menu.Entries[4].Id);
        Assert.Equal("Bob's kernel", menu.Entries[5].Title);
        Assert.Equal("bob", menu.Entries[5].Id);
        Assert.Equal("gnulinux-4.15.0-20-generic-advanced-8e3d", menu.Entries[3].Id);
        Assert.Equal(["Advanced options for Ubuntu"], menu.Entries[3].Submenus);
        Assert.Equal(["gnulinux-advanced-8e3d"], menu.Entries[3].SubmenuIds);
        Assert.Equal("Advanced options for Ubuntu>Ubuntu, with Linux 4.15.0-20-generic", menu.Entries[3].TitlePath);
    }

    [Fact]
    public void Reads_the_kernel_its_arguments_and_the_line_that_carries_them()
    {
        GrubMenu menu = GrubMenu.Parse(Ubuntu, "/boot/grub/grub.cfg");
        BootMenuEntry e = menu.Entries[3];
        Assert.Equal("4.15.0-20-generic", e.KernelVersion);
        Assert.Equal("root=UUID=8e3d ro  quiet splash $vt_handoff", e.Arguments);
        Assert.Contains("vmlinuz-4.15.0-20-generic", Ubuntu.Split('\n')[e.Line], StringComparison.Ordinal);
        Assert.Null(menu.Entries[4].KernelVersion); // linux16 /boot/memtest86+.bin
        Assert.True(menu.Entries[2].IsRecovery);
        Assert.False(menu.Entries[1].IsRecovery);
    }

    [Fact]
    public void The_default_is_the_set_default_that_is_not_the_one_shot_next_entry()
    {
        GrubMenu menu = GrubMenu.Parse(Ubuntu, "/boot/grub/grub.cfg");
        Assert.Equal(["${next_entry}", "0"], menu.DefaultSettings);
        Assert.Equal("0", menu.Default);
        Assert.True(menu.HonoursNextEntry);
        Assert.Null(GrubMenu.Parse("menuentry 'a' {\n}\n", "f").Default);
    }

    [Fact]
    public void A_set_default_under_a_condition_is_not_the_default_el8s_fallback_counting()
    {
        const string El8 = "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   set "
            + "default=\"${saved_entry}\"\nfi\n"
            + "if [ -n \"${boot_counter}\" -a \"${boot_success}\" = \"0\" ]; then\n  if  [ \"${boot_counter}\" = "
                + "\"0\" ]; then\n    set default=1\n  fi\nfi\n"
            + "if [ x$a = xy ]; then set default=7; fi\ninsmod blscfg\nblscfg\n";
        GrubMenu menu = GrubMenu.Parse(El8, "/boot/grub2/grub.cfg");
        Assert.Equal("${saved_entry}", menu.Default);
        Assert.True(menu.HonoursNextEntry);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1>2", "1>2")]
    [InlineData("1", "1>0")] // a path that ends on a submenu boots its first entry
    [InlineData("Advanced options for Ubuntu>Ubuntu, with Linux 4.15.0-20-generic", "1>2")]
    [InlineData("gnulinux-advanced-8e3d>gnulinux-4.15.0-20-generic-advanced-8e3d", "1>2")]
    [InlineData("gnulinux-advanced-8e3d>2", "1>2")]
    [InlineData("Memory test (memtest86+)", "2")]
    [InlineData("bob", "3")]
    public void Finds_an_entry_by_number_title_id_or_a_path_of_them(string selector, string number) =>
        Assert.Equal(number, GrubMenu.Find(GrubMenu.Parse(Ubuntu, "f").Items, selector)?.Number);

    [Theory]
    [InlineData("7")]
    [InlineData("1>9")]
    [InlineData("Ubuntu, with Linux 4.15.0-20-generic")] // a submenu entry's bare title is not found at top level
    [InlineData("")]
    public void Finds_nothing_for_a_selector_grub_would_not_find(string selector) =>
        Assert.Null(GrubMenu.Find(GrubMenu.Parse(Ubuntu, "f").Items, selector));

    [Fact]
    public void Recognises_the_ubuntu_esp_stub_and_its_hand_over()
    {
        const string Stub = "search.fs_uuid 5c1e1a3f-261f-4da5-a0c2-8f479b3039de root hd0,gpt2 \nset "
            + "prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n";
        GrubMenu stub = GrubMenu.Parse(Stub, "/boot/efi/EFI/ubuntu/grub.cfg");
        Assert.True(stub.IsStub);
        Assert.Equal("($root)/boot/grub", stub.Prefix);
        Assert.Equal("$prefix/grub.cfg", stub.ConfigFile);
        Assert.False(GrubMenu.Parse(Ubuntu, "f").IsStub);
    }

    [Fact]
    public void Recognises_a_menu_made_of_bls_entries()
    {
        GrubMenu menu = GrubMenu.Parse(
            "set default=\"${saved_entry}\"\ninsmod blscfg\nblscfg\n",
            "/boot/grub2/grub.cfg");
        Assert.True(menu.UsesBls);
        Assert.False(menu.IsStub);
        Assert.Equal("${saved_entry}", menu.Default);
    }

    [Theory]
    [InlineData("menuentry 'a' {\n\tlinux /vmlinuz-1 ro\n", "is not closed")]
    [InlineData("menuentry 'a' {\n}\n}\n", "closes no block")]
    [InlineData("menuentry 'a' {\nmenuentry 'b' {\n}\n}\n", "menuentry inside menuentry")]
    public void Names_the_line_of_a_broken_menu(string text, string problem)
    {
        GrubMenu menu = GrubMenu.Parse(text, "/boot/grub2/grub.cfg");
        Assert.Contains(menu.Problems, p => p.StartsWith("/boot/grub2/grub.cfg line ", StringComparison.Ordinal)
            && p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Braces_inside_quotes_and_variables_open_no_block()
    {
        GrubMenu menu = GrubMenu.Parse(
            "menuentry 'a {x}' --id a {\n\techo \"}\" ${x}\n\tlinux /vmlinuz-1.2.3 ro\n}\nmenuentry 'b' {\n}\n",
            "f");
        Assert.Empty(menu.Problems);
        Assert.Equal(["a {x}", "b"], menu.Entries.Select(e => e.Title));
    }
}

public class BootFileParserTests
{
    [Fact]
    public void Bls_entry_reads_its_keys_its_options_line_and_whether_it_reads_kernelopts()
    {
        BlsEntry e = BlsEntry.Parse("/boot/loader/entries/3a17-4.18.0-240.22.1.el8_3.x86_64.conf",
            "title AlmaLinux (4.18.0-240.22.1.el8_3.x86_64) 8.3 (Purple Manul)\nversion "
                + "4.18.0-240.22.1.el8_3.x86_64\nlinux /vmlinuz-4.18.0-240.22.1.el8_3.x86_64\n"
            + "initrd /initramfs-4.18.0-240.22.1.el8_3.x86_64.img $tuned_initrd\noptions $kernelopts "
                + "$tuned_params\nid almalinux-20210409120623-4.18.0-240.22.1.el8_3.x86_64\n");
        Assert.Equal("3a17-4.18.0-240.22.1.el8_3.x86_64", e.Id);
        Assert.Equal("4.18.0-240.22.1.el8_3.x86_64", e.KernelVersion);
        Assert.Equal(4, e.OptionsLine);
        Assert.True(e.UsesKernelopts);
        Assert.False(BlsEntry.Parse("/x/a.conf", "linux /vmlinuz-5.14.0-70.el9.x86_64\noptions root=/dev/vda ro\n")
            .UsesKernelopts);
        Assert.Equal(
            "5.14.0-70.el9.x86_64",
            BlsEntry.Parse("/x/a.conf", "linux /vmlinuz-5.14.0-70.el9.x86_64\n").KernelVersion);
        Assert.Equal(-1, BlsEntry.Parse("/x/a.conf", "optionsx y\n").OptionsLine);
    }

    [Fact]
    public void Grubenv_reads_values_keeps_1024_bytes_and_refuses_a_block_without_its_header()
    {
        string block = GrubEnv.Parse("# GRUB Environment Block\n")!.With(
            "saved_entry",
            "gnulinux-advanced-8e3d>gnulinux-4.15.0-29-generic-advanced-8e3d")
            .With("kernelopts", "root=/dev/mapper/rl-root ro").Format();
        Assert.Equal(GrubEnv.BlockSize, block.Length);
        GrubEnv env = GrubEnv.Parse(block)!;
        Assert.Equal("gnulinux-advanced-8e3d>gnulinux-4.15.0-29-generic-advanced-8e3d", env["saved_entry"]);
        Assert.Equal("root=/dev/mapper/rl-root ro", env["kernelopts"]);
        Assert.Null(env["next_entry"]);
        Assert.Null(GrubEnv.Parse("saved_entry=0\n"));
    }

    [Fact]
    public void Default_grub_overrides_in_grub_d_win_and_may_extend_a_value()
    {
        var d = GrubDefaults.Parse([
            ("/etc/default/grub", "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
                + "splash\"\nGRUB_CMDLINE_LINUX=\"\"\n"),
            ("/etc/default/grub.d/50-cloudimg-settings.cfg", "# Cloud Image specific Grub "
                + "settings\nGRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n"),
            ("/etc/default/grub.d/60-extra.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
                + "nvme_core.io_timeout=4294967295\" # comment\n"),
        ]);
        Assert.Equal(
            "console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295",
            d.Value("GRUB_CMDLINE_LINUX_DEFAULT"));
        Assert.Equal("/etc/default/grub.d/60-extra.cfg", d["GRUB_CMDLINE_LINUX_DEFAULT"]!.File);
        Assert.Equal("saved", d.Value("GRUB_DEFAULT"));
        Assert.Equal("\"\"", d["GRUB_CMDLINE_LINUX"]!.Raw);
        Assert.Equal(0, d["GRUB_DEFAULT"]!.Line);
        Assert.Null(d["GRUB_TIMEOUT"]);
    }

    [Theory]
    [InlineData("3.10.0-1160.el7.x86_64", "3.10.0-957.27.2.el7.x86_64")]
    [InlineData("4.18.0-348.el8.x86_64", "4.18.0-80.el8.x86_64")]
    [InlineData("5.4.0-150-generic", "5.4.0-42-generic")]
    [InlineData("3.10.0-1062.4.1.el7.x86_64", "3.10.0-1062.el7.x86_64")]
    [InlineData("5.4.249-1.el7.elrepo.x86_64", "3.10.0-1160.el7.x86_64")]
    [InlineData("4.15.0-29-generic", "not-a-version")]
    public void Kernel_versions_order_numerically(string newer, string older)
    {
        Assert.True(KernelVersionOrder.Instance.Compare(newer, older) > 0);
        Assert.True(KernelVersionOrder.Instance.Compare(older, newer) < 0);
        Assert.Equal(0, KernelVersionOrder.Instance.Compare(newer, newer));
    }
}
