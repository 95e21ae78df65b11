using System.Runtime.InteropServices;

namespace Cgleak.Lab;

/// <summary>kill(2), for the processes cgleak started itself.</summary>
internal static partial class Signals
{
    public const int SIGKILL = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
