using System.Text;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>
/// fix apply and undo on bytes, write-ahead, and inside the host root: copies of the boot fixtures made hostile.
/// </summary>
public sealed class BootBytesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-bytes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Copy(string scenario, string name = "host")
    {
        string target = Path.Combine(_root, name);
        using var cp = System.Diagnostics.Process.Start("cp", ["-a", Repo.Fixture(scenario), target]);
        cp.WaitForExit();
        return target;
    }

    private static FixPlan Plan(string root)
    {
        HostRoot host = HostRoot.At(root);
        return FixPlanner.Plan(
            Doctor.Examine(host, new Host.Facts.SurveyOptions { Logs = false }),
            BootConfig.Read(host),
            new PlanRequest(FixMethod.Auto));
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/state/", StringComparison.Ordinal))
            .ToDictionary(f => f[root.Length..], File.ReadAllBytes);

    private static void Same(Dictionary<string, byte[]> before, string root)
    {
        var now = Snapshot(root);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(now[kv.Key]), kv.Key + " differs"));
    }

    private static BootEditor Editor(string root) => new(HostRoot.At(root), root + "/state");

    /// <summary>
    /// Lines of <paramref name="after"/> not in <paramref name="before"/>, compared as bytes split at "\n".
    /// </summary>
    private static List<string> ChangedLines(byte[] before, byte[] after)
    {
        var old = Encoding.Latin1.GetString(before).Split('\n');
        var now = Encoding.Latin1.GetString(after).Split('\n');
        Assert.Equal(old.Length, now.Length);
        return now.Where((l, i) => l != old[i]).ToList();
    }

    [Fact]
    public void Bytes_that_are_not_utf8_stay_in_the_file_and_in_its_backup()
    {
        string root = Copy("boot-el7-bios");
        string cfg = root + "/boot/grub2/grub.cfg";
        byte[] original = [.. Encoding.ASCII.GetBytes("# caf"), 0xE9, 0x85, 0xA0, (byte)'\n', .. File.ReadAllBytes(
            cfg)];
        File.WriteAllBytes(cfg, original);
        var before = Snapshot(root);

        BootChangeResult r = Editor(root).Apply(Plan(root));
        byte[] applied = File.ReadAllBytes(cfg);
        Assert.Equal(original[..9], applied[..9]);
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(r.BackupDirectory!, "boot_grub2_grub.cfg")));
        Assert.All(
            ChangedLines(original, applied),
            l => Assert.EndsWith(" cgroup.memory=nokmem", l, StringComparison.Ordinal));

        Editor(root).Undo();
        Same(before, root);
    }

    [Fact]
    public void Crlf_line_ends_stay_and_only_the_edited_lines_change()
    {
        string root = Copy("boot-el7-bios");
        string cfg = root + "/boot/grub2/grub.cfg";
        byte[] crlf = Encoding.ASCII.GetBytes(File.ReadAllText(cfg).Replace("\n", "\r\n", StringComparison.Ordinal));
        File.WriteAllBytes(cfg, crlf);
        var before = Snapshot(root);

        Editor(root).Apply(Plan(root));
        byte[] applied = File.ReadAllBytes(cfg);
        List<string> changed = ChangedLines(crlf, applied);
        Assert.NotEmpty(changed);
        Assert.All(changed, l => Assert.EndsWith(" cgroup.memory=nokmem\r", l, StringComparison.Ordinal));
        Assert.Equal(crlf.Count(b => b == '\r'), applied.Count(b => b == '\r'));

        Editor(root).Undo();
        Same(before, root);
    }

    [Fact]
    public void A_bom_stays_and_undo_restores_it()
    {
        string root = Copy("boot-ubuntu");
        string defaults = root + "/etc/default/grub";
        byte[] withBom = [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(defaults)];
        File.WriteAllBytes(defaults, withBom);
        var before = Snapshot(root);

        BootChangeResult r = Editor(root).Apply(Plan(root));
        Assert.True(r.Changed);
        byte[] applied = File.ReadAllBytes(defaults);
        Assert.Equal(withBom[..3], applied[..3]);
        Assert.Equal(
            Encoding.ASCII.GetString(withBom).Split('\n').Length,
            Encoding.ASCII.GetString(applied).Split('\n').Length);

        Editor(root).Undo();
        Same(before, root);
    }

    [Fact]
    public void An_apply_interrupted_between_renames_is_undone_byte_for_byte()
    {
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        Crash(root);
        Assert.True(BootEditor.HasApplied(root + "/state"));

        Editor(root).Undo();
        Same(before, root);
        Assert.False(BootEditor.HasApplied(root + "/state"));
    }

    [Fact]
    public void An_apply_interrupted_between_renames_is_completed_by_the_next_apply()
    {
        string whole = Copy("boot-el7-bios", "whole");
        Editor(whole).Apply(Plan(whole));
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        Crash(root);

        BootChangeResult r = Editor(root).Apply(Plan(root));
        Assert.Contains(r.Messages, m => m.StartsWith("completed an interrupted apply", StringComparison.Ordinal));
        Assert.Equal(
            File.ReadAllBytes(whole + "/boot/grub2/grub.cfg"),
            File.ReadAllBytes(root + "/boot/grub2/grub.cfg"));
        Assert.Equal(File.ReadAllBytes(whole + "/boot/grub2/grubenv"), File.ReadAllBytes(root + "/boot/grub2/grubenv"));
        Assert.Empty(Directory.GetFiles(root + "/boot/grub2", "*.cgleak-tmp-*"));

        Editor(root).Undo();
        Same(before, root);
    }

    [Fact]
    public void An_undo_interrupted_between_renames_is_finished_by_the_next_undo()
    {
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        Editor(root).Apply(Plan(root));
        int renames = 0;
        var crashing = new BootEditor(HostRoot.At(root), root + "/state")
        {
            BeforeRename = _ => { if (++renames == 2) { throw new SimulatedKill(); } }
        };
        Assert.Throws<SimulatedKill>(() => crashing.Undo());

        BootChangeResult r = Editor(root).Undo();
        Assert.Contains(r.Messages, m => m.StartsWith("finished an interrupted undo", StringComparison.Ordinal));
        Same(before, root);
    }

    /// <summary>
    /// An apply that stops dead after its first rename, leaving what a kill -9 there leaves (no catch runs for it).
    /// </summary>
    private static void Crash(string root)
    {
        int renames = 0;
        var crashing = new BootEditor(HostRoot.At(root), root + "/state")
        {
            BeforeRename = _ => { if (++renames == 2) { throw new SimulatedKill(); } }
        };
        Assert.Throws<SimulatedKill>(() => crashing.Apply(Plan(root)));
    }

    [Theory]
    [InlineData("init=/bin/sh")]
    [InlineData("cgroup.memory=nokmem init=/bin/sh")]
    public void Only_cgroup_memory_nokmem_is_ever_written(string argument)
    {
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        FixPlan plan = Plan(root);
        var e = Assert.Throws<LabException>(
            () => Editor(root).Apply(plan with { Edit = plan.Edit! with { Argument = argument } }));
        Assert.Contains("only ever adds cgroup.memory=nokmem", e.Message, StringComparison.Ordinal);
        Same(before, root);
    }

    [Fact]
    public void A_default_entry_that_would_inject_a_line_is_refused()
    {
        string root = Copy("boot-el7-bios");
        var before = Snapshot(root);
        FixPlan plan = Plan(root);
        Assert.Throws<LabException>(
            () => Editor(root).Apply(
                plan with { Edit = plan.Edit! with { NewDefault = "x\nkernelopts=init=/bin/sh" } }));
        Same(before, root);
    }

    [Theory]
    [InlineData(1023)]
    [InlineData(2048)]
    public void A_grubenv_that_is_not_1024_bytes_is_refused_with_one_line(int size)
    {
        string root = Copy("boot-el7-bios");
        string env = root + "/boot/grub2/grubenv";
        byte[] bytes = File.ReadAllBytes(env);
        File.WriteAllBytes(
            env,
            size < bytes.Length ? bytes[..size] : [.. bytes, .. Enumerable.Repeat((byte)'#', size - bytes.Length)]);
        var before = Snapshot(root);
        var e = Assert.Throws<LabException>(() => Editor(root).Apply(Plan(root)));
        Assert.Contains($"is {size} bytes, not the 1024", e.Message, StringComparison.Ordinal);
        Same(before, root);
    }

    [Fact]
    public void An_unknown_bls_key_that_starts_like_options_is_left_alone()
    {
        string root = Copy("boot-el8-bls");
        string entry = Directory.GetFiles(root + "/boot/loader/entries")
            .Single(f => f.Contains("348", StringComparison.Ordinal));
        File.AppendAllText(entry, "optionsX keep me\n");
        Editor(root).Apply(Plan(root));
        Assert.Contains("\noptionsX keep me\n", File.ReadAllText(entry), StringComparison.Ordinal);
        // The entry reads $kernelopts: the argument goes to grubenv's kernelopts, as grubby puts it there.
        Assert.Equal("$kernelopts $tuned_params", BlsEntry.Parse(entry, File.ReadAllText(entry)).Options);
        Assert.Contains(
            "cgroup.memory=nokmem",
            GrubEnv.Parse(File.ReadAllText(root + "/boot/grub2/grubenv"))!["kernelopts"],
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_bls_entry_with_only_an_unknown_key_is_refused_not_called_applied()
    {
        string root = Copy("boot-el8-bls");
        string entry = Directory.GetFiles(root + "/boot/loader/entries")
            .Single(f => f.Contains("348", StringComparison.Ordinal));
        File.WriteAllText(
            entry,
            File.ReadAllText(entry).Replace("options $kernelopts", "optionsX $kernelopts", StringComparison.Ordinal));
        var before = Snapshot(root);
        FixPlan plan = Plan(root);
        if (plan.Edit is null)
        {
            return; // the planner already declines: nothing to apply either way
        }

        var e = Assert.Throws<LabException>(() => Editor(root).Apply(plan));
        Assert.Contains("optionsX", e.Message, StringComparison.Ordinal);
        Same(before, root);
    }

    [Fact]
    public void A_boot_directory_that_links_out_of_the_host_root_is_never_written()
    {
        string root = Copy("boot-el7-bios");
        string outside = Path.Combine(_root, "elsewhere");
        Directory.Move(root + "/boot", outside);
        File.CreateSymbolicLink(root + "/boot", outside);
        var outsideBefore = Snapshot(outside);
        try
        {
            Editor(root).Apply(Plan(root));
        }
        catch (LabException)
        {
            // refused: the point is that nothing outside changed
        }

        Same(outsideBefore, outside);
    }

    [Fact]
    public void The_default_state_directory_stays_inside_the_host_root_when_var_links_out()
    {
        string root = Copy("boot-el7-bios");
        string outside = Directory.CreateDirectory(Path.Combine(_root, "outside-var")).FullName;
        if (Directory.Exists(root + "/var"))
        {
            Directory.Delete(root + "/var", recursive: true);
        }

        File.CreateSymbolicLink(root + "/var", outside);
        string state = BootEditor.DefaultStateDirectory(HostRoot.At(root));
        Assert.StartsWith(root + "/", state, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        new BootEditor(HostRoot.At(root), state).Apply(Plan(root));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    private sealed class SimulatedKill : Exception;
}
