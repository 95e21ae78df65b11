using System.Text.Json;

namespace Cgleak.Agent.Kubernetes;

/// <summary>
/// Keeps the node's MemoryCgroupPressure condition: PATCHes it only when it changes, and as a heartbeat
/// every <see cref="Heartbeat"/>; an Event on each transition; with a taint policy, cgleak's NoSchedule
/// taint while the node has the problem. When the API server is away it retries with exponential backoff
/// (1 s doubling to 5 min) and never blocks sampling or serving. The clock is given, so tests drive time.
/// </summary>
public sealed class ConditionPublisher(IKubernetesNodeApi api, string node, bool taint)
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private NodeCondition? _published;
    private DateTimeOffset _transition;
    private DateTimeOffset _lastSuccess = DateTimeOffset.MinValue;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private TimeSpan _backoff = TimeSpan.FromSeconds(1);
    private bool? _taintSet;

    public int Failures { get; private set; }

    /// <summary>Why the last attempt failed; null once one succeeds.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Brings the node to <paramref name="desired"/> if due (a change, the heartbeat, a retry); returns true when the
    /// API has it.
    /// </summary>
    public async Task<bool> PublishAsync(NodeCondition desired, DateTimeOffset now, CancellationToken cancel)
    {
        bool changed = _published is null || _published.Problem != desired.Problem
            || _published.Reason != desired.Reason
            || _published.Message != desired.Message;
        bool due = changed || now - _lastSuccess >= Heartbeat || (taint && _taintSet != desired.Problem);
        if (!due)
        {
            return true;
        }

        if (now < _nextAttempt)
        {
            return false; // backing off
        }

        bool transition = _published is null || _published.Problem != desired.Problem
            || _published.Reason != desired.Reason;
        DateTimeOffset transitionTime = transition ? now : _transition;
        try
        {
            await api.PatchConditionAsync(node, desired, now, transitionTime, cancel).ConfigureAwait(false);
            if (transition)
            {
                await api.CreateEventAsync(node, desired, now, cancel).ConfigureAwait(false);
            }

            if (taint && _taintSet != desired.Problem)
            {
                await api.SetTaintAsync(node, desired.Problem, cancel).ConfigureAwait(false);
                _taintSet = desired.Problem;
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException
            && !cancel.IsCancellationRequested)
        {
            Failures++;
            LastError = (e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{e.Message} ({inner.Message})"
                : e.Message).ReplaceLineEndings(" ");
            _nextAttempt = now + _backoff;
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
            return false;
        }

        _published = desired;
        _transition = transitionTime;
        _lastSuccess = now;
        _backoff = TimeSpan.FromSeconds(1);
        _nextAttempt = DateTimeOffset.MinValue;
        LastError = null;
        return true;
    }
}
