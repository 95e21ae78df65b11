using System.CommandLine;
using Cgleak.Cli.Core;
using Cgleak.Diagnosis.Text;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

/// <summary>Options and steps every writing command shares: the state directory, and cleanup first.</summary>
public static class LabOptions
{
    public const string DefaultStateDirectory = "/var/lib/cgleak";

    public static Option<string> StateDir() => new("--state-dir")
    {
        Description = Messages.Get("help.laboptions"),
        DefaultValueFactory = _ => DefaultStateDirectory,
        HelpName = "DIR",
    };

    /// <summary>Every writing command first finishes what killed runs left behind.</summary>
    public static CleanupReport CleanupFirst(string stateDirectory, LiveCgroups cgroups, ICgroupFs fs) =>
        new Cleanup(fs, stateDirectory, cgroups.AllMounts, RuncBundle.Delete).Run();

    public static LiveCgroups Cgroups()
    {
        try
        {
            return LiveCgroups.Read();
        }
        catch (LabException e)
        {
            throw new UserFacingException(e.Message, ExitCodes.Unavailable);
        }
    }

    /// <summary>Asks on a terminal; refuses without one unless --yes was given.</summary>
    public static void Confirm(bool yes, string what)
    {
        if (yes)
        {
            return;
        }

        if (Console.IsInputRedirected)
        {
            throw new UserFacingException(Messages.Get("confirm.not-a-terminal", what), ExitCodes.Usage);
        }

        Console.Error.Write($"{what}\n{Messages.Get("confirm.ask")}");
        if (!string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal))
        {
            throw new UserFacingException(Messages.Get("confirm.refused"), ExitCodes.Usage);
        }
    }
}
