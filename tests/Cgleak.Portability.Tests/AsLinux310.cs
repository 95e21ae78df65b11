using System.Diagnostics;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// as-linux-3.10 (as-linux-3.10.c beside this file), built once with gcc and libseccomp: runs a program with every
/// system call added after Linux 3.10 failing with ENOSYS, madvise advice 3.10 lacks failing with EINVAL, and
/// uname saying 3.10.0-1160.el7.x86_64. The closest this machine gets to a CentOS 7 node, no more.
/// </summary>
public sealed class AsLinux310 : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-as-linux-3.10-").FullName;

    public AsLinux310()
    {
        Launcher = Path.Combine(_dir, "as-linux-3.10");
        string source = Path.Combine(Repo.Root, "tests", "Cgleak.Portability.Tests", "as-linux-3.10.c");
        CgleakProcess.Result gcc = CgleakProcess.RunTool(
            "gcc",
            "-O2",
            "-Wall",
            "-Werror",
            "-o",
            Launcher,
            source,
            "-lseccomp");
        Assert.True(gcc.ExitCode == 0, "gcc as-linux-3.10.c (apt libseccomp-dev): " + gcc.Stderr);
    }

    public string Launcher { get; }

    public ProcessStartInfo Start(string program, params string[] args)
        => new(Launcher, [program, .. args]) { UseShellExecute = false };

    internal CgleakProcess.Result Run(params string[] args)
        => CgleakProcess.Capture(Start(NativeBinaries.Cgleak, args));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
