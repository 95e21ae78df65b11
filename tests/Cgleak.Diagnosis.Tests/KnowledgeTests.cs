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

    [Theory]
    [InlineData("5.1.60", null)]             // before 5.16: the write works
    [InlineData("5.4.249", null)]
    [InlineData("5.15.160", null)]
    [InlineData("6.2.60", "EOPNOTSUPP")]     // L12: 6.2.y never got L13 or L14
    [InlineData("6.5.3", "EOPNOTSUPP")]
    [InlineData("6.5.4", "removed")]         // L13
    [InlineData("6.5.5", "do nothing")]      // L14
    [InlineData("6.6.0", "do nothing")]
    public void The_kmem_limit_note_follows_each_stable_series(string release, string? expected)
    {
        string? note = Of(release).KmemLimitWriteNote;
        if (expected is null)
        {
            Assert.Null(note);
        }
        else
        {
            Assert.Contains(expected, note, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("5.2.21", "(L6, L9)", "slab objects")]
    [InlineData("5.3.0", "(L6, L9)", "kmem caches")]
    [InlineData("5.8.18", "(L6, L9)", "kmem caches")]
    [InlineData("5.9.0", "(L7, L9)", "swap-out")]
    [InlineData("7.0.9", "(L7, L9)", "swap-out")]
    [InlineData("7.1.0", "(L10)", "reparented")]
    public void What_pins_dying_memcgs_changes_at_5_3_5_9_and_7_1(string release, string rows, string what)
    {
        string pinnedBy = Of(release).DyingPinnedBy;
        Assert.EndsWith(rows, pinnedBy, StringComparison.Ordinal);
        Assert.Contains(what, pinnedBy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4.4.0-21-generic", null, true)]  // I5 may be backported: unknown, and said so
    [InlineData("4.6.7", null, true)]
    [InlineData("4.5.7", false, false)]           // a 4.x that is neither
    [InlineData("4.9.0", true, false)]
    [InlineData("5.4.0-150-generic", true, false)]
    [InlineData("5.6.0", true, false)]            // minor 6 of another major
    public void Only_4_4_and_4_6_are_unknown_about_releasing_ids(string release, bool? releases, bool unknown)
    {
        KernelTraits t = Of(release);
        Assert.Equal(releases, t.ReleasesIdAtOffline);
        Assert.Equal(unknown, t.Unknown is not null);
    }

    [Fact]
    public void Upstream_3_10_counts_live_memcgs_only_and_is_no_vendor_kernel()
    {
        KernelTraits t = Of("3.10.108");
        Assert.Equal("upstream 3.10", t.Family);
        Assert.Equal(false, t.CountsDying); // C2
        Assert.True(t.NokmemKnown);
    }

    [Fact]
    public void A_tencentos_kernel_of_another_version_follows_upstream()
    {
        KernelTraits t = Of("4.14.105-1-tlinux3-0013");
        Assert.Equal("upstream 4.14 (TencentOS)", t.Family);
        Assert.True(t.NokmemKnown);
    }
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

    /// <summary>
    /// R5: the nokmem build tag exists from rc6 on, so only a pin of rc6 or later can be rebuilt without kmem.
    /// </summary>
    [Fact]
    public void A_pinned_runc_can_be_built_without_kmem_exactly_from_rc6() =>
        Assert.All(ComponentRules.ContainerdPins, p =>
            Assert.Equal(p.RuncVersion is { } v && v >= ComponentRules.FirstNokmemCapableRunc, p.NokmemPossible));

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
