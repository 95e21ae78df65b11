using System.Runtime.InteropServices;

namespace Cgleak.Host.Kernel;

/// <summary>The few system calls cgleak makes directly, so errno reaches us unchanged.</summary>
internal static unsafe partial class LibC
{
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int AT_FDCWD = -100;

    // The two flags whose values differ between x86 and arm (asm-generic/fcntl.h against arch/arm64's).
    public static int O_DIRECTORY => Arm ? 0x4000 : 0x10000;

    public static int O_NOFOLLOW => Arm ? 0x8000 : 0x20000;

    public const byte DT_UNKNOWN = 0;
    public const byte DT_DIR = 4;
    public const byte DT_REG = 8;
    public const byte DT_LNK = 10;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirFd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirFd, byte* path, byte* buffer, nint size);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    public static partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    public static partial byte* ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(nint dir);

    /// <summary>getdents64(2) (glibc 2.30+, linked into the static build): struct linux_dirent64 records.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    private static partial int FStatFs(int fd, byte* buffer);

    /// <summary>The filesystem type (statfs f_type, its first field) of an open file; 0 when fstatfs fails.</summary>
    public static long FileSystemType(int fd)
    {
        byte* buffer = stackalloc byte[256];
        return FStatFs(fd, buffer) != 0 ? 0 : IntPtr.Size == 4 ? *(int*)buffer : *(long*)buffer;
    }

    /// <summary>cgroup v1's and v2's filesystems (linux/magic.h CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC).</summary>
    public const long CgroupSuperMagic = 0x27e0eb;
    public const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>fstat(2), the fields cgleak uses; struct stat's layout is the architecture's own.</summary>
    public static int Stat(int fd, out FileStatus status)
    {
        byte* buffer = stackalloc byte[256];
        if (FStat(fd, buffer) != 0)
        {
            status = default;
            return Marshal.GetLastPInvokeError();
        }

        // x86_64: dev, ino, nlink (8 each), mode at 24; asm-generic (arm64): dev, ino, mode at 16. size at 48 in both.
        uint mode = *(uint*)(buffer + (Arm ? 16 : 24));
        status = new FileStatus(*(ulong*)buffer, *(ulong*)(buffer + 8), mode, *(long*)(buffer + 48));
        return 0;
    }
}

/// <summary>What fstat(2) said of an open file: its identity (device, inode), type and size.</summary>
internal readonly record struct FileStatus(ulong Device, ulong Inode, uint Mode, long Size)
{
    private const uint TypeMask = 0xF000;

    public bool IsRegular => (Mode & TypeMask) == 0x8000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    /// <summary>
    /// "a FIFO", "a character device": what a file that is not a regular file is, for a problem line.
    /// </summary>
    public string TypeName => (Mode & TypeMask) switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x4000 => "a directory",
        0x6000 => "a block device",
        0x8000 => "a regular file",
        0xA000 => "a symbolic link",
        0xC000 => "a socket",
        _ => "not a regular file",
    };

    /// <summary>"a FIFO, not a regular file": why a file that is not one was not read, in the catalog.</summary>
    public HostMessage NotRegularSaid => HostMessage.Say(
        "read.not-regular." + ((Mode & TypeMask) switch
        {
            0x1000 => "fifo",
            0x2000 => "char-device",
            0x4000 => "directory",
            0x6000 => "block-device",
            0xA000 => "symlink",
            0xC000 => "socket",
            _ => "other",
        }),
        (Mode & TypeMask) is 0x1000 or 0x2000 or 0x4000 or 0x6000 or 0xA000 or 0xC000
            ? TypeName + ", not a regular file"
            : "not a regular file");
}
