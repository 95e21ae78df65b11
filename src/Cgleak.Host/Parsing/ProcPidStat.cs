using System.Globalization;

namespace Cgleak.Host.Parsing;

/// <summary>
/// /proc/PID/stat (proc(5)): only what identifies a process across pid reuse, its start time. Sample:
/// <c>1354 (cgleak) S 1 1354 1354 0 -1 4194560 ... 20 0 9 0 1837502 ...</c>: "pid (comm) state ppid ...",
/// where comm may hold spaces and parentheses, so fields resume after the last ')'.
/// </summary>
public static class ProcPidStat
{
    /// <summary>Field 22 of proc(5), counted from field 3, the first after the comm.</summary>
    private const int StartTimeIndex = 22 - 3;

    /// <summary>The process's start time in clock ticks since boot; null when the text is not a stat line.</summary>
    public static long? StartTicks(string text)
    {
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        string[] fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long start = 0; // declared before the condition, so mutation testing can change each part of it
        return fields.Length > StartTimeIndex
            && long.TryParse(fields[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture, out start)
            ? start
            : null;
    }
}
