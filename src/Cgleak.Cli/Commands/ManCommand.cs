using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Docs;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Commands;

public sealed record ManArgs(string OutDirectory);

/// <summary>cgleak man --out DIR (hidden): the manual pages, from the commands cgleak parses.</summary>
public static class ManCommand
{
    public static Command Create(RootCommand root)
    {
        var output = new Option<string>("--out")
        {
            Description = Messages.Get("help.man.out"),
            HelpName = "DIR",
            Required = true,
        };
        var command = new Command("man", Messages.Get("help.man")) { output };
        command.Hidden = true;
        command.SetAction(p => Run(new ManArgs(p.GetValue(output)!), root));
        return command;
    }

    /// <summary>Writes one page per command of <paramref name="root"/> into the directory; nothing on stdout.</summary>
    public static int Run(ManArgs args, RootCommand root)
    {
        string directory = args.OutDirectory;
        if (!Directory.Exists(directory))
        {
            throw new UserFacingException(Messages.Get("error.out-not-a-directory", directory), ExitCodes.Usage);
        }

        foreach ((string file, string text) in ManPages.Write(CommandDoc.Read(root), "cgleak", VersionReport.Version))
        {
            File.WriteAllText(Path.Combine(directory, file), text);
        }

        return ExitCodes.Ok;
    }
}
