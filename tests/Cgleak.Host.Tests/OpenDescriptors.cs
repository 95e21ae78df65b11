using System.Runtime.InteropServices;
using Cgleak.Host.Kernel;

namespace Cgleak.Host.Tests;

/// <summary>This process's open descriptors, by the path each names (/proc/self/fd).</summary>
internal static class OpenDescriptors
{
    /// <summary>The descriptors open on <paramref name="path"/> or on anything under it.</summary>
    /// <remarks>
    /// Entries, not files: Directory.GetFiles leaves out the links whose target is a directory, and a descriptor of a
    /// directory is one of those; with GetFiles a walk that left every directory open passed the check.
    /// </remarks>
    public static List<string> Under(string path) =>
        [.. Directory.GetFileSystemEntries("/proc/self/fd")
            .Select(Target)
            .Where(target => target == path || target.StartsWith(path + "/", StringComparison.Ordinal))];

    private static string Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return ""; // closed meanwhile by another test
        }
    }
}

/// <summary>A directory opened for a test of code that reads relative to a descriptor; closed after.</summary>
internal sealed class OpenDirectory : IDisposable
{
    public OpenDirectory(string path)
    {
        Fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        Assert.True(Fd >= 0, $"{path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public int Fd { get; }

    public void Dispose() => _ = LibC.Close(Fd);
}
