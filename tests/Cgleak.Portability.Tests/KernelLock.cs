using System.Diagnostics;

namespace Cgleak.Portability.Tests;

/// <summary>
/// The machine's shared lock (/tmp/cgleak-kernel.lock) for what runs podman, chroots or creates cgroups: held by
/// a `flock` child process until disposed, so helpers' tests never overlap.
/// </summary>
internal sealed class KernelLock : IDisposable
{
    private readonly Process _holder;

    private KernelLock(Process holder) => _holder = holder;

    public static KernelLock Take()
    {
        // flock runs cat, which holds the lock until its standard input closes.
        var start = new ProcessStartInfo(
            "flock",
            ["/tmp/cgleak-kernel.lock", "sh", "-c", "echo locked; exec cat >/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        Process holder = Process.Start(start)!;
        Assert.Equal("locked", holder.StandardOutput.ReadLine());
        return new KernelLock(holder);
    }

    public void Dispose()
    {
        _holder.StandardInput.Close();
        _holder.WaitForExit();
        _holder.Dispose();
    }
}
