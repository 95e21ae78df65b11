using System.CommandLine;

namespace Cgleak.Cli;

/// <summary>Runs a parsed command line with cgleak's conventions: usage errors exit 64, expected failures one line, bugs one line and 70.</summary>
public static class CommandLine
{
    public static int Run(RootCommand root, string[] args)
    {
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"cgleak: {error.Message}");
            }

            Console.Error.WriteLine("Run 'cgleak --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserFacingException e)
        {
            Console.Error.WriteLine($"cgleak: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cgleak: interrupted; what this run created was removed");
            return ExitCodes.Interrupted;
        }
        catch (Cgleak.Lab.LabException e)
        {
            Console.Error.WriteLine($"cgleak: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (IOException e) when (e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase))
        {
            return ExitCodes.IoError;
        }
#pragma warning disable CA1031 // the last line of defence: one line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"cgleak: internal error: {e.GetType().Name}: {e.Message} (this is a bug; CGLEAK_DEBUG=1 shows where)");
            if (Environment.GetEnvironmentVariable("CGLEAK_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return ExitCodes.Internal;
        }
    }
}
