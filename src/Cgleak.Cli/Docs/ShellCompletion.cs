using System.Text;

namespace Cgleak.Cli.Docs;

/// <summary>
/// Completion scripts for bash, zsh and fish, written from the command tree: commands, options, and the values
/// of options that take one of fixed words; directories and files where an option takes a DIR or FILE. The
/// scripts are static (no call back into cgleak while completing).
/// </summary>
internal static class ShellCompletion
{
    public static readonly string[] Shells = ["bash", "zsh", "fish"];

    public static string Write(string shell, CommandDoc root, string program) => shell switch
    {
        "bash" => Bash(root, program),
        "zsh" => Zsh(root, program),
        "fish" => Fish(root, program),
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "bash, zsh or fish"),
    };

    private static string Fn(string program) => "_" + program.Replace('-', '_');

    /// <summary>
    /// Three lookup functions both bash and zsh read (POSIX case syntax): commands and options at a path, and what
    /// an option there takes.
    /// </summary>
    private static string Tables(CommandDoc root, string program)
    {
        string fn = Fn(program);
        var s = new StringBuilder();
        s.Append($"{fn}_commands() {{\n  case \"$1\" in\n");
        foreach (CommandDoc c in root.SelfAndDescendants().Where(c => c.Subcommands.Count > 0))
        {
            s.Append($"    {Quote(c.Key)}) echo {Quote(string.Join(' ', c.Subcommands.Select(x => x.Path[^1])))} ;;\n");
        }

        s.Append("  esac\n}\n\n");
        s.Append("# The fixed words the arguments of the command at $1 take (cgleak completion bash|zsh|fish).\n");
        s.Append($"{fn}_arguments() {{\n  case \"$1\" in\n");
        foreach (CommandDoc c in root.SelfAndDescendants().Where(c => c.ArgumentWords.Count > 0))
        {
            s.Append($"    {Quote(c.Key)}) echo {Quote(string.Join(' ', c.ArgumentWords))} ;;\n");
        }

        s.Append("  esac\n}\n\n");
        s.Append($"{fn}_options() {{\n  case \"$1\" in\n");
        foreach (CommandDoc c in root.SelfAndDescendants())
        {
            string names = string.Join(' ', c.Options.SelectMany(o => o.AllNames).Where(IsShellOption));
            s.Append($"    {Quote(c.Key)}) echo {Quote(names)} ;;\n");
        }

        s.Append("  esac\n}\n\n");
        s.Append("# What option $2 of the command at $1 takes: words W..., dir, file or text; status 1: a flag.\n");
        s.Append($"{fn}_value() {{\n  case \"$1|$2\" in\n");
        foreach (CommandDoc c in root.SelfAndDescendants())
        {
            foreach (OptionDoc o in c.Options.Where(o => o.Kind != ValueKind.None))
            {
                string patterns = string.Join(" | ",
                    o.AllNames.Where(IsShellOption).Select(n => Quote(c.Key + "|" + n)));
                s.Append($"    {patterns}) echo {Quote(ValueWord(o))} ;;\n");
            }
        }

        s.Append("    *) return 1 ;;\n  esac\n}\n");
        return s.ToString();
    }

    private static string ValueWord(OptionDoc o) => o.Kind switch
    {
        ValueKind.Words => "words " + string.Join(' ', o.Words),
        ValueKind.Directory => "dir",
        ValueKind.File => "file",
        _ => "text",
    };

    private static bool IsShellOption(string name) => name.StartsWith("--", StringComparison.Ordinal)
        || (name.Length == 2 && name[0] == '-' && char.IsAsciiLetterOrDigit(name[1]));

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Bash(CommandDoc root, string program)
    {
        string fn = Fn(program);
        return $$"""
            # bash completion for {{program}}; written by `{{program}} completion bash` from its command definitions.
            # Load it with: source <({{program}} completion bash), or install it as
            # /usr/share/bash-completion/completions/{{program}}.

            {{Tables(root, program)}}
            {{fn}}() {
              local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmdpath='' word value i
              # bash splits --option=value at '=': complete the value of the option before it.
              if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD - 2]}; fi
              if [[ $cur == = ]]; then cur=''; fi
              for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                if [[ $word == -* ]]; then
                  if [[ ${COMP_WORDS[i + 1]:-} == = ]]; then
                    ((i += 2))
                  elif {{fn}}_value "$cmdpath" "$word" >/dev/null; then
                    ((i += 1))
                  fi
                elif [[ " $({{fn}}_commands "$cmdpath") " == *" $word "* ]]; then
                  cmdpath=${cmdpath:+$cmdpath }$word
                fi
              done
              if [[ $prev == -* ]] && value=$({{fn}}_value "$cmdpath" "$prev"); then
                case $value in
                  words\ *) mapfile -t COMPREPLY < <(compgen -W "${value#words }" -- "$cur") ;;
                  dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
                  file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
                  *) COMPREPLY=() ;;
                esac
                return 0
              fi
              if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$({{fn}}_options "$cmdpath")" -- "$cur")
              else
                value="$({{fn}}_commands "$cmdpath") $({{fn}}_arguments "$cmdpath")"
                mapfile -t COMPREPLY < <(compgen -W "$value" -- "$cur")
              fi
              return 0
            }
            complete -F {{fn}} {{program}}

            """;
    }

    private static string Zsh(CommandDoc root, string program)
    {
        string fn = Fn(program);
        return $$"""
            #compdef {{program}}
            # zsh completion for {{program}}; written by `{{program}} completion zsh` from its command definitions.
            # Install it as _{{program}} in a directory of $fpath (Debian: /usr/share/zsh/vendor-completions).

            {{Tables(root, program)}}
            {{fn}}() {
              local cmdpath='' word value opt cur=${words[CURRENT]}
              local -i i
              for ((i = 2; i < CURRENT; i++)); do
                word=${words[i]}
                if [[ $word == -* ]]; then
                  if [[ $word != *=* ]] && {{fn}}_value "$cmdpath" "$word" >/dev/null; then
                    ((i += 1))
                  fi
                elif [[ " $({{fn}}_commands "$cmdpath") " == *" $word "* ]]; then
                  cmdpath=${cmdpath:+$cmdpath }$word
                fi
              done
              opt=${words[CURRENT - 1]}
              if [[ $cur == -*=* ]]; then
                opt=${cur%%=*}
                compset -P '*='
              fi
              if [[ $opt == -* ]] && value=$({{fn}}_value "$cmdpath" "$opt"); then
                case $value in
                  words\ *) compadd -- ${=value#words } ;;
                  dir) _files -/ ;;
                  file) _files ;;
                esac
                return 0
              fi
              if [[ $cur == -* ]]; then
                compadd -- ${=$({{fn}}_options "$cmdpath")}
              else
                compadd -- ${=$({{fn}}_commands "$cmdpath")} ${=$({{fn}}_arguments "$cmdpath")}
              fi
            }

            {{fn}} "$@"

            """;
    }

    private static string Fish(CommandDoc root, string program)
    {
        string fn = "_" + Fn(program);
        var s = new StringBuilder();
        s.Append($"# fish completion for {program}; written by `{program} completion fish` from its commands.\n");
        s.Append($"# Install it as /usr/share/fish/vendor_completions.d/{program}.fish.\n\n");
        s.Append($"function {fn}_commands\n    switch \"$argv[1]\"\n");
        foreach (CommandDoc c in root.SelfAndDescendants().Where(c => c.Subcommands.Count > 0))
        {
            string names = string.Join(' ', c.Subcommands.Select(x => x.Path[^1]));
            s.Append($"        case {Quote(c.Key)}\n            printf '%s\\n' {names}\n");
        }

        s.Append("    end\nend\n\n");
        s.Append($"function {fn}_takes_value\n    switch \"$argv[1]|$argv[2]\"\n");
        string[] valued = [.. root.SelfAndDescendants().SelectMany(c => c.Options.Where(o => o.Kind != ValueKind.None)
            .SelectMany(o => o.AllNames.Where(IsShellOption).Select(n => Quote(c.Key + "|" + n))))];
        if (valued.Length > 0)
        {
            s.Append($"        case {string.Join(' ', valued)}\n            return 0\n");
        }

        s.Append("    end\n    return 1\nend\n\n");
        s.Append($$"""
            # The command path before the cursor ("fix plan"), skipping options and the values they take.
            function {{fn}}_path
                set -l cmdpath
                set -l skip 0
                for word in (commandline -opc)[2..-1]
                    if test $skip = 1
                        set skip 0
                    else if string match -q -- '-*' $word
                        if not string match -q -- '*=*' $word; and {{fn}}_takes_value "$cmdpath" $word
                            set skip 1
                        end
                    else if contains -- $word ({{fn}}_commands "$cmdpath")
                        set -a cmdpath $word
                    end
                end
                echo "$cmdpath"
            end

            function {{fn}}_at
                set -l here ({{fn}}_path)
                test "$here" = "$argv[1]"
            end

            complete -c {{program}} -f

            """);
        foreach (CommandDoc c in root.SelfAndDescendants())
        {
            string at = $"-n {Quote($"{fn}_at {Quote(c.Key)}")}";
            foreach (CommandDoc sub in c.Subcommands)
            {
                s.Append($"complete -c {program} {at} -a {sub.Path[^1]} -d {Quote(Summary(sub.Description))}\n");
            }

            if (c.ArgumentWords.Count > 0)
            {
                s.Append($"complete -c {program} {at} -a {Quote(string.Join(' ', c.ArgumentWords))}\n");
            }

            foreach (OptionDoc o in c.Options)
            {
                var names = new StringBuilder();
                foreach (string n in o.AllNames.Where(IsShellOption))
                {
                    names.Append(n.StartsWith("--", StringComparison.Ordinal) ? $" -l {n[2..]}" : $" -s {n[1..]}");
                }

                string takes = o.Kind switch
                {
                    ValueKind.Words => $" -x -a {Quote(string.Join(' ', o.Words))}",
                    ValueKind.Directory => " -x -a '(__fish_complete_directories)'",
                    ValueKind.File => " -r -F",
                    ValueKind.Text => " -x",
                    _ => "",
                };
                s.Append($"complete -c {program} {at}{names}{takes} -d {Quote(Summary(o.Description))}\n");
            }
        }

        return s.ToString();
    }

    /// <summary>The first sentence, for the one line a shell shows beside a completion.</summary>
    private static string Summary(string description)
    {
        int end = description.IndexOf(". ", StringComparison.Ordinal);
        string first = end > 0 ? description[..end] : description.TrimEnd('.');
        return first.Replace('`', '\'');
    }
}
