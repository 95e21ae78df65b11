using System.Text.RegularExpressions;
using Cgleak.Host.Boot;
using Cgleak.Host.Parsing;

namespace Cgleak.Lab.Boot;

/// <summary>
/// The boot-file edits, as pure text transformations that leave files exactly as grubby, grub2-set-default
/// and update-grub would: only the lines they touch change, everything else stays byte for byte. Each is
/// idempotent: applied to its own output it changes nothing.
/// </summary>
public static partial class BootEdits
{
    /// <summary>
    /// grubby --args=ARG --update-kernel /boot/vmlinuz-VERSION on a grub.cfg: ARG appended to that kernel's linux
    /// lines.
    /// </summary>
    public static string GrubCfgAddArgument(string text, string kernelVersion, string argument) =>
        EditLinuxLines(text, image => image.EndsWith("/vmlinuz-" + kernelVersion, StringComparison.Ordinal), argument);

    /// <summary>
    /// update-grub after GRUB_CMDLINE_LINUX changed from <paramref name="oldValue"/> to <paramref name="newValue"/>:
    /// it writes GRUB_CMDLINE_LINUX verbatim into every linux line, so the old text is replaced where it stands
    /// (before GRUB_CMDLINE_LINUX_DEFAULT); a line without it gets the argument appended.
    /// </summary>
    public static string GrubCfgReplaceCmdlineLinux(string text, string oldValue, string newValue, string argument)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = LinuxLine().Match(lines[i]);
            if (!m.Success || !m.Groups["image"].Value.Contains("/vmlinuz-", StringComparison.Ordinal)
                || Has(m.Groups["args"].Value, argument))
            {
                continue;
            }

            int at = oldValue.Length > 0
                ? lines[i].IndexOf(" " + oldValue, m.Groups["args"].Index, StringComparison.Ordinal)
                : -1;
            lines[i] = at >= 0
                ? lines[i][..(at + 1)] + newValue + lines[i][(at + 1 + oldValue.Length)..]
                : lines[i].TrimEnd() + " " + argument;
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// grub2-set-default TITLE (and grubby --set-default on BLS): saved_entry in the 1024-byte environment block.
    /// </summary>
    public static string GrubEnvSetSavedEntry(string text, string value) => GrubEnvSet(text, "saved_entry", value);

    /// <summary>grub2-editenv - set KEY=VALUE: the block keeps its order and its 1024 bytes.</summary>
    public static string GrubEnvSet(string text, string key, string value) =>
        (GrubEnv.Parse(text) ?? throw new FormatException(
            "not a GRUB environment block (no \"# GRUB Environment Block\" header)")).With(key, value).Format();

    /// <summary>
    /// grub2-editenv - set kernelopts="... ARG": what grubby --update-kernel=ALL does on el8 for entries that read
    /// $kernelopts; the entries themselves are left alone.
    /// </summary>
    public static string GrubEnvAddKernelopt(string text, string argument)
    {
        GrubEnv env = GrubEnv.Parse(text)
            ?? throw new FormatException("not a GRUB environment block (no \"# GRUB Environment Block\" header)");
        string old = env["kernelopts"] ?? throw new FormatException("grubenv has no kernelopts");
        return Has(old, argument) ? text : env.With("kernelopts", Append(old, argument)).Format();
    }

    /// <summary>
    /// grubby --args on a BLS entry whose options are written out: ARG appended. An entry that reads $kernelopts is
    /// refused (its arguments live in grubenv).
    /// </summary>
    public static string BlsAddArgument(string text, string argument)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            // The key "options" only: an unknown key that starts alike ("optionsX") is left alone.
            if (!lines[i].StartsWith("options", StringComparison.Ordinal)
                || lines[i].Length > 7 && lines[i][7] is not (' ' or '\t'))
            {
                continue;
            }

            string options = lines[i]["options".Length..].Trim();
            if (KernelCmdline.Parse(options).Tokens.Any(t => t.Raw == "$kernelopts"))
            {
                throw new FormatException("the entry reads $kernelopts: the argument belongs in grubenv's kernelopts");
            }

            if (!Has(options, argument))
            {
                lines[i] = lines[i].TrimEnd() + " " + argument;
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// grub-mkconfig after GRUB_DEFAULT changed: the header's <c>set default="..."</c> (not the one-shot next_entry
    /// one) holds the new value.
    /// </summary>
    public static string GrubCfgSetDefault(string text, string value)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = SetDefault().Match(lines[i]);
            if (m.Success && m.Groups["value"].Value != "${next_entry}")
            {
                lines[i] = m.Groups["indent"].Value + $"set default=\"{value}\"";
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// KEY=RAW on the line that assigns KEY (RAW as the shell reads it, quotes included); appended when no line does.
    /// </summary>
    public static string DefaultGrubSetRaw(string text, string key, string raw)
    {
        string[] lines = text.Split('\n');
        bool found = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(key + "=", StringComparison.Ordinal))
            {
                lines[i] = $"{key}={raw}";
                found = true;
            }
        }

        return found ? string.Join('\n', lines) : text.TrimEnd('\n') + $"\n{key}={raw}\n";
    }

    /// <summary>The runbook's sed for Debian: ARG first in GRUB_CMDLINE_LINUX="...".</summary>
    public static string DefaultGrubAddArgument(string text, string argument) =>
        EditAssignment(
            text,
            "GRUB_CMDLINE_LINUX",
            value => Has(value, argument) ? value : (argument + " " + value).TrimEnd());

    private static bool Has(string arguments, string argument) =>
        KernelCmdline.Parse(arguments).Tokens.Any(t => t.Raw == argument);

    private static string Append(string arguments, string argument)
        => arguments.Length == 0 ? argument : arguments.TrimEnd() + " " + argument;

    private static string EditLinuxLines(string text, Func<string, bool> matches, string argument)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match m = LinuxLine().Match(lines[i]);
            if (m.Success && matches(m.Groups["image"].Value) && !Has(m.Groups["args"].Value, argument))
            {
                lines[i] = lines[i].TrimEnd() + " " + argument;
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>
    /// KEY="VALUE" with VALUE edited (written double-quoted, as the runbook's sed leaves it); appended when no line
    /// assigns KEY.
    /// </summary>
    private static string EditAssignment(string text, string key, Func<string, string> edit)
    {
        string[] lines = text.Split('\n');
        bool found = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(key + "=", StringComparison.Ordinal))
            {
                continue;
            }

            found = true;
            string raw = lines[i][(key.Length + 1)..];
            string value = raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1] : raw;
            string edited = edit(value);
            lines[i] = $"{key}=\"{edited}\"";
        }

        if (!found)
        {
            string edited = edit("");
            return text.TrimEnd('\n') + $"\n{key}=\"{edited}\"\n";
        }

        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^(?<indent>\s*)set\s+default=[""']?(?<value>[^""']*)[""']?\s*$")]
    private static partial Regex SetDefault();

    [GeneratedRegex(@"^\s*(?:linux|linux16|linuxefi)\s+(?<image>\S+)(?<args>.*)$")]
    private static partial Regex LinuxLine();
}
