using System.CommandLine;
using System.Text.Json;
using Cgleak.Cli.Core;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis.Text;
using Cgleak.Lab;

namespace Cgleak.Cli.Commands;

public sealed record CleanupArgs(bool Json, string StateDirectory);

/// <summary>cgleak cleanup: removes what killed runs left (by journal and by name), and nothing else.</summary>
public static class CleanupCommand
{
    public static Command Create()
    {
        var output = new OutputSwitch();
        var stateDir = LabOptions.StateDir();
        var command = new Command("cleanup", Messages.Get("help.cleanup"))
        {
            stateDir,
        };
        output.AddTo(command);
        command.SetAction(
            p => Run(new CleanupArgs(output.IsJson(p), p.GetValue(stateDir)!), Console.Out, CgroupAccess.Live));
        return command;
    }

    /// <summary>
    /// Removes, through <paramref name="access"/>, what dead runs left; 4 when something could not be removed.
    /// </summary>
    public static int Run(CleanupArgs args, TextWriter output, CgroupAccess access)
    {
        CleanupReport report = LabOptions.CleanupFirst(args.StateDirectory, access.Mounts(), access.Fs);
        if (args.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                new CleanupDocument(1, report.Removed, report.Left, report.Skipped),
                LabJsonContext.Default.CleanupDocument));
        }
        else
        {
            output.WriteLine(report.Removed.Count == 0 && report.Left.Count == 0
                ? Messages.Get("cleanup.nothing")
                : Messages.Get("cleanup.removed-count", report.Removed.Count));
            (string Key, IReadOnlyList<string> Paths)[] groups =
                [("cleanup.removed", report.Removed), ("cleanup.left", report.Left), ("cleanup.skipped", report
                    .Skipped)];
            foreach ((string key, IReadOnlyList<string> paths) in groups)
            {
                foreach (string path in paths)
                {
                    output.WriteLine(Messages.Get(key, TerminalText.Escape(path)));
                }
            }
        }

        return report.Left.Count == 0 ? ExitCodes.Ok : ExitCodes.LeftBehind;
    }
}

public sealed record CleanupDocument(
    int SchemaVersion,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Left,
    IReadOnlyList<string> Skipped);
