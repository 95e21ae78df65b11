using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Docs;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Commands;

/// <summary>cgleak completion bash|zsh|fish: the shell completion script, from the commands cgleak parses.</summary>
public static class CompletionCommand
{
    public static Command Create(RootCommand root)
    {
        var shell = new Argument<string>("shell") { Description = Messages.Get("help.completion.shell"), HelpName = "bash|zsh|fish" };
        shell.AcceptOnlyFromAmong(ShellCompletion.Shells);
        var command = new Command("completion",
            Messages.Get("help.completion"))
        {
            shell,
        };
        command.SetAction(p =>
        {
            Console.Out.Write(ShellCompletion.Write(p.GetValue(shell)!, CommandDoc.Read(root), "cgleak"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
