using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

/// <summary>
/// The condition's message: English by default; in Chinese when the agent is given --language zh-CN, its verdict word
/// still English.
/// </summary>
public class NodeConditionLanguageTests
{
    [Theory]
    [InlineData("el7-957-leaking", "affected: ")]
    [InlineData("ubuntu-5.4-dying", "at-risk: ")]
    [InlineData("cgroup-v2", "")]
    public void The_message_is_English_unless_asked_and_keeps_its_verdict_word(string scenario, string prefix)
    {
        DoctorReport report = Doctor.Examine(HostRoot.At(Repo.Fixture(scenario)));
        NodeCondition english = NodeCondition.From(report, null);
        NodeCondition chinese = NodeCondition.From(report, null, Language.ZhCN);

        Assert.Equal(english, NodeCondition.From(report, null, Language.En));
        Assert.DoesNotMatch("[\u4e00-\u9fff]", english.Message);
        Assert.Matches("[\u4e00-\u9fff]", chinese.Message);
        Assert.StartsWith(prefix, chinese.Message, StringComparison.Ordinal);
        Assert.Equal((english.Problem, english.Reason), (chinese.Problem, chinese.Reason));
        Assert.Equal(NodeCondition.VerdictOf(english.Problem ? "True" : "False", english.Reason, english.Message),
            NodeCondition.VerdictOf(chinese.Problem ? "True" : "False", chinese.Reason, chinese.Message));
    }
}
