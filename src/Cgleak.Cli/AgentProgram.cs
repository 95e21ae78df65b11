using System.Runtime.InteropServices;
using Cgleak.Cli.Core;

namespace Cgleak.Cli;

/// <summary>
/// `cgleak agent` runs cgleak-agent when it is installed beside cgleak: the same agent and options
/// (<see cref="Cgleak.Agent.AgentCommand"/>), without the rest of cgleak mapped into memory on every node.
/// Without it (a build run with `dotnet cgleak.dll`), the agent runs in this process.
/// </summary>
internal static partial class AgentProgram
{
    public const string FileName = "cgleak-agent";

    /// <summary>The cgleak-agent beside this program, or null.</summary>
    public static string? Beside()
    {
        string path = Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Replaces this process with cgleak-agent: the same PID, so signals and the exit code are the agent's. Returns
    /// only when that failed.
    /// </summary>
    public static int Exec(string path, string[] args)
    {
        Execv(path, [path, .. args, null]);
        Console.Error.WriteLine(
            $"cgleak: {path}: cannot run it ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        return ExitCodes.Unavailable;
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execv(string path, string?[] argv);
}
