using System.Text.RegularExpressions;
using Cgleak.Diagnosis.Checks;
using Cgleak.Testing;

namespace Cgleak.Diagnosis.Tests;

/// <summary>
/// The catalog, the README's table of checks and docs/kmem-facts.md tell one story: every check once, under a
/// well-formed id that only its own class spells, citing fact rows that exist.
/// </summary>
public partial class CheckCatalogTests
{
    [Fact]
    public void Ids_are_unique_and_well_formed()
    {
        var ids = CheckCatalog.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(WellFormedId(), id));
        Assert.All(CheckCatalog.All, c => Assert.False(string.IsNullOrWhiteSpace(c.Title), c.Id));
    }

    [Fact]
    public void The_readme_table_lists_the_catalog_in_order_with_the_facts_each_check_cites()
    {
        var rows = ReadmeTable();
        Assert.Equal(CheckCatalog.All.Select(c => c.Id), rows.Select(r => r.Id));
        Assert.All(CheckCatalog.All.Zip(rows), pair => Assert.Equal(pair.First.Facts, pair.Second.Facts));
    }

    [Fact]
    public void Every_fact_row_a_check_cites_is_in_the_fact_table()
    {
        string table = File.ReadAllText(Path.Combine(Repo.Root, "docs", "kmem-facts.md"));
        var rows = FactRow().Matches(table).Select(m => m.Groups["row"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("R1", rows); // the pattern reads the table at all
        foreach (ICheck check in CheckCatalog.All)
        {
            var cited = Expand(check.Facts).ToList();
            Assert.NotEmpty(cited);
            Assert.All(cited, row => Assert.True(
                rows.Contains(row),
                $"{check.Id} cites {row}, which docs/kmem-facts.md does not have"));
        }
    }

    [Theory]
    [InlineData("C1-C5, O4", "C1 C2 C3 C4 C5 O4")]
    [InlineData("R1-R11", "R1 R2 R3 R4 R5 R6 R7 R8 R9 R10 R11")]
    [InlineData("I7", "I7")]
    public void Cited_ranges_expand_to_their_rows(string facts, string rows) =>
        Assert.Equal(rows.Split(' '), Expand(facts));

    /// <summary>
    /// A check id in quotes anywhere in src/ outside its own CheckId constant: renaming would compile and break.
    /// </summary>
    [Fact]
    public void No_source_file_spells_a_check_id_but_its_own_check()
    {
        var ids = CheckCatalog.All.Select(c => c.Id).ToList();
        var spelled = new List<string>();
        foreach (string file in Directory.EnumerateFiles(
            Path.Combine(Repo.Root, "src"),
            "*.cs",
            SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/obj/", StringComparison.Ordinal)
                         && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            foreach ((string line, int number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
            {
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal)
                    || line.Contains("public const string CheckId = ", StringComparison.Ordinal))
                {
                    continue;
                }

                spelled.AddRange(ids.Where(id => InsideStringLiteral(line, id))
                    .Select(id => $"{Path.GetRelativePath(Repo.Root, file)}:{number}: {id}"));
            }
        }

        Assert.Empty(spelled);
    }

    private static bool InsideStringLiteral(string line, string id)
    {
        // Inside a string literal: after an odd number of quotes on the line (good enough for this code base's one-line
        // literals).
        for (
            int at = line.IndexOf(id, StringComparison.Ordinal);
            at >= 0;
            at = line.IndexOf(id, at + 1, StringComparison.Ordinal))
        {
            if (line[..at].Count(ch => ch == '"') % 2 == 1)
            {
                return true;
            }
        }

        return false;
    }

    private static List<(string Id, string Facts)> ReadmeTable()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Repo.Root, "README.md"));
        int start = Array.IndexOf(lines, "## The checks");
        Assert.True(start >= 0, "README.md has no '## The checks' section");
        return lines.Skip(start).SkipWhile(l => !l.StartsWith("| `", StringComparison.Ordinal))
            .TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(cells => (cells[1].Trim('`'), cells[^2]))
            .ToList();
    }

    private static IEnumerable<string> Expand(string facts)
    {
        foreach (string part in facts.Split(',', StringSplitOptions.TrimEntries))
        {
            Match range = RowRange().Match(part);
            Assert.True(range.Success, $"'{part}' is neither a row (C1) nor a range (C1-C5)");
            int from = int.Parse(range.Groups["from"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int to = range.Groups["to"].Success
                ? int.Parse(range.Groups["to"].Value, System.Globalization.CultureInfo.InvariantCulture)
                : from;
            Assert.True(to >= from
                && (!range.Groups["to2"].Success || range.Groups["to2"].Value == range.Groups["letter"].Value), part);
            for (int n = from; n <= to; n++)
            {
                yield return range.Groups["letter"].Value
                    + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    [GeneratedRegex(@"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex WellFormedId();

    [GeneratedRegex(@"^\|\s*(?<row>[A-Z][0-9]+)\s*\|", RegexOptions.Multiline)]
    private static partial Regex FactRow();

    [GeneratedRegex(@"^(?<letter>[A-Z])(?<from>[0-9]+)(-(?<to2>[A-Z])(?<to>[0-9]+))?$")]
    private static partial Regex RowRange();
}
