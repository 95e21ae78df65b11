using Cgleak.Diagnosis.Text;

namespace Cgleak.Lab.Tests;

/// <summary>The lab's own I/O failures carry a message of the catalog: English as before, and Chinese.</summary>
public sealed class SaidIOFailureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-said-io-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Writing_into_a_missing_directory_says_which_and_why_in_both_languages()
    {
        string missing = Path.Combine(_dir, "missing");
        var e = Assert.Throws<SaidIOException>(() => AtomicFile.Write(Path.Combine(missing, "grubenv"), "x"));
        Assert.Equal($"{missing}: No such file or directory (ENOENT)", e.Message);
        Assert.Equal($"{missing}：没有那个文件或目录（ENOENT）", IOSaid.Of(e).In(Language.ZhCN));
        Assert.False(Directory.Exists(missing));
    }
}
