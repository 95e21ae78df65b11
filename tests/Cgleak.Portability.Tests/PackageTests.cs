using System.Diagnostics;
using System.Text.RegularExpressions;
using Cgleak.Testing;

namespace Cgleak.Portability.Tests;

/// <summary>
/// What packaging/build makes: each package holds exactly its files, installs, and runs from where it installs.
/// </summary>
[Collection(SharedArtifacts.Name)]
public sealed partial class PackageTests(Artifacts artifacts)
{
    private static readonly string[] Units = ["cgleak-agent.service", "cgleak-metrics.service", "cgleak-metrics.timer"];

    [Fact]
    public void The_tarball_holds_the_binaries_man_pages_completion_units_readme_and_checksums()
    {
        string top = $"cgleak-{artifacts.Version}-linux-x86_64/";
        string[] expected =
        [
            .. ((string[])["cgleak", "cgleak-agent", "README.md", "SHA256SUMS", "completion/cgleak.bash",
                "completion/_cgleak", "completion/cgleak.fish"]),
            .. Artifacts.ManPages().Select(p => "man/" + p),
            .. Units.Select(u => "systemd/" + u),
            "LICENSE", "THIRD-PARTY-NOTICES",
        ];
        CgleakProcess.Result list = CgleakProcess.RunTool("tar", "-tzf", artifacts.Tarball);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(expected.Select(f => top + f).Order(StringComparer.Ordinal),
            list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => !f.EndsWith('/'))
                .Order(StringComparer.Ordinal));

        using var dir = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("tar", "-xzf", artifacts.Tarball, "-C", dir.Path).ExitCode);
        var check = CgleakProcess.Capture(new ProcessStartInfo("sha256sum", ["--check", "--strict", "SHA256SUMS"])
        {
            WorkingDirectory = Path.Combine(dir.Path, top)
        });
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Equal(expected.Length - 1, check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, CgleakProcess.RunTool(
            Path.Combine(dir.Path, top, "cgleak"),
            "doctor",
            "--host-root",
            Repo.Fixture("el7-957-leaking")).ExitCode);
    }

    [Fact]
    public void The_rpm_holds_its_files_requires_nothing_and_el7_reads_its_payload()
    {
        string[] expected =
        [
            "/usr/bin/cgleak", "/usr/bin/cgleak-agent",
            .. Artifacts.ManPages().Select(p => "/usr/share/man/man1/" + p),
            "/usr/share/bash-completion/completions/cgleak", "/usr/share/zsh/site-functions/_cgleak",
            "/usr/share/fish/vendor_completions.d/cgleak.fish",
            .. Units.Select(u => "/usr/lib/systemd/system/" + u),
            "/usr/share/doc/cgleak/README.md",
            "/usr/share/licenses/cgleak/LICENSE", "/usr/share/licenses/cgleak/THIRD-PARTY-NOTICES",
        ];
        CgleakProcess.Result list = CgleakProcess.RunTool("rpm", "-qpl", artifacts.Rpm);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(
            expected.Order(StringComparer.Ordinal),
            list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        // Only rpm's own features: nothing a static binary does not need, so it installs on el7, el8 and el9.
        string[] requires = CgleakProcess.RunTool("rpm", "-qp", "--requires", artifacts.Rpm).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(requires);
        Assert.All(requires, r => Assert.StartsWith("rpmlib(", r, StringComparison.Ordinal));
        Assert.DoesNotContain(requires, r => r.Contains("PayloadIsZstd", StringComparison.Ordinal));
        Assert.Equal("gzip", CgleakProcess.RunTool("rpm", "-qp", "--qf", "%{PAYLOADCOMPRESSOR}", artifacts.Rpm).Stdout);
    }

    [Fact]
    public void The_rpm_installs_into_a_scratch_root_and_its_doctor_runs()
    {
        using var root = new ScratchDirectory();
        CgleakProcess.Result install = CgleakProcess.RunTool(
            "rpm",
            "-i",
            "--root",
            root.Path,
            "--nodeps",
            "--dbpath",
            Path.Combine(root.Path, "var/lib/rpm"),
            artifacts.Rpm);
        Assert.True(install.ExitCode == 0, install.Stderr);
        CgleakProcess.Result doctor = CgleakProcess.RunTool(
            Path.Combine(root.Path, "usr/bin/cgleak"),
            "doctor",
            "--host-root",
            Repo.Fixture("el7-957-leaking"));
        Assert.Equal(2, doctor.ExitCode);
        Assert.Contains("== Summary ==", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains(
            "MemoryCgroupPressure",
            CgleakProcess.RunTool(Path.Combine(root.Path, "usr/bin/cgleak-agent"), "--help").Stdout,
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_deb_holds_its_files_unpacks_and_runs()
    {
        string[] expected =
        [
            "./usr/bin/cgleak", "./usr/bin/cgleak-agent",
            .. Artifacts.ManPages().Select(p => "./usr/share/man/man1/" + p),
            "./usr/share/bash-completion/completions/cgleak", "./usr/share/zsh/vendor-completions/_cgleak",
            "./usr/share/fish/vendor_completions.d/cgleak.fish",
            .. Units.Select(u => "./lib/systemd/system/" + u),
            "./usr/share/doc/cgleak/README.md", "./usr/share/doc/cgleak/copyright",
                "./usr/share/doc/cgleak/changelog.Debian.gz",
            "./usr/share/doc/cgleak/THIRD-PARTY-NOTICES", "./usr/share/lintian/overrides/cgleak",
        ];
        CgleakProcess.Result list = CgleakProcess.RunTool("dpkg-deb", "-c", artifacts.Deb);
        Assert.Equal(0, list.ExitCode);
        string[] entries = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(entries, e => Assert.Contains(" root/root ", e, StringComparison.Ordinal));
        Assert.Equal(expected.Order(StringComparer.Ordinal),
            entries.Where(e => e[0] == '-').Select(e => e[(e.LastIndexOf(' ') + 1)..]).Order(StringComparer.Ordinal));

        using var root = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("dpkg", "-x", artifacts.Deb, root.Path).ExitCode);
        Assert.Equal(2, CgleakProcess.RunTool(
            Path.Combine(root.Path, "usr/bin/cgleak"),
            "doctor",
            "--host-root",
            Repo.Fixture("el7-957-leaking")).ExitCode);
    }

    [Fact]
    public async Task Lintian_finds_nothing_that_is_not_explained()
    {
        // The tags it still gives are overridden in the package, each with its reason
        // (packaging/deb/lintian-overrides).
        // lintian takes about a minute, more on a busy machine: longer than CgleakProcess's time-out.
        using Process lintian = Process
            .Start(new ProcessStartInfo("lintian", ["--fail-on", "error,warning", artifacts.Deb])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        Task<string> stderr = lintian.StandardError.ReadToEndAsync();
        var lint = new CgleakProcess.Result(0, lintian.StandardOutput.ReadToEnd(), await stderr);
        Assert.True(lintian.WaitForExit(TimeSpan.FromMinutes(10)), "lintian did not end");
        Assert.True(lintian.ExitCode == 0, lint.Stdout + lint.Stderr);
        Assert.DoesNotContain("E: ", lint.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("W: ", lint.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_systemd_units_verify_and_are_off_until_enabled()
    {
        using var root = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("dpkg", "-x", artifacts.Deb, root.Path).ExitCode);
        string units = Path.Combine(root.Path, "lib/systemd/system");
        // The man pages the units name come from the package; ExecStart's programs are not on this machine's /usr/bin,
        // the one complaint allowed.
        var verify = new ProcessStartInfo("systemd-analyze", ["verify", .. Units.Select(u => Path.Combine(units, u))]);
        verify.Environment["MANPATH"] = Path.Combine(root.Path, "usr/share/man");
        CgleakProcess.Result run = CgleakProcess.Capture(verify);
        string[] complaints = [.. (run.Stdout + run.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !NotInstalledHere().IsMatch(l))];
        Assert.Empty(complaints);

        string agent = File.ReadAllText(Path.Combine(units, "cgleak-agent.service"));
        Assert.Contains("--listen=127.0.0.1:", agent, StringComparison.Ordinal);
        foreach (string line in (string[])["ProtectSystem=strict", "ReadOnlyPaths=/", "NoNewPrivileges=yes",
            "CapabilityBoundingSet=CAP_DAC_READ_SEARCH"])
        {
            Assert.Contains("\n" + line + "\n", agent, StringComparison.Ordinal);
        }

        Assert.Contains(
            "--textfile=",
            File.ReadAllText(Path.Combine(units, "cgleak-metrics.service")),
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_bash_completion_completes_commands_options_and_their_values()
    {
        using var root = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("dpkg", "-x", artifacts.Deb, root.Path).ExitCode);
        string script = Path.Combine(root.Path, "usr/share/bash-completion/completions/cgleak");
        string Complete(string line) => CgleakProcess.RunTool("bash", "-c",
            "source \"$1\"; read -ra COMP_WORDS <<<\"$2\"; [[ $2 == *' ' ]] && COMP_WORDS+=(''); "
                + "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); " +
            "_cgleak; echo \"${COMPREPLY[*]}\"", "bash", script, line).Stdout.Trim();
        Assert.Contains("doctor", Complete("cgleak "), StringComparison.Ordinal);
        Assert.Equal("plan apply undo", Complete("cgleak fix "));
        Assert.Equal("--method", Complete("cgleak fix plan --me"));
        Assert.Equal("auto components kernel", Complete("cgleak fix plan --method "));
        Assert.Equal("affected", Complete("cgleak agent --interval 5 --taint-when "));
        Assert.Equal(
            "bash fish zsh",
            string.Join(' ', Complete("cgleak completion ").Split(' ').Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_zsh_and_fish_completions_complete_too()
    {
        using var root = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("dpkg", "-x", artifacts.Deb, root.Path).ExitCode);
        string zsh = Path.Combine(root.Path, "usr/share/zsh/vendor-completions/_cgleak");
        string fish = Path.Combine(root.Path, "usr/share/fish/vendor_completions.d/cgleak.fish");
        Assert.Equal(new CgleakProcess.Result(0, "", ""), CgleakProcess.RunTool("zsh", "-n", zsh));
        Assert.Equal(new CgleakProcess.Result(0, "", ""), CgleakProcess.RunTool("fish", "--no-execute", fish));

        // zsh outside its completion system: compadd and _files stand in, printing what they were given.
        const string Stubs
            = "compadd() { shift; print -r -- \"$*\"; }; compset() { :; }; _files() { print -r -- FILES \"$*\"; }; " +
            "words=(\"${@:2}\"); CURRENT=${#words}; source \"$1\"";
        string Zsh(params string[] words)
            => CgleakProcess.RunTool("zsh", ["-f", "-c", Stubs, "zsh", zsh, .. words]).Stdout.Trim();
        Assert.Equal("plan apply undo", Zsh("cgleak", "fix", ""));
        Assert.Equal("auto components kernel", Zsh("cgleak", "fix", "plan", "--method", ""));
        Assert.Equal("FILES -/", Zsh("cgleak", "doctor", "--host-root", ""));
        Assert.Contains("--json", Zsh("cgleak", "doctor", "--"), StringComparison.Ordinal);

        string Fish(string line) => string.Join(' ', CgleakProcess.RunTool("fish", "--no-config", "-c",
            "source $argv[1]; complete -C $argv[2]", fish, line).Stdout.Split(
                '\n',
                StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t')[0]).Order(StringComparer.Ordinal));
        Assert.Equal("apply plan undo", Fish("cgleak fix "));
        Assert.Equal("auto components kernel", Fish("cgleak fix plan --method "));
        Assert.Contains("--taint-when", Fish("cgleak agent --"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_man_pages_render_without_warnings()
    {
        using var dir = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("tar", "-xzf", artifacts.Tarball, "-C", dir.Path).ExitCode);
        string man = Path.Combine(dir.Path, $"cgleak-{artifacts.Version}-linux-x86_64", "man");
        foreach (string page in Directory.GetFiles(man))
        {
            CgleakProcess.Result run = CgleakProcess.RunTool(
                "sh",
                "-c",
                "zcat \"$1\" | groff -man -ww -z -Tutf8",
                "sh",
                page);
            Assert.True(run.ExitCode == 0 && run.Stderr == "", Path.GetFileName(page) + ": " + run.Stderr);
        }
    }

    [Fact]
    public void Without_rpmbuild_the_build_names_the_package_and_writes_nothing()
    {
        using var bin = new ScratchDirectory();
        using var output = new ScratchDirectory();
        // A PATH with everything packaging/build uses except rpmbuild.
        foreach (string tool in (string[])["bash", "dirname", "dpkg-deb", "buildah", "gzip", "sha256sum", "tar", "git",
            "env"])
        {
            string? found = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, tool))
                .FirstOrDefault(File.Exists);
            if (found is not null)
            {
                File.CreateSymbolicLink(Path.Combine(bin.Path, tool), found);
            }
        }

        var start = new ProcessStartInfo(
            Path.Combine(Repo.Root, "packaging", "build"),
            ["--out", Path.Combine(output.Path, "dist")]);
        start.Environment["PATH"] = bin.Path;
        CgleakProcess.Result run = CgleakProcess.Capture(start);
        Assert.Equal(69, run.ExitCode);
        Assert.Equal("packaging/build: missing: rpmbuild (apt-get install rpm)\n", run.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(output.Path));
    }

    [Fact]
    public void The_notices_name_every_package_linked_into_the_binaries_and_hold_the_licence_texts()
    {
        // Every PackageReference of the shipped projects (src/), by the name the notices' table gives in backticks.
        string notices = File.ReadAllText(Path.Combine(Repo.Root, "packaging", "THIRD-PARTY-NOTICES.md"));
        string[] shipped = [.. Directory.GetFiles(
            Path.Combine(Repo.Root, "src"),
            "*.csproj",
            SearchOption.AllDirectories)
            .SelectMany(
                p => PackageReference().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value)).Distinct()];
        Assert.NotEmpty(shipped);
        Assert.All(shipped, p => Assert.Contains($"NuGet `{p}`", notices, StringComparison.Ordinal));

        using var dir = new ScratchDirectory();
        Assert.Equal(0, CgleakProcess.RunTool("tar", "-xzf", artifacts.Tarball, "-C", dir.Path).ExitCode);
        string built = File.ReadAllText(
            Path.Combine(dir.Path, $"cgleak-{artifacts.Version}-linux-x86_64", "THIRD-PARTY-NOTICES"));
        Assert.StartsWith(notices, built, StringComparison.Ordinal);
        Assert.Contains("GNU Lesser General Public", built, StringComparison.Ordinal); // glibc's copyright file
        Assert.Contains("OpenSSL", built, StringComparison.Ordinal);
        Assert.Contains("zlib", built, StringComparison.OrdinalIgnoreCase); // the .NET runtime's notices
    }

    [GeneratedRegex(@"<PackageReference Include=""([^""]+)""")]
    private static partial Regex PackageReference();

    [GeneratedRegex(
        @"^cgleak-[a-z]+\.service: Command /usr/bin/cgleak(-agent)? is not executable: No such file or directory$")]
    private static partial Regex NotInstalledHere();
}
