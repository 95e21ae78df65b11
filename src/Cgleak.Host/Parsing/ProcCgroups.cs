namespace Cgleak.Host.Parsing;

/// <summary>One row of /proc/cgroups.</summary>
public sealed record ProcCgroupsRow(string SubsysName, int Hierarchy, long NumCgroups, bool Enabled);

/// <summary>
/// Parses /proc/cgroups (Documentation/admin-guide/cgroup-v1/cgroups.rst). Sample:
/// <c>memory	4	45	1</c> (subsys_name, hierarchy, num_cgroups, enabled), after a "#" header line.
/// </summary>
public static class ProcCgroups
{
    public static Parsed<IReadOnlyList<ProcCgroupsRow>> Parse(string text)
    {
        var rows = new List<ProcCgroupsRow>();
        var problems = new List<Malformed>();
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string[] fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4)
            {
                problems.Add(new Malformed(number, line,
                    HostMessage.Say("malformed.fields", $"expected 4 fields, found {fields.Length}", fields.Length)));
                continue;
            }

            int hierarchy = 0; // declared before the condition, so mutation testing can change each part of it
            long count = 0;
            if (!int.TryParse(fields[1], out hierarchy) || !long.TryParse(fields[2], out count) || count < 0
                || fields[3] is not ("0" or "1"))
            {
                problems.Add(new Malformed(number, line,
                    HostMessage.Say("malformed.not-numbers", "hierarchy, num_cgroups or enabled is not a number")));
                continue;
            }

            rows.Add(new ProcCgroupsRow(fields[0], hierarchy, count, fields[3] == "1"));
        }

        return new Parsed<IReadOnlyList<ProcCgroupsRow>>(rows, problems);
    }
}
