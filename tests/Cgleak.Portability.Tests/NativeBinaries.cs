using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The static binaries ./cgleak builds (.cgleak-build/cgleak and cgleak-agent), built once per test run.
/// </summary>
internal static class NativeBinaries
{
    public static string Cgleak => CgleakProcess.Native;

    public static string Agent => Path.Combine(Path.GetDirectoryName(CgleakProcess.Native)!, "cgleak-agent");

    public static string[] Both => [Cgleak, Agent];
}
