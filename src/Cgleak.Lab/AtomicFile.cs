using System.Globalization;
using System.Text;
using Cgleak.Diagnosis.Text;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab;

/// <summary>
/// Writes a file whole or not at all, and durably: a temp file beside it ("NAME.cgleak-tmp-PID", created
/// with O_EXCL and O_NOFOLLOW), fsync, rename over the target, fsync of the directory. A crash leaves the
/// old file or the new one, and at most a temp file that <see cref="RemoveStaleTemps"/> takes away on the next run.
/// </summary>
public static class AtomicFile
{
    public const string TempMarker = ".cgleak-tmp-";

    public static void Write(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text));

    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        using SafeFileHandle dir = OpenDirectory(Path.GetDirectoryName(full)!);
        WriteIn(dir, Path.GetDirectoryName(full)!, Path.GetFileName(full), bytes, null);
    }

    /// <summary>
    /// Opens a directory (following links: callers that must not follow them open it component by component).
    /// </summary>
    public static SafeFileHandle OpenDirectory(string path) =>
        Posix.OpenAt(null, path, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, out int errno)
            ?? throw Posix.Failed(path, errno);

    /// <summary>
    /// Writes <paramref name="name"/> in the open directory <paramref name="dir"/> (<paramref name="shownDir"/> names
    /// it in
    /// errors) with <paramref name="mode"/> (the target's own when null and it exists, else 0644), then makes it
    /// durable.
    /// <paramref name="beforeRename"/> runs once the temp file is durable, just before it replaces the target.
    /// </summary>
    internal static void WriteIn(
        SafeFileHandle dir,
        string shownDir,
        string name,
        ReadOnlySpan<byte> bytes,
        UnixFileMode? mode,
        Action? beforeRename = null)
    {
        string temp = name + TempMarker + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string shown = shownDir.TrimEnd('/') + "/" + name;
        _ = Posix.UnlinkAt(dir, temp); // one of our own, from a run of the same pid that died
        if (mode is null)
        {
            using SafeFileHandle? old = Posix.OpenAt(
                dir,
                name,
                Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW,
                0,
                out _);
            mode = old is null ? (UnixFileMode)0b110_100_100 : File.GetUnixFileMode(old);
        }

        using (SafeFileHandle file = Posix.OpenAt(
            dir,
            temp,
            Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW,
            0b110_000_000,
            out int errno)
            ?? throw new SaidIOException(new Message("io.cannot-write-beside", shown, Posix.Said(errno))))
        {
            try
            {
                Check(Posix.WriteAll(file, bytes), shown);
                File.SetUnixFileMode(file, mode.Value);
                Check(Posix.Fsync(file), shown);
            }
            catch
            {
                _ = Posix.UnlinkAt(dir, temp);
                throw;
            }
        }

        try
        {
            beforeRename?.Invoke();
        }
        catch
        {
            _ = Posix.UnlinkAt(dir, temp);
            throw;
        }

        int renamed = Posix.RenameAt(dir, temp, name);
        if (renamed != 0)
        {
            _ = Posix.UnlinkAt(dir, temp);
            throw new SaidIOException(new Message("io.cannot-replace", shown, Posix.Said(renamed)));
        }

        Check(Posix.Fsync(dir), shownDir);
    }

    /// <summary>fsync(2) of a directory: makes the names created, renamed or removed in it durable.</summary>
    public static void SyncDirectory(string path)
    {
        using SafeFileHandle dir = OpenDirectory(path);
        Check(Posix.Fsync(dir), path);
    }

    /// <summary>
    /// Removes "NAME.cgleak-tmp-PID" files in <paramref name="directory"/> whose writer no longer runs; returns their
    /// paths.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemps(string directory)
    {
        var removed = new List<string>();
        if (!Directory.Exists(directory))
        {
            return removed;
        }

        foreach (string file in Directory.EnumerateFiles(directory, "*" + TempMarker + "*"))
        {
            string suffix = file[(file.LastIndexOf(TempMarker, StringComparison.Ordinal) + TempMarker.Length)..];
            if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && ProcessIdentity.Of(pid) is null
                && Posix.UnlinkAt(null, file) == 0)
            {
                removed.Add(file);
            }
        }

        return removed;
    }

    private static void Check(int errno, string path)
    {
        if (errno != 0)
        {
            throw Posix.Failed(path, errno);
        }
    }
}
