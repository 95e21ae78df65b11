using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;

namespace Cgleak.Agent.Tests;

/// <summary>The verdict read back from a condition: the message's first word, else status and reason.</summary>
public class VerdictOfConditionTests
{
    [Theory]
    // the message's word wins
    [InlineData("False", "NoMemoryCgroupPressure", "affected: kmem accounting is on", Verdict.Affected)]
    [InlineData("True", "KmemLeakActive", "ok: nothing", Verdict.Ok)]
    [InlineData("True", "MemoryCgroupIdsNearLimit", "at-risk: 61000 IDs", Verdict.AtRisk)]
    [InlineData("Unknown", null, "unknown: no sample", Verdict.Unknown)]
    [InlineData("True", "KmemLeakActive", "kmem accounting is on", Verdict.Affected)]   // no word: by status and reason
    [InlineData("True", "DyingMemoryCgroupsPileUp", null, Verdict.AtRisk)]
    [InlineData("False", null, "memory cgroups: 61 IDs in use of 65535", Verdict.Ok)]
    [InlineData(null, null, null, Verdict.Unknown)]
    [InlineData("Unknown", "KmemLeakActive", "affectedness", Verdict.Unknown)]           // a word needs its colon
    public void The_verdict_comes_from_the_messages_first_word_else_status_and_reason(
        string? status,
        string? reason,
        string? message,
        Verdict verdict) =>
        Assert.Equal(verdict, NodeCondition.VerdictOf(status, reason, message));
}
