using System.Globalization;
using System.Text;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// Fits text to the reader's terminal: words are never split (a path or a command longer than a line stands
/// alone on its line, whole), continuation lines are indented, Chinese text breaks between characters and
/// counts two columns for each, as terminals draw it.
/// </summary>
public static class TextWrap
{
    /// <summary>The width to fit: COLUMNS when set (as ls and man honour it), else the terminal's, else 80.</summary>
    public static int Width(TextWriter output)
    {
        if (int.TryParse(
            Environment.GetEnvironmentVariable("COLUMNS"),
            NumberStyles.None,
            CultureInfo.InvariantCulture,
            out int columns)
            && columns >= 20)
        {
            return columns;
        }

        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
        {
            try
            {
                if (Console.WindowWidth >= 20)
                {
                    return Console.WindowWidth;
                }
            }
            catch (IOException)
            {
                // Not a terminal after all: the default below.
            }
        }

        return 80;
    }

    /// <summary>
    /// <paramref name="text"/> in lines of at most <paramref name="width"/> columns, the first starting with
    /// <paramref name="first"/>, the rest with <paramref name="rest"/> (usually spaces as wide as the first).
    /// </summary>
    public static IEnumerable<string> Lines(string text, int width, string first, string rest)
    {
        var line = new StringBuilder(first);
        int used = DisplayWidth(first);
        int prefixWidth = used;
        bool empty = true;
        foreach ((string word, bool spaced) in Words(text))
        {
            int w = DisplayWidth(word);
            // Chinese characters join without a space; a space the text has (between Chinese and Latin words) stays.
            bool joinsWithoutSpace = !empty && !spaced;
            int needed = empty ? w : w + (joinsWithoutSpace ? 0 : 1);
            if (!empty && used + needed > width)
            {
                yield return line.ToString();
                line.Clear().Append(rest);
                used = prefixWidth = DisplayWidth(rest);
                empty = true;
                needed = w;
            }

            if (!empty && !joinsWithoutSpace)
            {
                line.Append(' ');
            }

            line.Append(word);
            used += needed;
            empty = false;
        }

        if (!empty || used == prefixWidth)
        {
            yield return line.ToString();
        }
    }

    /// <summary>A command, indented when it fits, otherwise alone and whole: a command is never cut.</summary>
    public static string Command(string command, int width, string indent) =>
        DisplayWidth(indent) + DisplayWidth(command) <= width ? indent + command : command;

    /// <summary>Columns a terminal draws: two for CJK and fullwidth characters, one for the rest.</summary>
    public static int DisplayWidth(string s)
    {
        int width = 0;
        foreach (char c in s)
        {
            width += IsWide(c) ? 2 : 1;
        }

        return width;
    }

    /// <summary>
    /// Words split at spaces, each with whether a space came before it; a run of wide (CJK) characters splits
    /// into single characters, which may break anywhere.
    /// </summary>
    private static IEnumerable<(string Word, bool Spaced)> Words(string text)
    {
        foreach (string token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int start = 0;
            for (int i = 0; i < token.Length; i++)
            {
                if (IsWide(token[i]))
                {
                    if (IsOpeningPunctuation(token[i]))
                    {
                        // "（C2）" stays one word: a line never ends with opening punctuation.
                        if (i > start && !IsOpeningPunctuation(token[i - 1]))
                        {
                            yield return (token[start..i], start == 0);
                            start = i;
                        }

                        continue;
                    }

                    if (i > start && IsClosingPunctuation(token[i]))
                    {
                        // "nokmem）：" stays one word: a line never starts with closing punctuation.
                        int close = i;
                        while (close < token.Length && IsClosingPunctuation(token[close]))
                        {
                            close++;
                        }

                        yield return (token[start..close], start == 0);
                        start = close;
                        i = close - 1;
                        continue;
                    }

                    bool opened = i > start && token[start..i].All(IsOpeningPunctuation);
                    if (i > start && !opened)
                    {
                        yield return (token[start..i], start == 0);
                        start = i;
                    }

                    // Closing punctuation stays with the character before it, as Chinese typesetting keeps it.
                    int end = i + 1;
                    while (end < token.Length && IsClosingPunctuation(token[end]))
                    {
                        end++;
                    }

                    yield return (token[start..end], start == 0);
                    start = end;
                    i = end - 1;
                }
            }

            if (start < token.Length)
            {
                yield return (token[start..], start == 0);
            }
        }
    }

    private static bool IsOpeningPunctuation(char c) => c is '（' or '「' or '《' or '“';

    private static bool IsClosingPunctuation(char c)
        => c is '，' or '。' or '；' or '：' or '、' or '）' or '」' or '》' or '！' or '？';

    private static bool IsWide(char c) =>
        c is (>= '\u1100' and <= '\u115F') or (>= '\u2E80' and <= '\u303E') or (>= '\u3041' and <= '\u33FF')
            or (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uA000' and <= '\uA4CF')
            or (>= '\uAC00' and <= '\uD7A3') or (>= '\uF900' and <= '\uFAFF') or (>= '\uFE30' and <= '\uFE4F')
            or (>= '\uFF00' and <= '\uFF60') or (>= '\uFFE0' and <= '\uFFE6');
}
