using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Every version range of the component rules, one version each side of each edge (kmem-facts R, K, D).
/// </summary>
public class VersionRuleBoundaryTests
{
    private static ComponentVersion V(string text) => ComponentVersion.Find(text)!;

    [Theory]
    [InlineData("0.1.1", KmemBehaviour.OnlyWhenAsked, "R1")]
    [InlineData("1.0.0-rc1", KmemBehaviour.OnlyWhenAsked, "R1")]
    [InlineData("1.0.0-rc2", KmemBehaviour.EnablesImplicitly, "R2, R3, R9")]
    [InlineData("1.0.0-rc93", KmemBehaviour.EnablesImplicitly, "R2, R3, R9")]
    [InlineData("1.0.0-rc94", KmemBehaviour.Ignores, "R8")]
    [InlineData("1.0.0", KmemBehaviour.Ignores, "R8")]
    public void Runc_ranges(string version, KmemBehaviour behaviour, string rows)
    {
        VersionRule rule = ComponentRules.RuncRule(V(version))!;
        Assert.Equal((behaviour, rows), (rule.Behaviour, rule.Rows));
    }

    [Theory]
    [InlineData("1.7.99", KmemBehaviour.OnlyWhenAsked)]
    [InlineData("1.8.0", KmemBehaviour.EnablesImplicitly)]
    [InlineData("1.21.1", KmemBehaviour.EnablesImplicitly)]
    [InlineData("1.21.2", KmemBehaviour.Ignores)]
    public void Kubelet_ranges(string version, KmemBehaviour behaviour) =>
        Assert.Equal(behaviour, ComponentRules.KubeletRule(V(version))!.Behaviour);

    [Theory]
    [InlineData("1.0.3", null)]                  // before the table
    [InlineData("1.1.0", "69663f0b (before rc6)")]
    [InlineData("1.1.4", "69663f0b (before rc6)")]
    [InlineData("1.1.5", "10d38b66")]
    [InlineData("1.2.7", "1.0.0-rc8")]
    [InlineData("1.2.9", "1.0.0-rc8")]
    [InlineData("1.2.10", "3e425f80")]
    [InlineData("1.4.4", "1.0.0-rc92")]
    [InlineData("1.4.5", "1.0.0-rc94")]
    [InlineData("1.4.7", "1.0.0 or later")]
    [InlineData("1.5.0", "1.0.0-rc93")]
    [InlineData("1.5.1", "1.0.0-rc94")]
    [InlineData("1.6.0", "1.1 or later")]
    [InlineData("99.0.0", "1.1 or later")]
    [InlineData("99.0.1", null)]                 // past the table
    public void Containerd_pin_edges(string containerd, string? runc) =>
        Assert.Equal(runc, ComponentRules.ContainerdPin(V(containerd))?.Runc);

    [Theory]
    [InlineData("1.1.4", false)]
    [InlineData("1.1.5", true)]
    [InlineData("1.2.0", false)]
    [InlineData("1.2.1", true)]
    public void Only_pins_from_rc6_on_could_be_built_without_kmem(string containerd, bool nokmemPossible) =>
        Assert.Equal(nokmemPossible, ComponentRules.ContainerdPin(V(containerd))!.NokmemPossible);

    [Fact]
    public void An_open_ended_rule_matches_everything_on_its_open_side()
    {
        var upTo = new VersionRule(null, V("1.0.0"), KmemBehaviour.OnlyWhenAsked, "x");
        var from = new VersionRule(V("1.0.0"), null, KmemBehaviour.Ignores, "x");
        Assert.True(upTo.Matches(V("0.0.1")) && upTo.Matches(V("1.0.0")) && !upTo.Matches(V("1.0.1")));
        Assert.True(from.Matches(V("99.0.0")) && from.Matches(V("1.0.0")) && !from.Matches(V("1.0.0-rc99")));
    }
}
