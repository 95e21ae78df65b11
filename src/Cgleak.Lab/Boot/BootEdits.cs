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
    /// <summary>grubby --args=ARG --update-kernel /boot/vmlinuz-VERSION on a grub.cfg: ARG appended to that kernel's linux lines.</summary>
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
            if (!m.Success || !m.Groups["image"].Value.Contains("/vmlinuz-", StringComparison.Ordinal) || Has(m.Groups["args"].Value, argument))
            {
                continue;
            }

            int at = oldValue.Length > 0 ? lines[i].IndexOf(" " + oldValue, m.Groups["args"].Index, StringComparison.Ordinal) : -1;
            lines[i] = at >= 0
                ? lines[i][..(at + 1)] + newValue + lines[i][(at + 1 + oldValue.Length)..]
                : lines[i].TrimEnd() + " " + argument;
        }

        return string.Join('\n', lines);
    }

    /// <summary>grub2-set-default TITLE (and grubby --set-default on BLS): saved_entry in the 1024-byte environment block.</summary>
    public static string GrubEnvSetSavedEntry(string text, string value) =>
        (GrubEnv.Parse(text) ?? throw new FormatException("not a GRUB environment block (no \"# GRUB Environment Block\" header)")).With("saved_entry", value).Format();

    /// <summary>grubby --args on a BLS entry: $kernelopts is expanded into the entry's own options, then ARG appended.</summary>
    public static string BlsAddArgument(string text, string? kernelopts, string argument)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            // The key "options" only: an unknown key that starts alike ("optionsX") is left alone.
            if (lines[i] != "options" && !lines[i].StartsWith("options ", StringComparison.Ordinal) && !lines[i].StartsWith("options\t", StringComparison.Ordinal))
            {
                continue;
            }

            string options = lines[i]["options".Length..].Trim();
            if (options.Contains("$kernelopts", StringComparison.Ordinal))
            {
                options = options.Replace("$kernelopts", kernelopts ?? throw new FormatException("the entry uses $kernelopts but grubenv has no kernelopts"), StringComparison.Ordinal);
            }

            if (!Has(options, argument))
            {
                options = Append(options, argument);
            }

            lines[i] = "options " + options;
        }

        return string.Join('\n', lines);
    }

    /// <summary>The runbook's sed for Debian: ARG first in GRUB_CMDLINE_LINUX="...".</summary>
    public static string DefaultGrubAddArgument(string text, string argument) =>
        EditAssignment(text, "GRUB_CMDLINE_LINUX", value => Has(value, argument) ? value : (argument + " " + value).TrimEnd());

    public static string DefaultGrubSetDefault(string text, string value) => EditAssignment(text, "GRUB_DEFAULT", _ => value, quote: false);

    private static bool Has(string arguments, string argument) =>
        KernelCmdline.Parse(arguments).Tokens.Any(t => t.Raw == argument);

    private static string Append(string arguments, string argument) => arguments.Length == 0 ? argument : arguments.TrimEnd() + " " + argument;

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

    private static string EditAssignment(string text, string key, Func<string, string> edit, bool quote = true)
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
            lines[i] = quote || raw.StartsWith('"') ? $"{key}=\"{edited}\"" : $"{key}={edited}";
        }

        if (!found)
        {
            string edited = edit("");
            return text.TrimEnd('\n') + "\n" + (quote ? $"{key}=\"{edited}\"" : $"{key}={edited}") + "\n";
        }

        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^\s*(?:linux|linux16|linuxefi)\s+(?<image>\S+)(?<args>.*)$")]
    private static partial Regex LinuxLine();
}
