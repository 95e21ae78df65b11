using System.Text;
using System.Text.Unicode;

namespace Cgleak.Host;

/// <summary>Host bytes made into text for evidence, without losing what they were.</summary>
public static class HostText
{
    /// <summary>
    /// The bytes as UTF-8, each byte that is not part of valid UTF-8 written as \xNN (a cgroup named with a Latin-1
    /// "é" shows as <c>caf\xE9</c>), so a name that is not UTF-8 is still shown, and told apart from its neighbours.
    /// </summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var sb = new StringBuilder(bytes.Length + 8);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out Rune rune, out int used) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                bytes = bytes[used..];
            }
            else
            {
                sb.Append(@"\x").Append(bytes[0].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                bytes = bytes[1..];
            }
        }

        return sb.ToString();
    }
}
