using System.Security.Cryptography;
using System.Text;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;

namespace Cgleak.Lab.Tests;

/// <summary>
/// fix apply and undo on copies of the boot fixtures: what each leaves (which files, the manifest, the backup
/// directories), what each refuses and that a refusal writes nothing, and how a crashed run is finished.
/// </summary>
public sealed class BootEditorRecoveryTests : IDisposable
{
    private const string Cfg = "/boot/grub2/grub.cfg";
    private const string Env = "/boot/grub2/grubenv";
    private const string Target = "3.10.0-1160.el7.x86_64";

    private readonly BootFixtureCopy _host = new("boot-el7-bios");

    public void Dispose() => _host.Dispose();

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string Backups => _host.State + "/backups";

    /// <summary>The plan with only the argument on the target's entry: grub.cfg alone changes.</summary>
    private FixPlan ArgumentOnly()
    {
        FixPlan plan = _host.Plan();
        return plan with { Edit = plan.Edit! with { NewDefault = null, CmdlineFile = null } };
    }

    /// <summary>The plan with its default written to GRUB_DEFAULT as <paramref name="entry"/>.</summary>
    private static FixPlan LiteralDefault(FixPlan plan, string entry) =>
        plan with { Edit = plan.Edit! with { NewDefault = entry, DefaultIn = DefaultIn.GrubDefault } };

    /// <summary>An apply that stops dead before its second rename, as a kill -9 there would (no catch runs).</summary>
    private void CrashedApply()
    {
        int renames = 0;
        BootEditor crashing = _host.Editor(beforeRename: _ => { if (++renames == 2) { throw new SimulatedKill(); } });
        Assert.Throws<SimulatedKill>(() => crashing.Apply(_host.Plan()));
    }

    [Fact]
    public void A_plan_without_a_boot_edit_says_why_nothing_is_applied()
    {
        FixPlan plan = _host.Plan();
        var before = _host.Snapshot();
        BootChangeResult none = _host.Editor().Apply(plan with { Edit = null, Steps = [] });
        Assert.StartsWith("nothing to apply: " + plan.Summary, none.Messages.Single(), StringComparison.Ordinal);
        BootChangeResult forAPerson = _host.Editor().Apply(plan with { Edit = null });
        Assert.Contains("no boot change to apply", forAPerson.Messages.Single(), StringComparison.Ordinal);
        Assert.False(forAPerson.Changed);
        _host.AssertSame(before);
        Assert.False(Directory.Exists(_host.State));
    }

    [Fact]
    public void Without_grubby_an_argument_only_edit_changes_the_targets_linux_line_and_nothing_else()
    {
        byte[] cfg = _host.Bytes(Cfg);
        BootChangeResult r = _host.Editor().Apply(ArgumentOnly());
        Assert.Equal([Cfg], r.Files.Select(f => f.HostPath));
        string[] before = Encoding.UTF8.GetString(cfg).Split('\n');
        string[] after = Encoding.UTF8.GetString(_host.Bytes(Cfg)).Split('\n');
        Assert.Equal(before.Length, after.Length);
        int changed = Assert.Single(Enumerable.Range(0, after.Length), i => before[i] != after[i]);
        Assert.Equal(before[changed] + " " + FixPlan.NokmemArgument, after[changed]);
        Assert.Contains("/vmlinuz-" + Target + " ", after[changed], StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_names_each_file_its_hashes_and_its_backups_and_undo_says_where_it_restored_from()
    {
        var before = _host.Snapshot();
        FixPlan plan = _host.Plan();
        BootChangeResult r = _host.Editor().Apply(plan);
        string dir = r.BackupDirectory!;
        Assert.Equal(Backups, Path.GetDirectoryName(dir));
        Assert.EndsWith("-apply", dir, StringComparison.Ordinal);
        Assert.True(File.Exists(dir + "/committed"));

        var manifest = File.ReadAllLines(Path.Combine(dir, BootEditor.ManifestName))
            .Select(l => l.Split('\t')).ToList();
        Assert.Equal(plan.Edit!.Files, manifest.Select(f => f[0]).Order(StringComparer.Ordinal));
        foreach (string[] f in manifest)
        {
            Assert.Equal(Sha256(before[f[0]]), f[1]);
            Assert.Equal(Sha256(_host.Bytes(f[0])), f[2]);
            Assert.Equal(f[0].TrimStart('/').Replace('/', '_'), f[3]);
            Assert.Equal(before[f[0]], File.ReadAllBytes(Path.Combine(dir, f[3])));
            Assert.Equal(_host.Bytes(f[0]), File.ReadAllBytes(Path.Combine(dir, f[3] + ".new")));
        }

        Assert.Equal(r.Files.Select(f => (f.HostPath, f.Sha256Before, f.Sha256After, f.Backup)).Order(),
            manifest.Select(f => (f[0], f[1], f[2], f[3])).Order());

        BootChangeResult undone = _host.Editor().Undo();
        Assert.Equal("restored from " + dir, undone.Messages.Single());
        Assert.Equal(manifest.Select(f => f[0]).Order(StringComparer.Ordinal),
            undone.Files.Select(f => f.HostPath).Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(dir + ".undone"));
        _host.AssertSame(before);
    }

    [Fact]
    public void A_fresh_state_directory_has_nothing_to_undo()
    {
        Assert.False(BootEditor.HasApplied(_host.State));
        var before = _host.Snapshot();
        Assert.StartsWith("nothing to undo", _host.Editor().Undo().Messages.Single(), StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void Undo_restores_the_latest_apply_first_then_the_one_before()
    {
        var original = _host.Snapshot();
        _host.Editor().Apply(ArgumentOnly());
        var afterFirst = _host.Snapshot();
        BootChangeResult second = _host.Editor().Apply(_host.Plan());
        Assert.True(second.Changed);
        Assert.DoesNotContain(second.Files, f => f.HostPath == Cfg); // grub.cfg has the argument already

        BootChangeResult latest = _host.Editor().Undo();
        Assert.Equal("restored from " + second.BackupDirectory, latest.Messages.Single());
        _host.AssertSame(afterFirst);
        Assert.True(BootEditor.HasApplied(_host.State));

        _host.Editor().Undo();
        _host.AssertSame(original);
        Assert.False(BootEditor.HasApplied(_host.State));
    }

    [Fact]
    public void An_interrupted_apply_is_completed_by_the_next_apply_which_then_does_nothing_more()
    {
        CrashedApply();
        BootChangeResult completed = _host.Editor().Apply(_host.Plan());
        Assert.Contains(completed.Messages,
            m => m.StartsWith("completed an interrupted apply", StringComparison.Ordinal));
        Assert.Contains(completed.Messages, m => m.Contains("cgleak fix plan", StringComparison.Ordinal));
        string manifest = Path.Combine(completed.BackupDirectory!, BootEditor.ManifestName);
        Assert.Equal(File.ReadAllLines(manifest).Length - 1, completed.Files.Count); // the crash had replaced one
        Assert.True(File.Exists(completed.BackupDirectory + "/committed"));

        var done = _host.Snapshot();
        BootChangeResult again = _host.Editor().Apply(_host.Plan());
        Assert.False(again.Changed);
        Assert.Contains("already applied", again.Messages.Single(), StringComparison.Ordinal);
        _host.AssertSame(done);
    }

    [Fact]
    public void An_interrupted_apply_whose_files_changed_since_is_not_completed()
    {
        CrashedApply();
        string dir = Directory.GetDirectories(Backups).Single();
        // The file the crash had not replaced yet is in its old state: someone edits it.
        string pending = File.ReadAllLines(Path.Combine(dir, BootEditor.ManifestName)).Select(l => l.Split('\t'))
            .First(f => Sha256(_host.Bytes(f[0])) == f[1])[0];
        File.AppendAllText(_host.Root + pending, "\n");
        var before = _host.Snapshot();

        var e = Assert.Throws<LabException>(() => _host.Editor().Apply(_host.Plan()));
        Assert.StartsWith(pending + " changed since an interrupted apply", e.Message, StringComparison.Ordinal);
        Assert.Contains(dir, e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
        Assert.False(File.Exists(dir + "/committed"));
    }

    [Fact]
    public void A_backup_directory_a_crash_left_without_a_manifest_is_removed_and_the_apply_goes_on()
    {
        string torn = Directory.CreateDirectory(Backups + "/20200101T000000.000Z-apply").FullName;
        File.WriteAllText(torn + "/boot_grub2_grub.cfg", "half");
        Assert.False(BootEditor.HasApplied(_host.State));

        BootChangeResult r = _host.Editor().Apply(_host.Plan());
        Assert.True(r.Changed);
        Assert.False(Directory.Exists(torn));
        Assert.Equal([r.BackupDirectory!], Directory.GetDirectories(Backups));
    }

    [Fact]
    public void A_finished_interrupted_undo_leaves_nothing_applied()
    {
        var before = _host.Snapshot();
        BootChangeResult applied = _host.Editor().Apply(_host.Plan());
        int renames = 0;
        BootEditor crashing = _host.Editor(beforeRename: _ => { if (++renames == 2) { throw new SimulatedKill(); } });
        Assert.Throws<SimulatedKill>(() => crashing.Undo());
        Assert.True(File.Exists(applied.BackupDirectory + "/undoing"));

        BootChangeResult finished = _host.Editor().Undo();
        Assert.Equal(["finished an interrupted undo from " + applied.BackupDirectory], finished.Messages);
        Assert.Null(finished.BackupDirectory);
        Assert.False(BootEditor.HasApplied(_host.State));
        Assert.True(Directory.Exists(applied.BackupDirectory + ".undone"));
        _host.AssertSame(before);
    }

    [Fact]
    public void Undo_refuses_before_writing_when_a_file_changed_since_the_apply()
    {
        _host.Editor().Apply(_host.Plan());
        File.AppendAllText(_host.Root + Cfg, "# edited after the fix\n");
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(_host.Editor().Undo);
        Assert.StartsWith(Cfg + " changed since cgleak applied the fix", e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void Undo_refuses_a_backup_that_does_not_match_its_manifest()
    {
        BootChangeResult applied = _host.Editor().Apply(_host.Plan());
        File.AppendAllText(Path.Combine(applied.BackupDirectory!, "boot_grub2_grubenv"), "torn");
        File.AppendAllText(Path.Combine(applied.BackupDirectory!, "boot_grub2_grub.cfg"), "torn");
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(_host.Editor().Undo);
        Assert.StartsWith("the backup of /boot/grub2/", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not match its manifest", e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void Undo_names_a_boot_file_that_is_gone()
    {
        _host.Editor().Apply(_host.Plan());
        File.Delete(_host.Root + Env);
        var e = Assert.Throws<LabException>(_host.Editor().Undo);
        Assert.StartsWith(Env + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains("No such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_boot_file_that_appeared_since_the_plan_is_refused()
    {
        using var host = new BootFixtureCopy("boot-el8-bls");
        FixPlan plan = host.Plan();
        const string Added = "/boot/loader/entries/8f3c1e2d4b5a69788796a5b4c3d2e1f0-4.18.0-372.el8.x86_64.conf";
        File.WriteAllText(host.Root + Added,
            "title Added\nversion 4.18.0-372.el8.x86_64\nlinux /vmlinuz-4.18.0-372.el8.x86_64\noptions $kernelopts\n");
        var before = host.Snapshot();
        var e = Assert.Throws<LabException>(() => host.Editor().Apply(plan));
        Assert.StartsWith(Added + " appeared since the plan was made", e.Message, StringComparison.Ordinal);
        host.AssertSame(before);
    }

    [Fact]
    public void A_state_directory_that_cannot_hold_backups_is_refused_and_nothing_is_written()
    {
        Directory.CreateDirectory(_host.State);
        File.WriteAllText(Backups, "not a directory");
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(() => _host.Editor().Apply(_host.Plan()));
        Assert.StartsWith("cannot back up into " + Backups + "/", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was changed", e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void A_file_changed_by_someone_else_while_cgleak_writes_is_not_overwritten()
    {
        byte[] theirs = [.. _host.Bytes(Cfg), .. "# theirs\n"u8];
        BootEditor editor = _host.Editor(beforeRename: target =>
        {
            if (target.EndsWith("/grub.cfg", StringComparison.Ordinal))
            {
                File.WriteAllBytes(target, theirs);
            }
        });
        var e = Assert.Throws<LabException>(() => editor.Apply(_host.Plan()));
        Assert.Equal(Cfg + " changed while cgleak was writing; nothing was changed", e.Message);
        Assert.Equal(theirs, _host.Bytes(Cfg));
        Assert.Empty(Directory.GetFiles(_host.Root + "/boot/grub2", "*.cgleak-tmp-*"));

        // No half-applied backup is left to block the next apply or undo: a plan made now applies, and undoes.
        Assert.False(BootEditor.HasApplied(_host.State));
        BootChangeResult applied = _host.Editor().Apply(_host.Plan());
        Assert.True(applied.Changed);
        _ = _host.Editor().Undo();
        Assert.Equal(theirs, _host.Bytes(Cfg));
    }

    [Fact]
    public void A_file_changed_by_someone_else_after_cgleak_replaced_another_keeps_theirs_and_restores_ours()
    {
        string env = "/boot/grub2/grubenv";
        byte[] cfgBefore = _host.Bytes(Cfg);
        byte[] envBefore = _host.Bytes(env);
        byte[] theirs = [.. envBefore[..^10], .. "#theirs###"u8];
        BootEditor editor = _host.Editor(beforeRename: target =>
        {
            if (target.EndsWith("/grubenv", StringComparison.Ordinal))
            {
                File.WriteAllBytes(target, theirs);
            }
        });
        var e = Assert.Throws<LabException>(() => editor.Apply(_host.Plan()));
        Assert.EndsWith("; nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Equal(theirs, _host.Bytes(env));
        Assert.Equal(cfgBefore, _host.Bytes(Cfg));
        Assert.False(BootEditor.HasApplied(_host.State));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1\t2")]
    [InlineData("$saved")]
    [InlineData("1>2; reboot")]
    [InlineData("\"0\"")]
    public void A_literal_grub_default_that_is_not_a_plain_entry_name_is_refused(string entry)
    {
        using var host = new BootFixtureCopy("boot-ubuntu");
        FixPlan plan = host.Plan();
        var before = host.Snapshot();
        var e = Assert.Throws<LabException>(() =>
            host.Editor().Apply(LiteralDefault(plan, entry)));
        Assert.Contains("is not a plain entry name", e.Message, StringComparison.Ordinal);
        host.AssertSame(before);
    }

    [Fact]
    public void A_literal_grub_default_is_written_to_etc_default_grub_and_the_menu()
    {
        using var host = new BootFixtureCopy("ubuntu1804-bios");
        FixPlan plan = host.Plan();
        Assert.Equal(BootStyle.DefaultGrub, plan.Edit!.Style);
        host.Editor().Apply(LiteralDefault(plan, "1>2"));
        Assert.Contains("\nGRUB_DEFAULT=\"1>2\"\n", File.ReadAllText(host.Root + "/etc/default/grub"),
            StringComparison.Ordinal);
        const string Menu = "/boot/grub/grub.cfg";
        Assert.Equal("1>2", GrubMenu.Parse(File.ReadAllText(host.Root + Menu), Menu).Default);
    }

    [Fact]
    public void A_line_added_to_a_file_of_mixed_line_ends_is_refused_with_the_files_name()
    {
        using var host = new BootFixtureCopy("boot-ubuntu");
        string defaults = host.Root + "/etc/default/grub";
        string text = File.ReadAllText(defaults).Replace("GRUB_DEFAULT=0\n", "", StringComparison.Ordinal);
        File.WriteAllText(defaults, text.Replace("GRUB_TIMEOUT=0\n", "GRUB_TIMEOUT=0\r\n", StringComparison.Ordinal));
        FixPlan plan = host.Plan();
        var before = host.Snapshot();
        var e = Assert.Throws<LabException>(() =>
            host.Editor().Apply(LiteralDefault(plan, "1>2")));
        Assert.StartsWith("/etc/default/grub: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("both CRLF and LF", e.Message, StringComparison.Ordinal);
        host.AssertSame(before);
    }

    [Fact]
    public void A_grubenv_of_1024_bytes_that_is_not_utf8_is_refused()
    {
        byte[] env = _host.Bytes(Env);
        env[^2] = 0xE9; // in the '#' padding
        File.WriteAllBytes(_host.Root + Env, env);
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(() => _host.Editor().Apply(_host.Plan()));
        Assert.StartsWith(Env + " is not UTF-8", e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void An_entry_of_the_target_kernel_that_grubby_would_not_edit_is_refused_not_half_done()
    {
        // A second entry for the same kernel whose image has no leading slash: grubby matches /vmlinuz-VERSION.
        File.AppendAllText(_host.Root + Cfg, $"menuentry 'Copy of {Target}' {{\n\tlinux16 vmlinuz-{Target} ro\n}}\n");
        FixPlan plan = ArgumentOnly();
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(() => _host.Editor().Apply(plan));
        Assert.StartsWith(Cfg + ": no line to add " + FixPlan.NokmemArgument, e.Message, StringComparison.Ordinal);
        _host.AssertSame(before);
    }

    [Fact]
    public void On_debian_a_kernel_entry_update_grub_would_not_rewrite_is_refused()
    {
        using var host = new BootFixtureCopy("boot-ubuntu");
        File.AppendAllText(host.Root + "/boot/grub/grub.cfg",
            "menuentry 'Copy' {\n\tlinux\tvmlinuz-4.15.0-213-generic ro\n}\n");
        FixPlan plan = host.Plan();
        var before = host.Snapshot();
        var e = Assert.Throws<LabException>(() => host.Editor().Apply(plan));
        Assert.StartsWith("/boot/grub/grub.cfg: no line to add", e.Message, StringComparison.Ordinal);
        host.AssertSame(before);
    }

    [Fact]
    public void The_default_state_directory_is_made_inside_the_root_and_a_read_only_one_is_one_clear_error()
    {
        BootFixtureCopy host = _host;
        string made = BootEditor.DefaultStateDirectory(HostRoot.At(host.Root));
        Assert.Equal(host.Root + "/var/lib/cgleak", made);
        Assert.True(Directory.Exists(made));
        Directory.Delete(made);

        using (ReadOnlyMount.Of(host.Root + "/var/lib"))
        {
            var e = Assert.Throws<LabException>(() => BootEditor.DefaultStateDirectory(HostRoot.At(host.Root)));
            Assert.StartsWith("cannot make the state directory /var/lib/cgleak", e.Message, StringComparison.Ordinal);
            Assert.Contains("cannot create " + host.Root + "/var/lib/cgleak: Read-only file system", e.Message,
                StringComparison.Ordinal);
        }

        File.WriteAllText(host.Root + "/var/lib/cgleak", "a file");
        var notDir = Assert.Throws<LabException>(() => BootEditor.DefaultStateDirectory(HostRoot.At(host.Root)));
        Assert.Contains("--state-dir", notDir.Message, StringComparison.Ordinal);
    }

    private sealed class SimulatedKill : Exception;
}
