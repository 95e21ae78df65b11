namespace Cgleak.Host.Boot;

/// <summary>
/// A Boot Loader Specification entry (/boot/loader/entries/*.conf, el8+): "key value" lines. Sample:
/// <c>options $kernelopts $tuned_params</c>; $kernelopts is expanded from grubenv at boot.
/// </summary>
public sealed record BlsEntry(string File, string Id, string? Title, string? Version, string? Linux, string Options)
{
    public static BlsEntry Parse(string file, string text)
    {
        string? Get(string key) => text.Split('\n')
            .Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal) || l == key) is { } line
                ? line[key.Length..].Trim()
                : null;

        string id = Path.GetFileNameWithoutExtension(file);
        return new BlsEntry(file, id, Get("title"), Get("version"), Get("linux"), Get("options") ?? "");
    }

    public string? KernelVersion => Version ?? (Linux is { } l && Path.GetFileName(l) is { } f && f.StartsWith("vmlinuz-", StringComparison.Ordinal) ? f[8..] : null);
}
