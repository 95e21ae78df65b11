using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Tests;

public class KernelKnowledgeTests
{
    private static KernelTraits Of(string release) => KernelKnowledge.Of(KernelRelease.Parse(release)!);

    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", false)]   // L5: before 1062.4.1
    [InlineData("3.10.0-1062.4.1.el7.x86_64", true)]    // L5
    [InlineData("3.10.0-1160.el7.x86_64", true)]
    [InlineData("4.4.0-21-generic", false)]              // L3: 4.5
    [InlineData("4.5.0", true)]
    [InlineData("6.18.44", true)]
    public void Honours_nokmem_from_4_5_and_el7_1062_4_1(string release, bool honours) =>
        Assert.Equal(honours, Of(release).HonoursNokmem);

    [Theory]
    [InlineData("3.10.0-957.el7.x86_64", true)]   // L1, C2, runbook
    [InlineData("3.18.0", true)]                  // L1, before I5
    [InlineData("4.4.0-21-generic", null)]        // I5 backported to some 4.4.y
    [InlineData("4.7.0", false)]                  // I5
    [InlineData("5.4.0-150-generic", false)]
    [InlineData("3.2.0", false)]                  // L1: no kmem accounting before 3.8
    public void Leaks_ids_from_3_8_until_the_4_7_fix(string release, bool? leaks) =>
        Assert.Equal(leaks, Of(release).LeaksIdsViaKmem);

    [Theory]
    [InlineData("3.10.0-957.el7.x86_64", false)]  // C2
    [InlineData("3.19.0", true)]                  // C1
    [InlineData("3.12.0", null)]                  // C1: switch-over unverified
    [InlineData("6.18.44", true)]                 // O1
    public void Counts_dying_cgroups_in_proc_cgroups(string release, bool? counts) =>
        Assert.Equal(counts, Of(release).CountsDying);

    [Theory]
    [InlineData("5.16.0", "EOPNOTSUPP")]   // L12
    [InlineData("6.1.54", "removed")]      // L13
    [InlineData("6.1.55", "do nothing")]   // L14
    [InlineData("6.18.44", "do nothing")]
    public void Knows_what_writing_kmem_limit_does(string release, string expected) =>
        Assert.Contains(expected, Of(release).KmemLimitWriteNote!, StringComparison.Ordinal);

    [Fact]
    public void Older_kernels_have_no_kmem_limit_note() => Assert.Null(Of("5.4.0-150-generic").KmemLimitWriteNote);
}

public class ComponentRulesTests
{
    [Theory]
    [InlineData("1.0.0-rc1", KmemBehaviour.OnlyWhenAsked)]   // R1
    [InlineData("1.0.0-rc2", KmemBehaviour.EnablesImplicitly)] // R2
    [InlineData("1.0.0-rc93", KmemBehaviour.EnablesImplicitly)] // R9
    [InlineData("1.0.0-rc94", KmemBehaviour.Ignores)]          // R8
    [InlineData("1.1.5", KmemBehaviour.Ignores)]
    public void Runc_rules(string version, KmemBehaviour expected) =>
        Assert.Equal(expected, ComponentRules.RuncRule(ComponentVersion.Find(version)!)!.Behaviour);

    [Theory]
    [InlineData("1.7.16", KmemBehaviour.OnlyWhenAsked)]      // K3
    [InlineData("1.8.0", KmemBehaviour.EnablesImplicitly)]   // K3
    [InlineData("1.21.1", KmemBehaviour.EnablesImplicitly)]  // K8
    [InlineData("1.21.2", KmemBehaviour.Ignores)]            // K7
    [InlineData("1.22.0", KmemBehaviour.Ignores)]
    public void Kubelet_rules(string version, KmemBehaviour expected) =>
        Assert.Equal(expected, ComponentRules.KubeletRule(ComponentVersion.Find(version)!)!.Behaviour);

    [Theory]
    [InlineData("1.2.0", null)]
    [InlineData("1.2.13", "1.0.0-rc10")]
    [InlineData("1.4.4", "1.0.0-rc92")]
    [InlineData("1.4.5", "1.0.0-rc94")]
    [InlineData("1.5.0", "1.0.0-rc93")]
    [InlineData("1.6.20", "1.1.0")]
    public void Containerd_pins(string containerd, string? runc) =>
        Assert.Equal(runc, ComponentRules.ContainerdPin(ComponentVersion.Find(containerd)!)!.RuncVersion?.ToString());

    [Fact]
    public void Containerd_pin_ranges_do_not_overlap()
    {
        var pins = ComponentRules.ContainerdPins;
        for (int i = 1; i < pins.Count; i++)
        {
            Assert.True(pins[i - 1].To < pins[i].From, $"{pins[i - 1].To} overlaps {pins[i].From}");
        }
    }
}
