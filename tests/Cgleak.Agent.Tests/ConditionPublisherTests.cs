using Cgleak.Agent.Kubernetes;
using Cgleak.Diagnosis;
using Cgleak.Host;
using Cgleak.Testing;

namespace Cgleak.Agent.Tests;

public sealed class ConditionPublisherTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private readonly KubernetesApiStandIn _api = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _client.Dispose();
        _api.Dispose();
    }

    private ConditionPublisher Publisher(bool taint = false)
        => new(new KubernetesNodeApi(_client, new Uri(_api.Url)), "node-a", taint);

    private static NodeCondition Leak => NodeCondition.From(
        Doctor.Examine(HostRoot.At(Repo.Fixture("el7-957-leaking"))),
        "at +41 IDs/h, 65535 in 9 d 3 h");

    private static NodeCondition Healthy
        => NodeCondition.From(Doctor.Examine(HostRoot.At(Repo.Fixture("cgroup-v2"))), null);

    [Fact]
    public void Conditions_follow_the_report_with_the_forecast_in_the_message()
    {
        Assert.Equal((true, "KmemLeakActive"), (Leak.Problem, Leak.Reason));
        Assert.EndsWith("; at +41 IDs/h, 65535 in 9 d 3 h", Leak.Message, StringComparison.Ordinal);
        Assert.Equal((false, "NoMemoryCgroupPressure"), (Healthy.Problem, Healthy.Reason));
        NodeCondition dying = NodeCondition.From(Doctor.Examine(HostRoot.At(Repo.Fixture("ubuntu-5.4-dying"))), null);
        Assert.Equal((true, "DyingMemoryCgroupsPileUp"), (dying.Problem, dying.Reason));
    }

    [Fact]
    public async Task The_first_publish_patches_node_status_with_the_exact_body_and_records_an_event()
    {
        Assert.True(await Publisher().PublishAsync(Healthy, T0, CancellationToken.None));
        var requests = _api.Take();
        Assert.Equal(2, requests.Length);
        Assert.Equal(
            ("PATCH", "/api/v1/nodes/node-a/status", "application/strategic-merge-patch+json; charset=utf-8"),
            (requests[0].Method, requests[0].Path, requests[0].ContentType));
        Assert.Equal(
            "{\"status\":{\"conditions\":[{\"type\":\"MemoryCgroupPressure\",\"status\":\"False\",\"reason\":\"NoMemo" +
                "ryCgroupPressure\",\"message\":\"memory cgroups: 61 IDs in use of 65535\",\"lastHeartbeatTime\":\"20" +
                "26-11-27T06:00:00Z\",\"lastTransitionTime\":\"2026-11-27T06:00:00Z\"}]}}",
            requests[0].Body);
        Assert.Equal(("POST", "/api/v1/namespaces/default/events"), (requests[1].Method, requests[1].Path));
        Assert.Contains("\"reason\":\"NoMemoryCgroupPressure\"", requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unchanged_it_writes_only_the_heartbeat_and_a_change_is_a_transition_with_an_event()
    {
        var p = Publisher();
        await p.PublishAsync(Healthy, T0, CancellationToken.None);
        _api.Take();
        await p.PublishAsync(Healthy, T0.AddMinutes(1), CancellationToken.None);
        await p.PublishAsync(Healthy, T0.AddMinutes(4), CancellationToken.None);
        Assert.Empty(_api.Take());

        await p.PublishAsync(Healthy, T0.AddMinutes(5), CancellationToken.None);
        var heartbeat = Assert.Single(_api.Take());
        Assert.Contains(
            "\"lastHeartbeatTime\":\"2026-11-27T06:05:00Z\",\"lastTransitionTime\":\"2026-11-27T06:00:00Z\"",
            heartbeat.Body,
            StringComparison.Ordinal);

        await p.PublishAsync(Leak, T0.AddMinutes(6), CancellationToken.None);
        var change = _api.Take();
        Assert.Equal(2, change.Length);
        Assert.Contains("\"status\":\"True\",\"reason\":\"KmemLeakActive\"", change[0].Body, StringComparison.Ordinal);
        Assert.Contains("\"lastTransitionTime\":\"2026-11-27T06:06:00Z\"", change[0].Body, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"Warning\"", change[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_the_api_server_fails_it_backs_off_and_then_recovers()
    {
        var p = Publisher();
        _api.FailWith = 500;
        Assert.False(await p.PublishAsync(Leak, T0, CancellationToken.None));
        Assert.Single(_api.Take());
        // within the 1 s backoff: no request
        Assert.False(await p.PublishAsync(Leak, T0.AddMilliseconds(500), CancellationToken.None));
        Assert.Empty(_api.Take());
        // retried, failed: backoff 2 s
        Assert.False(await p.PublishAsync(Leak, T0.AddSeconds(1), CancellationToken.None));
        Assert.Single(_api.Take());
        Assert.False(await p.PublishAsync(Leak, T0.AddSeconds(2), CancellationToken.None));
        Assert.Empty(_api.Take());
        _api.FailWith = null;
        Assert.True(await p.PublishAsync(Leak, T0.AddSeconds(3), CancellationToken.None));
        Assert.Equal(2, _api.Take().Length); // the PATCH and the transition's Event
        Assert.Equal(2, p.Failures);
    }

    [Fact]
    public async Task With_the_api_server_down_it_counts_failures_and_does_not_throw()
    {
        var p = new ConditionPublisher(
            new KubernetesNodeApi(_client, new Uri("http://127.0.0.1:1")),
            "node-a",
            taint: false);
        Assert.False(await p.PublishAsync(Leak, T0, CancellationToken.None));
        Assert.Equal(1, p.Failures);
    }

    [Fact]
    public async Task The_taint_goes_on_while_affected_and_off_when_it_clears_keeping_other_taints()
    {
        var p = Publisher(taint: true);
        await p.PublishAsync(Leak, T0, CancellationToken.None);
        var on = _api.Take();
        Assert.Equal(["PATCH /api/v1/nodes/node-a/status", "POST /api/v1/namespaces/default/events",
            "GET /api/v1/nodes/node-a", "PATCH /api/v1/nodes/node-a"],
            on.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal(
            "{\"metadata\":{\"resourceVersion\":\"42\"},\"spec\":{\"taints\":[{\"key\":\"node.kubernetes.io/unschedul" +
            "able\",\"effect\":\"NoSchedule\",\"value\":\"\"},{\"key\":\"cgleak.io/memcg-exhausted\",\"effect\":\"NoS" +
            "chedule\",\"value\":\"true\"}]}}", on[3].Body);

        await p.PublishAsync(Healthy, T0.AddMinutes(1), CancellationToken.None);
        var off = _api.Take();
        Assert.Equal("PATCH /api/v1/nodes/node-a", $"{off[^1].Method} {off[^1].Path}");
        Assert.DoesNotContain("cgleak.io/memcg-exhausted", off[^1].Body, StringComparison.Ordinal);
        Assert.Contains("node.kubernetes.io/unschedulable", off[^1].Body, StringComparison.Ordinal);
    }
}
