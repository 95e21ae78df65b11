using System.Text.RegularExpressions;

namespace Cgleak.Host.Boot;

/// <summary>One menuentry of a grub.cfg: its title, the kernel it boots, and the line that boots it.</summary>
/// <param name="Index">position among top-level menuentries, as the runbook's awk numbers them (0-based).</param>
/// <param name="Title">the quoted title ("CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)").</param>
/// <param name="KernelImage">the image path on the linux/linux16/linuxefi line ("/vmlinuz-3.10.0-1160.el7.x86_64").</param>
/// <param name="Arguments">the kernel arguments after the image, as written.</param>
/// <param name="LinuxLine">0-based line number of that line in the file.</param>
public sealed record GrubMenuEntry(int Index, string Title, string? KernelImage, string Arguments, int LinuxLine)
{
    /// <summary>"3.10.0-1160.el7.x86_64" from "/vmlinuz-3.10.0-1160.el7.x86_64".</summary>
    public string? KernelVersion => KernelImage is { } image && Path.GetFileName(image) is { } f && f.StartsWith("vmlinuz-", StringComparison.Ordinal) ? f[8..] : null;
}

/// <summary>
/// Reads a grub.cfg (as grub2-mkconfig writes it on el7 and Debian) for its menuentries, as the runbook's
/// <c>awk -F\' '$1=="menuentry " {print i++ " : " $2}' /etc/grub2.cfg</c> lists them: top-level entries
/// only (those inside a submenu are numbered "submenu>entry" by GRUB and are listed apart). Sample:
/// <c>menuentry 'CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)' --class centos ... {</c> then
/// <c>	linux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet</c>.
/// </summary>
public static partial class GrubConfig
{
    public static IReadOnlyList<GrubMenuEntry> Parse(string text, out IReadOnlyList<string> problems)
    {
        var entries = new List<GrubMenuEntry>();
        var found = new List<string>();
        string[] lines = text.Split('\n');
        int depth = 0, index = 0;
        string? title = null;
        int titleDepth = -1;
        string? image = null, args = null;
        int linuxLine = -1;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (MenuEntry().Match(line) is { Success: true } m)
            {
                if (title is not null)
                {
                    found.Add($"line {i + 1}: menuentry inside menuentry \"{title}\"");
                }

                title = depth == 0 ? m.Groups["title"].Value : null; // submenu entries are not top-level
                titleDepth = depth;
                image = args = null;
                linuxLine = -1;
            }
            else if (title is not null && Linux().Match(line) is { Success: true } l)
            {
                image = l.Groups["image"].Value;
                args = l.Groups["args"].Value.Trim();
                linuxLine = i;
            }

            depth += Count(line, '{') - Count(line, '}');
            if (depth < 0)
            {
                found.Add($"line {i + 1}: unbalanced '}}'");
                depth = 0;
            }

            if (title is not null && depth == titleDepth && line.EndsWith('}'))
            {
                entries.Add(new GrubMenuEntry(index++, title, image, args ?? "", linuxLine));
                title = null;
            }
        }

        if (depth != 0)
        {
            found.Add("unbalanced braces: the file ends inside a block");
        }

        if (title is not null)
        {
            found.Add($"menuentry \"{title}\" is not closed");
        }

        problems = found;
        return entries;
    }

    private static int Count(string s, char c) => s.Count(x => x == c);

    [GeneratedRegex(@"^menuentry\s+(['""])(?<title>[^'""]*)\1")]
    private static partial Regex MenuEntry();

    [GeneratedRegex(@"^(?:linux|linux16|linuxefi)\s+(?<image>\S+)(?<args>.*)$")]
    private static partial Regex Linux();
}
