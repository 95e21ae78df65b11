using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// Issue #12, "Editing boot files", as a user meets it: `chattr +i` on grubenv makes its rename fail after grub.cfg
/// was already replaced. `fix apply` says so in one line, exits 69 (not 70), and every file is as it was.
/// </summary>
public sealed class ImmutableBootFileCliTests : IDisposable
{
    // Under /tmp: chattr needs a file system with attributes (ext4 here), which tmpfs is not.
    private readonly string _dir = Directory.CreateTempSubdirectory("cgleak-immutable-").FullName;

    public void Dispose()
    {
        _ = CgleakProcess.RunTool("chattr", "-R", "-i", _dir);
        Directory.Delete(_dir, recursive: true);
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => f[root.Length..], File.ReadAllBytes, StringComparer.Ordinal);

    [Fact]
    public void An_immutable_grubenv_is_one_line_and_exit_69_and_every_file_stays_as_it_was()
    {
        string host = Path.Combine(_dir, "host"), state = Path.Combine(_dir, "state");
        Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("boot-el7-bios"), host).ExitCode);
        var before = Snapshot(host);
        var chattr = CgleakProcess.RunTool("chattr", "+i", host + "/boot/grub2/grubenv");
        Assert.True(
            chattr.ExitCode == 0,
            "chattr +i (this test needs a file system with attributes under /tmp): " + chattr.Stderr);

        var r = CgleakProcess.Run("fix", "apply", "--host-root", host, "--yes", "--state-dir", state);
        Assert.Equal(69, r.ExitCode);
        string error = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(
            "grubenv: Operation not permitted (EPERM); nothing was changed",
            error,
            StringComparison.Ordinal);

        var after = Snapshot(host);
        // no temp file left
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(after[kv.Key]), kv.Key + " changed"));
        Assert.Empty(Directory.GetDirectories(state + "/backups")); // nothing for undo to find
    }
}
