namespace Cgleak.Host.Parsing;

/// <summary>A line a parser could not use: its number (1-based), its text, and why.</summary>
public sealed record Malformed(int LineNumber, string Line, string Reason)
{
    public override string ToString() => $"line {LineNumber}: {Reason}: \"{Truncate(Line)}\"";

    private static string Truncate(string line) => line.Length <= 80 ? line : line[..77] + "...";
}

/// <summary>What a pure parser returns: the value, and the lines it had to skip.</summary>
public sealed record Parsed<T>(T Value, IReadOnlyList<Malformed> Problems);
