using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.Agent.Tests;

/// <summary>Which condition a report calls for: the leak first, then IDs near the limit, then dying memcgs.</summary>
public class NodeConditionTests
{
    private static DoctorReport Report(Verdict verdict, long? idsInUse, params (string Id, Concern Concern)[] concerns)
    {
        var checks = CheckCatalog.All.Select(c =>
        {
            Concern concern = concerns.FirstOrDefault(x => x.Id == c.Id).Concern;
            return new CheckResult(c.Id, c.Title, concern == Concern.None ? CheckStatus.Pass : CheckStatus.Fail,
                $"summary of {c.Id}", [], [], concern);
        }).ToList();
        var facts = new HostFacts { RootDirectory = "/small-host", IsLive = false };
        var counts = new MemcgCounts(MemcgIdSpace.Limit, null, null, null, idsInUse, []);
        return new DoctorReport(facts, null, counts, checks, verdict, "at risk from runtime.runc", TimeSpan.Zero)
        {
            Input = new CheckInput(facts),
        };
    }

    [Theory]
    [InlineData("kmem.active-cgroups", Concern.Affected, "KmemLeakActive")]
    [InlineData("logs.symptom", Concern.Affected, "KmemLeakActive")]
    [InlineData("memcg.id-headroom", Concern.Affected, "MemoryCgroupIdsNearLimit")]
    [InlineData("memcg.id-headroom", Concern.AtRisk, "MemoryCgroupIdsNearLimit")]
    [InlineData("memcg.dying", Concern.AtRisk, "DyingMemoryCgroupsPileUp")]
    public void Each_problem_has_its_reason_and_the_deciding_checks_summary(string id, Concern concern, string reason)
    {
        NodeCondition c = NodeCondition.From(Report(Verdict.AtRisk, 100, (id, concern)),
            "at +41 IDs/h, 65535 in 9 d 3 h");
        Assert.Equal((true, reason, $"at-risk: summary of {id}; at +41 IDs/h, 65535 in 9 d 3 h"),
            (c.Problem, c.Reason, c.Message));
    }

    [Fact]
    public void The_leak_is_named_before_ids_and_dying_and_kmem_before_the_logs()
    {
        NodeCondition both = NodeCondition.From(Report(Verdict.Affected, 100,
            ("logs.symptom", Concern.Affected), ("kmem.active-cgroups", Concern.Affected), ("memcg.id-headroom",
                Concern.Affected)), null);
        Assert.Equal(("KmemLeakActive", "affected: summary of kmem.active-cgroups"), (both.Reason, both.Message));

        NodeCondition ids = NodeCondition.From(Report(Verdict.AtRisk, 100, ("memcg.dying", Concern.AtRisk),
            ("memcg.id-headroom", Concern.AtRisk)), null);
        Assert.Equal("MemoryCgroupIdsNearLimit", ids.Reason);
    }

    [Fact]
    public void Kmem_accounting_only_at_risk_is_no_leak_condition()
    {
        NodeCondition c = NodeCondition.From(Report(Verdict.AtRisk, 100, ("kmem.active-cgroups", Concern.AtRisk),
            ("runtime.runc", Concern.AtRisk)), null);
        Assert.Equal((false, "NoMemoryCgroupPressure"), (c.Problem, c.Reason));
        Assert.Equal("at-risk: memory cgroups: 100 IDs in use of 65535; at risk from runtime.runc", c.Message);
    }

    [Fact]
    public void Without_pressure_the_message_gives_the_ids_in_use_or_says_they_are_unknown()
    {
        Assert.Equal("memory cgroups: 61 IDs in use of 65535",
            NodeCondition.From(Report(Verdict.Ok, 61), null).Message);
        Assert.Equal(
            "unknown: memory cgroups: unknown IDs in use of 65535; at risk from runtime.runc; at +1 IDs/h, not rising",
            NodeCondition.From(Report(Verdict.Unknown, null), "at +1 IDs/h, not rising").Message);
    }
}
