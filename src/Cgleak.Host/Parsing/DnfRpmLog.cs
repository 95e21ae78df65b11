namespace Cgleak.Host.Parsing;

/// <summary>
/// Installed packages as dnf (el8 and later) logs its RPM transactions in /var/log/dnf.rpm.log. Sample:
/// <c>2022-03-23T16:46:44-0400 SUBDEBUG Installed: containerd.io-1.4.3-3.1.el8.x86_64</c>. "Installed:",
/// "Upgrade:", "Downgrade:" and "Reinstall:" name the version now installed; "Upgraded:", "Downgraded:" and
/// "Reinstalled:" the one it replaced (skipped); "Erase:" and "Obsoleted:" a package gone. Returns name to
/// version-release of the last event per name, as <see cref="YumLog"/> does.
/// </summary>
public static class DnfRpmLog
{
    private static readonly string[] Installs = ["Installed: ", "Upgrade: ", "Downgrade: ", "Reinstall: "];
    private static readonly string[] Removals = ["Erase: ", "Obsoleted: "];

    public static IReadOnlyDictionary<string, string> InstalledVersions(string text)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            int subdebug = line.IndexOf(" SUBDEBUG ", StringComparison.Ordinal);
            if (subdebug < 0)
            {
                continue;
            }

            string evt = line[(subdebug + " SUBDEBUG ".Length)..].TrimEnd('\r');
            if (Installs.FirstOrDefault(m => evt.StartsWith(m, StringComparison.Ordinal)) is { } install
                && YumLog.SplitNevra(evt[install.Length..]) is { } installed)
            {
                versions[installed.Name] = installed.Version;
            }
            else if (Removals.FirstOrDefault(m => evt.StartsWith(m, StringComparison.Ordinal)) is { } removal
                && YumLog.SplitNevra(evt[removal.Length..]) is { } removed)
            {
                versions.Remove(removed.Name);
            }
        }

        return versions;
    }
}
