using Cgleak.Diagnosis;

namespace Cgleak.Agent;

/// <summary>The last sample, shared by the sampler (writer) and the HTTP endpoint (readers): scrapes never walk the tree.</summary>
public sealed class AgentState
{
    private volatile Snapshot _current = new("# cgleak agent: no sample yet\n"u8.ToArray(), "{}"u8.ToArray(), null, false, 0);

    public Snapshot Current => _current;

    public void Publish(Snapshot snapshot) => _current = snapshot;

    /// <summary>What a scrape serves, encoded once per sample (UTF-8): the metrics text, the /status JSON; and the report they came from.</summary>
    public sealed record Snapshot(byte[] Metrics, byte[] Status, DoctorReport? Report, bool Ready, long ScanErrors);
}
