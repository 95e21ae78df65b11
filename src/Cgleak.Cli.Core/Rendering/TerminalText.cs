using System.Globalization;
using System.Text;

namespace Cgleak.Cli.Core.Rendering;

/// <summary>
/// Text read from a host (log lines, boot entry titles, cgroup names, file contents) made safe to print: a raw
/// control byte (ESC starting a terminal sequence, a carriage return that overwrites the line, a newline that forges
/// one) is shown as an escape (\x1B, \r, \n), as are C1 controls and the bidirectional overrides that reorder what is
/// shown (U+202E). Everything else, Chinese text included, is printed as it is.
/// </summary>
public static class TerminalText
{
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (!NeedsEscape(c))
            {
                sb.Append(c);
            }
            else if (c is '\n' or '\r')
            {
                sb.Append(c == '\n' ? @"\n" : @"\r");
            }
            else if (c < 0x100)
            {
                sb.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// <see cref="Escape"/> on every line of a text that is several lines long; its own newlines are kept.
    /// </summary>
    public static string EscapeLines(string text) => string.Join('\n', text.Split('\n').Select(Escape));

    private static bool NeedsEscape(char c) =>
        (c < 0x20 && c != '\t') || c is >= '\u007F' and <= '\u009F' || c is >= '\u202A' and <= '\u202E'
            || c is >= '\u2066' and <= '\u2069';
}
