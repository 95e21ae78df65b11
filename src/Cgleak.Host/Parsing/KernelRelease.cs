using System.Globalization;
using System.Text.RegularExpressions;

namespace Cgleak.Host.Parsing;

/// <summary>
/// A kernel release as uname -r prints it: "3.10.0-957.27.2.el7.x86_64", "5.4.0-150-generic",
/// "6.1.0-18-amd64", "6.18.44-fc-v669". The upstream version, the distribution build numbers after
/// the dash ([957, 27, 2]) and the distribution tag ("el7") are kept apart: RHEL backports mean the
/// upstream number alone says little on el7.
/// </summary>
public sealed partial record KernelRelease(
    string Text,
    int Major,
    int Minor,
    int Patch,
    IReadOnlyList<int> Build,
    string? DistroTag)
{
    public static KernelRelease? Parse(string text)
    {
        string t = text.Trim();
        Match m = ReleasePattern().Match(t);
        if (!m.Success)
        {
            return null;
        }

        int Num(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        var build = m.Groups["build"].Success
            ? m.Groups["build"].Value.Split('.').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : [];
        Match tag = DistroTagPattern().Match(t);
        return new KernelRelease(t, Num(m.Groups["major"]), Num(m.Groups["minor"]), Num(m.Groups["patch"]), build,
            tag.Success ? tag.Groups[1].Value : null);
    }

    /// <summary>
    /// True for Red Hat's own el7 kernels (RHEL/CentOS 7: 3.10.0-*.el7). Third-party el7 builds of other versions
    /// (ELRepo's 5.4.249-1.el7.elrepo, 6.5.4-1.el7.elrepo) carry the tag too but are upstream kernels.
    /// </summary>
    public bool IsEl7 => DistroTag == "el7" && Major == 3 && Minor == 10;

    /// <summary>Compares the upstream version with major.minor[.patch].</summary>
    public bool AtLeast(int major, int minor, int patch = 0) =>
        (Major, Minor, Patch).CompareTo((major, minor, patch)) >= 0;

    /// <summary>
    /// Compares the distribution build numbers (957.27.2) with <paramref name="build"/>, numerically.
    /// </summary>
    public bool BuildAtLeast(params int[] build)
    {
        for (int i = 0; i < build.Length; i++)
        {
            int mine = i < Build.Count ? Build[i] : 0;
            if (mine != build[i])
            {
                return mine > build[i];
            }
        }

        return true;
    }

    public override string ToString() => Text;

    [GeneratedRegex(@"^(?<major>\d+)\.(?<minor>\d+)(?:\.(?<patch>\d+))?(?:-(?<build>\d+(?:\.\d+)*))?")]
    private static partial Regex ReleasePattern();

    [GeneratedRegex(@"\.(el\d+)(?:_\d+)?(?:\.|$)")]
    private static partial Regex DistroTagPattern();
}
