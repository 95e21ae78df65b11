namespace Cgleak.Host.Parsing;

/// <summary>
/// Shell-style KEY=VALUE files: /etc/os-release (os-release(5)), /etc/sysconfig/kubelet,
/// kubeadm-flags.env, /etc/default/grub. Sample: <c>PRETTY_NAME="CentOS Linux 7 (Core)"</c>.
/// Comments and blank lines are skipped; one level of single or double quotes is removed.
/// </summary>
public static class KeyValueFile
{
    public static Parsed<IReadOnlyDictionary<string, string>> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<Malformed>();
        int number = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            number++;
            string line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problems.Add(new Malformed(number, rawLine,
                    HostMessage.Say("malformed.key-value", "expected KEY=VALUE")));
                continue;
            }

            values[line[..eq].Trim()] = Unquote(line[(eq + 1)..].Trim());
        }

        return new Parsed<IReadOnlyDictionary<string, string>>(values, problems);
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' || v[0] == '\'') && v[^1] == v[0] ? v[1..^1] : v;
}
