using System.Runtime.InteropServices;
using System.Text;

namespace Cgleak.Lab;

/// <summary>
/// The two writes cgleak makes to a cgroup filesystem: plain mkdir(2) and non-recursive rmdir(2), returning
/// errno (0 on success) so the kernel's refusal (ENOSPC, ENOMEM at the ID wall) reaches the caller unchanged.
/// </summary>
public interface ICgroupFs
{
    int MakeDirectory(string path);

    int RemoveDirectory(string path);
}

/// <summary>The real kernel, through libc.</summary>
public sealed partial class LinuxCgroupFs : ICgroupFs
{
    public static LinuxCgroupFs Instance { get; } = new();

    public int MakeDirectory(string path) => Call(path, static p => MkDir(p, 0b111_101_101));

    public int RemoveDirectory(string path) => Call(path, static p => RmDir(p));

    private static unsafe int Call(string path, Func<nint, int> call)
    {
        // NUL-terminated UTF-8 on the stack: no allocation per call (the probe makes thousands a second).
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, bytes);
        bytes[n] = 0;
        fixed (byte* p = bytes)
        {
            return call((nint)p) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static partial int MkDir(nint path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true)]
    private static partial int RmDir(nint path);
}
