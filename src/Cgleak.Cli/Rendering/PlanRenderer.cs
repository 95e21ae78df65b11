using System.Text;
using System.Text.Json;
using Cgleak.Cli.Core.Rendering;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Cli.Rendering;

/// <summary>
/// A fix plan for people (text), for a person to review and run (sh), and for scripts (json, always English). Text
/// and the script's comments are in the reader's language; commands, paths and identifiers stay as they are.
/// </summary>
public static class PlanRenderer
{
    public static string Text(FixPlan plan, string hostLabel, Language? language = null)
    {
        Language l = language ?? Languages.Current;
        string T(string key, params object?[] args) => new Message(key, args).In(l);
        var o = new StringBuilder();
        o.AppendLine(T("plan.text.header", hostLabel));
        o.AppendLine(plan.SummarySaid?.In(l) ?? plan.Summary);
        if (plan.Entries.Count > 0)
        {
            o.AppendLine();
            o.AppendLine(T("plan.text.entries"));
            foreach (BootEntry e in plan.Entries)
            {
                char next = e.Index == plan.NextBoot ? '*' : ' ', honours = e.HonoursNokmem ? '+' : ' ';
                char has = e.HasArgument ? '=' : ' ';
                o.AppendLine($"  {next}{honours}{has} {(e.Number.Length > 0 ? e.Number : e.Index)} : {e.Title}");
            }
        }

        int n = 0;
        foreach (FixStep step in plan.Steps)
        {
            o.AppendLine();
            o.AppendLine(
                $"{++n}. {step.TitleSaid?.In(l) ?? step.Title}{(step.ByApply ? T("plan.text.by-apply") : "")}");
            o.AppendLine($"   {T("plan.text.why")}{step.WhySaid?.In(l) ?? step.Why}");
            foreach (string c in step.Commands)
            {
                o.AppendLine($"   {T("plan.text.run")}{c}");
            }

            foreach (string c in step.CheckSaid?.Select(m => m.In(l)) ?? step.Check)
            {
                o.AppendLine($"   {T("plan.text.check")}{c}");
            }

            foreach (string c in step.Undo)
            {
                o.AppendLine($"   {T("plan.text.undo")}{c}");
            }
        }

        foreach (string p in plan.ProblemsSaid?.Select(m => m.In(l)) ?? plan.Problems)
        {
            o.AppendLine();
            o.AppendLine(T("plan.text.note", p));
        }

        return TerminalText.EscapeLines(o.ToString()); // titles and notes come from the host's boot files
    }

    /// <summary>
    /// A script a person reviews and runs: set -euo pipefail, every boot step guarded so it is idempotent,
    /// package steps left as comments, and the reboot behind a prompt. Text from the host (entry titles, kernel
    /// versions, file names) reaches it in comments, escaped to one line (<see cref="Comment"/>), in step titles,
    /// single-quoted, and in commands, quoted by the planners (<see cref="FixPlanner.Word"/>); a command with a
    /// control character in it is never written as code (<see cref="Code"/>).
    /// </summary>
    public static string Shell(FixPlan plan, string hostLabel, Language? language = null)
    {
        Language l = language ?? Languages.Current;
        string T(string key, params object?[] args) => new Message(key, args).In(l);
        var o = new StringBuilder();
        o.Append("#!/usr/bin/env bash\n");
        o.Append(Comment(T("plan.sh.header", hostLabel)));
        o.Append(Comment(plan.SummarySaid?.In(l) ?? plan.Summary));
        o.Append(Comment(T("plan.sh.review")));
        o.Append(Comment(T("plan.sh.review2")));
        o.Append("set -euo pipefail\n");
        o.Append("NODE=\"${NODE:-$(hostname)}\"\n");
        o.Append("step() { printf '\\n== %s\\n' \"$*\"; }\n");
        o.Append("confirm() { local answer; read -r -p \"$1 [y/N] \" answer; [[ \"$answer\" == y || \"$answer\" == "
            + "yes ]]; }\n");
        int n = 0;
        foreach (FixStep step in plan.Steps)
        {
            o.Append(
                $"\nstep {FixPlanner.Quote(TerminalText.Escape($"{++n}. {step.TitleSaid?.In(l) ?? step.Title}"))}\n");
            o.Append(Comment(T("plan.sh.why") + (step.WhySaid?.In(l) ?? step.Why)));
            foreach (string u in step.Undo)
            {
                o.Append(Comment(T("plan.sh.undo") + u));
            }

            o.Append(Body(plan, step, l));
        }

        return o.ToString();
    }

    private static string Body(FixPlan plan, FixStep step, Language l)
    {
        string T(string key) => Messages.Template(l, key);
        string cmd = step.Commands.Count > 0 ? step.Commands[0] : "";
        var b = new StringBuilder();
        if (cmd.StartsWith("systemctl reboot", StringComparison.Ordinal))
        {
            b.Append($"if confirm \"{T("plan.sh.reboot-now")}\"; then\n  systemctl reboot\nelse\n  echo "
                + $"'{T("plan.sh.not-rebooted")}'\n  exit 0\nfi\n");
        }
        else if (PackageTools.Any(t => cmd.StartsWith(t, StringComparison.Ordinal)) || cmd.StartsWith('#'))
        {
            foreach (string c in step.Commands)
            {
                b.Append(Comment(c.TrimStart('#', ' ')));
            }

            b.Append($"echo '{T("plan.sh.package-step")}' >&2\n");
        }
        else if (step.ByApply && plan.Edit is { } edit && Plain(edit.TargetKernel)
            && cmd.Contains("--args=", StringComparison.Ordinal))
        {
            string image = FixPlanner.Word($"/boot/vmlinuz-{edit.TargetKernel}");
            b.Append(
                $"if ! grubby --info {image} | grep -q -- {FixPlanner.Quote(edit.Argument)}; then\n  {Code(cmd)}fi\n");
            b.Append($"grubby --info {image} | grep -- {FixPlanner.Quote(edit.Argument)}\n");
        }
        else if (step.ByApply && plan.Edit is { } e2 && Plain(e2.NewDefault)
            && cmd.StartsWith("grub2-set-default", StringComparison.Ordinal))
        {
            b.Append($"if [[ \"$(grub2-editenv list | sed -n 's/^saved_entry=//p')\" != "
                + $"{FixPlanner.Quote(e2.NewDefault!)} ]]; then\n  {Code(cmd)}fi\ngrub2-editenv list\n");
        }
        else if (step.ByApply && cmd.StartsWith("sed -i 's/^GRUB_CMDLINE_LINUX=", StringComparison.Ordinal)
            && plan.Edit?.CmdlineFile is { } file
            && Plain(file))
        {
            b.Append($"if ! grep -q '^GRUB_CMDLINE_LINUX=.*{FixPlan.NokmemArgument}' {FixPlanner.Word(file)}; then\n "
                + $" {Code(cmd)}fi\n");
            foreach (string c in step.Commands.Skip(1))
            {
                b.Append(Code(c));
            }
        }
        else
        {
            foreach (string c in step.Commands)
            {
                b.Append(c.StartsWith("cgleak verify", StringComparison.Ordinal)
                    || c.StartsWith("grep -o", StringComparison.Ordinal)
                    || c.StartsWith("kubectl uncordon", StringComparison.Ordinal)
                    || c.StartsWith("cgleak doctor", StringComparison.Ordinal)
                    ? Comment(T("plan.sh.after-reboot") + c)
                    : Code(c));
            }
        }

        return b.ToString();
    }

    /// <summary>
    /// Host text the guards of a boot step quote: with a control character, the step is written without a guard (<see
    /// cref="Code"/> stops it).
    /// </summary>
    private static bool Plain(string? text) => text is null || !text.Any(char.IsControl);

    /// <summary>How package steps begin (left as comments: packages are installed by a person).</summary>
    private static readonly string[] PackageTools = ["yum ", "dnf ", "apt-get ", "<package manager> "];

    /// <summary>
    /// A comment line: a newline or control byte in host text is shown escaped, so it cannot end the comment.
    /// </summary>
    private static string Comment(string text) => "# " + TerminalText.Escape(text) + "\n";

    /// <summary>
    /// A line of code. The planners quote every host value in a command; a control character in one (a newline
    /// would begin a command nobody reviewed) makes it a comment and a stop instead.
    /// </summary>
    private static string Code(string command) =>
        !command.Any(char.IsControl) ? command + "\n"
            : Comment("not run, it holds a control character: " + command)
                + "echo 'cgleak: a command of this step holds a control character: review the plan' >&2\nexit 1\n";

    public static string Json(FixPlan plan) => JsonSerializer.Serialize(plan, PlanJsonContext.Default.FixPlan);
}

/// <summary>
/// The plan's JSON: camelCase names, enum values in kebab case as the rest of cgleak's JSON spells them
/// ("kernel", "grubby-grub-cfg", "saved-entry").
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase,
    Converters =
    [
        typeof(KebabCaseNames<FixMethod>), typeof(KebabCaseNames<BootStyle>), typeof(KebabCaseNames<DefaultIn>),
    ])]
[System.Text.Json.Serialization.JsonSerializable(typeof(FixPlan))]
public sealed partial class PlanJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>
/// An enum written in kebab case ("GrubbyGrubCfg" as "grubby-grub-cfg"); reading accepts that spelling.
/// </summary>
public sealed class KebabCaseNames<T>() : System.Text.Json.Serialization.JsonStringEnumConverter<T>(
    JsonNamingPolicy.KebabCaseLower,
    allowIntegerValues: false)
    where T : struct, Enum;
