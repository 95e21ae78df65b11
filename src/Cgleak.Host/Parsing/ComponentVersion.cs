using System.Globalization;
using System.Text.RegularExpressions;

namespace Cgleak.Host.Parsing;

/// <summary>
/// A component version: major.minor.patch and an optional release-candidate number, as runc
/// ("1.0.0-rc93", Debian "1.0.0~rc10+dfsg"), containerd, docker and kubelet ("v1.16.4") print them.
/// Release candidates sort before the release: 1.0.0-rc93 &lt; 1.0.0.
/// </summary>
public sealed partial record ComponentVersion(int Major, int Minor, int Patch, int? Rc) : IComparable<ComponentVersion>
{
    /// <summary>
    /// Finds the first version in <paramref name="text"/> ("runc version 1.1.5", "Kubernetes v1.21.1").
    /// </summary>
    public static ComponentVersion? Find(string? text)
    {
        if (text is null)
        {
            return null;
        }

        Match m = VersionPattern().Match(text);
        if (!m.Success)
        {
            return null;
        }

        static int Num(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return new ComponentVersion(Num(m.Groups[1]), Num(m.Groups[2]), Num(m.Groups[3]),
            m.Groups[4].Success ? Num(m.Groups[4]) : null);
    }

    /// <summary>
    /// The version as <paramref name="text"/> spells it, for display: docker's "18.09.0" (its package's spelling),
    /// which <see cref="Find"/> parses to 18.9.0; null when there is none.
    /// </summary>
    public static string? FindText(string? text) =>
        text is not null && VersionPattern().Match(text) is { Success: true } m ? m.Value : null;

    public static ComponentVersion Of(int major, int minor, int patch = 0, int? rc = null)
        => new(major, minor, patch, rc);

    public int CompareTo(ComponentVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        int c = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (c != 0)
        {
            return c;
        }

        return (Rc, other.Rc) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            var (a, b) => a.Value.CompareTo(b.Value),
        };
    }

    public static bool operator <(ComponentVersion a, ComponentVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(ComponentVersion a, ComponentVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(ComponentVersion a, ComponentVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(ComponentVersion a, ComponentVersion b) => a.CompareTo(b) >= 0;

    // Rc, not a pattern variable: a mutated condition would leave one unassigned, and the method unmeasured (#18).
    public override string ToString() => Rc is null ? $"{Major}.{Minor}.{Patch}" : $"{Major}.{Minor}.{Patch}-rc{Rc}";

    [GeneratedRegex(@"(?<![\d.])(\d+)\.(\d+)(?:\.(\d+))?(?:[-~]rc\.?(\d+))?")]
    private static partial Regex VersionPattern();
}
