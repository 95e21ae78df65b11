using Cgleak.Cli.Rendering;

namespace Cgleak.Cli.Tests;

public class TextWrapTests
{
    [Fact]
    public void Words_are_never_split_and_continuations_are_indented()
    {
        var lines = TextWrap.Lines("one two three four five six", 12, "> ", "  ").ToList();
        Assert.Equal(["> one two", "  three four", "  five six"], lines);
    }

    [Fact]
    public void A_word_longer_than_the_line_stands_alone_whole()
    {
        var lines = TextWrap.Lines("see /a/very/long/path/that/does/not/fit here", 16, "", "").ToList();
        Assert.Equal(["see", "/a/very/long/path/that/does/not/fit", "here"], lines);
    }

    [Fact]
    public void Chinese_counts_two_columns_and_breaks_between_characters_keeping_punctuation()
    {
        Assert.Equal(4, TextWrap.DisplayWidth("内存"));
        var lines = TextWrap.Lines("内存 cgroup 泄漏，节点无法创建新的容器。", 14, "", "").ToList();
        Assert.All(lines, l => Assert.True(TextWrap.DisplayWidth(l) <= 14, l));
        Assert.DoesNotContain(lines, l => l.StartsWith('，') || l.StartsWith('。'));
        Assert.Equal("内存cgroup泄漏，节点无法创建新的容器。", string.Concat(lines).Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Chinese_lines_fit_keep_the_spaces_beside_Latin_words_and_never_start_with_closing_punctuation()
    {
        string text = "此内核（3.10.0-957.el7）会忽略 cgroup.memory=nokmem：先升级内核，设为默认启动项，再加上这个内核参数。";
        foreach (int width in new[] { 24, 31, 40, 57 })
        {
            var lines = TextWrap.Lines(text, width, "  原因：", "        ").ToList();
            Assert.All(lines, l => Assert.True(
                TextWrap.DisplayWidth(l) <= width || !l.Trim().Contains(' ', StringComparison.Ordinal),
                $"{width}: {l}"));
            Assert.All(lines.Skip(1), l => Assert.DoesNotContain(l.TrimStart()[0], "，。；：、）"));
            Assert.Equal(
                text.Replace(" ", "", StringComparison.Ordinal),
                string.Concat(lines).Replace(" ", "", StringComparison.Ordinal)[3..]);
        }

        Assert.Equal(["会忽略 cgroup.memory=nokmem：先升级"], TextWrap.Lines("会忽略 cgroup.memory=nokmem：先升级", 80, "", ""));
        Assert.Equal(
            ["会忽略", "cgroup.memory=nokmem：", "先升级"],
            TextWrap.Lines("会忽略 cgroup.memory=nokmem：先升级", 22, "", ""));
    }

    [Fact]
    public void A_command_that_does_not_fit_is_printed_alone_and_whole()
    {
        Assert.Equal("    ls -l", TextWrap.Command("ls -l", 20, "    "));
        string longCommand = "grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0";
        Assert.Equal(longCommand, TextWrap.Command(longCommand, 40, "    "));
    }

    [Fact]
    public void Columns_from_the_environment_win()
    {
        string? before = Environment.GetEnvironmentVariable("COLUMNS");
        try
        {
            Environment.SetEnvironmentVariable("COLUMNS", "101");
            Assert.Equal(101, TextWrap.Width(new StringWriter()));
            Environment.SetEnvironmentVariable("COLUMNS", "x");
            Assert.Equal(80, TextWrap.Width(new StringWriter()));
        }
        finally
        {
            Environment.SetEnvironmentVariable("COLUMNS", before);
        }
    }
}
