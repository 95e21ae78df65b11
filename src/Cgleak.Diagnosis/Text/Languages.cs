namespace Cgleak.Diagnosis.Text;

/// <summary>
/// Which language to write in: --language, else the first non-empty of LC_ALL, LC_MESSAGES, LANG (as gettext
/// reads them). zh_CN, zh_SG and plain zh (any encoding or modifier) mean Simplified Chinese; C, POSIX and
/// everything else English.
/// </summary>
public static class Languages
{
    /// <summary>The names --language accepts.</summary>
    public static readonly string[] Names = ["en", "zh-CN"];

    /// <summary>The language chosen for this process; set once at start-up, before commands are built.</summary>
    public static Language Current { get; set; } = Language.En;

    public static Language FromEnvironment(Func<string, string?> variable)
    {
        foreach (string name in (string[])["LC_ALL", "LC_MESSAGES", "LANG"])
        {
            if (variable(name) is { Length: > 0 } value)
            {
                return OfLocale(value);
            }
        }

        return Language.En;
    }

    /// <summary>A POSIX locale name ("zh_CN.UTF-8", "zh_SG", "zh", "en_US.UTF-8", "C") as a language.</summary>
    public static Language OfLocale(string locale)
    {
        string name = locale.Split('.', '@')[0].Replace('-', '_');
        return name.Equals("zh", StringComparison.OrdinalIgnoreCase)
            || name.Equals("zh_CN", StringComparison.OrdinalIgnoreCase)
            || name.Equals("zh_SG", StringComparison.OrdinalIgnoreCase)
            || name.Equals("zh_Hans", StringComparison.OrdinalIgnoreCase)
            ? Language.ZhCN
            : Language.En;
    }

    /// <summary>--language's value: "en" or "zh-CN" (case and _ or - as written); null when neither.</summary>
    public static Language? Parse(string value) => value.Replace('_', '-').ToUpperInvariant() switch
    {
        "EN" => Language.En,
        "ZH-CN" or "ZH" => Language.ZhCN,
        _ => null,
    };

    /// <summary>
    /// The language for this command line: --language VALUE or --language=VALUE when given (read before the
    /// parser runs, since help texts and the parser's errors need it), else the environment.
    /// </summary>
    public static Language Choose(IReadOnlyList<string> args, Func<string, string?> variable)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--")
            {
                break;
            }

            string? value = args[i] == "--language" && i + 1 < args.Count ? args[i + 1]
                : args[i].StartsWith("--language=", StringComparison.Ordinal) ? args[i]["--language=".Length..]
                : null;
            if (value is not null && Parse(value) is { } chosen)
            {
                return chosen;
            }
        }

        return FromEnvironment(variable);
    }
}
