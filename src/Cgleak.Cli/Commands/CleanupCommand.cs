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
        => Run(args, output, access, Languages.Current);

    /// <summary>
    /// As <see cref="Run(CleanupArgs, TextWriter, CgroupAccess)"/>, the text in <paramref name="language"/>.
    /// </summary>
    public static int Run(CleanupArgs args, TextWriter output, CgroupAccess access, Language language)
    {
        string T(string key, object? arg) => new Message(key, arg).In(language);
        CleanupReport report = LabOptions.CleanupFirst(args.StateDirectory, access.Mounts(), access.Fs);
        if (args.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                new CleanupDocument(1, report.Removed, report.Left, report.Skipped),
                LabJsonContext.Default.CleanupDocument));
        }
        else
        {
            output.WriteLine(report.Removed.Count == 0 && report.LeftSaid.Count == 0
                ? Messages.Template(language, "cleanup.nothing")
                : T("cleanup.removed-count", report.Removed.Count));
            (string Key, IEnumerable<string> Lines)[] groups =
            [
                ("cleanup.removed", report.Removed),
                ("cleanup.left", report.LeftSaid.Select(m => m.In(language))),
                ("cleanup.skipped", report.SkippedSaid.Select(m => m.In(language))),
            ];
            foreach ((string key, IEnumerable<string> lines) in groups)
            {
                foreach (string line in lines)
                {
                    // paths and reasons come from the host: a hostile name must not write to the terminal
                    output.WriteLine(T(key, TerminalText.Escape(line)));
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
