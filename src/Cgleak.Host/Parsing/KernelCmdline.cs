using System.Text;

namespace Cgleak.Host.Parsing;

/// <summary>One token of the kernel command line, with the text exactly as it was written.</summary>
public sealed record CmdlineToken(string Raw, string Key, string? Value);

/// <summary>
/// The kernel command line (/proc/cmdline, GRUB_CMDLINE_LINUX, a BLS "options" line), tokenized as the
/// kernel does (lib/cmdline.c next_arg): whitespace separates tokens except inside double quotes, the key
/// ends at the first "=" (so root=UUID=abc has key "root" and value "UUID=abc"), and quotes around a value
/// are dropped from the value but kept in <see cref="CmdlineToken.Raw"/> so a plan writes back what it read.
/// </summary>
public sealed class KernelCmdline
{
    private KernelCmdline(string text, IReadOnlyList<CmdlineToken> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<CmdlineToken> Tokens { get; }

    public static KernelCmdline Parse(string text)
    {
        var tokens = new List<CmdlineToken>();
        var raw = new StringBuilder();
        bool inQuotes = false;
        foreach (char c in text)
        {
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }

            if (!inQuotes && char.IsWhiteSpace(c))
            {
                Flush(raw, tokens);
                continue;
            }

            raw.Append(c);
        }

        Flush(raw, tokens);
        return new KernelCmdline(text.Trim(), tokens);
    }

    /// <summary>The values of every occurrence of <paramref name="key"/>, in order (a key may repeat).</summary>
    public IEnumerable<string?> ValuesOf(string key) =>
        Tokens.Where(t => t.Key == key).Select(t => t.Value);

    /// <summary>
    /// True when a comma-separated option list of <paramref name="key"/> names <paramref name="option"/>,
    /// e.g. cgroup.memory=nosocket,nokmem. The kernel applies every occurrence of such a key.
    /// </summary>
    public bool HasListOption(string key, string option) =>
        ValuesOf(key).Any(v => v is not null && v.Split(',').Contains(option, StringComparer.Ordinal));

    private static void Flush(StringBuilder raw, List<CmdlineToken> tokens)
    {
        if (raw.Length == 0)
        {
            return;
        }

        string token = raw.ToString();
        raw.Clear();
        int eq = token.IndexOf('=', StringComparison.Ordinal);
        string key = Unquote(eq < 0 ? token : token[..eq]);
        string? value = eq < 0 ? null : Unquote(token[(eq + 1)..]);
        tokens.Add(new CmdlineToken(token, key, value));
    }

    private static string Unquote(string s) => s.Replace("\"", "", StringComparison.Ordinal);
}
