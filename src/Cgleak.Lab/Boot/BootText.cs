using System.Text;

namespace Cgleak.Lab.Boot;

/// <summary>
/// A boot file's bytes as text the edits (<see cref="BootEdits"/>) work on, and back, byte for byte:
/// ASCII stays itself, every other byte becomes one private-use character (U+F780 + byte - 0x80), so a
/// byte that is not UTF-8 (0xE9 in a Latin-1 comment) survives, and no byte becomes whitespace the edits
/// would trim (Latin-1 would turn 0x85 and 0xA0 into it). A BOM and CRLF line ends are taken off before
/// the edit and put back after it, so only the lines an edit changes differ.
/// The GRUB environment block is the exception: its size is counted in UTF-8 bytes, so it is decoded as
/// strict UTF-8 (<see cref="StrictUtf8"/>).
/// </summary>
internal sealed class BootText
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly bool _bom;
    private readonly bool _utf8;
    private readonly bool[] _crlf;

    private BootText(string text, bool bom, bool utf8, bool[] crlf)
    {
        Text = text;
        _bom = bom;
        _utf8 = utf8;
        _crlf = crlf;
    }

    /// <summary>The text without BOM and with "\n" line ends.</summary>
    public string Text { get; }

    public static BootText Decode(byte[] bytes, bool utf8 = false)
    {
        bool bom = bytes.AsSpan().StartsWith(Bom);
        ReadOnlySpan<byte> body = bom ? bytes.AsSpan(Bom.Length) : bytes;
        string text = utf8 ? StrictUtf8.GetString(body) : Map(body);
        string[] lines = text.Split('\n');
        var crlf = new bool[lines.Length - 1]; // one per line end
        for (int i = 0; i < crlf.Length; i++)
        {
            crlf[i] = lines[i].EndsWith('\r');
        }

        return new BootText(
            crlf.Any(c => c) ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text,
            bom,
            utf8,
            crlf);
    }

    /// <summary>
    /// The bytes of an edited text, with the BOM and line ends as they were: each line end keeps its own when
    /// the edit kept the line count; a line the edit added takes the file's, and a file of mixed ends that
    /// gained a line is refused (which end would be right cannot be known).
    /// </summary>
    public byte[] Encode(string edited)
    {
        string[] lines = edited.Split('\n');
        int ends = lines.Length - 1;
        bool allCrlf = _crlf.Length > 0 && _crlf.All(c => c);
        if (ends != _crlf.Length && _crlf.Any(c => c) && !allCrlf)
        {
            throw new FormatException("its lines end in both CRLF and LF, and the edit adds a line");
        }

        var text = new StringBuilder(edited.Length + ends);
        for (int i = 0; i < lines.Length; i++)
        {
            text.Append(lines[i]);
            if (i < ends)
            {
                text.Append(allCrlf || (i < _crlf.Length && _crlf[i]) ? "\r\n" : "\n");
            }
        }

        byte[] body = _utf8 ? Encoding.UTF8.GetBytes(text.ToString()) : Unmap(text.ToString());
        return _bom ? [.. Bom, .. body] : body;
    }

    /// <summary>
    /// Text from elsewhere (a menu title) as it is spelled in a mapped file: its UTF-8 bytes, mapped.
    /// </summary>
    public static string Mapped(string text) => Map(Encoding.UTF8.GetBytes(text));

    private static string Map(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = bytes[i] < 0x80 ? (char)bytes[i] : (char)(0xF700 + bytes[i]);
        }

        return new string(chars);
    }

    private static byte[] Unmap(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else if (c is >= '\uF780' and <= '\uF7FF')
            {
                bytes.Add((byte)(c - 0xF700));
            }
            else
            {
                // Text an edit brought in unmapped: its UTF-8 (a surrogate pair whole).
                int length = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, length)));
                i += length - 1;
            }
        }

        return [.. bytes];
    }
}
