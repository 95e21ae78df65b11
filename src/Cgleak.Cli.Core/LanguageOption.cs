using System.CommandLine;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Core;

/// <summary>
/// --language en|zh-CN on every command. The language itself is chosen before the command line is parsed
/// (<see cref="Languages.Choose"/>: help texts and the parser's errors are written in it); this option makes
/// the parser accept the switch, shows it in help, and refuses a language cgleak does not have.
/// </summary>
public static class LanguageOption
{
    public static Option<string> Create()
    {
        var option = new Option<string>("--language")
        {
            Description = Messages.Get("help.language"),
            HelpName = string.Join('|', Languages.Names),
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            string value = result.GetValueOrDefault<string>() ?? "";
            if (Languages.Parse(value) is null)
            {
                result.AddError(Messages.Get("error.language", value, string.Join(", ", Languages.Names)));
            }
        });
        return option;
    }

    /// <summary>
    /// Chooses the process's language from the command line and the environment (LC_ALL, LC_MESSAGES, LANG).
    /// </summary>
    public static void Choose(string[] args)
        => Languages.Current = Languages.Choose(args, Environment.GetEnvironmentVariable);
}
