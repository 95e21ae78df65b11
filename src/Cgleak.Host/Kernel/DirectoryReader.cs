using System.Runtime.InteropServices;

namespace Cgleak.Host.Kernel;

/// <summary>
/// readdir(3) over an open directory: each entry's name as the bytes the filesystem holds (they need not be
/// UTF-8) and its d_type, so a walk tells directories from links without a stat per entry.
/// </summary>
internal static unsafe class DirectoryReader
{
    /// <summary>Called once per entry other than "." and "..".</summary>
    public delegate void Visitor(ReadOnlySpan<byte> name, byte type);

    /// <summary>
    /// Lists the directory open as <paramref name="fd"/> and closes it; 0 or the errno that stopped the listing.
    /// </summary>
    public static int ReadAll(int fd, Visitor visit)
    {
        nint dir = LibC.FdOpenDir(fd);
        if (dir == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = LibC.Close(fd);
            return errno;
        }

        try
        {
            while (true)
            {
                byte* entry = LibC.ReadDir(dir);
                if (entry == null)
                {
                    return Marshal.GetLastPInvokeError();
                }

                // struct dirent (glibc, 64-bit): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
                var name = new ReadOnlySpan<byte>(entry + 19, *(ushort*)(entry + 16) - 19).SliceAtNul();
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }

                visit(name, entry[18]);
            }
        }
        finally
        {
            _ = LibC.CloseDir(dir);
        }
    }

    private static ReadOnlySpan<byte> SliceAtNul(this ReadOnlySpan<byte> span)
    {
        int nul = span.IndexOf((byte)0);
        return nul < 0 ? span : span[..nul];
    }
}
