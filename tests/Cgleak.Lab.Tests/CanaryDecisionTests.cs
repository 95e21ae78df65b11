using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Parsing;

namespace Cgleak.Lab.Tests;

public class CanaryDecisionTests
{
    private static KernelTraits Kernel(string release) => KernelKnowledge.Of(KernelRelease.Parse(release)!);

    [Fact]
    public void On_a_kernel_that_counts_dying_but_keeps_their_ids_canaries_that_stay_mean_a_leak()
    {
        CanaryResult r = Canary.Decide(Kernel("3.19.0"), released: 2, seconds: 30, []);
        Assert.True(r.Leaking);
        Assert.Equal(18, r.SlotsLost);
        Assert.StartsWith("leaking:", r.Conclusion, StringComparison.Ordinal);
    }

    [Fact]
    public void On_the_same_kernel_canaries_that_leave_the_count_mean_no_leak()
    {
        CanaryResult r = Canary.Decide(Kernel("3.19.0"), released: 20, seconds: 1.2, []);
        Assert.False(r.Leaking);
        Assert.StartsWith("not leaking:", r.Conclusion, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(3)]
    public void Where_ids_are_released_at_offline_it_is_not_leaking_whatever_pins_them(int released)
    {
        CanaryResult r = Canary.Decide(Kernel("6.18.44"), released, 8, []);
        Assert.False(r.Leaking);
        Assert.Equal(0, r.SlotsLost);
        Assert.StartsWith(
            "not leaking: IDs are released when a memory cgroup goes offline (I5)",
            r.Conclusion,
            StringComparison.Ordinal);
    }
}
