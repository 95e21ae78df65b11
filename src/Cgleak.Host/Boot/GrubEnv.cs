using System.Text;

namespace Cgleak.Host.Boot;

/// <summary>
/// GRUB's environment block (/boot/grub2/grubenv; what <c>grub2-editenv list</c> shows): exactly 1024 bytes,
/// "# GRUB Environment Block", then name=value lines, padded with '#'. Sample: <c>saved_entry=CentOS Linux
/// (3.10.0-1160.el7.x86_64) 7 (Core)</c>.
/// </summary>
public sealed class GrubEnv
{
    public const int BlockSize = 1024;
    private const string Header = "# GRUB Environment Block\n";

    private GrubEnv(List<KeyValuePair<string, string>> values) => Values = values;

    public List<KeyValuePair<string, string>> Values { get; }

    public string? this[string key]
        => Values.FirstOrDefault(kv => kv.Key == key) is { Key: not null } kv ? kv.Value : null;

    public static GrubEnv? Parse(string text)
    {
        if (!text.StartsWith(Header, StringComparison.Ordinal))
        {
            return null;
        }

        var values = new List<KeyValuePair<string, string>>();
        foreach (string line in text[Header.Length..].Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values.Add(new(line[..eq], line[(eq + 1)..]));
            }
        }

        return new GrubEnv(values);
    }

    public GrubEnv With(string key, string value)
    {
        var values = Values.Select(kv => kv.Key == key ? new KeyValuePair<string, string>(key, value) : kv).ToList();
        if (values.All(kv => kv.Key != key))
        {
            values.Add(new(key, value));
        }

        return new GrubEnv(values);
    }

    /// <summary>The block as grub2-editenv writes it: padded with '#' to 1024 bytes.</summary>
    public string Format()
    {
        var sb = new StringBuilder(Header);
        foreach (var (k, v) in Values)
        {
            sb.Append(k).Append('=').Append(v).Append('\n');
        }

        int length = Encoding.UTF8.GetByteCount(sb.ToString());
        if (length > BlockSize)
        {
            throw new InvalidOperationException(
                $"the GRUB environment block would be {length} bytes, over {BlockSize}");
        }

        return sb.Append('#', BlockSize - length).ToString();
    }
}
