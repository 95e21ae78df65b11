using Cgleak.Host.Boot;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Small boot configurations written in the test: an os-release and the boot files, as the reader would return them.
/// </summary>
internal static class SmallBoot
{
    public const string OsCentos = "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n";
    public const string OsUbuntu = "ID=ubuntu\nID_LIKE=debian\n";
    public const string El7Defaults
        = "GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rhgb quiet\"\n";

    public static string Env(params (string Key, string Value)[] values) =>
        values.Aggregate(GrubEnv.Parse("# GRUB Environment Block\n")!, (e, kv) => e.With(kv.Key, kv.Value)).Format();

    public static BootConfig Model(string os, params (string Path, string Text)[] files) => Model(os, [], files);

    /// <summary>A boot model with <paramref name="installed"/> as the kernels under /boot.</summary>
    public static BootConfig Model(
        string os,
        IReadOnlyList<string> installed,
        params (string Path, string Text)[] files) =>
        BootConfig.From(new BootRead(
            false,
            null,
            os,
            new Dictionary<string, string>(),
            files.Select(f => BootFile.Of(f.Path, f.Text)).ToList(),
            installed,
            []));

    /// <summary>
    /// An el7 grub.cfg (grub2-mkconfig's layout) with one entry per kernel version, in the order given.
    /// </summary>
    public static string El7Menu(string @default, params string[] versions) => El7MenuWith("", @default, versions);

    /// <summary>The same, with <paramref name="extra"/> at the end of every linux16 line.</summary>
    public static string El7MenuWith(string extra, string @default, params string[] versions) =>
        $"### BEGIN /etc/grub.d/00_header ###\nset default=\"{@default}\"\n### BEGIN /etc/grub.d/10_linux ###\n"
            + string.Concat(versions.Select(v =>
                $"menuentry 'CentOS Linux ({v}) 7 (Core)' --class centos $menuentry_id_option "
                    + $"'gnulinux-{v}-advanced-8e3d' {{\n"
                + $"\tlinux16 /vmlinuz-{v} root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet{extra}\n}}\n"));

    /// <summary>An el7 node whose grubenv saves <paramref name="saved"/>'s entry, with /etc/default/grub.</summary>
    public static BootConfig El7(string saved, params string[] versions) => Model(OsCentos,
        ("/boot/grub2/grub.cfg", El7Menu("${saved_entry}", versions)),
        ("/boot/grub2/grubenv", Env(("saved_entry", $"CentOS Linux ({saved}) 7 (Core)"))),
        ("/etc/default/grub", El7Defaults));
}
