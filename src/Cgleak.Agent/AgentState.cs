using Cgleak.Diagnosis;

namespace Cgleak.Agent;

/// <summary>
/// The last sample, shared by the sampler (writer) and the HTTP endpoint (readers): scrapes never walk the tree.
/// Also when samples began and ended, for /healthz.
/// </summary>
public sealed class AgentState(TimeProvider clock)
{
    private volatile Snapshot _current = new(
        "# cgleak agent: no sample yet\n"u8.ToArray(),
        "{}"u8.ToArray(),
        null,
        false,
        0);
    private readonly long _started = clock.GetTimestamp();
    private long _sampleBegan = -1;
    private long _sampleEnded = -1;

    public AgentState()
        : this(TimeProvider.System)
    {
    }

    public Snapshot Current => _current;

    public void Publish(Snapshot snapshot) => _current = snapshot;

    public void SampleBegins() => Volatile.Write(ref _sampleBegan, clock.GetTimestamp());

    /// <summary>A sample ended, with a report or failing: either way the agent is alive.</summary>
    public void SampleEnded() => Volatile.Write(ref _sampleEnded, clock.GetTimestamp());

    /// <summary>
    /// Null while samples keep ending (the last within <paramref name="stale"/>, or since start before the
    /// first); otherwise why not: a sample running for longer (a read of the host that blocks) or none begun.
    /// </summary>
    public string? Unhealthy(TimeSpan stale)
    {
        long now = clock.GetTimestamp(), began = Volatile.Read(ref _sampleBegan), ended = Volatile.Read(
            ref _sampleEnded);
        TimeSpan since = clock.GetElapsedTime(ended >= 0 ? ended : _started, now);
        if (since <= stale)
        {
            return null;
        }

        string last = ended >= 0
            ? $"the last sample ended {since.TotalSeconds:0} s ago"
            : $"no sample has ended in the {since.TotalSeconds:0} s since start";
        return began > ended
            ? $"a sample is stuck: running for {clock.GetElapsedTime(began, now).TotalSeconds:0} s (a read of the "
                + $"host that blocks?); {last}\n"
            : $"samples stopped: {last}\n";
    }

    /// <summary>
    /// What a scrape serves, encoded once per sample (UTF-8): the metrics text, the /status JSON; and the report they
    /// came from.
    /// </summary>
    public sealed record Snapshot(byte[] Metrics, byte[] Status, DoctorReport? Report, bool Ready, long ScanErrors);
}
