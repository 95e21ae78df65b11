using System.Text.Json;
using Cgleak.Cli.Rendering;
using Cgleak.Diagnosis.Fix;

namespace Cgleak.Cli.Tests;

/// <summary>
/// The plan's JSON spells enum values in kebab case, as the rest of cgleak's JSON does, and still reads older plans.
/// </summary>
public class PlanJsonTests
{
    private static readonly FixPlan Plan = new(FixMethod.Kernel, "s", [], null,
        new BootEdit(
            BootStyle.GrubbyGrubCfg,
            "3.10.0-1160.el7.x86_64",
            "t",
            "t",
            null,
            FixPlan.NokmemArgument,
            "/boot/grub2/grub.cfg")
        { DefaultIn = DefaultIn.SavedEntry },
        false, [], [], []);

    [Fact]
    public void Enum_values_are_written_in_kebab_case()
    {
        string json = PlanRenderer.Json(Plan);
        Assert.Contains("\"method\": \"kernel\"", json, StringComparison.Ordinal);
        Assert.Contains("\"style\": \"grubby-grub-cfg\"", json, StringComparison.Ordinal);
        Assert.Contains("\"defaultIn\": \"saved-entry\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_saved_with_the_old_spelling_reads_the_same()
    {
        string json = PlanRenderer.Json(Plan);
        string old = json.Replace("\"kernel\"", "\"Kernel\"", StringComparison.Ordinal)
            .Replace("\"grubby-grub-cfg\"", "\"GrubbyGrubCfg\"", StringComparison.Ordinal)
            .Replace("\"saved-entry\"", "\"SavedEntry\"", StringComparison.Ordinal);
        Assert.NotEqual(json, old);
        FixPlan read = JsonSerializer.Deserialize(old, PlanJsonContext.Default.FixPlan)!;
        Assert.Equal(json, PlanRenderer.Json(read));
    }

    [Fact]
    public void An_unknown_value_is_refused()
    {
        string json = PlanRenderer.Json(Plan).Replace("\"grubby-grub-cfg\"", "\"grubby\"", StringComparison.Ordinal);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, PlanJsonContext.Default.FixPlan));
    }
}
