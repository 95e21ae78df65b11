using Cgleak.Host.Facts;
using Cgleak.Host.Logs;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The one next step: the fix plan for a cause, reclaim for dying memcgs alone, nothing for ok or unknown.
/// </summary>
public class NextStepTests
{
    private static NextStep For(HostFacts facts) => NextStep.For(Doctor.Diagnose(facts));

    [Fact]
    public void An_ok_node_needs_nothing_and_an_unknown_one_a_better_read()
    {
        NextStep ok = For(Running(Ubuntu54));
        Assert.Equal((null, "next.nothing"), (ok.Command, ok.Why.Key));
        NextStep unknown = For(Running(Ubuntu54) with { Kernel = null });
        Assert.Equal((null, "next.unknown"), (unknown.Command, unknown.Why.Key));
    }

    [Theory]
    [InlineData(El7Old)]          // the kernel leaks IDs
    [InlineData("4.4.0-21-generic")] // it may: the leak cause decides alone
    public void A_leak_cause_needs_the_fix_plan(string release)
    {
        NextStep s = For(Running(release).With(Runc("runc version 1.0.0-rc93")));
        Assert.Equal((NextStep.FixPlan, "next.fix-plan-cause"), (s.Command, s.Why.Key));
    }

    [Fact]
    public void Dying_memcgs_on_a_kernel_that_keeps_no_ids_need_reclaiming()
    {
        NextStep s = For(Running(Ubuntu54).WithCounts(10, 5_000));
        Assert.Equal((NextStep.Reclaim, "next.reclaim"), (s.Command, s.Why.Key));
    }

    [Fact]
    public void Ids_running_out_on_a_kernel_that_keeps_none_need_reclaiming()
    {
        NextStep s = For(Running(Ubuntu54).WithCounts(50_000, 0));
        Assert.Equal((NextStep.Reclaim, "next.reclaim"), (s.Command, s.Why.Key));
    }

    [Fact]
    public void Dying_memcgs_on_a_kernel_that_leaks_ids_need_the_fix_plan()
    {
        // 3.19 counts dying memcgs (C1) and loses IDs to kmem (L1, before I5).
        NextStep s = For(Running("3.19.0").WithCounts(10, 5_000));
        Assert.Equal((NextStep.FixPlan, "next.fix-plan-cause"), (s.Command, s.Why.Key));
    }

    [Fact]
    public void A_symptom_alone_needs_the_fix_plan_without_a_cause()
    {
        var slub = new SymptomScan([new(
            Symptom.SlubUnableToAllocate,
            "/var/log/messages",
            2,
            "SLUB: Unable to allocate memory on node -1",
            "")],
            ["/var/log/messages"], []);
        NextStep s = For(Running(Ubuntu54) with { Logs = slub });
        Assert.Equal((NextStep.FixPlan, "next.fix-plan"), (s.Command, s.Why.Key));
    }
}
