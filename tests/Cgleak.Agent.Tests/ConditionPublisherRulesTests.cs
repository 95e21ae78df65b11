using System.Text.Json;
using Cgleak.Agent.Kubernetes;

namespace Cgleak.Agent.Tests;

/// <summary>
/// When the publisher writes (a change, the 5-minute heartbeat, a retry), what it writes (transition times,
/// Events, the taint) and how it backs off, against an in-memory recorder of the four API calls.
/// </summary>
public class ConditionPublisherRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private static readonly NodeCondition Healthy = new(false, "NoMemoryCgroupPressure",
        "memory cgroups: 61 IDs in use of 65535");
    private static readonly NodeCondition Leak = new(true, "KmemLeakActive", "the leak is happening");

    private sealed class RecordingApi : IKubernetesNodeApi
    {
        public List<string> Calls { get; } = [];

        /// <summary>The call kind ("patch", "event", "taint") that throws, and what it throws.</summary>
        public (string Call, Exception Error)? Fail { get; set; }

        public Task PatchConditionAsync(string node, NodeCondition condition, DateTimeOffset heartbeat,
            DateTimeOffset transition, CancellationToken cancel) =>
            Record("patch",
                $"patch {node} {condition.Reason} heartbeat {heartbeat:HH:mm:ss} transition {transition:HH:mm:ss}");

        public Task CreateEventAsync(string node, NodeCondition condition, DateTimeOffset at,
            CancellationToken cancel) =>
            Record("event", $"event {node} {condition.Reason} {at:HH:mm:ss}");

        public Task SetTaintAsync(string node, bool present, CancellationToken cancel) =>
            Record("taint", $"taint {node} {present}");

        public string[] Take()
        {
            string[] calls = [.. Calls];
            Calls.Clear();
            return calls;
        }

        private Task Record(string kind, string call)
        {
            if (Fail is { } f && f.Call == kind)
            {
                throw f.Error;
            }

            Calls.Add(call);
            return Task.CompletedTask;
        }
    }

    private readonly RecordingApi _api = new();

    private ConditionPublisher Publisher(bool taint = false) => new(_api, "node-a", taint);

    private static Task<bool> Publish(ConditionPublisher p, NodeCondition c, DateTimeOffset at) =>
        p.PublishAsync(c, at, CancellationToken.None);

    [Fact]
    public async Task The_heartbeat_is_due_at_five_minutes_not_before()
    {
        ConditionPublisher p = Publisher();
        Assert.True(await Publish(p, Healthy, T0));
        Assert.Equal(["patch node-a NoMemoryCgroupPressure heartbeat 06:00:00 transition 06:00:00",
            "event node-a NoMemoryCgroupPressure 06:00:00"], _api.Take());

        Assert.True(await Publish(p, Healthy, T0.AddMinutes(5).AddSeconds(-1)));
        Assert.Empty(_api.Take());
        Assert.True(await Publish(p, Healthy, T0.AddMinutes(5)));
        Assert.Equal(["patch node-a NoMemoryCgroupPressure heartbeat 06:05:00 transition 06:00:00"], _api.Take());
    }

    [Fact]
    public async Task A_new_message_is_written_at_once_but_is_no_transition()
    {
        ConditionPublisher p = Publisher();
        await Publish(p, Healthy, T0);
        _api.Take();
        await Publish(p, Healthy with { Message = "memory cgroups: 62 IDs in use of 65535" }, T0.AddMinutes(1));
        Assert.Equal(["patch node-a NoMemoryCgroupPressure heartbeat 06:01:00 transition 06:00:00"], _api.Take());
    }

    [Fact]
    public async Task A_new_reason_or_problem_is_a_transition_with_an_event()
    {
        ConditionPublisher p = Publisher();
        await Publish(p, Leak, T0);
        _api.Take();
        await Publish(p, Leak with { Reason = "MemoryCgroupIdsNearLimit" }, T0.AddMinutes(1));
        Assert.Equal(["patch node-a MemoryCgroupIdsNearLimit heartbeat 06:01:00 transition 06:01:00",
            "event node-a MemoryCgroupIdsNearLimit 06:01:00"], _api.Take());
        await Publish(p, Leak with { Reason = "MemoryCgroupIdsNearLimit", Problem = false }, T0.AddMinutes(2));
        Assert.Equal(["patch node-a MemoryCgroupIdsNearLimit heartbeat 06:02:00 transition 06:02:00",
            "event node-a MemoryCgroupIdsNearLimit 06:02:00"], _api.Take());
    }

    [Fact]
    public async Task The_taint_follows_the_problem_only_with_a_taint_policy()
    {
        ConditionPublisher tainting = Publisher(taint: true);
        await Publish(tainting, Leak, T0);
        Assert.Equal("taint node-a True", _api.Take()[^1]);
        Assert.True(await Publish(tainting, Leak, T0.AddMinutes(1))); // the taint is where it should be: nothing is due
        Assert.Empty(_api.Take());
        await Publish(tainting, Leak, T0.AddMinutes(5));
        Assert.DoesNotContain(_api.Take(), c => c.StartsWith("taint", StringComparison.Ordinal));
        await Publish(tainting, Healthy, T0.AddMinutes(6));
        Assert.Equal("taint node-a False", _api.Take()[^1]);

        ConditionPublisher plain = Publisher();
        await Publish(plain, Leak, T0);
        Assert.DoesNotContain(_api.Take(), c => c.StartsWith("taint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_taint_that_failed_is_retried_even_without_a_change()
    {
        ConditionPublisher p = Publisher(taint: true);
        await Publish(p, Healthy, T0);                // no taint to remove yet: the first publish sets the state
        _api.Take();
        _api.Fail = ("taint", new HttpRequestException("conflict"));
        Assert.False(await Publish(p, Leak, T0.AddMinutes(1)));
        _api.Take();
        _api.Fail = null;
        Assert.True(await Publish(p, Leak, T0.AddMinutes(1).AddSeconds(1)));
        Assert.Equal("taint node-a True", _api.Take()[^1]);
    }

    [Fact]
    public async Task Backs_off_doubling_from_one_second_to_five_minutes_and_starts_over_after_a_success()
    {
        ConditionPublisher p = Publisher();
        _api.Fail = ("patch", new HttpRequestException("down"));
        DateTimeOffset at = T0;
        Assert.False(await Publish(p, Leak, at));
        foreach (int wait in (int[])[1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        {
            await AssertNextAttemptAfter(p, Leak, at, wait);
            at = at.AddSeconds(wait);
        }

        Assert.Equal(12, p.Failures);
        _api.Fail = null;
        Assert.True(await Publish(p, Leak, at.AddSeconds(300)));
        Assert.Null(p.LastError);

        _api.Fail = ("patch", new HttpRequestException("down again"));
        at = at.AddSeconds(301);
        Assert.False(await Publish(p, Healthy, at));
        await AssertNextAttemptAfter(p, Healthy, at, 1);
    }

    // A publish of `c` just before `failedAt` + `wait` makes no attempt (returns false, counts no failure);
    // one at it does.

    private static async Task AssertNextAttemptAfter(ConditionPublisher p, NodeCondition c, DateTimeOffset failedAt,
        int wait)
    {
        int failures = p.Failures;
        Assert.False(await Publish(p, c, failedAt.AddSeconds(wait).AddMilliseconds(-1)));
        Assert.Equal(failures, p.Failures);
        Assert.False(await Publish(p, c, failedAt.AddSeconds(wait)));
        Assert.Equal(failures + 1, p.Failures);
    }

    [Fact]
    public async Task The_last_error_is_one_line_with_the_inner_cause_when_the_message_lacks_it()
    {
        ConditionPublisher p = Publisher();
        _api.Fail = ("patch",
            new HttpRequestException("An error occurred while sending the request.",
            new IOException("Connection refused")));
        await Publish(p, Leak, T0);
        Assert.Equal("An error occurred while sending the request. (Connection refused)", p.LastError);

        _api.Fail = ("patch",
            new HttpRequestException("Connection refused (127.0.0.1:1)", new IOException("Connection refused")));
        await Publish(p, Leak, T0.AddSeconds(1));
        Assert.Equal("Connection refused (127.0.0.1:1)", p.LastError);

        _api.Fail = ("event", new IOException("first line\nsecond line"));
        await Publish(p, Leak, T0.AddSeconds(3));
        Assert.Equal("first line second line", p.LastError);
    }

    [Fact]
    public async Task Network_and_protocol_failures_are_retried_and_bugs_and_cancellation_are_not()
    {
        _api.Fail = ("patch", new JsonException("bad body"));
        Assert.False(await Publish(Publisher(), Leak, T0));
        _api.Fail = ("patch", new TaskCanceledException("timed out"));
        Assert.False(await Publish(Publisher(), Leak, T0));

        _api.Fail = ("patch", new InvalidOperationException("a bug"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Publish(Publisher(), Leak, T0));

        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        _api.Fail = ("patch", new HttpRequestException("down"));
        await Assert.ThrowsAsync<HttpRequestException>(() => Publisher().PublishAsync(Leak, T0, cancel.Token));
    }
}
