using System.Text.RegularExpressions;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Kernel;

namespace Cgleak.Diagnosis.Tests;

/// <summary>The message catalog: every English message has its Chinese one, with the same placeholders.</summary>
public partial class MessagesTests
{
    [Fact]
    public void Every_key_has_a_zh_CN_value_and_no_zh_CN_key_is_unknown_in_English()
    {
        var en = Messages.All(Language.En);
        var zh = Messages.All(Language.ZhCN);

        Assert.True(en.Count > 100, $"only {en.Count} messages: is Messages.resx embedded?");
        Assert.Empty(
            en.Keys.Where(k => !zh.TryGetValue(k, out string? v) || v.Length == 0 && en[k].Length > 0).Order());
        Assert.Empty(zh.Keys.Except(en.Keys).Order());
    }

    [Fact]
    public void The_placeholders_of_each_message_are_the_same_in_both_languages()
    {
        var en = Messages.All(Language.En);
        var zh = Messages.All(Language.ZhCN);
        var differ = en.Keys.Where(zh.ContainsKey)
            .Where(k => !Placeholders(en[k]).SetEquals(Placeholders(zh[k])))
            .Select(k => $"{k}: en {string.Join(' ', Placeholders(en[k]).Order())}, zh-CN "
                + $"{string.Join(' ', Placeholders(zh[k]).Order())}")
            .ToList();
        Assert.Empty(differ);
    }

    [Fact]
    public void The_check_compares_the_arguments_used_whatever_their_order_or_format()
    {
        Assert.False(Placeholders("{0} of {1} ({2:P1})").SetEquals(Placeholders("{0} / {1}")));
        Assert.False(Placeholders("{0} of {1}").SetEquals(Placeholders("{0} / {2}")));
        Assert.True(Placeholders("{1} x {0:0.#} ({2:P1})").SetEquals(Placeholders("{0:0.#} y {1}（{2:0.0%}）")));
    }

    [Fact]
    public void A_message_is_English_in_JSON_and_Chinese_when_asked_with_its_arguments_in_either()
    {
        var m = new Message("headroom.used", 64000, 65535, 64000 / 65535.0);

        Assert.Equal("64000 of 65535 memory cgroup IDs in use (97.7 %).", m.ToString());
        Assert.Equal("memory cgroup ID 已占用 64000 个，上限 65535 个（97.7%）。", m.In(Language.ZhCN));
    }

    [Fact]
    public void Nested_messages_and_joined_lists_follow_the_language()
    {
        var m = new Message("verdict.could-not-read", Message.Joined(
            "list.semicolon",
            [new Message("verdict.missing.kernel"), new Message("verdict.missing.layout")]));

        Assert.Equal("could not read the kernel release; the cgroup layout", m.ToString());
        Assert.Equal("无法读取内核版本；cgroup 布局", m.In(Language.ZhCN));
    }

    /// <summary>
    /// The errnos cgleak meets are catalog entries keyed by name: their English is strerror's, as cgleak wrote it
    /// before (logs and JSON keep it), their Chinese is not; an errno without an entry is said in the OS's words.
    /// </summary>
    [Fact]
    public void Errno_texts_are_keyed_by_name_English_as_strerror_and_Chinese_when_catalogued()
    {
        string[] met =
            ["EACCES", "EPERM", "EBUSY", "ENOENT", "ENOSPC", "ENOMEM", "EROFS", "EEXIST", "ENOTEMPTY", "EINVAL", "EIO"];
        foreach (string name in met)
        {
            int errno = Errno.Parse(name)!.Value;
            Message said = Message.Of(Errno.Said(errno));
            Assert.Equal("errno." + name, said.Key);
            Assert.Equal(Errno.Message(errno), said.ToString());
            Assert.DoesNotMatch("[A-Za-z]", said.In(Language.ZhCN));
        }

        for (int errno = 1; errno < 134; errno++)
        {
            Assert.Equal(Errno.Message(errno), Message.Of(Errno.Said(errno)).ToString());
            Assert.Equal(Errno.Described(errno).English, Message.Of(Errno.Described(errno)).ToString());
        }

        Assert.Equal("Permission denied (EACCES)", Message.Of(Errno.Described(Errno.EACCES)).ToString());
        Assert.Equal("设备或资源忙（EBUSY）", Message.Of(Errno.Described(Errno.EBUSY)).In(Language.ZhCN));
        Assert.Equal("errno 200", Message.Of(Errno.Said(200)).In(Language.ZhCN));
    }

    /// <summary>
    /// The arguments a template uses: "{2:P1}" and "{2:0.0%}" both use argument 2 (Chinese writes "97.7%" without the
    /// space).
    /// </summary>
    private static HashSet<string> Placeholders(string template) =>
        Placeholder().Matches(template).Select(x => x.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\{(\d+)(:[^}]*)?\}")]
    private static partial Regex Placeholder();
}
