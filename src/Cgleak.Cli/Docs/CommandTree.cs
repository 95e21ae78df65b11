using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;

namespace Cgleak.Cli.Docs;

/// <summary>What an option takes: nothing (a flag), one of fixed words, a directory, a file, any text.</summary>
internal enum ValueKind
{
    None,
    Words,
    Directory,
    File,
    Text,
}

internal sealed record OptionDoc(string Name, IReadOnlyList<string> Aliases, string Description, string? HelpName,
    ValueKind Kind, IReadOnlyList<string> Words, string? Default)
{
    public IEnumerable<string> AllNames => [Name, .. Aliases];
}

/// <summary>
/// One command of the tree as the man pages and shell completions show it, read from the System.CommandLine
/// definitions the program parses with, so neither can drift from the real options. Hidden commands and
/// options are left out.
/// </summary>
internal sealed record CommandDoc(IReadOnlyList<string> Path, string Description, IReadOnlyList<OptionDoc> Options,
    IReadOnlyList<string> Arguments, IReadOnlyList<CommandDoc> Subcommands, IReadOnlyList<string> ArgumentWords)
{
    /// <summary>"fix plan" for cgleak fix plan; "" for the root.</summary>
    public string Key => string.Join(' ', Path);

    public IEnumerable<CommandDoc> SelfAndDescendants() =>
        Subcommands.SelectMany(s => s.SelfAndDescendants()).Prepend(this);

    public static CommandDoc Read(Command root) => Read(root, [], []);

    private static CommandDoc Read(Command command, IReadOnlyList<string> path, IReadOnlyList<Option> inherited)
    {
        List<Option> recursive = [.. inherited, .. command.Options.Where(o => o.Recursive)];
        IEnumerable<Option> options = command.Options.Concat(inherited).Where(o => !o.Hidden);
        if (path.Count > 0)
        {
            // --version belongs to the program, not to its commands.
            options = options.Where(o => o is not VersionOption);
        }

        return new CommandDoc(
            path,
            command.Description ?? "",
            [.. options.Select(Describe)],
            [.. command.Arguments.Where(a => !a.Hidden).Select(a => a.HelpName ?? a.Name.ToUpperInvariant())],
            [.. command.Subcommands.Where(c => !c.Hidden).Select(c => Read(c, [.. path, c.Name], recursive))],
            [.. command.Arguments.Where(a => !a.Hidden)
                .SelectMany(a => a.GetCompletions(CompletionContext.Empty)).Select(c => c.Label)]);
    }

    private static OptionDoc Describe(Option option)
    {
        bool flag = option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool)
            || option is HelpOption or VersionOption;
        string[] words = flag ? [] : [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label)];
        string? help = option.HelpName;
        ValueKind kind = flag ? ValueKind.None
            : words.Length > 0 ? ValueKind.Words
            : help is "DIR" ? ValueKind.Directory
            : help is "FILE" or "PATH" ? ValueKind.File
            : ValueKind.Text;
        string? fallback = null;
        if (!flag && option.HasDefaultValue && option.GetDefaultValue() is { } value)
        {
            fallback = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return new OptionDoc(option.Name, [.. option.Aliases.Order(StringComparer.Ordinal)], option.Description ?? "",
            help, kind, words,
            string.IsNullOrEmpty(fallback) ? null : fallback);
    }
}
