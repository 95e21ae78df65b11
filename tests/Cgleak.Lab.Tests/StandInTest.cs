using Cgleak.Host.Cgroups;

namespace Cgleak.Lab.Tests;

/// <summary>
/// A test against the refusing stand-in: a temp folder for its "memory mount" and one for the state directory, both
/// removed after.
/// </summary>
public abstract class StandInTest : IDisposable
{
    protected string Mount { get; } = Directory.CreateTempSubdirectory("cgleak-standin-mount-").FullName;

    protected string State { get; } = Directory.CreateTempSubdirectory("cgleak-standin-state-").FullName;

    protected LiveCgroups Cgroups => new(Mount, MemoryHierarchy.V1, [Mount]);

    public void Dispose()
    {
        Directory.Delete(Mount, recursive: true);
        Directory.Delete(State, recursive: true);
        GC.SuppressFinalize(this);
    }
}
