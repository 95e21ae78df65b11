using System.Security.Cryptography;
using Cgleak.Diagnosis.Fix;
using Cgleak.Lab.Boot;

namespace Cgleak.Lab.Tests;

/// <summary>
/// fix apply with grubby on a copy of the Rocky 9 layout (tests/fixtures/hosts/rocky9-bls-inline), grubby being a
/// RECORDING STAND-IN (grubby is not installable here): it logs its arguments, edits the entry's options line as
/// grubby --args does, and answers --info from it.
/// </summary>
public sealed class BootEditorGrubbyTests : IDisposable
{
    private const string Kernel = "5.14.0-162.6.1.el9_1.x86_64";
    private const string Entry = "/boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-" + Kernel + ".conf";
    private const string Image = "/boot/vmlinuz-" + Kernel;

    private readonly BootFixtureCopy _host = new("rocky9-bls-inline");

    public void Dispose() => _host.Dispose();

    private string Log => _host.Beside("grubby") + "/log";

    /// <summary>The stand-in; <paramref name="failOn"/> makes the call whose first argument starts so exit 3.</summary>
    private string StandIn(string? failOn = null, bool edits = true)
    {
        string path = _host.Beside("grubby") + "/grubby";
        string fail = failOn is null ? ""
            : $"case \"$1\" in {failOn}*) echo 'grubby: fatal error' >&2; exit 3;; esac\n";
        string edit = edits ? $"sed -i \"s|^options .*|& $A|\" '{_host.Root}'/boot/loader/entries/*-\"$V\".conf" : ":";
        File.WriteAllText(path, $$"""
            #!/bin/sh
            echo "$*" >> '{{Log}}'
            {{fail}}case "$1" in
              --args=*) A="${1#--args=}"; V="${3#/boot/vmlinuz-}"; {{edit}} ;;
              --info) V="${2#/boot/vmlinuz-}"
                E=$(sed -n 's/^options //p' '{{_host.Root}}'/boot/loader/entries/*-"$V".conf)
                echo "args=\"$E\"" ;;
            esac

            """);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    /// <summary>The plan's edit as grubby alone makes it: the argument, the default set again to its entry.</summary>
    private FixPlan GrubbyPlan()
    {
        FixPlan plan = _host.Plan(FixMethod.Kernel);
        Assert.Equal(BootStyle.GrubbyBls, plan.Edit!.Style);
        Assert.Equal(Kernel, plan.Edit.TargetKernel);
        return plan with
        {
            Edit = plan.Edit with
            {
                CmdlineFile = null,
                NewDefault = "a98618aa1631441dbb52c75a50834a0a-" + Kernel,
                DefaultIn = DefaultIn.SavedEntry,
            },
        };
    }

    [Fact]
    public void Grubby_sets_the_default_adds_the_argument_and_is_checked_and_undo_restores_what_it_changed()
    {
        var before = _host.Snapshot();
        BootChangeResult r = _host.Editor(StandIn()).Apply(GrubbyPlan());
        string args = $"--args={FixPlan.NokmemArgument} --update-kernel {Image}";
        Assert.Equal([$"--set-default {Image}", args, $"--info {Image}"], File.ReadAllLines(Log));
        Assert.Contains(r.Messages, m => m.EndsWith("grubby " + args, StringComparison.Ordinal));
        Assert.Contains(r.Messages, m => m.Contains("shows " + FixPlan.NokmemArgument, StringComparison.Ordinal));

        string manifest = Path.Combine(r.BackupDirectory!, BootEditor.ManifestName);
        string[] line = File.ReadAllLines(manifest).Single().Split('\t');
        Assert.Equal(Entry, line[0]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(before[Entry])), line[1]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_host.Bytes(Entry))), line[2]);
        Assert.Equal(Entry, r.Files.Single().HostPath);
        Assert.True(File.Exists(r.BackupDirectory + "/committed"));

        _host.Editor().Undo();
        _host.AssertSame(before);
    }

    [Fact]
    public void With_a_cmdline_file_to_edit_too_the_editor_does_not_hand_the_edit_to_grubby()
    {
        FixPlan plan = _host.Plan(FixMethod.Kernel);
        Assert.NotNull(plan.Edit!.CmdlineFile);
        BootChangeResult r = _host.Editor(StandIn()).Apply(plan);
        Assert.False(File.Exists(Log));
        Assert.Contains(r.Files, f => f.HostPath == plan.Edit.CmdlineFile);
    }

    [Fact]
    public void A_grubby_that_fails_is_named_with_its_exit_code_and_the_half_done_apply_is_undone_not_completed()
    {
        var before = _host.Snapshot();
        var e = Assert.Throws<LabException>(() => _host.Editor(StandIn(failOn: "--info")).Apply(GrubbyPlan()));
        Assert.Contains($"--info {Image} failed (3): grubby: fatal error", e.Message, StringComparison.Ordinal);
        string dir = Directory.GetDirectories(_host.State + "/backups").Single();
        Assert.Equal("*", File.ReadAllLines(Path.Combine(dir, BootEditor.ManifestName)).Single().Split('\t')[2]);

        var next = Assert.Throws<LabException>(() => _host.Editor(StandIn()).Apply(_host.Plan(FixMethod.Kernel)));
        Assert.StartsWith("an apply with grubby was interrupted", next.Message, StringComparison.Ordinal);

        _host.Editor().Undo();
        _host.AssertSame(before);
        Assert.False(BootEditor.HasApplied(_host.State));
    }

    [Fact]
    public void A_grubby_that_fails_to_add_the_argument_stops_the_apply_before_its_check()
    {
        var e = Assert.Throws<LabException>(() => _host.Editor(StandIn(failOn: "--args")).Apply(GrubbyPlan()));
        Assert.Contains("failed (3)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllLines(Log), l => l.StartsWith("--info", StringComparison.Ordinal));
    }

    [Fact]
    public void A_grubby_whose_info_does_not_show_the_argument_is_not_trusted()
    {
        var e = Assert.Throws<LabException>(() => _host.Editor(StandIn(edits: false)).Apply(GrubbyPlan()));
        Assert.StartsWith($"grubby --info {Image} does not show {FixPlan.NokmemArgument}", e.Message,
            StringComparison.Ordinal);
    }
}
