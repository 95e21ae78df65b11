using System.Globalization;
using Cgleak.Host;
using Cgleak.Host.Facts;

namespace Cgleak.Diagnosis.Text;

/// <summary>
/// A sentence for people as a key into the message catalog and its arguments, so that each renderer writes it
/// in its reader's language: the text report in the chosen one, the JSON always in English
/// (<see cref="ToString"/>). Arguments that are messages themselves are written in the same language;
/// numbers are formatted invariantly.
/// </summary>
public sealed class Message(string key, params object?[] args)
{
    private IReadOnlyList<Message>? _parts;

    public string Key { get; } = key;

    public IReadOnlyList<object?> Args { get; } = args;

    /// <summary>Messages joined by the separator a key holds ("; " in English, "；" in Chinese).</summary>
    public static Message Joined(string separatorKey, IEnumerable<Message> parts)
        => new(separatorKey) { _parts = parts.ToList() };

    /// <summary>
    /// What a host reader said (Cgleak.Host names the key, below this catalog), its own messages in it too.
    /// </summary>
    public static Message Of(HostMessage said) =>
        new(said.Key, [.. said.Args.Select(a => a switch { HostMessage inner => Of(inner), _ => a })]);

    /// <summary>A host problem as the doctor lists it: "path: what was wrong".</summary>
    public static Message Of(HostProblem problem) => new("doctor.problem", problem.Path, Of(problem.Said));

    public string In(Language language)
    {
        if (_parts is not null)
        {
            return string.Join(Messages.Template(language, Key), _parts.Select(p => p.In(language)));
        }

        object?[] rendered = Args.Select(a => a is Message m ? m.In(language) : a).ToArray();
        return string.Format(CultureInfo.InvariantCulture, Messages.Template(language, Key), rendered);
    }

    /// <summary>The English text, as JSON and logs carry it.</summary>
    public override string ToString() => In(Language.En);
}
