using System.Text;
using Cgleak.Lab.Boot;

namespace Cgleak.Lab.Tests;

/// <summary>
/// A boot file's bytes to text and back, byte for byte: BOM, CRLF, bytes that are not UTF-8, text an edit brings in.
/// </summary>
public class BootTextTests
{
    private static readonly byte[] EveryByte = [.. Enumerable.Range(0, 256).Select(b => (byte)b)
        .Where(b => b is not ((byte)'\n' or (byte)'\r'))];

    [Theory]
    [InlineData("set default=0\nlinux /vmlinuz ro\n")]
    [InlineData("set default=0\r\nlinux /vmlinuz ro\r\n")]
    [InlineData("set default=0\r\nlinux /vmlinuz ro\n# end")]
    [InlineData("\uFEFFGRUB_DEFAULT=0\r\n")]
    [InlineData("")]
    public void Unedited_text_gives_back_the_same_bytes(string file)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(file);
        Assert.Equal(bytes, BootText.Decode(bytes).Encode(BootText.Decode(bytes).Text));
    }

    [Fact]
    public void Every_byte_survives_and_only_ascii_is_itself()
    {
        BootText t = BootText.Decode(EveryByte);
        Assert.Equal(EveryByte, t.Encode(t.Text));
        Assert.Equal('\u007F', t.Text[0x7F - 2]);               // '\n' and '\r' are not in the list
        Assert.Equal('\uF780', t.Text[0x80 - 2]);               // 0x80: the first mapped byte
        Assert.Equal('\uF7FF', t.Text[^1]);
        Assert.False(char.IsWhiteSpace(t.Text[0x85 - 2]));     // 0x85 and 0xA0 are no whitespace an edit would trim
        Assert.False(char.IsWhiteSpace(t.Text[0xA0 - 2]));
    }

    [Fact]
    public void The_text_has_no_bom_and_lf_line_ends()
    {
        BootText t = BootText.Decode([0xEF, 0xBB, 0xBF, .. "a\r\nb\r\n"u8]);
        Assert.Equal("a\nb\n", t.Text);
        Assert.Equal("a\rb\n", BootText.Decode("a\rb\n"u8.ToArray()).Text); // a lone CR is content
    }

    [Fact]
    public void An_edited_line_keeps_its_own_line_end_in_a_file_of_mixed_ends()
    {
        BootText t = BootText.Decode("a\r\nb\nc\r\n"u8.ToArray());
        Assert.Equal("A\r\nb x\nc\r\n"u8.ToArray(), t.Encode("A\nb x\nc\n"));
    }

    [Theory]
    [InlineData("a\r\nb\r\n", "a\nnew\nb\n", "a\r\nnew\r\nb\r\n")] // all CRLF: the new line too
    [InlineData("a\nb\n", "a\nnew\nb\n", "a\nnew\nb\n")]
    [InlineData("a", "a\nnew", "a\nnew")]                           // no line end at all: LF
    public void An_added_line_takes_the_files_line_end(string file, string edited, string expected) =>
        Assert.Equal(Encoding.ASCII.GetBytes(expected), BootText.Decode(Encoding.ASCII.GetBytes(file)).Encode(edited));

    [Fact]
    public void A_line_added_to_a_file_of_mixed_ends_is_refused_and_a_removed_one_is_not()
    {
        BootText t = BootText.Decode("a\r\nb\nc\n"u8.ToArray());
        Assert.Throws<FormatException>(() => t.Encode("a\nnew\nb\nc\n"));
        Assert.Equal("a\r\nb\n"u8.ToArray(), BootText.Decode("a\r\nb\n"u8.ToArray()).Encode("a\nb\n"));
        Assert.Equal("a\r\nc"u8.ToArray(), BootText.Decode("a\r\nb\r\nc"u8.ToArray()).Encode("a\nc"));
    }

    [Fact]
    public void Text_an_edit_brings_in_is_written_as_utf8_beside_mapped_bytes()
    {
        BootText latin1 = BootText.Decode([(byte)'#', 0xE9, (byte)'\n']); // "é" in Latin-1: not UTF-8
        string edited = latin1.Text + "menuentry 'Rocky Linux é 😀' {\n";
        Assert.Equal([(byte)'#', 0xE9, (byte)'\n', .. "menuentry 'Rocky Linux é 😀' {\n"u8], latin1.Encode(edited));
        Assert.Equal("\uF7C3\uF7A9", BootText.Mapped("é"));
        Assert.Equal("é"u8.ToArray(), BootText.Decode([]).Encode(BootText.Mapped("é")));
    }

    [Fact]
    public void Strict_utf8_decodes_characters_and_refuses_bytes_that_are_not()
    {
        BootText t = BootText.Decode("saved_entry=Rocky Linux (é)\n"u8.ToArray(), utf8: true);
        Assert.Equal("saved_entry=Rocky Linux (é)\n", t.Text);
        Assert.Equal("saved_entry=é\n"u8.ToArray(), t.Encode("saved_entry=é\n"));
        Assert.Throws<DecoderFallbackException>(() => BootText.Decode([0x61, 0xE9, 0x0A], utf8: true));
    }

    [Fact]
    public void Text_an_edit_brings_in_is_encoded_one_character_at_a_time()
    {
        // An unmapped character next to a mapped byte: each keeps its own form.
        Assert.Equal([0xC3, 0xA9, 0xE9, (byte)'x'], BootText.Decode([]).Encode("\u00E9\uF7E9x"));
        // A lone high surrogate at the end is one replacement character, as UTF-8 writes it.
        Assert.Equal([(byte)'a', 0xEF, 0xBF, 0xBD], BootText.Decode([]).Encode("a\uD83D"));
    }
}
