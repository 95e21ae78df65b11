using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Lab.Boot;
using Cgleak.Testing;

namespace Cgleak.Lab.Tests;

/// <summary>A host directory opened for writing inside its root, and the files read through it.</summary>
public sealed class BootWritableDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgleak-wdir-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Missing_directories_are_made_when_asked_and_named_when_not()
    {
        HostRoot host = HostRoot.At(_root);
        var e = Assert.Throws<SaidIOException>(() => WritableDirectory.Open(host, "/var/lib/cgleak"));
        Assert.StartsWith(_root + "/var: No such file or directory", e.Message, StringComparison.Ordinal);

        using (WritableDirectory made = WritableDirectory.Open(host, "/var/lib/cgleak", create: true))
        {
            Assert.Equal("/var/lib/cgleak", made.HostPath);
            Assert.Equal(_root + "/var/lib/cgleak", made.LocalPath);
            Assert.Equal(_root + "/var/lib/cgleak/x", made.Local("x"));
        }

        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(_root + "/var/lib/cgleak"));
        using WritableDirectory again = WritableDirectory.Open(host, "/var/lib/cgleak", create: true); // exists: opened
        Assert.Equal(_root + "/var/lib/cgleak", again.LocalPath);
    }

    [Fact]
    public void A_regular_file_is_not_opened_as_a_directory()
    {
        File.WriteAllText(_root + "/grub", "GRUB_DEFAULT=0\n");
        var e = Assert.Throws<SaidIOException>(() => WritableDirectory.Open(HostRoot.At(_root), "/grub"));
        Assert.StartsWith(_root + "/grub: Not a directory", e.Message, StringComparison.Ordinal);
        Assert.Equal(_root + "/grub：不是目录（ENOTDIR）", e.Said.In(Language.ZhCN));
    }

    [Fact]
    public async Task A_fifo_is_read_without_blocking()
    {
        CgleakProcess.RunTool("mkfifo", _root + "/grubenv");
        using WritableDirectory dir = WritableDirectory.Open(HostRoot.At(_root), "/");
        Task<byte[]> read = Task.Run(() => dir.ReadFile("grubenv"));
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Empty(await read);
    }

    [Fact]
    public void A_file_over_16_MiB_is_refused_and_one_of_16_MiB_is_read()
    {
        const int Limit = 16 * 1024 * 1024;
        File.WriteAllBytes(_root + "/big", new byte[Limit + 1]);
        File.WriteAllBytes(_root + "/limit", new byte[Limit]);
        using WritableDirectory dir = WritableDirectory.Open(HostRoot.At(_root), "/");
        var e = Assert.Throws<SaidIOException>(() => dir.ReadFile("big"));
        Assert.Equal(_root + "/big: larger than 16 MiB", e.Message);
        Assert.Equal(_root + "/big：大于 16 MiB", e.Said.In(Language.ZhCN));
        Assert.Equal(Limit, dir.ReadFile("limit").Length);
        var none = Assert.Throws<SaidIOException>(() => dir.ReadFile("none"));
        Assert.StartsWith(_root + "/none: No such file or directory", none.Message, StringComparison.Ordinal);
    }
}
