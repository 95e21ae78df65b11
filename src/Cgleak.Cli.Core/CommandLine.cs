using System.CommandLine;
using System.CommandLine.Help;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Core;

/// <summary>
/// Runs a parsed command line with cgleak's conventions: usage errors exit 64, expected failures one line, bugs one
/// line and 70.
/// </summary>
public static class CommandLine
{
    /// <param name="program">The name errors start with: "cgleak" or "cgleak-agent".</param>
    /// <param name="expected">Maps the program's own expected failures (not <see cref="UserFacingException"/>) to an
    /// exit code; null: a bug.</param>
    public static int Run(RootCommand root, string[] args, string program, Func<Exception, int?>? expected = null)
    {
        root.Options.Add(LanguageOption.Create());
        HelpText.Describe(root);
        if (args.Length == 0)
        {
            // The program alone: what it can do, as git and kubectl answer.
            return HelpText.Invoke(root.Parse(["--help"]), Console.Out, Languages.Current);
        }

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (string line in ParseErrors.Lines(parsed, program))
            {
                Console.Error.WriteLine($"{program}: {line}");
            }

            Console.Error.WriteLine(Messages.Get("error.see-help", ParseErrors.CommandPath(parsed, program)));
            return ExitCodes.Usage;
        }

        if (parsed.Action is HelpAction)
        {
            return HelpText.Invoke(parsed, Console.Out, Languages.Current);
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserFacingException e)
        {
            // Messages name host files and journal entries: their control bytes are shown escaped, not sent to the
            // terminal.
            Console.Error.WriteLine($"{program}: {TerminalText.Escape(e.Message)}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"{program}: {Messages.Get("error.interrupted")}");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (expected?.Invoke(e) is { } code)
        {
            Console.Error.WriteLine($"{program}: {TerminalText.Escape(e.Message)}");
            return code;
        }
        catch (IOException e) when (e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase))
        {
            return ExitCodes.IoError;
        }
#pragma warning disable CA1031 // the last line of defence: one line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine(
                $"{program}: {Messages.Get("error.internal", e.GetType().Name, TerminalText.Escape(e.Message))}");
            if (Environment.GetEnvironmentVariable("CGLEAK_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return ExitCodes.Internal;
        }
    }
}
