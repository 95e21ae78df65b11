using System.Text;

namespace Cgleak.Host.Parsing;

/// <summary>One line of /proc/PID/mountinfo.</summary>
public sealed record MountInfoEntry(
    int MountId,
    string Root,
    string MountPoint,
    string FsType,
    string Source,
    IReadOnlyList<string> SuperOptions);

/// <summary>
/// Parses /proc/PID/mountinfo (Documentation/filesystems/proc.rst, 3.5). Sample:
/// <c>36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory</c>:
/// id, parent, major:minor, root, mount point, options, optional fields up to "-", fstype, source,
/// super options. Paths escape space, tab, newline and backslash as octal (\040).
/// </summary>
public static class MountInfo
{
    public static Parsed<IReadOnlyList<MountInfoEntry>> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        var problems = new List<Malformed>();
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int dash = f.Length >= 10 ? Array.IndexOf(f, "-", 6) : -1;
            int id = 0; // declared before the condition, so mutation testing can change each part of it
            if (dash < 0 || f.Length < dash + 4 || !int.TryParse(f[0], out id))
            {
                problems.Add(new Malformed(number, line,
                    HostMessage.Say(
                        "malformed.mountinfo",
                        "not a mountinfo line (fields up to \"-\" and 3 after it)")));
                continue;
            }

            string mountPoint = Unescape(f[4]);
            if (!IsCanonical(mountPoint))
            {
                // The kernel prints mount points absolute and canonical; anything else is not a mountinfo a kernel
                // wrote.
                problems.Add(new Malformed(number, line,
                    HostMessage.Say(
                        "malformed.mount-point",
                        "the mount point is not an absolute path without \".\" or \"..\"")));
                continue;
            }

            entries.Add(new MountInfoEntry(
                id,
                Unescape(f[3]),
                mountPoint,
                f[dash + 1],
                Unescape(f[dash + 2]),
                f[dash + 3].Split(',')));
        }

        return new Parsed<IReadOnlyList<MountInfoEntry>>(entries, problems);
    }

    private static bool IsCanonical(string path) =>
        path.StartsWith('/') && !path.Split('/').Any(c => c is "." or "..");

    internal static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7'
            && s[at + 2] is >= '0' and <= '7';
}
