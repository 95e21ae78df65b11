using System.Text.Json.Nodes;
using Cgleak.Cli.Commands;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// cgleak fix plan on the fixture hosts: reviewed golden plans, and scripts that pass bash -n and shellcheck.
/// </summary>
public class FixPlanCliTests
{
    public static TheoryData<string, string> Plans()
    {
        var data = new TheoryData<string, string>();
        foreach (string scenario in (string[])["boot-el7-bios", "boot-el7-uefi", "boot-el8-bls", "boot-ubuntu",
            "el7-957-leaking", "el7-1062-no-nokmem", "cgroup-v2",
            "el7-elrepo-lt-5.4", "el7-elrepo-ml-6.5", "el7-3.10-at-the-wall", "openeuler-22.03", "kylin-v10",
                "alinux3-nokmem", "amzn2-4.14",
            "tlinux2-3.10.107", "rocky-8", "ubuntu-5.4-dying", "malformed"])
        {
            foreach (string format in (string[])["text", "sh", "json"])
            {
                data.Add(scenario, format);
            }
        }

        return data;
    }

    /// <summary>
    /// Boot layouts built from real files (tests/fixtures/hosts/*/SOURCES.md), planned with --method kernel.
    /// </summary>
    internal static readonly string[] RealBootLayouts =
        ["ubuntu2204-uefi-stub", "ubuntu2204-stale", "ubuntu2204-saved-idpath", "ubuntu2204-submenu-default",
            "el8-bls-kernelopts", "el8-nokmem-kernelopts",
            "centos7-bios-514", "centos7-bios-no-grubenv", "centos7-uefi-1127", "ubuntu1804-bios",
                "ubuntu2004-bios-osprober", "debian11-pinned-kernel",
            "rocky9-bls-inline"];

    public static TheoryData<string, string> KernelPlans()
    {
        var data = new TheoryData<string, string>();
        foreach (string scenario in RealBootLayouts)
        {
            foreach (string format in (string[])["text", "sh", "json"])
            {
                data.Add(scenario, format);
            }
        }

        return data;
    }

    /// <summary>CGLEAK_UPDATE_GOLDENS=1 rewrites them; review the diff like code.</summary>
    [Theory]
    [MemberData(nameof(Plans))]
    public void Plan_matches_the_reviewed_golden(string scenario, string format)
        => MatchesGolden(scenario, format, scenario, "auto");

    /// <summary>The kernel method on the real boot layouts: goldens named kernel-SCENARIO.</summary>
    [Theory]
    [MemberData(nameof(KernelPlans))]
    public void Kernel_plan_on_a_real_boot_layout_matches_the_reviewed_golden(string scenario, string format) =>
        MatchesGolden(scenario, format, "kernel-" + scenario, "kernel");

    private static void MatchesGolden(string scenario, string format, string name, string method)
    {
        var args = new FixPlanArgs(Repo.Fixture(scenario), method, format, null);
        var run = InProcess.Run(o => FixCommand.RunPlan(args, o));
        Assert.Equal(InProcess.Doctor(Repo.Fixture(scenario)).ExitCode, run.ExitCode); // the verdict (README)
        string golden = Path.Combine(
            Repo.Root,
            "tests",
            "goldens",
            "fix-plan",
            $"{name}.{(format == "text" ? "txt" : format)}");
        if (Environment.GetEnvironmentVariable("CGLEAK_UPDATE_GOLDENS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllText(golden, run.Stdout);
        }

        Assert.True(File.Exists(golden), $"no golden {golden}: run with CGLEAK_UPDATE_GOLDENS=1 and review it");
        Assert.Equal(File.ReadAllText(golden), run.Stdout);
    }

    [Theory]
    [InlineData("el7-3.10-at-the-wall")]
    [InlineData("tlinux2-3.10.107")]
    [InlineData("ubuntu-5.4-dying")]
    [InlineData("boot-el7-bios")]
    [InlineData("boot-el7-uefi")]
    [InlineData("boot-el8-bls")]
    [InlineData("boot-ubuntu")]
    [InlineData("el7-957-leaking")]
    [InlineData("ubuntu2204-uefi-stub", "kernel")]
    [InlineData("ubuntu2204-stale", "kernel")]
    [InlineData("ubuntu2204-saved-idpath", "kernel")]
    [InlineData("ubuntu2204-submenu-default", "kernel")]
    [InlineData("el8-bls-kernelopts", "kernel")]
    [InlineData("el8-nokmem-kernelopts", "kernel")]
    [InlineData("centos7-bios-514", "kernel")]
    [InlineData("centos7-bios-no-grubenv", "kernel")]
    [InlineData("centos7-uefi-1127", "kernel")]
    [InlineData("ubuntu1804-bios", "kernel")]
    [InlineData("ubuntu2004-bios-osprober", "kernel")]
    [InlineData("debian11-pinned-kernel", "kernel")]
    [InlineData("rocky9-bls-inline", "kernel")]
    [InlineData("centos7-bios-514")]
    [InlineData("ubuntu1804-bios")]
    public void The_script_passes_bash_n_and_shellcheck(string scenario, string method = "auto")
    {
        string script = Path.Combine(Path.GetTempPath(), $"cgleak-plan-{scenario}-{Environment.ProcessId}.sh");
        File.WriteAllText(script, CgleakProcess.Run(
            "fix",
            "plan",
            "--host-root",
            Repo.Fixture(scenario),
            "--format",
            "sh",
            "--method",
            method).Stdout);
        try
        {
            Assert.Equal((0, ""), Tool("bash", "-n", script));
            Assert.Equal((0, ""), Tool("shellcheck", script));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public void Apply_with_a_saved_plan_refuses_it_once_an_input_changed()
    {
        string copy = Directory.CreateTempSubdirectory("cgleak-stale-").FullName;
        try
        {
            Assert.Equal(0, Tool("cp", "-a", Repo.Fixture("boot-el7-uefi") + "/.", copy).Code);
            string plan = Path.Combine(copy, "plan.json");
            File.WriteAllText(plan, CgleakProcess.Run("fix", "plan", "--host-root", copy, "--format", "json").Stdout);
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(plan))!["edit"]);
            File.AppendAllText(copy + "/boot/efi/EFI/centos/grub.cfg", "\n");
            var run = CgleakProcess.Run("fix", "apply", "--host-root", copy, "--plan", plan, "--yes");
            Assert.Equal(69, run.ExitCode);
            Assert.Contains(
                "/boot/efi/EFI/centos/grub.cfg changed since the plan was made",
                run.Stderr,
                StringComparison.Ordinal);
            Assert.False(Directory.Exists(copy + "/var/lib/cgleak/backups"));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void A_plan_file_that_is_no_plan_is_a_usage_error()
    {
        string bad = Path.GetTempFileName();
        File.WriteAllText(bad, "{ not json");
        var run = CgleakProcess.Run(
            "fix",
            "apply",
            "--host-root",
            Repo.Fixture("boot-el7-uefi"),
            "--plan",
            bad,
            "--yes");
        File.Delete(bad);
        Assert.Equal(64, run.ExitCode);
        Assert.StartsWith($"cgleak: --plan {bad}: not a plan", run.Stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Tool(string file, params string[] args)
    {
        CgleakProcess.Result run = CgleakProcess.RunTool(file, args);
        return (run.ExitCode, run.Stdout + run.Stderr);
    }

    [Theory]
    [InlineData("malformed", 3)]              // unknown: no plan, what is missing
    [InlineData("cgroup-v2", 0)]              // ok: nothing to fix
    [InlineData("ubuntu-5.4-dying", 1)]       // at risk from dying memcgs: the reclaim plan
    [InlineData("tlinux2-3.10.107", 1)]       // at risk from containerd's runc: the components plan
    [InlineData("el7-3.10-at-the-wall", 2)]   // affected
    public void Plan_exit_code_is_the_verdict(string scenario, int exitCode)
    {
        var run = CgleakProcess.Run("fix", "plan", "--host-root", Repo.Fixture(scenario));
        Assert.Equal(exitCode, run.ExitCode);
        if (exitCode == 3)
        {
            Assert.Contains(
                "Cannot plan: the diagnosis is unknown (could not read",
                run.Stdout,
                StringComparison.Ordinal);
            Assert.DoesNotContain("Nothing to fix", run.Stdout, StringComparison.Ordinal);
        }

        if (exitCode == 1 && scenario == "ubuntu-5.4-dying")
        {
            Assert.Contains("cgleak reclaim", run.Stdout, StringComparison.Ordinal);
        }
    }
}
