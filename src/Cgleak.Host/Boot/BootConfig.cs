using System.Security.Cryptography;
using System.Text;
using Cgleak.Host.Kernel;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Boot;

/// <summary>A boot configuration file as read: host path, text, SHA-256 (for stale-plan refusal).</summary>
public sealed record BootFile(string HostPath, string Text, string Sha256);

/// <summary>The boot loader's configuration on one host, as the fix plan needs it.</summary>
public sealed record BootConfig(
    BootFile? BiosGrubCfg,
    BootFile? EfiGrubCfg,
    BootFile? GrubEnvFile,
    IReadOnlyList<BootFile> BlsFiles,
    BootFile? DefaultGrub,
    IReadOnlyList<string> InstalledKernels,
    IReadOnlyList<string> Problems)
{
    /// <summary>The grub.cfg that boots this host: the EFI one when /sys/firmware/efi exists, else the BIOS one.</summary>
    public BootFile? ActiveGrubCfg(bool efi) => efi ? EfiGrubCfg ?? BiosGrubCfg : BiosGrubCfg ?? EfiGrubCfg;

    public IEnumerable<BootFile> All =>
        new[] { BiosGrubCfg, EfiGrubCfg, GrubEnvFile, DefaultGrub }.OfType<BootFile>().Concat(BlsFiles);

    public GrubEnv? Env => GrubEnvFile is { } f ? GrubEnv.Parse(f.Text) : null;

    public IReadOnlyList<BlsEntry> Bls => BlsFiles.Select(f => BlsEntry.Parse(f.HostPath, f.Text)).ToList();

    public IReadOnlyDictionary<string, string>? DefaultGrubValues => DefaultGrub is { } f ? KeyValueFile.Parse(f.Text).Value : null;

    /// <summary>
    /// Reads the boot configuration of a host: the BIOS and UEFI grub.cfg (through /etc/grub2.cfg and
    /// /etc/grub2-efi.cfg when they are links, resolved inside the host root), grubenv, BLS entries,
    /// /etc/default/grub, and the kernels installed in /boot.
    /// </summary>
    public static BootConfig Read(HostRoot host)
    {
        var problems = new List<string>();
        BootFile? Load(params string[] candidates)
        {
            foreach (string candidate in candidates)
            {
                string? resolved = Resolve(host, candidate);
                if (resolved is null)
                {
                    continue;
                }

                KernelRead r = host.Read(resolved);
                if (r.IsOk)
                {
                    return new BootFile(resolved, r.Text, Sha256(r.Text));
                }

                if (r.Outcome == ReadOutcome.NotReadable)
                {
                    problems.Add($"{resolved}: cannot read: {r.ErrorText}");
                }
            }

            return null;
        }

        string[] efiDirs = Directory.Exists(host.Path("/boot/efi/EFI"))
            ? Directory.GetDirectories(host.Path("/boot/efi/EFI")).Select(d => "/boot/efi/EFI/" + Path.GetFileName(d)).Order(StringComparer.Ordinal).ToArray()
            : [];
        BootFile? bios = Load("/etc/grub2.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg");
        BootFile? efi = Load(["/etc/grub2-efi.cfg", .. efiDirs.Select(d => d + "/grub.cfg")]);
        if (bios is not null && efi is not null && bios.HostPath == efi.HostPath)
        {
            efi = null;
        }

        BootFile? env = Load(["/boot/grub2/grubenv", .. efiDirs.Select(d => d + "/grubenv"), "/boot/grub/grubenv"]);
        var bls = new List<BootFile>();
        if (Directory.Exists(host.Path("/boot/loader/entries")))
        {
            foreach (string f in Directory.GetFiles(host.Path("/boot/loader/entries"), "*.conf").Order(StringComparer.Ordinal))
            {
                if (Load("/boot/loader/entries/" + Path.GetFileName(f)) is { } b)
                {
                    bls.Add(b);
                }
            }
        }

        string[] kernels = Directory.Exists(host.Path("/boot"))
            ? Directory.GetFiles(host.Path("/boot"), "vmlinuz-*").Select(f => Path.GetFileName(f)[8..])
                .Where(v => !v.Contains("rescue", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray()
            : [];
        return new BootConfig(bios, efi, env, bls, Load("/etc/default/grub"), kernels, problems);
    }

    /// <summary>
    /// Follows symbolic links inside the host root (an absolute link target means the host's "/", not ours: see
    /// <see cref="HostRoot"/>); null when nothing but a directory is there. A FIFO or an unreachable path is kept,
    /// so its read names the problem.
    /// </summary>
    internal static string? Resolve(HostRoot host, string hostPath) =>
        host.TypeOf(hostPath) is HostEntryType.Missing or HostEntryType.Directory ? null : host.ResolveHostPath(hostPath);

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
