using System.Security.Cryptography;
using System.Text;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Host.Boot;

/// <summary>A boot configuration file as read: host path, text, SHA-256 (for stale-plan refusal).</summary>
public sealed record BootFile(string HostPath, string Text, string Sha256)
{
    public static BootFile Of(string hostPath, string text) => new(hostPath, text, BootConfig.Sha256(text));
}

/// <summary>Everything read from the disk for the boot model, and nothing decided yet.</summary>
/// <param name="Links">host paths that are symbolic links, with the host path they resolve to.</param>
/// <param name="Grubby">the host path of grubby when the host has one.</param>
/// <param name="OsRelease">/etc/os-release's text, for the family's boot tools.</param>
public sealed record BootRead(
    bool Efi,
    string? Grubby,
    string? OsRelease,
    IReadOnlyDictionary<string, string> Links,
    IReadOnlyList<BootFile> Files,
    IReadOnlyList<string> InstalledKernels,
    IReadOnlyList<HostMessage> Problems);

/// <summary>What boots next, and why: the default's text as GRUB reads it, and where that came from.</summary>
/// <param name="Selector">"0", "1>2", a title, an id or an id path, as GRUB looks it up.</param>
/// <param name="SourceSaid">"saved_entry in /boot/grub2/grubenv", "set default in /boot/grub/grub.cfg", ...</param>
/// <param name="ProblemSaid">set when the selector names no entry (GRUB then boots entry 0), or nothing was
/// read.</param>
public sealed record NextBoot(BootMenuEntry? Entry, string? Selector, HostMessage SourceSaid, HostMessage? ProblemSaid)
{
    public string Source => SourceSaid.English;

    public string? Problem => ProblemSaid?.English;

    /// <summary>A one-shot next_entry boots next, once.</summary>
    public bool Once => SourceSaid.Key == "boot.source.next-entry";
}

/// <summary>
/// The boot loader of one host as GRUB sees it, parsed once: the menu (through the configfile chain from
/// the EFI system partition's stub), its entries with GRUB's numbers, the entry that boots next, grubenv,
/// BLS entries, /etc/default/grub with its grub.d overrides, EFI or not, grubby present, and the notes a
/// plan needs (a grub.cfg older than its settings, a second menu that is not the one used).
/// </summary>
public sealed record BootConfig
{
    private static readonly string[] EnvFallbacks = ["/boot/grub2/grubenv", "/boot/grub/grubenv"];

    public required IReadOnlyList<BootFile> All { get; init; }

    public required bool Efi { get; init; }

    public required string? Grubby { get; init; }

    /// <summary>The distribution family from /etc/os-release (DistroFamilies), null when it is not known.</summary>
    public required DistroFamily? Family { get; init; }

    /// <summary>
    /// The boot tools: the family's, else the layout's (grub2-mkconfig writes /boot/grub2, update-grub /boot/grub);
    /// null when neither tells.
    /// </summary>
    public required BootTooling? Tooling { get; init; }

    /// <summary>The grub.cfg that holds the menu GRUB shows (after the configfile chain), or null.</summary>
    public required BootFile? MenuFile { get; init; }

    /// <summary>The files GRUB reads to get there, first to last (the ESP's stub, then /boot/grub/grub.cfg).</summary>
    public required IReadOnlyList<string> Chain { get; init; }

    public required GrubMenu? Menu { get; init; }

    public required BootFile? GrubEnvFile { get; init; }

    public required GrubEnv? Env { get; init; }

    public required IReadOnlyList<BootFile> BlsFiles { get; init; }

    public required IReadOnlyList<BlsEntry> Bls { get; init; }

    /// <summary>The menu comes from BLS entries (el8+: grub.cfg calls blscfg).</summary>
    public required bool UsesBls { get; init; }

    public required BootFile? DefaultGrub { get; init; }

    public required GrubDefaults? Defaults { get; init; }

    /// <summary>The bootable entries in GRUB's order, with GRUB's numbers.</summary>
    public required IReadOnlyList<BootMenuEntry> Entries { get; init; }

    public required NextBoot Next { get; init; }

    /// <summary>Why the menu is older than its settings (update-grub would change more than the plan's edit).</summary>
    public required IReadOnlyList<HostMessage> StaleSaid { get; init; }

    public IReadOnlyList<string> Stale => [.. StaleSaid.Select(s => s.English)];

    /// <summary>Facts worth telling that change nothing (a second grub.cfg the firmware does not read).</summary>
    public required IReadOnlyList<HostMessage> NotesSaid { get; init; }

    public IReadOnlyList<string> Notes => [.. NotesSaid.Select(n => n.English)];

    public required IReadOnlyList<string> InstalledKernels { get; init; }

    public required IReadOnlyList<HostMessage> ProblemsSaid { get; init; }

    /// <summary>The problems in English.</summary>
    public IReadOnlyList<string> Problems => [.. ProblemsSaid.Select(p => p.English)];

    /// <summary>The boot files could not be read (as opposed to: there is no boot entry).</summary>
    public bool Unreadable => Entries.Count == 0 && ProblemsSaid.Any(p => p.Key == "boot.cannot-read");

    /// <summary>Reads a host's boot files (the only disk access of the boot model), then builds the model.</summary>
    public static BootConfig Read(HostRoot host) => From(BootReader.Read(host));

    /// <summary>Builds the model from what was read. Pure.</summary>
    public static BootConfig From(BootRead read)
    {
        var files = read.Files.ToDictionary(f => f.HostPath, StringComparer.Ordinal);
        var problems = read.Problems.ToList();
        var notes = new List<HostMessage>();
        string Resolve(string p) => read.Links.TryGetValue(p, out string? t) ? t : p;
        BootFile? File(string p) => files.GetValueOrDefault(Resolve(p));

        IReadOnlyDictionary<string, string> os = read.OsRelease is { } o
            ? KeyValueFile.Parse(o).Value
            : new Dictionary<string, string>();
        string osId = os.GetValueOrDefault("ID") ?? "";
        string[] espDirs = read.Files.Select(f => f.HostPath)
            .Where(p => p.StartsWith("/boot/efi/EFI/", StringComparison.Ordinal)
                && p.EndsWith("/grub.cfg", StringComparison.Ordinal))
            .OrderBy(p => p.StartsWith("/boot/efi/EFI/" + osId + "/", StringComparison.OrdinalIgnoreCase) ? 0
                : p.StartsWith("/boot/efi/EFI/BOOT/", StringComparison.OrdinalIgnoreCase) ? 2 : 1)
            .ThenBy(p => p, StringComparer.Ordinal).ToArray();
        string[] efiCandidates = ["/etc/grub2-efi.cfg", .. espDirs];
        string[] biosCandidates = ["/etc/grub2.cfg", "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"];
        string[] firmware = read.Efi ? [.. efiCandidates, .. biosCandidates] : biosCandidates;
        BootFile? first = firmware.Select(File).FirstOrDefault(f => f is not null);

        // Follow the chain: the ESP stub hands over with configfile $prefix/grub.cfg.
        var chain = new List<string>();
        BootFile? menuFile = first;
        GrubMenu? menu = null;
        while (menuFile is not null && chain.Count < 4)
        {
            chain.Add(menuFile.HostPath);
            menu = GrubMenu.Parse(menuFile.Text, menuFile.HostPath);
            if (!menu.IsStub)
            {
                break;
            }

            string? target = ConfigTarget(menu);
            BootFile? handedTo = target is null ? null
                : ((string[])[target, "/boot" + target]).Select(File)
                    .FirstOrDefault(f => f is not null && !chain.Contains(f.HostPath, StringComparer.Ordinal));
            if (handedTo is null)
            {
                problems.Add(HostMessage.Say("boot.hands-over",
                    $"{menuFile.HostPath} hands over to {menu.ConfigFile} (prefix {menu.Prefix ?? "unset"}), "
                    + "which is not readable on this host",
                    menuFile.HostPath, menu.ConfigFile, (object?)menu.Prefix
                        ?? HostMessage.Say("boot.unset", "unset")));
                break;
            }

            menuFile = handedTo;
        }

        if (menu is { IsStub: true })
        {
            menuFile = null;
            menu = null;
        }

        problems.AddRange(menu?.ProblemsSaid ?? []);
        BootFile? envFile = menuFile is null ? null : File(Path.GetDirectoryName(menuFile.HostPath) + "/grubenv");
        envFile ??= EnvFallbacks.Select(File).FirstOrDefault(f => f is not null);
        GrubEnv? env = envFile is null ? null : GrubEnv.Parse(envFile.Text);
        if (envFile is not null && env is null)
        {
            problems.Add(HostMessage.Say("boot.not-grubenv",
                $"{envFile.HostPath}: not a GRUB environment block (no \"# GRUB Environment Block\" header)", envFile
                    .HostPath));
        }

        var blsFiles = read.Files
            .Where(f => f.HostPath.StartsWith("/boot/loader/entries/", StringComparison.Ordinal)
                && f.HostPath.EndsWith(".conf", StringComparison.Ordinal))
            .OrderBy(f => f.HostPath, StringComparer.Ordinal).ToList();
        var bls = blsFiles.Select(f => BlsEntry.Parse(f.HostPath, f.Text)).ToList();
        bool usesBls = bls.Count > 0 && (menu?.UsesBls ?? true);

        BootFile? defaultGrub = File("/etc/default/grub");
        var defaultFiles = read.Files.Where(f => f.HostPath == "/etc/default/grub"
                || (f.HostPath.StartsWith("/etc/default/grub.d/", StringComparison.Ordinal)
                    && f.HostPath.EndsWith(".cfg", StringComparison.Ordinal)))
            .OrderBy(f => f.HostPath == "/etc/default/grub" ? "" : f.HostPath, StringComparer.Ordinal).ToList();
        GrubDefaults? defaults = defaultFiles.Count == 0
            ? null
            : GrubDefaults.Parse(defaultFiles.Select(f => (f.HostPath, f.Text)));

        IReadOnlyList<GrubMenuItem> items;
        IReadOnlyList<BootMenuEntry> entries;
        if (usesBls)
        {
            string kernelopts = env?["kernelopts"] ?? "";
            string tuned = env?["tuned_params"] ?? "";
            entries = bls.OrderByDescending(b => b.KernelVersion, KernelVersionOrder.Instance)
                .Select((b, i) => new BootMenuEntry(
                    i.ToString(System.Globalization.CultureInfo.InvariantCulture), i, [], [],
                    b.Title ?? b.Id, b.Id, b.Linux,
                    b.Options.Replace("$kernelopts", kernelopts, StringComparison.Ordinal)
                        .Replace("$tuned_params", tuned, StringComparison.Ordinal).Trim(),
                    b.File, b.OptionsLine, b.UsesKernelopts))
                .ToList();
            items = entries.Select(e => new GrubMenuItem(e.Title, e.Id, e, [])).ToList();
            if (entries.Any(e => e.UsesKernelopts) && env?["kernelopts"] is null)
            {
                problems.Add(HostMessage.Say("boot.no-kernelopts",
                    $"BLS entries use $kernelopts but {envFile?.HostPath ?? "no grubenv"} has no kernelopts: "
                    + "they boot without arguments",
                    (object?)envFile?.HostPath ?? HostMessage.Say("boot.no-grubenv", "no grubenv")));
            }
        }
        else
        {
            items = menu?.Items ?? [];
            entries = menu?.Entries ?? [];
        }

        NextBoot next = NextOf(menuFile, menu, usesBls, env, envFile, items, entries, problems);

        // One comparison of the two firmware's menus: a second, real menu the firmware does not read.
        string[] otherCandidates = read.Efi ? biosCandidates : efiCandidates;
        if (!usesBls && menuFile is not null
            && otherCandidates.Select(File).FirstOrDefault(f => f is not null) is { } other
            && !chain.Contains(other.HostPath, StringComparer.Ordinal)
            && GrubMenu.Parse(other.Text, other.HostPath) is { IsStub: false, Entries.Count: > 0 } otherMenu
            && !otherMenu.Entries.Select(e => e.KernelVersion).SequenceEqual(entries.Select(e => e.KernelVersion)))
        {
            string bootsWith = read.Efi ? "UEFI" : "BIOS";
            notes.Add(HostMessage.Say("boot.other-menu",
                $"{other.HostPath} lists other kernels than {menuFile.HostPath}; this host boots with "
                + $"{bootsWith}, so GRUB reads {string.Join(" then ", chain)}: "
                + "cgleak reads and edits only that",
                other.HostPath, menuFile.HostPath, bootsWith, Then(chain)));
        }

        DistroFamily? family = DistroFamilies.Of(os.Count == 0 ? null
            : new Distribution(os.GetValueOrDefault("ID"), os.GetValueOrDefault("VERSION_ID"), null, null)
            {
                IdLike = os.GetValueOrDefault("ID_LIKE"),
            });
        return new BootConfig
        {
            All = read.Files,
            Efi = read.Efi,
            Grubby = read.Grubby,
            Family = family,
            Tooling = family?.Boot ?? ToolingOf(files),
            MenuFile = menuFile,
            Chain = chain,
            Menu = menu,
            GrubEnvFile = envFile,
            Env = env,
            BlsFiles = blsFiles,
            Bls = bls,
            UsesBls = usesBls,
            DefaultGrub = defaultGrub,
            Defaults = defaults,
            Entries = entries,
            Next = next,
            StaleSaid = usesBls || menu is null || defaults is null ? [] : StaleOf(menuFile!, menu, defaults),
            NotesSaid = notes,
            InstalledKernels = read.InstalledKernels,
            ProblemsSaid = problems,
        };
    }

    private static NextBoot NextOf(BootFile? menuFile, GrubMenu? menu, bool usesBls, GrubEnv? env, BootFile? envFile,
        IReadOnlyList<GrubMenuItem> items, IReadOnlyList<BootMenuEntry> entries, List<HostMessage> problems)
    {
        if (entries.Count == 0)
        {
            return new NextBoot(null, null, HostMessage.Say("boot.source.none", "no boot entry"),
                menuFile is null && !usesBls
                    ? HostMessage.Say("boot.no-menu", "no grub.cfg menu could be read")
                    : HostMessage.Say("boot.menu-empty", "the menu has no entry"));
        }

        string envName = envFile?.HostPath ?? "grubenv";
        bool oneShot = menu?.HonoursNextEntry ?? usesBls;
        string menuName = menuFile?.HostPath ?? "grub.cfg";
        (string selector, HostMessage source) = oneShot && env?["next_entry"] is { Length: > 0 } once
            ? (once, HostMessage.Say("boot.source.next-entry", $"next_entry in {envName} (one boot only)", envName))
            : (menu?.Default ?? (usesBls ? "${saved_entry}" : null)) switch
            {
                null => ("0", HostMessage.Say(
                    "boot.source.no-default",
                    $"{menuName} sets no default: the first entry",
                    menuName)),
                "${saved_entry}" when env?["saved_entry"] is { Length: > 0 } saved =>
                    (saved, HostMessage.Say("boot.source.saved", $"saved_entry in {envName}", envName)),
                "${saved_entry}" => ("0", HostMessage.Say(
                    "boot.source.no-saved",
                    $"no saved_entry in {envName}: the first entry",
                    envName)),
                var literal => (literal, HostMessage.Say(
                    "boot.source.literal",
                    $"set default in {menuFile!.HostPath}",
                    menuFile.HostPath)),
            };
        if (GrubMenu.Find(items, selector) is { } entry)
        {
            return new NextBoot(entry, selector, source, null);
        }

        var problem = HostMessage.Say("boot.default-missing",
            $"the default \"{selector}\" ({source}) names no entry of "
            + $"{menuFile?.HostPath ?? "the BLS entries"}: GRUB falls back to entry 0",
            selector, source, (object?)menuFile?.HostPath ?? HostMessage.Say("boot.bls-entries", "the BLS entries"));
        problems.Add(problem);
        return new NextBoot(GrubMenu.Find(items, "0"), selector, source, problem);
    }

    /// <summary>What grub-mkconfig would write differently now: GRUB_DEFAULT, GRUB_CMDLINE_LINUX*.</summary>
    private static List<HostMessage> StaleOf(BootFile menuFile, GrubMenu menu, GrubDefaults defaults)
    {
        var stale = new List<HostMessage>();
        if (!menuFile.Text.Contains("### BEGIN /etc/grub.d/10_linux ###", StringComparison.Ordinal))
        {
            return stale; // not made by grub-mkconfig: nothing to compare with
        }

        if (defaults["GRUB_DEFAULT"] is { } d)
        {
            string expected = d.Value == "saved" ? "${saved_entry}" : d.Value;
            if ((menu.Default ?? "0") != expected)
            {
                stale.Add(HostMessage.Say("boot.stale.default",
                    $"{d.File} has GRUB_DEFAULT={d.Raw} but {menuFile.HostPath} sets default=\"{menu.Default}\"",
                    d.File, d.Raw, menuFile.HostPath, menu.Default));
            }
        }

        var generated = menu.Entries
            .Where(e => e.Id?.StartsWith("gnulinux-", StringComparison.Ordinal) == true && e.KernelImage is not null)
            .ToList();
        foreach (string key in (string[])["GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"])
        {
            GrubSetting? s = defaults[key]; // declared before the test, so mutation testing can change each part of it
            if (s is null)
            {
                continue;
            }

            var wanted = KernelCmdline.Parse(s.Value).Tokens.Select(t => t.Raw).ToList();
            var checkedEntries = key == "GRUB_CMDLINE_LINUX" ? generated : generated.Where(e => !e.IsRecovery);
            bool Carries(BootMenuEntry e) =>
                wanted.All(KernelCmdline.Parse(e.Arguments).Tokens.Select(t => t.Raw).Contains);
            if (checkedEntries.FirstOrDefault(e => !Carries(e)) is { } missing)
            {
                stale.Add(HostMessage.Say("boot.stale.cmdline",
                    $"{s.File} has {key}={s.Raw} but entry {missing.Number} of {menuFile.HostPath} "
                    + $"boots with \"{missing.Arguments}\"",
                    s.File, key, s.Raw, missing.Number, menuFile.HostPath, missing.Arguments));
            }
        }

        return stale;
    }

    /// <summary>"$prefix/grub.cfg", prefix "($root)/boot/grub": "/boot/grub/grub.cfg" (the device dropped).</summary>
    private static string? ConfigTarget(GrubMenu stub)
    {
        string? target = stub.ConfigFile;
        if (target is null)
        {
            return null;
        }

        target = target.Replace("${prefix}", stub.Prefix ?? "", StringComparison.Ordinal)
            .Replace("$prefix", stub.Prefix ?? "", StringComparison.Ordinal);
        while (target.StartsWith('('))
        {
            int close = target.IndexOf(')', StringComparison.Ordinal);
            if (close < 0)
            {
                return null; // "(hd0/grub.cfg": a device that never ends names no file (and used to loop forever)
            }

            target = target[(close + 1)..];
        }

        return target.StartsWith('/') ? target : null;
    }

    /// <summary>
    /// An unknown distribution: the layout tells (grub2-mkconfig writes /boot/grub2, update-grub /boot/grub).
    /// </summary>
    private static BootTooling? ToolingOf(Dictionary<string, BootFile> files) =>
        files.Keys.Any(p => p.StartsWith("/boot/grub2/", StringComparison.Ordinal)) ? BootTooling.Grubby
        : files.Keys.Any(p => p.StartsWith("/boot/grub/", StringComparison.Ordinal)) ? BootTooling.UpdateGrub
        : null;

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>"a then b then c", as a message whose "then" is said in the reader's language.</summary>
    private static object Then(List<string> files) =>
        files.Count <= 1
            ? string.Join("", files)
            : HostMessage.Say("boot.then", string.Join(" then ", files), files[0], Then(files.Skip(1).ToList()));
}
