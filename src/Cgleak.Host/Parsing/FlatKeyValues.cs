namespace Cgleak.Host.Parsing;

/// <summary>
/// Files of "key value" lines: cgroup v2 cgroup.stat, memory.stat. Sample: <c>nr_dying_descendants 42</c>.
/// Unknown keys are kept (new kernels add keys); a line without a numeric value is reported.
/// </summary>
public static class FlatKeyValues
{
    public static Parsed<IReadOnlyDictionary<string, long>> Parse(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
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
            long value = 0; // declared before the condition, so mutation testing can change each part of it
            if (f.Length != 2 || !long.TryParse(f[1], out value))
            {
                problems.Add(new Malformed(number, line,
                    HostMessage.Say("malformed.key-number", "expected \"key number\"")));
                continue;
            }

            values[f[0]] = value;
        }

        return new Parsed<IReadOnlyDictionary<string, long>>(values, problems);
    }
}
