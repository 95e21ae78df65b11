using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Choosing the language as gettext does: --language, else LC_ALL, LC_MESSAGES, LANG, the first that is set.
/// </summary>
public class LanguagesTests
{
    [Theory]
    [InlineData("zh_CN.UTF-8", Language.ZhCN)]
    [InlineData("zh_CN", Language.ZhCN)]
    [InlineData("zh_CN.GB18030", Language.ZhCN)]
    [InlineData("zh_SG.UTF-8", Language.ZhCN)]
    [InlineData("zh", Language.ZhCN)]
    [InlineData("en_US.UTF-8", Language.En)]
    [InlineData("C", Language.En)]
    [InlineData("C.UTF-8", Language.En)]
    [InlineData("POSIX", Language.En)]
    [InlineData("de_DE.UTF-8", Language.En)]
    [InlineData("zh_TW.UTF-8", Language.En)]
    public void A_locale_name_means_a_language(string locale, Language expected) =>
        Assert.Equal(expected, Languages.OfLocale(locale));

    [Theory]
    [InlineData("LC_ALL")]
    [InlineData("LC_MESSAGES")]
    [InlineData("LANG")]
    public void Each_variable_alone_chooses(string variable) =>
        Assert.Equal(Language.ZhCN, Languages.FromEnvironment(Env((variable, "zh_CN.UTF-8"))));

    [Fact]
    public void LC_ALL_wins_over_LC_MESSAGES_which_wins_over_LANG()
    {
        Assert.Equal(
            Language.En,
            Languages.FromEnvironment(Env(("LC_ALL", "C"), ("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "zh_CN.UTF-8"))));
        Assert.Equal(Language.ZhCN, Languages.FromEnvironment(Env(("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8"))));
        Assert.Equal(
            Language.En,
            Languages.FromEnvironment(Env(("LC_MESSAGES", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8"))));
        Assert.Equal(Language.ZhCN, Languages.FromEnvironment(Env(("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "C"))));
    }

    [Fact]
    public void An_empty_variable_is_skipped_as_unset()
    {
        Assert.Equal(
            Language.ZhCN,
            Languages.FromEnvironment(Env(("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "zh_CN.UTF-8"))));
        Assert.Equal(Language.En, Languages.FromEnvironment(Env()));
    }

    [Theory]
    [InlineData(new[] { "--language", "zh-CN", "doctor" }, Language.ZhCN)]
    [InlineData(new[] { "doctor", "--language=zh-CN" }, Language.ZhCN)]
    [InlineData(new[] { "doctor", "--language", "zh_cn" }, Language.ZhCN)]
    [InlineData(new[] { "doctor", "--language", "en" }, Language.En)]
    [InlineData(new[] { "doctor", "--", "--language", "en" }, Language.ZhCN)]
    [InlineData(new[] { "doctor" }, Language.ZhCN)]
    public void The_option_wins_over_the_environment(string[] args, Language expected) =>
        Assert.Equal(expected, Languages.Choose(args, Env(("LANG", "zh_CN.UTF-8"))));

    [Theory]
    [InlineData(new[] { "doctor", "--language=zh-CN" }, Language.ZhCN)]
    [InlineData(new[] { "doctor", "zh-CN" }, Language.En)]        // a value without the option is no choice
    [InlineData(new[] { "doctor", "--language" }, Language.En)]   // the option without its value
    public void Only_the_option_chooses_when_the_environment_does_not(string[] args, Language expected) =>
        Assert.Equal(expected, Languages.Choose(args, Env()));

    [Fact]
    public void Each_language_has_its_own_catalog()
    {
        Assert.Equal("no leak and no risk found", Messages.All(Language.En)["verdict.no-leak"]);
        Assert.NotEqual(Messages.All(Language.En)["verdict.no-leak"], Messages.All(Language.ZhCN)["verdict.no-leak"]);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;
}
