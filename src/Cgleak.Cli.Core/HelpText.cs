using System.CommandLine;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Core;

/// <summary>
/// The words System.CommandLine writes into help itself ("Description:", "Usage:", "[options]", the help and
/// version options' descriptions) in cgleak's language. The library ships zh-Hans resources, but picks them by
/// CultureInfo.CurrentUICulture, which invariant globalization (kept for the static binary) cannot set to a
/// Chinese culture; they are also incomplete ("未提供必需的命令。."), and the parser's English errors are what
/// <see cref="ParseErrors"/> recognises. So the help is written as the library writes it, into a buffer, and its
/// own words are replaced from the catalog: the headings are lines of their own at the margin, the placeholders
/// appear only in the usage lines under "Usage:", the default-value marker only after an option's description.
/// </summary>
public static class HelpText
{
    private static readonly (string English, string Key)[] Headings =
    [
        ("Description:", "help.heading.description"),
        ("Usage:", "help.heading.usage"),
        ("Arguments:", "help.heading.arguments"),
        ("Options:", "help.heading.options"),
        ("Commands:", "help.heading.commands"),
        ("Additional Arguments:", "help.heading.additional-arguments"),
    ];

    private static readonly (string English, string Key)[] Placeholders =
    [
        ("[options]", "help.usage.options"),
        ("[command]", "help.usage.command"),
        ("[[--] <additional arguments>...]]", "help.usage.additional-arguments"),
    ];

    /// <summary>The help and version options' descriptions, from the catalog.</summary>
    public static void Describe(RootCommand root)
    {
        foreach (Option option in root.Options)
        {
            option.Description = option switch
            {
                System.CommandLine.Help.HelpOption => Messages.Get("help.option.help"),
                VersionOption => Messages.Get("help.option.version"),
                _ => option.Description,
            };
        }
    }

    /// <summary>
    /// Runs a help request, writing its text in <paramref name="language"/> to <paramref name="output"/>.
    /// </summary>
    public static int Invoke(ParseResult help, TextWriter output, Language language)
    {
        var buffer = new StringWriter();
        int code = help.Invoke(new InvocationConfiguration { Output = buffer, EnableDefaultExceptionHandler = false });
        output.Write(Translate(buffer.ToString(), language));
        return code;
    }

    /// <summary>
    /// The library's help text with its own words in <paramref name="language"/>; cgleak's descriptions untouched.
    /// </summary>
    public static string Translate(string help, Language language)
    {
        if (language == Language.En)
        {
            return help;
        }

        string[] lines = help.Split('\n');
        bool inUsage = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (Headings.FirstOrDefault(h => h.English == line) is { Key: not null } heading)
            {
                lines[i] = new Message(heading.Key).In(language);
                inUsage = heading.English == "Usage:";
                continue;
            }

            if (inUsage && line.StartsWith(' '))
            {
                foreach ((string english, string key) in Placeholders)
                {
                    lines[i] = lines[i].Replace(english, new Message(key).In(language), StringComparison.Ordinal);
                }
            }
            else
            {
                inUsage = false;
                lines[i] = lines[i].Replace(
                    "[default: ",
                    new Message("help.default").In(language),
                    StringComparison.Ordinal);
            }
        }

        return string.Join('\n', lines);
    }
}
