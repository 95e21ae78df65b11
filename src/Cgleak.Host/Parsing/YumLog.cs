namespace Cgleak.Host.Parsing;

/// <summary>
/// Installed packages as /var/log/yum.log tells them (the RPM database is binary; this log is text).
/// Sample: <c>Dec 03 10:15:01 Installed: containerd.io-1.2.13-3.1.el7.x86_64</c>; "Updated:" replaces a
/// version, "Erased: name" removes it; an epoch may stand before the name ("2:kubelet-...").
/// Returns name to version-release of the last event per name.
/// </summary>
public static class YumLog
{
    public static IReadOnlyDictionary<string, string> InstalledVersions(string text)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            string? installed = Event(line, "Installed: ") ?? Event(line, "Updated: ");
            if (installed is not null)
            {
                if (SplitNevra(installed) is { } p)
                {
                    versions[p.Name] = p.Version;
                }
            }
            else if (Event(line, "Erased: ") is { } erased)
            {
                versions.Remove(SplitNevra(erased)?.Name ?? erased.Trim());
            }
        }

        return versions;
    }

    /// <summary>"containerd.io-1.2.13-3.1.el7.x86_64" -> ("containerd.io", "1.2.13-3.1.el7").</summary>
    public static (string Name, string Version)? SplitNevra(string nevra)
    {
        string s = nevra.Trim();
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && s[..colon].All(char.IsAsciiDigit))
        {
            s = s[(colon + 1)..];
        }

        int archDot = s.LastIndexOf('.');
        if (archDot > 0 && s[(archDot + 1)..] is "x86_64" or "noarch" or "aarch64" or "i686" or "ppc64le" or "s390x")
        {
            s = s[..archDot];
        }

        int releaseDash = s.LastIndexOf('-');
        int versionDash = releaseDash > 0 ? s.LastIndexOf('-', releaseDash - 1) : -1;
        if (versionDash <= 0)
        {
            return null;
        }

        string version = s[(versionDash + 1)..];
        int epoch = version.IndexOf(':', StringComparison.Ordinal);
        return (s[..versionDash], epoch >= 0 ? version[(epoch + 1)..] : version);
    }

    private static string? Event(string line, string marker)
    {
        int at = line.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : line[(at + marker.Length)..];
    }
}
