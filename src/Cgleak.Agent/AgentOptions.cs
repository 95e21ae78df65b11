using Cgleak.Diagnosis;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;

namespace Cgleak.Agent;

/// <summary>How the agent runs: what it reads, how often, where it serves, whether /status is redacted.</summary>
/// <param name="StatusRedacted">/status leaves out the kernel command line and log lines (--status-redact).</param>
public sealed record AgentOptions(
    HostRoot Host,
    TimeSpan Interval,
    ListenAddress Listen,
    TimeSpan Window,
    string Version,
    bool StatusRedacted = false)
{
    public const string DefaultListen = "127.0.0.1:9739";

    /// <summary>
    /// /healthz fails when no sample has ended for this long: 3 intervals (a read of the host that blocks).
    /// </summary>
    public TimeSpan Stale => 3 * Interval;

    /// <summary>
    /// The node condition's message language: English unless the agent's own --language says otherwise, never
    /// the environment's locale (the condition is read cluster-wide, by people and tools that expect one language).
    /// </summary>
    public Language ConditionLanguage { get; init; } = Language.En;

    /// <summary>How a sample reads the host: the doctor's examination (a test puts a read that blocks here).</summary>
    public Func<HostRoot, CancellationToken, DoctorReport> Examine { get; init; }
        = (host, cancel) => Doctor.Examine(host, cancel: cancel);
}
