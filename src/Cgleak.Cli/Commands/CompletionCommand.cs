using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Cli.Docs;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Commands;

public sealed record CompletionArgs(string Shell);

/// <summary>cgleak completion bash|zsh|fish: the shell completion script, from the commands cgleak parses.</summary>
public static class CompletionCommand
{
    public static Command Create(RootCommand root)
    {
        var shell = new Argument<string>("shell")
        {
            Description = Messages.Get("help.completion.shell"),
            HelpName = "bash|zsh|fish"
        };
        shell.AcceptOnlyFromAmong(ShellCompletion.Shells);
        var command = new Command("completion",
            Messages.Get("help.completion"))
        {
            shell,
        };
        command.SetAction(p => Run(new CompletionArgs(p.GetValue(shell)!), root, Console.Out));
        return command;
    }

    /// <summary>
    /// The script for <see cref="CompletionArgs.Shell"/>, completing the commands <paramref name="root"/> holds.
    /// </summary>
    public static int Run(CompletionArgs args, RootCommand root, TextWriter output)
    {
        output.Write(ShellCompletion.Write(args.Shell, CommandDoc.Read(root), "cgleak"));
        return ExitCodes.Ok;
    }
}
