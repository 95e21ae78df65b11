using Cgleak.Diagnosis;

namespace Cgleak.Agent;

/// <summary>The last sample, shared by the sampler (writer) and the HTTP endpoint (readers): scrapes never walk the tree.</summary>
public sealed class AgentState
{
    private volatile Snapshot _current = new("# cgleak agent: no sample yet\n", "{}", null, false, 0);

    public Snapshot Current => _current;

    public void Publish(Snapshot snapshot) => _current = snapshot;

    /// <summary>What a scrape serves: the metrics text, the /status JSON, the report they came from.</summary>
    public sealed record Snapshot(string MetricsText, string StatusJson, DoctorReport? Report, bool Ready, long ScanErrors);
}
