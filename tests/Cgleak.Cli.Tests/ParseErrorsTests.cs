using System.CommandLine;
using Cgleak.Cli.Core;

namespace Cgleak.Cli.Tests;

/// <summary>Parser errors in words: the library's typo suggestion kept, values explained, no .NET type names.</summary>
public class ParseErrorsTests
{
    private static RootCommand Root()
    {
        var max = new Option<int>("--max");
        var probe = new Command("probe") { max };
        probe.SetAction(_ => 0);
        var doctor = new Command("doctor");
        doctor.SetAction(_ => 0);
        return new RootCommand("test") { doctor, probe };
    }

    [Fact]
    public void A_mistyped_command_gets_the_librarys_suggestion()
    {
        var lines = ParseErrors.Lines(Root().Parse(["docter"]), "cgleak").ToList();
        Assert.Equal(["'docter' is not a command of cgleak. Did you mean 'doctor'?"], lines);
    }

    [Fact]
    public void A_value_that_does_not_parse_says_what_it_should_be()
    {
        var parsed = Root().Parse(["probe", "--max", "abc"]);
        var lines = ParseErrors.Lines(parsed, "cgleak").ToList();
        Assert.Equal(["--max: a whole number, got 'abc'"], lines);
        Assert.DoesNotContain("System.", string.Concat(lines), StringComparison.Ordinal);
        Assert.Equal("cgleak probe", ParseErrors.CommandPath(parsed, "cgleak"));
    }

    [Fact]
    public void An_unknown_option_names_the_command_it_was_given_to()
    {
        var lines = ParseErrors.Lines(Root().Parse(["probe", "--frobnicate"]), "cgleak").ToList();
        Assert.Single(lines);
        Assert.StartsWith("'--frobnicate' is not an option of 'cgleak probe'.", lines[0], StringComparison.Ordinal);
    }
}
