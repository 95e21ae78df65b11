namespace Cgleak.Host;

/// <summary>
/// A sentence a host reader says (a problem, a piece of evidence, why a line is malformed): a key of cgleak's
/// message catalog (Cgleak.Diagnosis.Text, above this project), its arguments, and its English. The text for
/// people is made from the key at the edge, in the reader's language; <see cref="English"/> is what JSON and
/// logs carry, and a test keeps it equal to the catalog's English for the key. An argument that is a
/// <see cref="HostMessage"/> is said in the same language.
/// </summary>
public sealed record HostMessage(string Key, string English, IReadOnlyList<object?> Args)
{
    public static HostMessage Say(string key, string english, params object?[] args) => new(key, english, args);

    public override string ToString() => English;
}
