namespace Cgleak.Host.Boot;

/// <summary>
/// A Boot Loader Specification entry (/boot/loader/entries/*.conf, el8+): "key value" lines. Sample:
/// <c>options $kernelopts $tuned_params</c>; $kernelopts is expanded from grubenv at boot (el8), while el9
/// writes the arguments into the entry itself.
/// </summary>
/// <param name="OptionsLine">0-based number of the options line, -1 when there is none.</param>
public sealed record BlsEntry(
    string File,
    string Id,
    string? Title,
    string? Version,
    string? Linux,
    string Options,
    int OptionsLine)
{
    public static BlsEntry Parse(string file, string text)
    {
        string[] lines = text.Split('\n');
        int LineOf(string key) => Array.FindIndex(lines, l => Key(l) == key);
        string? Get(string key) => LineOf(key) is var n and >= 0 ? lines[n].Trim()[key.Length..].Trim() : null;

        string name = Path.GetFileName(file);
        string id = name.EndsWith(".conf", StringComparison.Ordinal) ? name[..^5] : name;
        return new BlsEntry(
            file,
            id,
            Get("title"),
            Get("version"),
            Get("linux"),
            Get("options") ?? "",
            LineOf("options"));
    }

    private static string Key(string line)
    {
        string t = line.Trim();
        int space = t.IndexOfAny([' ', '\t']);
        return space < 0 ? t : t[..space];
    }

    public string? KernelVersion => Version ?? VersionOfImage(Linux);

    /// <summary>The entry takes its arguments from grubenv's kernelopts.</summary>
    public bool UsesKernelopts => GrubScript.Words(Options).Contains("$kernelopts", StringComparer.Ordinal);

    /// <summary>"4.18.0-348.el8.x86_64" from "/vmlinuz-4.18.0-348.el8.x86_64" or "/boot/vmlinuz-...".</summary>
    public static string? VersionOfImage(string? image) =>
        image is not null && Path.GetFileName(image) is { } f && f.StartsWith("vmlinuz-", StringComparison.Ordinal)
            ? f[8..]
            : null;
}
