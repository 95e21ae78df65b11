using Cgleak.Host.Kernel;

namespace Cgleak.Host.Boot;

/// <summary>
/// The boot model's one place that touches the disk: reads every file GRUB or its tools may use on this
/// host (grub.cfg in each of its places, the ESP's, grubenv, BLS entries, /etc/default/grub and grub.d,
/// os-release), resolves symbolic links inside the host root, and looks for /sys/firmware/efi and grubby.
/// </summary>
internal static class BootReader
{
    private static readonly string[] Fixed =
    [
        "/etc/grub2.cfg", "/etc/grub2-efi.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg",
        "/boot/grub2/grubenv", "/boot/grub/grubenv", "/etc/default/grub", "/etc/os-release",
    ];

    /// <summary>"/boot/grub2/grub.cfg: cannot read: Permission denied (EACCES)".</summary>
    public static HostMessage CannotRead(string hostPath, HostMessage error) =>
        HostMessage.Say("boot.cannot-read", $"{hostPath}: cannot read: {error.English}", hostPath, error);

    public static BootRead Read(HostRoot host)
    {
        var problems = new List<HostMessage>();
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new Dictionary<string, BootFile>(StringComparer.Ordinal);
        void Load(string hostPath)
        {
            string? resolved = Resolve(host, hostPath);
            if (resolved is null || files.ContainsKey(resolved))
            {
                if (resolved is not null && resolved != hostPath)
                {
                    links[hostPath] = resolved;
                }

                return;
            }

            if (resolved != hostPath)
            {
                links[hostPath] = resolved;
            }

            KernelRead r = host.Read(resolved);
            if (r.IsOk)
            {
                files[resolved] = BootFile.Of(resolved, r.Text);
            }
            else if (r.Outcome == ReadOutcome.NotReadable)
            {
                problems.Add(CannotRead(resolved, r.ErrorSaid));
            }
        }

        foreach (string p in Fixed)
        {
            Load(p);
        }

        foreach (string dir in List(host, "/boot/efi/EFI", directories: true, problems))
        {
            Load(dir + "/grub.cfg");
            Load(dir + "/grubenv");
        }

        foreach (string f in List(host, "/boot/loader/entries", directories: false, problems).Where(
            f => f.EndsWith(".conf", StringComparison.Ordinal)))
        {
            Load(f);
        }

        foreach (string f in List(host, "/etc/default/grub.d", directories: false).Where(
            f => f.EndsWith(".cfg", StringComparison.Ordinal)))
        {
            Load(f);
        }

        // A stub's target (set prefix=...; configfile $prefix/grub.cfg) may sit elsewhere: /boot/grub2 on el9, /grub on
        // a separate /boot.
        foreach (BootFile stub in files.Values.ToList())
        {
            foreach (string line in stub.Text.Split('\n')
                .Where(l => l.TrimStart().StartsWith("set prefix=", StringComparison.Ordinal)))
            {
                string prefix = string.Concat(GrubScript.Words(line).Skip(1))["prefix=".Length..];
                prefix = prefix.StartsWith('(') && prefix.IndexOf(')', StringComparison.Ordinal) is var close and > 0
                    ? prefix[(close + 1)..]
                    : prefix;
                if (prefix.StartsWith('/') && !prefix.Contains("..", StringComparison.Ordinal))
                {
                    Load(prefix + "/grub.cfg");
                    Load(prefix + "/grubenv");
                    Load("/boot" + prefix + "/grub.cfg");
                    Load("/boot" + prefix + "/grubenv");
                }
            }
        }

        string[] kernels = List(host, "/boot", directories: false).Select(Path.GetFileName)
            .Where(f => f!.StartsWith("vmlinuz-", StringComparison.Ordinal)
                && !f.Contains("rescue", StringComparison.Ordinal))
            .Select(f => f![8..]).Order(StringComparer.Ordinal).ToArray();
        string? grubby = ((string[])["/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby"]).FirstOrDefault(
            host.IsRegularFile);
        bool efi = host.IsDirectory("/sys/firmware/efi");
        return new BootRead(efi, grubby, files.GetValueOrDefault("/etc/os-release")?.Text, links,
            files.Values.Where(f => f.HostPath != "/etc/os-release").OrderBy(f => f.HostPath, StringComparer.Ordinal)
                .ToList(), kernels, problems);
    }

    /// <summary>
    /// Lists a host directory inside the host root (links to directories followed inside it); a directory that
    /// cannot be listed (/boot 0700 read by another user) is a problem, a missing one is not.
    /// </summary>
    private static List<string> List(
        HostRoot host,
        string hostDir,
        bool directories,
        List<HostMessage>? problems = null)
    {
        HostDirectory listed = host.List(hostDir);
        if (!listed.IsOk && !listed.IsGone)
        {
            problems?.Add(CannotRead(hostDir, listed.ErrorSaid));
        }

        return listed.Entries
            .Where(e => directories
                ? e.IsDirectory || (e.IsLink && host.IsDirectory(hostDir + "/" + e.Name))
                : !e.IsDirectory && !(e.IsLink && host.IsDirectory(hostDir + "/" + e.Name)))
            .Select(e => hostDir + "/" + e.Name).ToList();
    }

    /// <summary>
    /// Follows symbolic links inside the host root (an absolute link target means the host's "/", not ours: see
    /// <see cref="HostRoot"/>); null when nothing but a directory is there. A FIFO or an unreachable path is kept,
    /// so its read names the problem.
    /// </summary>
    internal static string? Resolve(HostRoot host, string hostPath) =>
        host.TypeOf(hostPath) is HostEntryType.Missing or HostEntryType.Directory
            ? null
            : host.ResolveHostPath(hostPath);
}
