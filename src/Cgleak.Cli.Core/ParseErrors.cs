using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Core;

/// <summary>
/// The parser's errors as one line each, in words a person uses: a mistyped command with the library's own
/// suggestion ("'docter' is not a command. Did you mean 'doctor'?"), a value that does not parse with what
/// the value should be ("--max: a whole number, got 'abc'"), never a .NET type name.
/// </summary>
public static partial class ParseErrors
{
    public static IEnumerable<string> Lines(ParseResult parsed, string program)
    {
        List<string> suggestions = Suggestions(parsed);
        var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        bool saidUnmatched = false;
        foreach (ParseError error in parsed.Errors)
        {
            if (RequiredCommand().IsMatch(error.Message) && unmatched.Count > 0)
            {
                continue; // the unmatched word says it better
            }

            if (UnmatchedToken().Match(error.Message) is { Success: true } u)
            {
                string token = u.Groups["token"].Value;
                bool looksLikeCommand = !token.StartsWith('-') && parsed.CommandResult.Command.Subcommands.Count > 0;
                string what = Messages.Get(token.StartsWith('-')
                    ? "error.what.option"
                    : looksLikeCommand ? "error.what.command" : "error.what.argument");
                string of = parsed.CommandResult.Command is RootCommand ? program : $"'{CommandPath(parsed, program)}'";
                string hint = suggestions.Count > 0 && !saidUnmatched
                    ? Messages.Get(
                        "error.did-you-mean",
                        string.Join(Messages.Get("error.or"), suggestions.Select(x => $"'{x}'")))
                    : "";
                saidUnmatched = true;
                yield return Messages.Get("error.not-a", token, what, of, hint);
                continue;
            }

            if (CannotParse().Match(error.Message) is { Success: true } p)
            {
                yield return Messages.Get(
                    "error.cannot-parse",
                    p.Groups["option"].Value,
                    Expected(p.Groups["type"].Value),
                    p.Groups["value"].Value);
                continue;
            }

            yield return error.Message;
        }
    }

    /// <summary>"cgleak fix plan": the command the error is about, for its help.</summary>
    public static string CommandPath(ParseResult parsed, string program)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            names.Add(result.Command is RootCommand ? program : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// The library's own typo corrections (its ParseErrorAction, which prints them in its own format): captured
    /// and returned as words, so that cgleak's one-line errors can carry them.
    /// </summary>
    private static List<string> Suggestions(ParseResult parsed)
    {
        if (parsed.Action is not ParseErrorAction action)
        {
            return [];
        }

        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        var output = new StringWriter();
        _ = parsed.Invoke(
            new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        string[] lines = output.ToString()
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int at = Array.FindIndex(lines, l => l.Contains("Did you mean", StringComparison.Ordinal));
        return at < 0 ? [] : lines[(at + 1)..].Where(l => !l.Contains(' ', StringComparison.Ordinal)).ToList();
    }

    private static string Expected(string type) => Messages.Get(type switch
    {
        "System.Int32" or "System.Int64" or "System.UInt32" or "System.UInt64" => "error.expected.whole-number",
        "System.Double" or "System.Decimal" or "System.Single" => "error.expected.number",
        "System.TimeSpan" => "error.expected.duration",
        "System.Boolean" => "error.expected.boolean",
        _ => "error.expected.other",
    });

    [GeneratedRegex("^Required command was not provided")]
    private static partial Regex RequiredCommand();

    [GeneratedRegex("^Unrecognized command or argument '(?<token>.*)'")]
    private static partial Regex UnmatchedToken();

    [GeneratedRegex(
        "^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
