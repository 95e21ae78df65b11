using Cgleak.Testing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// Lines of C# stay within 120 characters (#17). The build holds code to it (Roslynator's RCS0056, an error in
/// src/ and tests/), but it passes over comment-only lines; this holds those too. Lines inside a raw string literal
/// are left as they are: they are real files' lines (grub.cfg menus) pasted whole.
/// </summary>
public sealed class SourceLineLengthTests
{
    private const int Limit = 120;

    [Fact]
    public void No_line_of_csharp_in_src_or_tests_is_longer_than_120_characters()
    {
        var tooLong = new List<string>();
        foreach (string top in (string[])["src", "tests"])
        {
            foreach (string file in Directory.EnumerateFiles(
                         Path.Combine(Repo.Root, top), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/obj/", StringComparison.Ordinal)
                         && !f.Contains("/bin/", StringComparison.Ordinal)))
            {
                bool inRawString = false;
                foreach ((string line, int number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
                {
                    bool wasRaw = inRawString;
                    inRawString ^= CountOf(line, "\"\"\"") % 2 == 1;
                    if (line.Length > Limit && !(wasRaw && inRawString))
                    {
                        tooLong.Add($"{Path.GetRelativePath(Repo.Root, file)}:{number}: {line.Length} characters");
                    }
                }
            }
        }

        Assert.Empty(tooLong);
    }

    private static int CountOf(string line, string what)
    {
        int count = 0;
        for (int at = line.IndexOf(what, StringComparison.Ordinal); at >= 0;
             at = line.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
