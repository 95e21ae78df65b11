namespace Cgleak.Cli.Rendering;

/// <summary>Colour only on a terminal, and never when NO_COLOR is set (no-color.org).</summary>
public static class Terminal
{
    public static bool UseColour(TextWriter output) =>
        ReferenceEquals(output, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
}
