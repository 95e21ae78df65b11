namespace Cgleak.Lab.Tests;

public class ReproConclusionTests
{
    private static ReproRequest Request(bool keepFiles = true)
        => new(ReproRuntime.None, Pods: 10, Parallel: 4, keepFiles, null, 200, UntilFull: false);

    [Fact]
    public void At_the_wall_slots_lost_are_free_slots_before_minus_after()
    {
        // The runbook's 3.10 experiment: 99 free, a pod takes 3, deleting it gives none back.
        ReproStep[] steps =
        [
            new("before", 65436, 40, null, null, 99, true, 2),
            new("with pods", 65466, 70, null, null, 69, true, 32),
            new("after delete", 65436, 40, null, null, 69, true, 2),
        ];
        ReproResult r = Repro.Conclude(Request(), steps, []);
        Assert.Equal(3, r.SlotsLostPerPod);
        Assert.StartsWith("3 ID slots lost per pod", r.Conclusion, StringComparison.Ordinal);
    }

    [Fact]
    public void Where_zombies_are_hidden_and_the_wall_was_not_reached_it_says_it_cannot_tell()
    {
        ReproStep[] steps =
        [
            new("before", 40, 40, null, null, 201, false, 2),
            new("with pods", 70, 70, null, null, 201, false, 32),
            new("after delete", 40, 40, null, null, 201, false, 2),
        ];
        ReproResult r = Repro.Conclude(Request(), steps, []);
        Assert.Null(r.SlotsLostPerPod);
        Assert.Contains("--until-full", r.Conclusion, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_kernel_that_releases_ids_at_offline_it_reports_dying_cgroups_per_pod()
    {
        ReproStep[] steps =
        [
            new("before", 18, 6, 12, 6, 201, false, 2),
            new("with pods", 48, 36, 12, 36, 201, false, 32),
            new("after delete", 48, 6, 42, 6, 201, false, 2),
        ];
        ReproResult r = Repro.Conclude(Request(), steps, []);
        Assert.Equal((3.0, 0.0, 3.0), (r.CgroupsPerPod, r.SlotsLostPerPod, r.LeftDyingPerPod));
        Assert.StartsWith(
            "no ID slot lost; 3 cgroups per pod left dying, pinned by the page cache their files left",
            r.Conclusion,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Cgroups_per_pod_count_only_its_own_while_the_node_starts_others()
    {
        // Between "before" and "with pods" the node started 7 cgroups of its own: the machine-wide live count
        // grew by 37, the repro's parent by its 30.
        ReproStep[] steps =
        [
            new("before", 18, 6, 12, 6, 201, false, 2),
            new("with pods", 55, 43, 12, 43, 201, false, 32),
            new("after delete", 55, 13, 42, 13, 201, false, 2),
        ];
        ReproResult r = Repro.Conclude(Request(), steps, []);
        Assert.Equal(3.0, r.CgroupsPerPod);
        // Its 7 hold IDs too, not the pods': no slot lost, and a note says the node changed meanwhile.
        Assert.Equal(0.0, r.SlotsLostPerPod);
        Assert.StartsWith("no ID slot lost; ", r.Conclusion, StringComparison.Ordinal);
        Assert.Contains(
            r.Notes,
            n => n.StartsWith("the node's other memory cgroups changed by +7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(38, 40, 0.0, "-2")] // the node deleted 2 of its own; a kernel that keeps their IDs still counts them
    [InlineData(45, 75, 3.0, "+5")] // the pods lost 3 IDs each while the node made 5 cgroups
    [InlineData(40, 70, 3.0, null)] // nothing else moved: no note
    public void Slots_lost_from_reported_ids_leave_out_what_the_rest_of_the_node_made(
        long liveAfter, long idsAfter, double lost, string? noted)
    {
        ReproStep[] steps =
        [
            new("before", 40, 40, null, 40, 201, false, 2),
            new("with pods", 70, 70, null, 70, 201, false, 32),
            new("after delete", idsAfter, liveAfter, null, idsAfter, 201, false, 2),
        ];
        ReproResult r = Repro.Conclude(Request(), steps, []);
        Assert.Equal(lost, r.SlotsLostPerPod);
        Assert.Equal(
            noted is null ? [] : [$"the node's other memory cgroups changed by {noted} during the run"],
            r.Notes.Where(n => n.StartsWith("the node's", StringComparison.Ordinal)).Select(n => n.Split(':')[0]));
    }

    [Fact]
    public void Without_dying_cgroups_it_says_so()
    {
        ReproStep[] steps =
        [
            new("before", 6, 6, 0, 6, 201, false, 2),
            new("with pods", 36, 36, 0, 36, 201, false, 32),
            new("after delete", 6, 6, 0, 6, 201, false, 2),
        ];
        Assert.Equal(
            "no ID slot lost; deleted pods left no dying cgroups",
            Repro.Conclude(Request(false), steps, []).Conclusion);
    }

    [Fact]
    public void A_dynamically_linked_binary_is_told_from_a_static_one()
    {
        Assert.True(RuncBundle.HasInterpreter(File.ReadAllBytes("/bin/ls")));
        if (File.Exists("/bin/busybox") && !RuncBundle.HasInterpreter(File.ReadAllBytes("/bin/busybox")))
        {
            Assert.False(RuncBundle.HasInterpreter(File.ReadAllBytes("/bin/busybox")));
        }

        Assert.False(RuncBundle.HasInterpreter("not an elf file at all, just text"u8));
    }
}
