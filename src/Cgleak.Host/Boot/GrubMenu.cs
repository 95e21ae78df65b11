using System.Globalization;

namespace Cgleak.Host.Boot;

/// <summary>
/// One bootable entry of the menu as GRUB numbers it: <c>2</c> at top level, <c>1>2</c> for the third
/// entry of the submenu that is the second top-level item (a submenu counts as one item at its level).
/// </summary>
/// <param name="Number">GRUB's own number path ("0", "1>2"), what GRUB_DEFAULT and saved_entry may hold.</param>
/// <param name="Index">position in the flat list of bootable entries (0-based), for lists.</param>
/// <param name="Submenus">the titles of the submenus around the entry, outermost first.</param>
/// <param name="SubmenuIds">their ids (--id / $menuentry_id_option), null where a submenu has none.</param>
/// <param name="Title">"Ubuntu, with Linux 4.15.0-29-generic".</param>
/// <param name="Id">"gnulinux-4.15.0-29-generic-advanced-8e3d59ea-...", or the BLS file name without .conf.</param>
/// <param name="KernelImage">"/boot/vmlinuz-4.15.0-29-generic" from the linux/linux16/linuxefi line.</param>
/// <param name="Arguments">the kernel arguments GRUB passes ($kernelopts expanded from grubenv for BLS).</param>
/// <param name="File">the host file whose line carries the arguments (grub.cfg, or the BLS entry).</param>
/// <param name="Line">0-based number of that line.</param>
/// <param name="UsesKernelopts">BLS: the options line reads $kernelopts, so the arguments live in grubenv.</param>
public sealed record BootMenuEntry(
    string Number,
    int Index,
    IReadOnlyList<string> Submenus,
    IReadOnlyList<string?> SubmenuIds,
    string Title,
    string? Id,
    string? KernelImage,
    string Arguments,
    string File,
    int Line,
    bool UsesKernelopts = false)
{
    /// <summary>"4.15.0-29-generic" from "/boot/vmlinuz-4.15.0-29-generic".</summary>
    public string? KernelVersion => BlsEntry.VersionOfImage(KernelImage);

    /// <summary>
    /// The path of titles grub-set-default and GRUB_DEFAULT accept: "Advanced options for Ubuntu>Ubuntu, with Linux
    /// 4.15.0-29-generic".
    /// </summary>
    public string TitlePath => string.Join('>', Submenus.Append(Title));

    /// <summary>
    /// An entry os-prober added for another installation (id "osprober-...", title "... (on /dev/sdb1)"): its kernel
    /// is that system's, not this host's, so it is never the entry to boot with the argument.
    /// </summary>
    public bool IsOtherSystem =>
        (Id?.StartsWith("osprober-", StringComparison.Ordinal) ?? false)
        || SubmenuIds.Any(i => i?.StartsWith("osprober-", StringComparison.Ordinal) ?? false)
        || Title.Contains(" (on /dev/", StringComparison.Ordinal);

    /// <summary>Recovery and rescue entries are never made the default.</summary>
    public bool IsRecovery =>
        Title.Contains("recovery mode", StringComparison.OrdinalIgnoreCase)
        || (KernelVersion?.StartsWith("0-rescue", StringComparison.Ordinal) ?? false)
        || Title.Contains("rescue", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An item of a menu level: an entry or a submenu (with its own items), as GRUB looks a default up.</summary>
public sealed record GrubMenuItem(string Title, string? Id, BootMenuEntry? Entry, IReadOnlyList<GrubMenuItem> Items)
{
    public bool IsSubmenu => Entry is null;
}

/// <summary>
/// A grub.cfg as GRUB reads it (grub-mkconfig's output on Debian, Ubuntu and el7, hand-written entries too):
/// the menu tree, the <c>set default=</c> it starts with, and what it hands over to (<c>configfile</c>, as
/// the 3-line stub on the EFI system partition of Ubuntu does; <c>blscfg</c>, as el8+ does). Samples:
/// <c>submenu 'Advanced options for Ubuntu' $menuentry_id_option 'gnulinux-advanced-8e3d59ea-...' {</c>,
/// <c>	linux	/boot/vmlinuz-4.15.0-29-generic root=UUID=8e3d59ea-... ro  quiet splash $vt_handoff</c>,
/// <c>set prefix=($root)'/boot/grub'</c> then <c>configfile $prefix/grub.cfg</c>.
/// </summary>
public sealed record GrubMenu(
    IReadOnlyList<GrubMenuItem> Items,
    IReadOnlyList<BootMenuEntry> Entries,
    IReadOnlyList<string> DefaultSettings,
    bool HonoursNextEntry,
    string? Prefix,
    string? ConfigFile,
    bool UsesBls,
    IReadOnlyList<HostMessage> ProblemsSaid)
{
    /// <summary>The problems in English: "/boot/grub2/grub.cfg line 12: '}' closes no block".</summary>
    public IReadOnlyList<string> Problems => [.. ProblemsSaid.Select(p => p.English)];

    /// <summary>A stub: no entry of its own, it hands over to another file (Ubuntu's ESP grub.cfg).</summary>
    public bool IsStub => Entries.Count == 0 && ConfigFile is not null && !UsesBls;

    /// <summary>
    /// What <c>set default=</c> says when GRUB starts normally: the last assignment that is not the one-shot
    /// <c>${next_entry}</c> ("0", "${saved_entry}", "1>2"), or null when the file sets none (GRUB then boots 0).
    /// </summary>
    public string? Default => DefaultSettings.LastOrDefault(d => d != "${next_entry}");

    public static GrubMenu Parse(string text, string file)
    {
        var problems = new List<HostMessage>();
        var defaults = new List<string>();
        var top = new List<GrubMenuItem>();
        var entries = new List<BootMenuEntry>();
        string? prefix = null, configFile = null;
        bool bls = false, nextEntry = false;

        // Open blocks: a submenu collects items; a menuentry collects its linux line; anything else (if,
        // function) only nests braces.
        var stack = new List<Block>();
        var conditions = new List<bool>(); // open if blocks: true for the one that tests ${next_entry}
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            IReadOnlyList<string> words = GrubScript.Words(lines[i]);
            int balance = GrubScript.BraceBalance(lines[i]);
            if (words.Count == 0)
            {
                continue;
            }

            Block? entry = stack.LastOrDefault(b => b.Kind == BlockKind.Entry);
            if (words[0] is "menuentry" or "submenu" && words.Count >= 2 && words[^1] == "{")
            {
                string title = words[1];
                string? id = IdOf(words);
                if (entry is not null)
                {
                    problems.Add(HostMessage.Say("boot.nested-entry",
                        $"{file} line {i + 1}: menuentry inside menuentry \"{entry.Title}\"", file, i + 1, entry
                            .Title));
                }

                stack.Add(new Block(words[0] == "submenu" ? BlockKind.Submenu : BlockKind.Entry, title, id, i));
                continue;
            }

            if (entry is not null && words[0] is "linux" or "linux16" or "linuxefi" && words.Count >= 2
                && entry.LinuxLine < 0)
            {
                entry.Image = words[1];
                entry.Arguments = ArgumentsAfterImage(lines[i], words[1]);
                entry.LinuxLine = i;
            }
            else if (entry is null && words[0] == "set" && words.Count >= 2
                && words[1].StartsWith("default=", StringComparison.Ordinal)
                && conditions.All(c => c))
            {
                // Only unconditional ones, or the next_entry if/else of the header: 08_fallback_counting's
                // "set default=1" runs only after failed boots.
                defaults.Add(words[1]["default=".Length..]);
            }
            else if (entry is null && words[0] == "set" && words.Count >= 2
                && words[1].StartsWith("prefix=", StringComparison.Ordinal))
            {
                prefix = words[1]["prefix=".Length..];
            }
            else if (entry is null && words[0] is "configfile" or "source" && words.Count >= 2
                && words[1].EndsWith("grub.cfg", StringComparison.Ordinal))
            {
                configFile = words[1];
            }
            else if (words[0] == "blscfg")
            {
                bls = true;
            }

            if (words[0] == "if")
            {
                bool once = words.Contains("${next_entry}", StringComparer.Ordinal);
                nextEntry |= once && entry is null;
                conditions.Add(once);
            }

            for (int fi = words.Count(w => w == "fi"); fi > 0 && conditions.Count > 0; fi--)
            {
                conditions.RemoveAt(conditions.Count - 1);
            }

            if (words[^1] == "{" && words[0] is not ("menuentry" or "submenu"))
            {
                stack.Add(new Block(BlockKind.Other, "", null, i));
                balance--;
            }

            for (; balance < 0; balance++)
            {
                if (stack.Count == 0)
                {
                    problems.Add(
                        HostMessage.Say("boot.stray-brace", $"{file} line {i + 1}: '}}' closes no block", file, i + 1));
                    break;
                }

                Block closed = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                if (closed.Kind == BlockKind.Other)
                {
                    continue;
                }

                List<GrubMenuItem> level = stack.LastOrDefault(b => b.Kind == BlockKind.Submenu)?.Items ?? top;
                if (stack.Any(b => b.Kind == BlockKind.Entry))
                {
                    continue; // a menuentry inside a menuentry: reported above, not listed
                }

                level.Add(closed.Kind == BlockKind.Submenu
                    ? new GrubMenuItem(closed.Title, closed.Id, null, closed.Items)
                    : new GrubMenuItem(closed.Title, closed.Id, closed.ToEntry(file), []));
            }
        }

        foreach (Block open in stack.Where(b => b.Kind != BlockKind.Other))
        {
            string kind = open.Kind == BlockKind.Submenu ? "submenu" : "menuentry";
            problems.Add(HostMessage.Say("boot.not-closed",
                $"{file} line {open.Line + 1}: {kind} \"{open.Title}\" is not closed", file, open.Line + 1, kind, open
                    .Title));
        }

        if (stack.Count > 0 && stack.All(b => b.Kind == BlockKind.Other))
        {
            problems.Add(
                HostMessage.Say("boot.unbalanced", $"{file}: unbalanced braces: the file ends inside a block", file));
        }

        var numbered = Number(top, "", [], [], entries);
        return new GrubMenu(numbered, entries, defaults, nextEntry, prefix, configFile, bls, problems);
    }

    /// <summary>
    /// Finds the entry a default names, as GRUB does (grub-core/normal/menu.c): split at '>', each part a
    /// number at that level or the title or id of an item there; a path that ends on a submenu boots the
    /// submenu's first entry. Null when nothing matches (GRUB then falls back to entry 0).
    /// </summary>
    public static BootMenuEntry? Find(IReadOnlyList<GrubMenuItem> items, string selector)
    {
        IReadOnlyList<GrubMenuItem> level = items;
        GrubMenuItem? item = null;
        foreach (string part in selector.Split('>'))
        {
            item = int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                ? (n < level.Count ? level[n] : null)
                : level.FirstOrDefault(x => x.Title == part || x.Id == part);
            if (item is null)
            {
                return null;
            }

            level = item.Items;
        }

        while (item is { IsSubmenu: true })
        {
            item = item.Items.Count > 0 ? item.Items[0] : null;
        }

        return item?.Entry;
    }

    private static List<GrubMenuItem> Number(
        IReadOnlyList<GrubMenuItem> items,
        string path,
        List<string> submenus,
        List<string?> ids,
        List<BootMenuEntry> entries)
    {
        var result = new List<GrubMenuItem>();
        for (int n = 0; n < items.Count; n++)
        {
            GrubMenuItem item = items[n];
            string number = path + n.ToString(CultureInfo.InvariantCulture);
            if (item.Entry is { } e)
            {
                var numbered = e with
                {
                    Number = number,
                    Index = entries.Count,
                    Submenus = submenus
                    .ToArray(),
                    SubmenuIds = ids.ToArray()
                };
                entries.Add(numbered);
                result.Add(item with { Entry = numbered });
            }
            else
            {
                var inner = Number(item.Items, number + ">", [.. submenus, item.Title], [.. ids, item.Id], entries);
                result.Add(item with { Items = inner });
            }
        }

        return result;
    }

    private static string? IdOf(IReadOnlyList<string> words)
    {
        for (int w = 2; w < words.Count - 1; w++)
        {
            if (words[w] is "--id" or "$menuentry_id_option" or "${menuentry_id_option}")
            {
                return words[w + 1];
            }

            if (words[w].StartsWith("--id=", StringComparison.Ordinal))
            {
                return words[w][5..];
            }
        }

        return null;
    }

    /// <summary>
    /// The arguments as written after the image, whitespace and all (so edits keep the line's bytes).
    /// </summary>
    private static string ArgumentsAfterImage(string line, string image)
    {
        int at = line.IndexOf(image, StringComparison.Ordinal);
        return at < 0 ? "" : line[(at + image.Length)..].Trim();
    }

    private enum BlockKind
    {
        Entry,
        Submenu,
        Other,
    }

    private sealed class Block(BlockKind kind, string title, string? id, int line)
    {
        public BlockKind Kind { get; } = kind;

        public string Title { get; } = title;

        public string? Id { get; } = id;

        public int Line { get; } = line;

        public List<GrubMenuItem> Items { get; } = [];

        public string? Image { get; set; }

        public string Arguments { get; set; } = "";

        public int LinuxLine { get; set; } = -1;

        public BootMenuEntry ToEntry(string file) => new("", 0, [], [], Title, Id, Image, Arguments, file, LinuxLine);
    }
}
