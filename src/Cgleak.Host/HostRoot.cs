using Cgleak.Host.Kernel;

namespace Cgleak.Host;

/// <summary>
/// The root every host path hangs off: "/" on the live host, or a directory laid out like "/"
/// (a host mounted at /host in a container, or a captured tree in tests).
/// Absolute host paths ("/proc/cgroups") are mapped here and nowhere else.
/// </summary>
public sealed class HostRoot
{
    private HostRoot(string directory, bool isLive)
    {
        Directory = directory;
        IsLive = isLive;
    }

    /// <summary>The directory that stands for "/" of the host.</summary>
    public string Directory { get; }

    /// <summary>True when this is the running host: binaries may be executed and the journal read.</summary>
    public bool IsLive { get; }

    public static HostRoot Live { get; } = new("/", isLive: true);

    /// <summary>A host tree at <paramref name="directory"/>; "/" means the live host.</summary>
    public static HostRoot At(string directory)
    {
        string full = System.IO.Path.GetFullPath(directory);
        return full == "/" ? Live : new HostRoot(full.TrimEnd('/'), isLive: false);
    }

    /// <summary>Maps an absolute host path ("/proc/cgroups") to where it is read here.</summary>
    public string Path(string hostPath)
    {
        if (!hostPath.StartsWith('/'))
        {
            throw new ArgumentException($"host path must be absolute: {hostPath}", nameof(hostPath));
        }

        return IsLive ? hostPath : Directory + hostPath;
    }

    /// <summary>Maps a path read here back to the host's own absolute path, for evidence.</summary>
    public string HostPathOf(string localPath) =>
        IsLive || !localPath.StartsWith(Directory, StringComparison.Ordinal)
            ? localPath
            : localPath[Directory.Length..] is { Length: > 0 } rest ? rest : "/";

    /// <summary>Reads an absolute host path ("/proc/cgroups").</summary>
    public KernelRead Read(string hostPath) => ReadLocal(Path(hostPath));

    /// <summary>
    /// Reads a path already mapped into this root. A captured host tree cannot hold a read error, so it
    /// records one beside the file: "memory.kmem.slabinfo.errno" holding "EIO" stands for a
    /// memory.kmem.slabinfo that failed with EIO on the captured host (docs/host-tree.md).
    /// </summary>
    public KernelRead ReadLocal(string localPath)
    {
        KernelRead read = KernelFile.Read(localPath);
        if (read.Outcome != ReadOutcome.Gone || IsLive)
        {
            return read;
        }

        KernelRead sidecar = KernelFile.Read(localPath + ErrnoSidecarSuffix);
        return sidecar.IsOk && Errno.Parse(sidecar.Text.Trim()) is { } errno
            ? new KernelRead(ReadOutcome.NotReadable, "", errno)
            : read;
    }

    /// <summary>The suffix of a captured read error's sidecar file.</summary>
    public const string ErrnoSidecarSuffix = ".errno";
}
