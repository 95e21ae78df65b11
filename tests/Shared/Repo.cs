namespace Cgleak.Testing;

/// <summary>Finds the repository from a test's output directory: fixtures and goldens are read in place.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Fixture(string scenario) => Path.Combine(Root, "tests", "fixtures", "hosts", scenario);

    public static IEnumerable<string> Scenarios() =>
        Directory.GetDirectories(Path.Combine(Root, "tests", "fixtures", "hosts")).Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "cgleak.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cgleak.slnx not found above " + AppContext.BaseDirectory);
    }
}
