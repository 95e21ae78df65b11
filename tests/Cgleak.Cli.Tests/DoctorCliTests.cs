using System.Text.Json;
using System.Text.Json.Nodes;
using Cgleak.Cli.Core;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

public class DoctorCliTests
{
    public static TheoryData<string, int> Verdicts => new()
    {
        { "el7-957-leaking", ExitCodes.Affected },
        { "el7-1062-no-nokmem", ExitCodes.AtRisk },
        { "el7-nokmem-fixed", ExitCodes.Ok },
        { "ubuntu-5.4-dying", ExitCodes.AtRisk },
        { "cgroup-v2", ExitCodes.Ok },
        { "no-memory-controller", ExitCodes.Ok },
        { "malformed", ExitCodes.Unknown },
        { "el7-elrepo-lt-5.4", ExitCodes.Ok },
        { "el7-elrepo-ml-6.5", ExitCodes.Ok },
        { "el7-3.10-at-the-wall", ExitCodes.Affected },
        { "openeuler-22.03", ExitCodes.Ok },
        { "kylin-v10", ExitCodes.Ok },
        { "alinux3-nokmem", ExitCodes.Ok },
        { "amzn2-4.14", ExitCodes.Ok },
        { "tlinux2-3.10.107", ExitCodes.AtRisk },
        { "rocky-8", ExitCodes.Ok },
        { "el7-rotated-logs-binary-kubelet", ExitCodes.Affected },
        { "ubuntu2204-uefi-stub", ExitCodes.AtRisk },
        { "ubuntu2204-stale", ExitCodes.AtRisk },
        { "ubuntu2204-saved-idpath", ExitCodes.AtRisk },
        { "ubuntu2204-submenu-default", ExitCodes.AtRisk },
        { "el8-bls-kernelopts", ExitCodes.AtRisk },
        { "el8-nokmem-kernelopts", ExitCodes.AtRisk },
        { "centos7-bios-514", ExitCodes.Affected },
        { "centos7-bios-no-grubenv", ExitCodes.Affected },
        { "centos7-uefi-1127", ExitCodes.Affected },
        { "ubuntu1804-bios", ExitCodes.AtRisk },
        { "ubuntu2004-bios-osprober", ExitCodes.AtRisk },
        { "debian11-pinned-kernel", ExitCodes.AtRisk },
        { "rocky9-bls-inline", ExitCodes.AtRisk },
    };

    [Theory]
    [MemberData(nameof(Verdicts))]
    public void Exit_code_is_the_verdict_in_text_and_json(string scenario, int exitCode)
    {
        var text = InProcess.Doctor(Repo.Fixture(scenario));
        Assert.Equal(exitCode, text.ExitCode);
        Assert.Contains("== Summary ==", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", text.Stdout, StringComparison.Ordinal); // no colour off a terminal

        var json = InProcess.Doctor(Repo.Fixture(scenario), json: true);
        Assert.Equal(exitCode, json.ExitCode);
        JsonNode doc = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(exitCode, (int)doc["exitCode"]!);
        Assert.Equal(1, (int)doc["schemaVersion"]!);
    }

    /// <summary>
    /// The program itself (not only its handler) exits with each verdict, and says nothing on stderr.
    /// </summary>
    [Theory]
    [InlineData("cgroup-v2", ExitCodes.Ok)]
    [InlineData("ubuntu-5.4-dying", ExitCodes.AtRisk)]
    [InlineData("el7-957-leaking", ExitCodes.Affected)]
    [InlineData("malformed", ExitCodes.Unknown)]
    public void The_program_exits_with_the_verdict(string scenario, int exitCode)
    {
        var run = CgleakProcess.Run("doctor", "--host-root", Repo.Fixture(scenario));
        Assert.Equal((exitCode, ""), (run.ExitCode, run.Stderr));
        Assert.Contains("== Summary ==", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The JSON report of every fixture against a reviewed golden. CGLEAK_UPDATE_GOLDENS=1 rewrites them.
    /// </summary>
    [Theory]
    [MemberData(nameof(Verdicts))]
    public void Json_report_matches_the_reviewed_golden(string scenario, int exitCode)
    {
        var run = InProcess.Doctor(Repo.Fixture(scenario), json: true);
        Assert.Equal(exitCode, run.ExitCode);
        JsonNode doc = JsonNode.Parse(run.Stdout)!;
        doc["host"]!["root"] = "<fixture>";
        doc["elapsedSeconds"] = 0;
        string actual = doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        string golden = Path.Combine(Repo.Root, "tests", "goldens", "doctor", scenario + ".json");
        if (Environment.GetEnvironmentVariable("CGLEAK_UPDATE_GOLDENS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, actual);
        }

        Assert.True(
            File.Exists(golden),
            $"no golden {golden}: run the tests once with CGLEAK_UPDATE_GOLDENS=1 and review it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Fact]
    public void Unknown_numbers_are_null_in_json_never_zero()
    {
        JsonNode doc = JsonNode.Parse(InProcess.Doctor(Repo.Fixture("el7-957-leaking"), json: true).Stdout)!;
        JsonNode memcg = doc["memoryCgroups"]!;
        Assert.Null(memcg["dying"]);
        Assert.Null(memcg["idsInUse"]);
        Assert.Equal(65535, (int)memcg["limit"]!);
        Assert.Equal(39, (int)doc["kmem"]!["active"]!);
    }

    [Fact]
    public void Format_json_and_its_alias_json_write_the_same_report()
    {
        static JsonNode Report(params string[] args)
        {
            JsonNode doc = JsonNode.Parse(
                CgleakProcess.Run(["doctor", "--host-root", Repo.Fixture("el7-957-leaking"), .. args]).Stdout)!;
            doc["elapsedSeconds"] = 0;
            return doc;
        }

        Assert.Equal(Report("--json").ToJsonString(), Report("--format", "json").ToJsonString());
        var bad = CgleakProcess.Run("doctor", "--format", "yaml");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("yaml", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Cgleak_alone_prints_its_help_and_a_typo_gets_a_suggestion()
    {
        var alone = CgleakProcess.Run();
        Assert.Equal(ExitCodes.Ok, alone.ExitCode);
        Assert.Contains("doctor", alone.Stdout, StringComparison.Ordinal);

        var typo = CgleakProcess.Run("docter");
        Assert.Equal(ExitCodes.Usage, typo.ExitCode);
        Assert.Equal(
            ["cgleak: 'docter' is not a command of cgleak. Did you mean 'doctor'?", "Run 'cgleak --help' for usage."],
            typo.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_missing_host_root_is_a_one_line_usage_error()
    {
        var run = CgleakProcess.Run("doctor", "--host-root", "/no/such/dir");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal("cgleak: --host-root /no/such/dir: no such directory", run.Stderr.Trim());
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error_not_a_verdict()
    {
        var run = CgleakProcess.Run("doctor", "--frobnicate");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--frobnicate", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_that_is_no_host_tree_is_unknown_with_a_line_per_missing_file()
    {
        string empty = Directory.CreateTempSubdirectory("cgleak-nohost-").FullName;
        try
        {
            var run = InProcess.Doctor(empty);
            Assert.Equal(ExitCodes.Unknown, run.ExitCode);
            Assert.Contains("/proc/cgroups: missing", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("/proc/sys/kernel/osrelease: missing", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void Unreadable_files_for_an_unprivileged_user_are_named_and_the_rest_still_runs()
    {
        string copy = CopyFixture("ubuntu-5.4-dying");
        try
        {
            File.SetUnixFileMode(copy + "/proc/cgroups", UnixFileMode.None);
            File.SetUnixFileMode(copy + "/var/log/syslog", UnixFileMode.None);
            File.SetUnixFileMode(copy + "/sys/fs/cgroup/memory/system.slice", UnixFileMode.None);
            var run = CgleakProcess.RunAs(65534, "doctor", "--host-root", copy, "--json");
            Assert.Equal("", run.Stderr);
            JsonNode doc = JsonNode.Parse(run.Stdout)!;
            string problems = doc["problems"]!.ToJsonString();
            Assert.Contains("/proc/cgroups", problems, StringComparison.Ordinal);
            Assert.Contains("Permission denied (EACCES)", problems, StringComparison.Ordinal);
            Assert.Contains("/var/log/syslog", problems, StringComparison.Ordinal);
            Assert.Contains("/sys/fs/cgroup/memory/system.slice", problems, StringComparison.Ordinal);
            Assert.Equal("5.4.0-150-generic", (string?)doc["host"]!["kernelRelease"]);
            Assert.Null(doc["memoryCgroups"]!["reported"]);
            // Without the kernel's count, dying memcgs are unknown: the verdict cannot be decided.
            Assert.Equal(ExitCodes.Unknown, run.ExitCode);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static string CopyFixture(string scenario)
    {
        string target = Directory.CreateTempSubdirectory("cgleak-fixture-").FullName;
        File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        foreach (string dir in Directory.GetDirectories(Repo.Fixture(scenario), "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(target + dir[Repo.Fixture(scenario).Length..]);
        }

        foreach (string file in Directory.GetFiles(Repo.Fixture(scenario), "*", SearchOption.AllDirectories))
        {
            File.Copy(file, target + file[Repo.Fixture(scenario).Length..]);
        }

        return target;
    }
}
