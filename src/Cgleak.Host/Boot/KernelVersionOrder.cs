using Cgleak.Host.Parsing;

namespace Cgleak.Host.Boot;

/// <summary>
/// Orders kernel versions numerically, as blscfg and grubby do: 3.10.0-1160 after 3.10.0-957, 4.18.0-348 after
/// 4.18.0-80.
/// </summary>
public sealed class KernelVersionOrder : IComparer<string?>
{
    public static KernelVersionOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        KernelRelease? a = x is null ? null : KernelRelease.Parse(x), b = y is null ? null : KernelRelease.Parse(y);
        if (a is null || b is null)
        {
            return (a is null ? 0 : 1) - (b is null ? 0 : 1) is var known && known != 0
                ? known
                : string.CompareOrdinal(x, y);
        }

        int c = (a.Major, a.Minor, a.Patch).CompareTo((b.Major, b.Minor, b.Patch));
        for (int i = 0; c == 0 && i < Math.Max(a.Build.Count, b.Build.Count); i++)
        {
            c = (i < a.Build.Count ? a.Build[i] : 0).CompareTo(i < b.Build.Count ? b.Build[i] : 0);
        }

        return c != 0 ? c : string.CompareOrdinal(x, y);
    }
}
