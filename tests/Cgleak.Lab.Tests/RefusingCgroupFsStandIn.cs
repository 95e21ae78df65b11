using Cgleak.Host.Kernel;

namespace Cgleak.Lab.Tests;

/// <summary>
/// A STAND-IN for the kernel's memory cgroup ID space, for the one path this machine must not take for
/// real (filling all 65535 IDs): plain directories in a temp folder, and mkdir refused with
/// <paramref name="errno"/> once <paramref name="freeSlots"/> have been taken, as the kernel does at the wall.
/// rmdir gives a slot back. Everything else cgleak does with it is real file-system work.
/// </summary>
internal sealed class RefusingCgroupFsStandIn(int freeSlots, int errno = Errno.ENOSPC) : ICgroupFs
{
    private int _taken;

    public int Taken => _taken;

    public int MakeDirectory(string path)
    {
        if (_taken >= freeSlots)
        {
            return errno;
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (IOException)
        {
            return Errno.EEXIST;
        }

        _taken++;
        return 0;
    }

    public int RemoveDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            return Errno.ENOENT;
        }

        if (Directory.EnumerateFileSystemEntries(path).Any())
        {
            return Errno.ENOTEMPTY;
        }

        Directory.Delete(path);
        _taken--;
        return 0;
    }
}
