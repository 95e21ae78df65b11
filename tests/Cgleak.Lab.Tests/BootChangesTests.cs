using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>
/// Which boot files a plan's edit touches and what each line becomes, computed on the boot fixtures as read
/// (pure: nothing is written), and when grubby alone may make the edit.
/// </summary>
public sealed class BootChangesTests
{
    private const string Arg = FixPlan.NokmemArgument;
    private const string Rocky9New = "5.14.0-162.6.1.el9_1.x86_64";
    private const string Rocky9Old = "5.14.0-70.22.1.el9_0.x86_64";
    private const string Rocky9Entries = "/boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-";

    private static BootEdit Edit(
        BootStyle style, string? newDefault = null, string kernel = "3.10.0-1160.el7.x86_64") =>
        new(style, kernel, "", newDefault, null, Arg, "/boot/grub2/grub.cfg");

    private static BootConfig Fixture(string scenario) => BootConfig.Read(HostRoot.At(Repo.Fixture(scenario)));

    [Fact]
    public void Grubby_does_the_whole_edit_only_without_kernelopts_a_cmdline_file_or_a_literal_default()
    {
        Assert.True(BootChanges.GrubbyDoesAll(Edit(BootStyle.GrubbyGrubCfg)));
        Assert.True(BootChanges.GrubbyDoesAll(Edit(BootStyle.GrubbyBls)));
        Assert.True(BootChanges.GrubbyDoesAll(
            Edit(BootStyle.GrubbyGrubCfg, "1") with { DefaultIn = DefaultIn.SavedEntry }));
        Assert.True(BootChanges.GrubbyDoesAll(Edit(BootStyle.GrubbyBls) with { DefaultIn = DefaultIn.GrubDefault }));

        Assert.False(BootChanges.GrubbyDoesAll(Edit(BootStyle.DefaultGrub)));
        Assert.False(BootChanges.GrubbyDoesAll(Edit(BootStyle.GrubbyBls) with { Kernelopts = true }));
        Assert.False(BootChanges.GrubbyDoesAll(
            Edit(BootStyle.GrubbyGrubCfg) with { CmdlineFile = "/etc/default/grub" }));
        Assert.False(BootChanges.GrubbyDoesAll(
            Edit(BootStyle.GrubbyGrubCfg, "1") with { DefaultIn = DefaultIn.GrubDefault }));
    }

    [Fact]
    public void A_stale_menu_is_refused_when_the_default_is_written_to_grub_default_and_edited_in_place_otherwise()
    {
        BootConfig stale = Fixture("ubuntu2204-stale");
        Assert.NotEmpty(stale.Stale);
        string kernel = stale.Menu!.Entries.First(e => e.KernelVersion is not null).KernelVersion!;
        BootEdit inPlace = Edit(BootStyle.GrubbyGrubCfg, kernel: kernel);

        var e = Assert.Throws<LabException>(() =>
            BootChanges.Compute(inPlace with { NewDefault = "1>2", DefaultIn = DefaultIn.GrubDefault }, stale));
        Assert.Contains("older than the settings", e.Message, StringComparison.Ordinal);

        var changes = BootChanges.Compute(inPlace, stale);
        Assert.Equal([stale.MenuFile!.HostPath], changes.Keys);
        Assert.Contains(stale.MenuFile.HostPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cmdline_file_that_is_not_on_the_host_is_named()
    {
        BootEdit edit = Edit(BootStyle.GrubbyGrubCfg) with { CmdlineFile = "/etc/default/grub.missing" };
        var e = Assert.Throws<LabException>(() => BootChanges.Compute(edit, Fixture("boot-el7-bios")));
        Assert.StartsWith("/etc/default/grub.missing: not found on this host", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bls_entry_is_found_by_its_id_first_then_by_its_kernel()
    {
        BootConfig boot = Fixture("rocky9-bls-inline");
        BootEdit byKernel = Edit(BootStyle.GrubbyBls, kernel: Rocky9New) with { TargetEntry = "no-such-id" };
        Assert.Equal([Rocky9Entries + Rocky9New + ".conf"], BootChanges.Compute(byKernel, boot).Keys);

        BootEdit byId = byKernel with { TargetEntry = "a98618aa1631441dbb52c75a50834a0a-" + Rocky9Old };
        var changes = BootChanges.Compute(byId, boot);
        Assert.Equal([Rocky9Entries + Rocky9Old + ".conf"], changes.Keys);
        string options = changes.Values.Single().Split('\n')
            .Single(l => l.StartsWith("options ", StringComparison.Ordinal));
        Assert.EndsWith(" " + Arg, options, StringComparison.Ordinal);

        var e = Assert.Throws<LabException>(() =>
            BootChanges.Compute(byKernel with { TargetKernel = "6.1.0-1.el9.x86_64" }, boot));
        Assert.Contains("no BLS entry for 6.1.0-1.el9.x86_64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_grub_puts_the_argument_where_the_old_grub_cmdline_linux_stood_in_every_linux_line()
    {
        BootConfig boot = Fixture("boot-ubuntu");
        BootEdit plain = Edit(BootStyle.DefaultGrub, kernel: "4.15.0-213-generic");
        BootEdit edit = plain with { CmdlineFile = "/etc/default/grub" };
        var changes = BootChanges.Compute(edit, boot);
        Assert.Equal(["/boot/grub/grub.cfg", "/etc/default/grub"], changes.Keys.Order(StringComparer.Ordinal));
        Assert.Contains($"\nGRUB_CMDLINE_LINUX=\"{Arg} console=tty1 console=ttyS0\"\n", changes["/etc/default/grub"],
            StringComparison.Ordinal);
        var linux = changes["/boot/grub/grub.cfg"].Split('\n')
            .Where(l => l.Contains("/vmlinuz-", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, linux.Count);
        Assert.All(linux, l => Assert.Contains($" ro {Arg} console=tty1 console=ttyS0 ", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_literal_default_goes_to_etc_default_grub_even_when_it_does_not_assign_one_yet()
    {
        using var host = new BootFixtureCopy("ubuntu1804-bios");
        string defaults = host.Root + "/etc/default/grub";
        File.WriteAllText(defaults,
            File.ReadAllText(defaults).Replace("GRUB_DEFAULT=0\n", "", StringComparison.Ordinal));
        BootEdit plain = Edit(BootStyle.GrubbyGrubCfg, "1>2", "4.15.0-20-generic");
        BootEdit edit = plain with { DefaultIn = DefaultIn.GrubDefault };

        var changes = BootChanges.Compute(edit, BootConfig.Read(HostRoot.At(host.Root)));
        Assert.EndsWith("\nGRUB_DEFAULT=\"1>2\"\n", changes["/etc/default/grub"], StringComparison.Ordinal);
        Assert.Equal("1>2", GrubMenu.Parse(changes["/boot/grub/grub.cfg"], "/boot/grub/grub.cfg").Default);

        File.Delete(defaults);
        var e = Assert.Throws<LabException>(() => BootChanges.Compute(edit, BootConfig.Read(HostRoot.At(host.Root))));
        Assert.StartsWith("no /etc/default/grub", e.Message, StringComparison.Ordinal);
    }
}
