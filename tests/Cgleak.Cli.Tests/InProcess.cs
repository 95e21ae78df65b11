using Cgleak.Cli.Commands;
using Cgleak.Host.Cgroups;
using Cgleak.Lab;

namespace Cgleak.Cli.Tests;

/// <summary>
/// A command's handler run in this process: its exit code and what it wrote, without starting cgleak.
/// </summary>
internal static class InProcess
{
    public sealed record Result(int ExitCode, string Stdout);

    public static Result Run(Func<TextWriter, int> handler)
    {
        using var output = new StringWriter();
        int code = handler(output);
        return new Result(code, output.ToString());
    }

    /// <summary>cgleak doctor [--json] on a host tree.</summary>
    public static Result Doctor(string hostRoot, bool json = false) =>
        Run(o => DoctorCommand.Run(new DoctorArgs(hostRoot, json), o, CgroupAccess.Live, NoSignals));

    /// <summary>Interrupts that take no signal from the test host: nothing cancels them.</summary>
    public static Interrupts NoSignals() => Interrupts.From(CancellationToken.None);
}

/// <summary>
/// The writing commands' cgroups on the refusing stand-in: a temp folder as the "memory mount" (this test's own
/// parent, never the kernel's) and one as the state directory, both removed after, also when the test failed.
/// </summary>
public abstract class StandInCommandTest : IDisposable
{
    protected string Mount { get; } = Directory.CreateTempSubdirectory("cgleak-cli-standin-mount-").FullName;

    protected string State { get; } = Directory.CreateTempSubdirectory("cgleak-cli-standin-state-").FullName;

    internal CgroupAccess Access(ICgroupFs fs)
        => new(fs, () => new LiveCgroups(Mount, MemoryHierarchy.V1, [Mount]));

    public void Dispose()
    {
        Directory.Delete(Mount, recursive: true);
        Directory.Delete(State, recursive: true);
        GC.SuppressFinalize(this);
    }
}
