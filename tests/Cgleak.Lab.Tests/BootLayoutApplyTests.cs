using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>
/// `fix apply` then `fix undo` on the boot layouts built from real files: the plan's files, and every byte back.
/// </summary>
public sealed class BootLayoutApplyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-layout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Copy(string scenario)
    {
        string dst = Path.Combine(_root, scenario);
        CgleakProcess.RunTool("cp", "-a", Repo.Fixture(scenario), dst);
        return dst;
    }

    private static FixPlan Plan(string root)
    {
        HostRoot host = HostRoot.At(root);
        return FixPlanner.Plan(
            Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = false }),
            BootConfig.Read(host),
            new PlanRequest(FixMethod.Kernel));
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/var/lib/cgleak/", StringComparison.Ordinal))
            .ToDictionary(f => f[root.Length..], Bytes);

    /// <summary>
    /// A file's bytes; a symbolic link's target (el7's /etc/sysconfig/grub -> /etc/default/grub is absolute).
    /// </summary>
    private static byte[] Bytes(string path) =>
        new FileInfo(path).LinkTarget is { } target
            ? System.Text.Encoding.UTF8.GetBytes("-> " + target)
            : File.ReadAllBytes(path);

    [Theory]
    [InlineData("ubuntu2204-uefi-stub", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData("ubuntu2204-saved-idpath", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData("ubuntu2204-submenu-default", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData("el8-bls-kernelopts", "/boot/grub2/grubenv", "/etc/default/grub")]
    [InlineData("centos7-bios-no-grubenv", "/boot/grub2/grub.cfg", "/etc/default/grub")]
    [InlineData("centos7-uefi-1127", "/boot/efi/EFI/centos/grub.cfg", "/etc/default/grub")]
    [InlineData("ubuntu1804-bios", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData("ubuntu2004-bios-osprober", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData("debian11-pinned-kernel", "/boot/grub/grub.cfg", "/etc/default/grub")]
    [InlineData(
        "rocky9-bls-inline",
        "/boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-5.14.0-162.6.1.el9_1.x86_64.conf",
        "/etc/default/grub")]
    public void Apply_changes_the_files_the_plan_announces_and_undo_restores_every_byte(
        string scenario,
        params string[] files)
    {
        string root = Copy(scenario);
        var before = Snapshot(root);
        FixPlan plan = Plan(root);
        Assert.Equal(files.Order(StringComparer.Ordinal), plan.Edit!.Files);
        var editor = new BootEditor(HostRoot.At(root), root + "/var/lib/cgleak");
        BootChangeResult applied = editor.Apply(plan);
        Assert.Equal(plan.Edit.Files, applied.Files.Select(f => f.HostPath).Order(StringComparer.Ordinal));
        var after = Snapshot(root);
        Assert.Equal(files.Length, after.Count(kv => !before[kv.Key].SequenceEqual(kv.Value)));

        BootConfig boot = BootConfig.Read(HostRoot.At(root));
        // what boots next now has it
        Assert.Contains(FixPlan.NokmemArgument, boot.Next.Entry!.Arguments, StringComparison.Ordinal);
        // they keep $kernelopts
        Assert.DoesNotContain(boot.Bls, b => b.UsesKernelopts && b.Options.Contains(FixPlan.NokmemArgument,
            StringComparison.Ordinal));
        Assert.Equal(GrubEnv.BlockSize, boot.GrubEnvFile?.Text.Length ?? GrubEnv.BlockSize);

        Assert.False(editor.Apply(Plan(root)).Changed);
        editor.Undo();
        Assert.All(before, kv => Assert.Equal(kv.Value, Bytes(root + kv.Key)));
    }

    [Fact]
    public void The_ubuntu_uefi_stub_is_never_edited_and_no_one_is_told_to_remove_it()
    {
        string root = Copy("ubuntu2204-uefi-stub");
        FixPlan plan = Plan(root);
        Assert.DoesNotContain(plan.Problems, p => p.Contains("remove", StringComparison.Ordinal)
            || p.Contains("no boot entries", StringComparison.Ordinal));
        Assert.False(plan.NeedsKernelFirst);
        byte[] stub = File.ReadAllBytes(root + "/boot/efi/EFI/ubuntu/grub.cfg");
        new BootEditor(HostRoot.At(root), root + "/var/lib/cgleak").Apply(plan);
        Assert.Equal(stub, File.ReadAllBytes(root + "/boot/efi/EFI/ubuntu/grub.cfg"));
    }

    [Fact]
    public void An_el7_node_whose_kernels_all_ignore_nokmem_is_told_to_install_one_and_nothing_is_edited()
    {
        string root = Copy("centos7-bios-514");
        FixPlan plan = Plan(root);
        Assert.True(plan.NeedsKernelFirst);
        Assert.Null(plan.Edit);
        var commands = plan.Steps.SelectMany(s => s.Commands).ToList();
        Assert.Contains("yum install kernel", commands);
        Assert.DoesNotContain(
            commands,
            c => c.Contains("grubby", StringComparison.Ordinal) || c.Contains("update-grub", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stale_menu_is_not_regenerated_behind_the_users_back()
    {
        string root = Copy("ubuntu2204-stale");
        var before = Snapshot(root);
        FixPlan plan = Plan(root);
        Assert.Contains(plan.Problems, p => p.Contains("nvme_core.io_timeout", StringComparison.Ordinal));
        var e = Assert.Throws<LabException>(
            () => new BootEditor(HostRoot.At(root), root + "/var/lib/cgleak").Apply(plan));
        Assert.Contains("older than the settings", e.Message, StringComparison.Ordinal);
        Assert.All(before, kv => Assert.Equal(kv.Value, Bytes(root + kv.Key)));
    }

    [Fact]
    public void A_node_running_with_nokmem_from_kernelopts_needs_no_change()
    {
        string root = Copy("el8-nokmem-kernelopts");
        FixPlan plan = Plan(root);
        Assert.Contains("no reboot needed", plan.Summary, StringComparison.Ordinal);
        Assert.False(new BootEditor(HostRoot.At(root), root + "/var/lib/cgleak").Apply(plan).Changed);
    }
}
