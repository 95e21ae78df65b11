using System.Collections;
using System.Resources;

namespace Cgleak.Diagnosis.Text;

/// <summary>
/// The message catalog: Messages.resx (English) and Messages.zh-CN.resx, both embedded in this assembly under
/// their own names and read with ResourceReader, so that no CultureInfo is created: the build keeps invariant
/// globalization (numbers and dates), which cannot create a zh-CN culture. Loaded on first use only.
/// </summary>
public static class Messages
{
    private static readonly Lazy<Dictionary<string, string>> English = new(
        () => Load("Cgleak.Diagnosis.Text.Messages.resources"));
    private static readonly Lazy<Dictionary<string, string>> Chinese = new(
        () => Load("Cgleak.Diagnosis.Text.Messages.zh-CN.resources"));

    /// <summary>
    /// The template for a key in a language, English when that language lacks it (a test forbids that).
    /// </summary>
    public static string Template(Language language, string key)
    {
        if (language == Language.ZhCN && Chinese.Value.TryGetValue(key, out string? zh))
        {
            return zh;
        }

        return English.Value.TryGetValue(key, out string? en)
            ? en
            : throw new KeyNotFoundException($"message key '{key}' is not in Messages.resx");
    }

    /// <summary>The template in the process's language: <see cref="Languages.Current"/>.</summary>
    public static string Get(string key) => Template(Languages.Current, key);

    /// <summary>A formatted message in the process's language.</summary>
    public static string Get(string key, params object?[] args) => new Message(key, args).In(Languages.Current);

    /// <summary>Every key and template of a language, for the tests that keep both catalogs in step.</summary>
    public static IReadOnlyDictionary<string, string> All(Language language) =>
        language == Language.ZhCN ? Chinese.Value : English.Value;

    private static Dictionary<string, string> Load(string resource)
    {
        using Stream stream = typeof(Messages).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"resource {resource} is missing from the build");
        using var reader = new ResourceReader(stream);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in reader)
        {
            entries[(string)e.Key] = (string)e.Value!;
        }

        return entries;
    }
}
