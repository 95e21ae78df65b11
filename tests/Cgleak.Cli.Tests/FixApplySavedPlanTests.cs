using System.Text.Json.Nodes;
using Cgleak.Cli.Commands;
using Cgleak.Cli.Core;
using Cgleak.Testing;

namespace Cgleak.Cli.Tests;

/// <summary>
/// A saved plan is evidence, not an order: `fix apply --plan` derives the edit again from the host and refuses a
/// plan whose edit differs, even when its input hashes still match (issue #12).
/// </summary>
public class FixApplySavedPlanTests
{
    [Theory]
    [InlineData("argument", "init=/bin/sh")]
    [InlineData("argument", "cgroup.memory=nokmem init=/bin/sh")]
    [InlineData("newDefault", "x\nkernelopts=init=/bin/sh")]
    [InlineData("targetKernel", "3.10.0-957.27.2.el7.x86_64")]
    public void A_saved_plan_whose_edit_was_changed_is_refused_and_nothing_is_written(string field, string value)
    {
        string copy = Directory.CreateTempSubdirectory("cgleak-tamper-").FullName;
        try
        {
            Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("boot-el7-bios") + "/.", copy).ExitCode);
            JsonNode plan = JsonNode.Parse(Plan(copy))!;
            plan["edit"]![field] = value;
            string file = Path.Combine(copy, "plan.json");
            File.WriteAllText(file, plan.ToJsonString());
            byte[] cfg = File.ReadAllBytes(copy + "/boot/grub2/grub.cfg");
            byte[] env = File.ReadAllBytes(copy + "/boot/grub2/grubenv");

            var e = Assert.Throws<UserFacingException>(
                () => FixCommand.RunApply(new FixApplyArgs(copy, file, "auto", Yes: true, null), TextWriter.Null));
            Assert.Equal(ExitCodes.Unavailable, e.ExitCode);
            Assert.Contains("is not the one cgleak derives from the host now", e.Message, StringComparison.Ordinal);
            Assert.Equal(cfg, File.ReadAllBytes(copy + "/boot/grub2/grub.cfg"));
            Assert.Equal(env, File.ReadAllBytes(copy + "/boot/grub2/grubenv"));
            Assert.False(Directory.Exists(copy + "/var/lib/cgleak/backups"));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void An_untouched_saved_plan_is_applied()
    {
        string copy = Directory.CreateTempSubdirectory("cgleak-saved-").FullName;
        try
        {
            Assert.Equal(0, CgleakProcess.RunTool("cp", "-a", Repo.Fixture("boot-el7-bios") + "/.", copy).ExitCode);
            string file = Path.Combine(copy, "plan.json");
            File.WriteAllText(file, Plan(copy));
            var run = CgleakProcess.Run("fix", "apply", "--host-root", copy, "--plan", file, "--yes");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains(
                "cgroup.memory=nokmem",
                File.ReadAllText(copy + "/boot/grub2/grub.cfg"),
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static string Plan(string hostRoot) =>
        InProcess.Run(o => FixCommand.RunPlan(new FixPlanArgs(hostRoot, "auto", "json", null), o)).Stdout;
}
