using System.Text;
using Cgleak.Cli.Core;

namespace Cgleak.Cli.Docs;

/// <summary>
/// Manual pages in roff, written from the command tree: cgleak(1) for the program and one page per command
/// (cgleak-doctor(1), cgleak-fix(1) with its subcommands, ...). `cgleak man --out DIR` writes them; the packages
/// install them under /usr/share/man/man1.
/// </summary>
internal static class ManPages
{
    private static readonly (int Code, string Meaning)[] ExitStatus =
    [
        (ExitCodes.Ok, "ok: the doctor's verdict, or the command did what was asked."),
        (ExitCodes.AtRisk, "at risk: the node is not failing yet but will (the doctor, verify)."),
        (ExitCodes.Affected, "affected: the node has the problem now."),
        (ExitCodes.Unknown, "unknown: not enough could be read to decide."),
        (ExitCodes.LeftBehind,
            "a writing command left something behind it could not remove (named); `cgleak cleanup` retries."),
        (ExitCodes.Usage, "bad arguments: an unknown option, a --host-root that is not a directory."),
        (ExitCodes.Unavailable, "what the command needs is not here: no memory cgroup hierarchy, no runc."),
        (ExitCodes.Internal, "a bug in cgleak, reported in one line (CGLEAK_DEBUG=1 shows where)."),
        (ExitCodes.IoError, "output could not be written."),
        (ExitCodes.Interrupted, "interrupted (SIGINT or SIGTERM) after cleaning up."),
    ];

    /// <summary>File name (cgleak.1, cgleak-doctor.1, ...) and text of every page.</summary>
    public static IEnumerable<(string File, string Text)> Write(CommandDoc root, string program, string version)
    {
        yield return ($"{program}.1", Root(root, program, version));
        foreach (CommandDoc command in root.Subcommands)
        {
            yield return ($"{program}-{command.Path[0]}.1", Command(command, program, version));
        }
    }

    private static string Root(CommandDoc root, string program, string version)
    {
        var s = Header(program, version, root.Description);
        s.Append($".SH SYNOPSIS\n.B {program}\n.I COMMAND\n[\\fIOPTIONS\\fR]\n.br\n");
        s.Append($".B {program}\n\\-\\-version [\\-\\-verbose]\n");
        s.Append($".SH DESCRIPTION\n{Text(root.Description)}\n");
        s.Append($"Each command has its own page, and \\fB{program} COMMAND \\-\\-help\\fR prints its options.\n");
        s.Append(".SH COMMANDS\n");
        foreach (CommandDoc c in root.Subcommands)
        {
            s.Append($".TP\n.B {Text(program + " " + c.Key)}\n{Text(c.Description)}");
            s.Append($" See \\fB{program}\\-{Text(c.Path[0])}\\fR(1).\n");
        }

        Options(s, root);
        s.Append(".SH EXIT STATUS\n");
        foreach ((int code, string meaning) in ExitStatus)
        {
            s.Append($".TP\n.B {code}\n{Text(meaning)}\n");
        }

        s.Append(".SH SEE ALSO\n");
        s.Append(string.Join(",\n", root.Subcommands.Select(c => $".BR {program}\\-{Text(c.Path[0])} (1)")));
        s.Append('\n');
        return s.ToString();
    }

    private static string Command(CommandDoc command, string program, string version)
    {
        string name = $"{program}-{command.Path[0]}";
        var s = Header(name, version, command.Description);
        s.Append(".SH SYNOPSIS\n");
        foreach (CommandDoc c in command.SelfAndDescendants().Where(c => c.Subcommands.Count == 0))
        {
            string arguments = string.Concat(c.Arguments.Select(a => $" \\fI{Text(a)}\\fR"));
            s.Append($".B {Text(program + " " + c.Key)}\n[\\fIOPTIONS\\fR]{arguments}\n.br\n");
        }

        s.Append($".SH DESCRIPTION\n{Text(command.Description)}\n");
        if (command.Key == "agent")
        {
            s.Append($".PP\nThe same agent is the program \\fB{program}\\-agent\\fR, which takes the same options; " +
                $"\\fB{program} agent\\fR runs it when it is installed beside {program}.\n");
        }

        if (command.Subcommands.Count == 0)
        {
            Options(s, command);
        }
        else
        {
            s.Append(".SH COMMANDS\n");
            foreach (CommandDoc sub in command.SelfAndDescendants().Skip(1))
            {
                s.Append($".SS {Text(program + " " + sub.Key)}\n{Text(sub.Description)}\n");
                foreach (OptionDoc o in sub.Options)
                {
                    Option(s, o);
                }
            }
        }

        s.Append($".SH EXIT STATUS\nAs listed in \\fB{program}\\fR(1).\n.SH SEE ALSO\n.BR {program} (1)\n");
        return s.ToString();
    }

    private static StringBuilder Header(string name, string version, string description)
    {
        var s = new StringBuilder();
        s.Append($".\\\" Written by `cgleak man` from cgleak's command definitions; do not edit.\n");
        s.Append($".TH {Text(name.ToUpperInvariant())} 1 \"\" \"cgleak {Text(version)}\" \"cgleak manual\"\n");
        s.Append($".SH NAME\n{Text(name)} \\- {Text(FirstSentence(description))}\n");
        return s;
    }

    private static void Options(StringBuilder s, CommandDoc command)
    {
        s.Append(".SH OPTIONS\n");
        foreach (OptionDoc o in command.Options)
        {
            Option(s, o);
        }
    }

    private static void Option(StringBuilder s, OptionDoc o)
    {
        string names = string.Join(", ", o.AllNames.Where(n => n.StartsWith('-')).Select(n => $"\\fB{Text(n)}\\fR"));
        string value = o.Kind == ValueKind.None ? "" : $" \\fI{Text(o.HelpName ?? "VALUE")}\\fR";
        string fallback = o.Default is { } d ? $" Default: {Text(d)}." : "";
        s.Append($".TP\n{names}{value}\n{Text(o.Description)}{fallback}\n");
    }

    /// <summary>The NAME line: the first sentence, without the "cgleak: " a root's description starts with.</summary>
    private static string FirstSentence(string description)
    {
        string first = description.StartsWith("cgleak", StringComparison.Ordinal)
            && description.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon
            ? description[(colon + 2)..]
            : description;
        int stop = first.IndexOf(". ", StringComparison.Ordinal);
        return (stop > 0 ? first[..stop] : first).TrimEnd('.');
    }

    /// <summary>Escapes text for roff: backslashes, minus signs, a leading dot or quote; `code` in bold.</summary>
    private static string Text(string text)
    {
        var s = new StringBuilder();
        bool code = false;
        foreach (char ch in text)
        {
            switch (ch)
            {
                case '\\': s.Append("\\e"); break;
                case '-': s.Append("\\-"); break;
                case '`': s.Append(code ? "\\fR" : "\\fB"); code = !code; break;
                case '\n': s.Append(' '); break;
                default: s.Append(ch); break;
            }
        }

        if (code)
        {
            s.Append("\\fR");
        }

        return s.Length > 0 && s[0] is '.' or '\'' ? "\\&" + s : s.ToString();
    }
}
