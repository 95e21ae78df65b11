namespace Cgleak.Host.Boot;

/// <summary>One assignment in /etc/default/grub or a /etc/default/grub.d/*.cfg file.</summary>
/// <param name="Raw">the value as written, quotes included (what an undo writes back).</param>
/// <param name="Line">0-based line number.</param>
public sealed record GrubSetting(string Key, string Value, string Raw, string File, int Line);

/// <summary>
/// What grub-mkconfig sees: /etc/default/grub, then every /etc/default/grub.d/*.cfg in name order (Debian
/// and Ubuntu source them after it, so cloud images' <c>50-cloudimg-settings.cfg</c> overrides
/// <c>GRUB_CMDLINE_LINUX_DEFAULT</c>). The last assignment of a key wins. Sample:
/// <c>GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rhgb quiet"</c>.
/// </summary>
public sealed record GrubDefaults(IReadOnlyList<GrubSetting> Settings)
{
    public static GrubDefaults Parse(IEnumerable<(string File, string Text)> files)
    {
        var settings = new List<GrubSetting>();
        foreach (var (file, text) in files)
        {
            string[] lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.StartsWith("export ", StringComparison.Ordinal))
                {
                    line = line[7..].TrimStart();
                }

                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (line.StartsWith('#') || eq <= 0 || !line[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    continue;
                }

                string raw = line[(eq + 1)..];
                IReadOnlyList<string> words = GrubScript.Words(raw);
                string value = string.Join(' ', words)
                    .Replace("${" + line[..eq] + "}", Get(settings, line[..eq])?.Value ?? "", StringComparison.Ordinal)
                    .Replace("$" + line[..eq], Get(settings, line[..eq])?.Value ?? "", StringComparison.Ordinal)
                    .Trim();
                settings.Add(new GrubSetting(line[..eq], value, raw, file, i));
            }
        }

        return new GrubDefaults(settings);
    }

    /// <summary>The assignment that wins for <paramref name="key"/>, or null.</summary>
    public GrubSetting? this[string key] => Get(Settings, key);

    public string? Value(string key) => this[key]?.Value;

    private static GrubSetting? Get(IReadOnlyList<GrubSetting> settings, string key)
        => settings.LastOrDefault(s => s.Key == key);
}
