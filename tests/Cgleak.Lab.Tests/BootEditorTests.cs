using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>fix apply and undo against copies of the boot fixtures.</summary>
public sealed class BootEditorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-boot-").FullName;

    public void Dispose()
    {
        foreach (string d in Directory.GetDirectories(_root, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        }

        Directory.Delete(_root, recursive: true);
    }

    private string Copy(string scenario)
    {
        string target = Path.Combine(_root, scenario);
        var psi = new System.Diagnostics.ProcessStartInfo("cp", ["-a", Repo.Fixture(scenario), target]);
        System.Diagnostics.Process.Start(psi)!.WaitForExit();
        return target;
    }

    private static FixPlan Plan(string root, FixMethod method = FixMethod.Auto)
    {
        HostRoot host = HostRoot.At(root);
        return FixPlanner.Plan(
            Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = false }),
            BootConfig.Read(host),
            new PlanRequest(method));
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/var/lib/cgleak/", StringComparison.Ordinal))
            .ToDictionary(f => f[root.Length..], File.ReadAllBytes);

    [Theory]
    [InlineData("boot-el7-bios", 3)]
    [InlineData("boot-el7-uefi", 2)]
    [InlineData("boot-el8-bls", 2)]
    [InlineData("boot-ubuntu", 2)]
    public void Apply_is_idempotent_and_undo_restores_every_byte(string scenario, int filesChanged)
    {
        string root = Copy(scenario);
        var before = Snapshot(root);
        var editor = new BootEditor(HostRoot.At(root), root + "/var/lib/cgleak");

        FixPlan plan = Plan(root);
        BootChangeResult first = editor.Apply(plan);
        Assert.Equal(filesChanged, first.Files.Count);
        // every change announced
        Assert.Equal(plan.Edit!.Files, first.Files.Select(f => f.HostPath).Order(StringComparer.Ordinal));
        Assert.All(first.Files, f => Assert.True(File.Exists(Path.Combine(first.BackupDirectory!, f.Backup))));

        BootChangeResult second = editor.Apply(Plan(root));
        Assert.False(second.Changed);
        Assert.Contains("already applied", second.Messages.Single(), StringComparison.Ordinal);

        editor.Undo();
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), Snapshot(root).Keys.Order(StringComparer.Ordinal));
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(root + kv.Key)));
        Assert.Contains("nothing to undo", editor.Undo().Messages.Single(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A manifest is evidence, not an order: undo acts only on lines cgleak itself would have written.
    /// </summary>
    [Theory]
    [InlineData(0, "boot/grub2/grub.cfg")]            // a relative host path
    [InlineData(0, "/boot/../etc/shadow")]
    [InlineData(3, "../grub.cfg.orig")]                // a backup outside its directory
    [InlineData(3, "")]
    [InlineData(3, ".")]
    [InlineData(3, "..")]
    [InlineData(1, "0123")]                            // not a sha256
    [InlineData(2, "**")]
    [InlineData(4, "extra")]                           // a fifth field
    public void Undo_refuses_a_manifest_line_cgleak_would_not_write(int field, string value)
    {
        string root = Copy("boot-el7-bios");
        var editor = new BootEditor(HostRoot.At(root), root + "/state");
        BootChangeResult applied = editor.Apply(Plan(root));
        string manifest = Path.Combine(applied.BackupDirectory!, BootEditor.ManifestName);
        string[] lines = File.ReadAllLines(manifest);
        string[] fields = [.. lines[0].Split('\t'), .. field == 4 ? [""] : Array.Empty<string>()];
        fields[field] = value;
        lines[0] = string.Join('\t', fields);
        File.WriteAllLines(manifest, lines);
        var after = Snapshot(root);

        var e = Assert.Throws<LabException>(editor.Undo);
        Assert.Contains("malformed line", e.Message, StringComparison.Ordinal);
        Assert.All(after, kv => Assert.Equal(kv.Value, File.ReadAllBytes(root + kv.Key)));
    }

    [Fact]
    public void On_el7_bios_the_default_moves_to_the_kernel_that_honours_nokmem_and_only_it_gets_the_argument()
    {
        string root = Copy("boot-el7-bios");
        new BootEditor(HostRoot.At(root), root + "/state").Apply(Plan(root));
        GrubEnv env = GrubEnv.Parse(File.ReadAllText(root + "/boot/grub2/grubenv"))!;
        Assert.Equal("CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)", env["saved_entry"]);
        Assert.Equal(GrubEnv.BlockSize, new FileInfo(root + "/boot/grub2/grubenv").Length);
        GrubMenu menu = GrubMenu.Parse(File.ReadAllText(root + "/boot/grub2/grub.cfg"), "/boot/grub2/grub.cfg");
        Assert.Empty(menu.Problems);
        var entries = menu.Entries;
        Assert.EndsWith(
            " cgroup.memory=nokmem",
            entries.Single(e => e.KernelVersion == "3.10.0-1160.el7.x86_64").Arguments,
            StringComparison.Ordinal);
        Assert.DoesNotContain(
            "nokmem",
            entries.Single(e => e.KernelVersion == "3.10.0-957.27.2.el7.x86_64").Arguments,
            StringComparison.Ordinal);
        // the link stays a link
        Assert.Equal("../boot/grub2/grub.cfg", new FileInfo(root + "/etc/grub2.cfg").LinkTarget);
    }

    [Fact]
    public void A_plan_whose_inputs_changed_is_refused_and_nothing_is_written()
    {
        string root = Copy("boot-el7-bios");
        FixPlan plan = Plan(root);
        File.AppendAllText(root + "/boot/grub2/grub.cfg", "# edited by someone else\n");
        var before = Snapshot(root);
        var e = Assert.Throws<LabException>(() => new BootEditor(HostRoot.At(root), root + "/state").Apply(plan));
        Assert.Contains("/boot/grub2/grub.cfg changed since the plan was made", e.Message, StringComparison.Ordinal);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(root + kv.Key)));
    }

    [Fact]
    public void A_rename_that_fails_after_another_file_was_replaced_rolls_back_and_changes_nothing()
    {
        // As `chattr +i grubenv` does: grub.cfg is replaced first, then grubenv cannot be.
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        var editor = new BootEditor(HostRoot.At(root), root + "/state")
        {
            BeforeRename = target =>
            {
                if (target.EndsWith(
                "/grubenv",
                StringComparison.Ordinal)) { throw new IOException("Operation not permitted"); }
            },
        };
        var e = Assert.Throws<LabException>(() => editor.Apply(Plan(root)));
        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(root + kv.Key)));
        Assert.False(BootEditor.HasApplied(root + "/state"));
        Assert.Empty(Directory.GetFiles(root + "/boot/grub2", "*.cgleak-tmp-*"));
    }

    [Fact]
    public void A_read_only_boot_gives_one_clear_error_and_no_partial_write()
    {
        // Tests run as root, which ignores permission bits: a read-only bind mount makes /boot/grub2 truly read-only.
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        using var readOnly = ReadOnlyMount.Of(root + "/boot/grub2");
        var e = Assert.Throws<LabException>(() => new BootEditor(HostRoot.At(root), root + "/state").Apply(Plan(root)));
        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", e.Message, StringComparison.Ordinal);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(root + kv.Key)));
        Assert.Empty(Directory.GetFiles(root + "/boot/grub2", "*.cgleak-tmp-*"));
    }

    [Fact]
    public void A_plan_that_needs_a_kernel_first_applies_nothing()
    {
        string root = Copy("boot-el7-bios");
        File.Delete(root + "/boot/vmlinuz-3.10.0-1160.el7.x86_64");
        string cfg = File.ReadAllText(root + "/boot/grub2/grub.cfg");
        int start = cfg.IndexOf("menuentry 'CentOS Linux (3.10.0-1160", StringComparison.Ordinal);
        File.WriteAllText(
            root + "/boot/grub2/grub.cfg",
            cfg[..start] + cfg[(cfg.IndexOf("}\n", start, StringComparison.Ordinal) + 2)..]);
        FixPlan plan = Plan(root, FixMethod.Kernel);
        Assert.True(plan.NeedsKernelFirst);
        Assert.Contains(plan.Steps, s => s.Commands.Contains("yum install kernel"));
        Assert.Throws<LabException>(() => new BootEditor(HostRoot.At(root), root + "/state").Apply(plan));
    }

    [Fact]
    public void An_unparsable_grub_cfg_is_named_and_not_edited()
    {
        string root = Copy("boot-el7-bios");
        File.WriteAllText(
            root + "/boot/grub2/grub.cfg",
            "menuentry 'broken (3.10.0-1160.el7.x86_64)' {\n\tlinux16 /vmlinuz-3.10.0-1160.el7.x86_64 ro\n");
        FixPlan plan = Plan(root);
        Assert.Contains(plan.Problems, p => p.StartsWith("/boot/grub2/grub.cfg line 1: ", StringComparison.Ordinal)
            && p.Contains("not closed", StringComparison.Ordinal));
        Assert.Empty(plan.Entries);
        Assert.Null(plan.Edit);
    }

    [Fact]
    public void Efi_and_bios_configs_that_disagree_are_reported_and_only_the_one_that_boots_is_edited()
    {
        string root = Copy("boot-el7-uefi");
        Directory.CreateDirectory(root + "/boot/grub2");
        File.WriteAllText(root + "/boot/grub2/grub.cfg", "menuentry 'CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)' "
            + "{\n\tlinux16 /vmlinuz-3.10.0-957.el7.x86_64 ro\n}\n");
        FixPlan plan = Plan(root);
        Assert.Contains(plan.Problems, p => p.Contains("lists other kernels", StringComparison.Ordinal)
            && p.Contains("UEFI", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Problems, p => p.Contains("remove", StringComparison.Ordinal)
            || p.Contains("regenerate the other", StringComparison.Ordinal));
        Assert.Equal("3.10.0-1160.118.1.el7.x86_64", plan.Edit!.TargetKernel); // the EFI config boots this host
        byte[] bios = File.ReadAllBytes(root + "/boot/grub2/grub.cfg");
        var result = new BootEditor(HostRoot.At(root), root + "/state").Apply(plan);
        Assert.Contains(result.Files, f => f.HostPath == "/boot/efi/EFI/centos/grub.cfg");
        Assert.Equal(bios, File.ReadAllBytes(root + "/boot/grub2/grub.cfg"));
    }

    [Fact]
    public void With_grubby_the_editor_runs_it_and_checks_with_grubby_info()
    {
        string root = Copy("boot-el7-bios");
        string log = Path.Combine(_root, "grubby.log");
        string standIn = Path.Combine(_root, "grubby-standin");
        // A RECORDING STAND-IN for grubby (not installable here): logs its arguments, answers --info as grubby does.
        File.WriteAllText(standIn, $"#!/bin/sh\necho \"$*\" >> '{log}'\nif [ \"$1\" = --info ]; then\n  if grep -q "
            + $"-- '--args=' '{log}'; then echo 'args=\"ro quiet cgroup.memory=nokmem\"'; else echo 'args=\"ro "
                + $"quiet\"'; fi\nfi\n");
        File.SetUnixFileMode(standIn, (UnixFileMode)0b111_101_101);
        FixPlan plan = Plan(root);
        var result = new BootEditor(HostRoot.At(root), root + "/state", grubby: standIn).Apply(
            plan with { Edit = plan.Edit! with { NewDefault = null, CmdlineFile = null } });
        Assert.Equal(
            ["--args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.el7.x86_64",
                "--info /boot/vmlinuz-3.10.0-1160.el7.x86_64"],
            File.ReadAllLines(log));
        Assert.Contains(result.Messages, m => m.Contains("shows cgroup.memory=nokmem", StringComparison.Ordinal));
        Assert.True(Directory.Exists(result.BackupDirectory));
    }

    [Fact]
    public void Edits_change_only_the_lines_they_must()
    {
        const string Cfg = "menuentry 'A' {\n\tlinux16 /vmlinuz-1.2.3 ro quiet\n\tinitrd16 "
            + "/initramfs-1.2.3.img\n}\nmenuentry 'B' {\n\tlinux16 /vmlinuz-1.2.4 ro\n}\n";
        string once = BootEdits.GrubCfgAddArgument(Cfg, "1.2.3", "cgroup.memory=nokmem");
        Assert.Equal(Cfg.Replace("ro quiet", "ro quiet cgroup.memory=nokmem", StringComparison.Ordinal), once);
        Assert.Equal(once, BootEdits.GrubCfgAddArgument(once, "1.2.3", "cgroup.memory=nokmem"));
        Assert.Equal(
            "GRUB_CMDLINE_LINUX=\"cgroup.memory=nokmem\"\n",
            BootEdits.DefaultGrubAddArgument("GRUB_CMDLINE_LINUX=\"\"\n", "cgroup.memory=nokmem"));
    }
}

/// <summary>A read-only bind mount over a test directory (root ignores permission bits), removed on dispose.</summary>
internal sealed class ReadOnlyMount : IDisposable
{
    private readonly string _path;

    private ReadOnlyMount(string path) => _path = path;

    public static ReadOnlyMount Of(string path)
    {
        Run("mount", "--bind", path, path);
        Run("mount", "-o", "remount,bind,ro", path, path);
        return new ReadOnlyMount(path);
    }

    public void Dispose() => Run("umount", _path);

    private static void Run(params string[] args)
    {
        using var p = System.Diagnostics.Process
            .Start(new System.Diagnostics.ProcessStartInfo(args[0], args[1..]) { RedirectStandardError = true })!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
        }
    }
}
