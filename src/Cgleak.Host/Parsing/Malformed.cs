namespace Cgleak.Host.Parsing;

/// <summary>A line a parser could not use: its number (1-based), its text, and why.</summary>
public sealed record Malformed(int LineNumber, string Line, HostMessage Said)
{
    /// <summary>Why, in English.</summary>
    public string Reason => Said.English;

    /// <summary>The line as a problem quotes it: cut at 80 characters.</summary>
    public string Shown => Line.Length <= 80 ? Line : Line[..77] + "...";

    public override string ToString() => $"line {LineNumber}: {Reason}: \"{Shown}\"";
}

/// <summary>What a pure parser returns: the value, and the lines it had to skip.</summary>
public sealed record Parsed<T>(T Value, IReadOnlyList<Malformed> Problems);
