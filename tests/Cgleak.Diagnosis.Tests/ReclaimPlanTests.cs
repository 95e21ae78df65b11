using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Diagnosis.Tests;

public class ReclaimPlanTests
{
    private static ReclaimPlan PlanFor(string scenario)
        => ReclaimPlan.For(Doctor.Examine(HostRoot.At(Repo.Fixture(scenario))));

    [Fact]
    public void On_5_9_and_later_dropping_the_page_cache_is_enough() =>
        Assert.Equal(
            ("/proc/sys/vm/drop_caches", "1"),
            PlanFor("cgroup-v2").Actions.Select(a => (a.File, a.Value)).Single());

    [Fact]
    public void Before_5_9_slab_is_dropped_too()
    {
        ReclaimPlan plan = PlanFor("ubuntu-5.4-dying");
        Assert.Equal("3", plan.Actions.Single().Value);
        Assert.True(plan.CanMeasure);
        Assert.Null(plan.RebootNote);
    }

    [Fact]
    public void On_el7_the_plan_says_kmem_pinned_zombies_need_a_reboot_and_cannot_be_measured()
    {
        ReclaimPlan plan = PlanFor("el7-957-leaking");
        Assert.Contains("only by a reboot", plan.RebootNote, StringComparison.Ordinal);
        Assert.False(plan.CanMeasure);
    }

    [Fact]
    public void The_Alibaba_reaper_is_used_where_it_exists()
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture("ubuntu-5.4-dying")));
        ReclaimPlan plan = ReclaimPlan.For(Doctor.Diagnose(report.Facts with { MemcgReaperPresent = true }));
        Assert.Equal("/sys/kernel/mm/memcg_reaper/reap_background", plan.Actions[0].File);
    }

    [Fact]
    public void The_reason_names_slab_only_where_dropping_it_is_needed()
    {
        Assert.DoesNotContain("reclaimable slab", PlanFor("cgroup-v2").Actions.Single().Why, StringComparison.Ordinal);
        Assert.Contains("reclaimable slab", PlanFor("ubuntu-5.4-dying").Actions.Single().Why, StringComparison.Ordinal);
    }
}
