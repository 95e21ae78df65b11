using Cgleak.Host.Kernel;
using Cgleak.Host.Parsing;

namespace Cgleak.Lab;

/// <summary>
/// A process as the journal records it: pid and start time (clock ticks since boot), so a reused pid is not mistaken
/// for the owner.
/// </summary>
public sealed record ProcessIdentity(int Pid, long StartTicks)
{
    public static ProcessIdentity Current { get; }
        = Of(Environment.ProcessId) ?? new ProcessIdentity(Environment.ProcessId, 0);

    /// <summary>Reads /proc/PID/stat; null when the process does not exist.</summary>
    public static ProcessIdentity? Of(int pid) =>
        KernelFile.Read($"/proc/{pid}/stat") is { IsOk: true } stat && ProcPidStat.StartTicks(stat.Text) is { } start
            ? new ProcessIdentity(pid, start)
            : null;

    public bool IsAlive => Of(Pid) is { } now && now.StartTicks == StartTicks;
}
