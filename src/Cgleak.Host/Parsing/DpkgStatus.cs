namespace Cgleak.Host.Parsing;

/// <summary>
/// Installed packages from Debian's /var/lib/dpkg/status (deb-control(5) paragraphs). Sample paragraph:
/// <c>Package: runc</c> / <c>Status: install ok installed</c> / <c>Version: 1.1.5+ds1-1+deb12u1</c>.
/// Only packages whose status ends in "installed" are returned.
/// </summary>
public static class DpkgStatus
{
    public static IReadOnlyDictionary<string, string> InstalledVersions(string text)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        string? package = null, status = null, version = null;
        foreach (string line in text.Split('\n').Append(""))
        {
            if (line.Length == 0)
            {
                if (package is not null && version is not null && status is not null
                    && status.EndsWith(" installed", StringComparison.Ordinal))
                {
                    versions[package] = version;
                }

                package = status = version = null;
                continue;
            }

            if (line.StartsWith("Package:", StringComparison.Ordinal))
            {
                package = line[8..].Trim();
            }
            else if (line.StartsWith("Status:", StringComparison.Ordinal))
            {
                status = line[7..].Trim();
            }
            else if (line.StartsWith("Version:", StringComparison.Ordinal))
            {
                version = line[8..].Trim();
            }
        }

        return versions;
    }
}
