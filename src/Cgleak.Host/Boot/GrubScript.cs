using System.Text;

namespace Cgleak.Host.Boot;

/// <summary>
/// One line of GRUB script (grub.cfg) or of a shell file GRUB's tools source (/etc/default/grub), split as
/// the shell and GRUB's own lexer split it: words separated by blanks, '...' taken literally (grub_quote
/// writes an apostrophe as <c>'\''</c>), "..." with backslash escapes, <c>${var}</c> kept whole, and the
/// braces that open or close a block counted only outside quotes and variables.
/// </summary>
internal static class GrubScript
{
    public static IReadOnlyList<string> Words(string line) => Split(line).Words;

    /// <summary>Block braces on the line: '{' words minus '}' words (a "${var}" is not a brace).</summary>
    public static int BraceBalance(string line) => Split(line).Braces;

    private static (List<string> Words, int Braces) Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false, quoted = false;
        int braces = 0;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '#' && !inWord)
            {
                break;
            }

            if (c is ' ' or '\t' or '\r' or ';')
            {
                Flush();
                continue;
            }

            inWord = true;
            if (c == '\'')
            {
                quoted = true;
                int end = line.IndexOf('\'', i + 1);
                end = end < 0 ? line.Length : end;
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                quoted = true;
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                    }

                    word.Append(line[i]);
                }
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                quoted = true; // \{ is a brace character, not a block
                word.Append(line[++i]);
            }
            else if (c == '$' && i + 1 < line.Length && line[i + 1] == '{')
            {
                int end = line.IndexOf('}', i);
                end = end < 0 ? line.Length - 1 : end;
                word.Append(line, i, end - i + 1);
                i = end;
            }
            else
            {
                word.Append(c);
            }
        }

        Flush();
        return (words, braces);

        void Flush()
        {
            if (!inWord)
            {
                return;
            }

            string w = word.ToString();
            braces += quoted ? 0 : w == "{" ? 1 : w == "}" ? -1 : 0;
            words.Add(w);
            word.Clear();
            inWord = quoted = false;
        }
    }
}
