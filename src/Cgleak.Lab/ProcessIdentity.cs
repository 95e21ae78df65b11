using System.Globalization;
using Cgleak.Host.Kernel;

namespace Cgleak.Lab;

/// <summary>A process as the journal records it: pid and start time (clock ticks since boot), so a reused pid is not mistaken for the owner.</summary>
public sealed record ProcessIdentity(int Pid, long StartTicks)
{
    public static ProcessIdentity Current { get; } = Of(Environment.ProcessId) ?? new ProcessIdentity(Environment.ProcessId, 0);

    /// <summary>Reads /proc/PID/stat; null when the process does not exist.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        KernelRead stat = KernelFile.Read($"/proc/{pid}/stat");
        if (!stat.IsOk)
        {
            return null;
        }

        // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: fields resume after the last ')'.
        int close = stat.Text.LastIndexOf(')');
        string[] fields = close < 0 ? [] : stat.Text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeIndex = 19; // field 22 of proc(5), counting from field 3 after the comm
        return fields.Length > StartTimeIndex && long.TryParse(fields[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    public bool IsAlive => Of(Pid) is { } now && now.StartTicks == StartTicks;
}
