using Cgleak.Diagnosis.Checks;
using Cgleak.Host.Logs;
using static Cgleak.Diagnosis.Tests.SmallHost;

namespace Cgleak.Diagnosis.Tests;

/// <summary>logs.symptom: failed memory cgroup mkdirs are the leak hitting; SLUB failures alone a risk.</summary>
public class LogSymptomCheckTests
{
    private const string MkdirLine =
        "Mar  3 11:49:17 node1 kubelet: mkdir /sys/fs/cgroup/memory/kubepods/pod1: cannot allocate memory";
    private const string SlubLine =
        "Mar  3 11:40:02 node1 kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x8020)";

    private static SymptomSighting Mkdir(string log, int count) =>
        new(Symptom.MemcgMkdirFailed, log, count, MkdirLine, "Mar  3 11:49:17");

    private static SymptomSighting Slub(string log, int count) =>
        new(Symptom.SlubUnableToAllocate, log, count, SlubLine, "Mar  3 11:40:02");

    private static CheckResult With(SymptomScan logs) => Check<LogSymptomCheck>(Running(El7Old) with { Logs = logs });

    [Fact]
    public void Failed_mkdirs_are_counted_across_logs_and_fail()
    {
        CheckResult r = With(Logs(Mkdir("/var/log/messages", 3), Slub("/var/log/messages", 2), Mkdir("journal", 4)));
        Assert.Equal((CheckStatus.Fail, Concern.Affected), (r.Status, r.Concern));
        Assert.Contains("failed 7 times", r.Summary, StringComparison.Ordinal);
        Assert.Contains("reboot", r.Commands());
        Assert.Contains(r.Evidence,
            e => e.StartsWith("/var/log/messages: 3 x memory cgroup mkdir failed, last Mar  3 11:49:17: ",
            StringComparison.Ordinal));
        Assert.Contains(r.Evidence, e => e.StartsWith("/var/log/messages: 2 x SLUB", StringComparison.Ordinal));
    }

    [Fact]
    public void Slub_failures_alone_are_a_risk_not_the_leak()
    {
        CheckResult r = With(Logs(Slub("/var/log/messages", 5), Slub("/var/log/messages-20240301", 1)));
        Assert.Equal((CheckStatus.Warn, Concern.AtRisk), (r.Status, r.Concern));
        Assert.Contains("appears 6 times", r.Summary, StringComparison.Ordinal);
        Assert.Empty(r.Remediation);
    }

    [Fact]
    public void Clean_logs_pass_and_say_what_was_searched()
    {
        CheckResult r = With(new SymptomScan([], ["/var/log/messages", "journal"], []));
        Assert.Equal((CheckStatus.Pass, Concern.None), (r.Status, r.Concern));
        Assert.Equal(["searched: /var/log/messages, journal"], r.Evidence);
    }

    [Fact]
    public void Skips_when_no_log_was_read_or_none_was_searched()
    {
        CheckResult unread = With(
            new SymptomScan([], [], [SmallHost.Problem("/var/log/messages", "cannot read: denied")]));
        Assert.Equal(CheckStatus.Skip, unread.Status);
        Assert.Equal(["/var/log/messages: cannot read: denied"], unread.Evidence);
        Assert.Equal(CheckStatus.Skip, Check<LogSymptomCheck>(Running(El7Old)).Status);
    }

    [Theory]
    [InlineData(200, 200)]
    [InlineData(201, 200)]
    [InlineData(400, 200)]
    public void Quotes_a_long_last_line_shortened_to_200_characters(int length, int quoted)
    {
        string line = MkdirLine + new string('x', length - MkdirLine.Length);
        CheckResult r = With(Logs(new SymptomSighting(Symptom.MemcgMkdirFailed, "/var/log/messages", 1, line,
            "Mar  3 11:49:17")));
        const string Prefix = "/var/log/messages: 1 x memory cgroup mkdir failed, last Mar  3 11:49:17: ";
        string shown = r.Evidence[0][Prefix.Length..];
        Assert.Equal(quoted, shown.Length);
        Assert.Equal(length > 200 ? line[..197] + "..." : line, shown);
    }
}
