using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Knowledge;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Boot;
using Cgleak.Host.Facts;
using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Fix;

/// <summary>
/// The boot part of a kernel plan, decided on the boot model alone: which entry boots, which one to boot,
/// and where the argument goes.
/// </summary>
/// <param name="Target">the entry to boot with the argument, null when no entry runs a kernel that honours it.</param>
public sealed record BootDecision(
    IReadOnlyList<BootEntry> Entries, int? Next, BootMenuEntry? NextEntry, BootMenuEntry? Target, FixStep ListStep);

/// <summary>
/// The boot steps of the runbook's method 2 (DIGEST 5) on one host's <see cref="BootConfig"/>: list the entries
/// with GRUB's numbers, move the default when the entry that boots next ignores cgroup.memory=nokmem, add the
/// argument where that distribution's tools put it (grubby and GRUB_CMDLINE_LINUX on the Red Hat family,
/// grubenv's kernelopts for BLS entries that read it, GRUB_CMDLINE_LINUX and update-grub on Debian), with
/// every command quoted for the shell and every file an apply changes named.
/// </summary>
public static class BootPlanner
{
    private const string Arg = FixPlan.NokmemArgument;

    public static BootDecision Decide(BootConfig boot, List<Message> problems)
    {
        var said = problems.Select(p => p.ToString()).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(boot.ProblemsSaid.Where(p => !said.Contains(p.English)).Select(Message.Of));
        problems.AddRange(boot.NotesSaid.Select(Message.Of));
        var entries = boot.Entries.Select(e => new BootEntry(
            e.Index, e.Title, e.KernelVersion, !e.IsOtherSystem && Honours(e.KernelVersion),
            KernelCmdline.Parse(e.Arguments).HasListOption("cgroup.memory", "nokmem"))
        { Number = e.Number }).ToList();
        BootMenuEntry? next = boot.Next.Entry;
        BootMenuEntry? target = next is not null && !next.IsOtherSystem && Honours(next.KernelVersion) ? next
            : boot.Entries.Where(e => !e.IsRecovery && !e.IsOtherSystem && Honours(e.KernelVersion))
                .OrderByDescending(e => e.KernelVersion, KernelVersionOrder.Instance).ThenBy(e => e.Index)
                .FirstOrDefault();
        if (boot.Next.Once && boot.Next.Entry is { } once)
        {
            problems.Add(new Message("plan.note.next-once", Message.Of(boot.Next.SourceSaid), once.Number, once.Title));
        }

        string tools = BootTools.EditEnv(boot.Tooling ?? BootTooling.Grubby);
        var list = new List<string> { ListCommand(boot) };
        string defaultsFile = boot.Defaults?["GRUB_DEFAULT"]?.File ?? "/etc/default/grub";
        bool saved = boot.UsesBls || boot.Menu?.Default == "${saved_entry}";
        list.Add(saved ? $"{tools} list" : $"grep ^GRUB_DEFAULT= {FixPlanner.Word(defaultsFile)}");
        var check = new List<Message>
        {
            next is not null
                ? new Message("plan.check.boots-next", next.Number, next.Title, Message.Of(boot.Next.SourceSaid))
                : boot.Next.ProblemSaid is { } p
                ? new Message("plan.check.next-unknown.why", Message.Of(p))
                : new Message("plan.check.next-unknown"),
        };
        if (boot.Chain.Count > 1)
        {
            check.Add(new Message("plan.check.chain",
                Message.Joined("plan.check.chain.then", boot.Chain.Select(c => new Message("text.verbatim", c)))));
        }

        var step = new FixStep(
            new Message("plan.boot.list"), new Message("plan.boot.list.why"),
            list, [.. check.Select(c => c.ToString())], [], ByApply: false)
        {
            CheckSaid = check,
        };
        return new BootDecision(entries, next?.Index, next, target, step);
    }

    /// <summary>The steps that make the target the default and give it the argument; the edit apply makes.</summary>
    public static (List<FixStep> Steps, BootEdit Edit) Steps(
        BootConfig boot, BootDecision d, Message why, List<Message> problems)
    {
        BootMenuEntry target = d.Target ?? throw new ArgumentException("no target entry", nameof(d));
        var steps = new List<FixStep>();
        BootTooling tooling = boot.Tooling ?? BootTooling.Grubby;
        bool redHat = tooling == BootTooling.Grubby;
        BootStyle style = boot.UsesBls ? BootStyle.GrubbyBls : redHat ? BootStyle.GrubbyGrubCfg : BootStyle.DefaultGrub;
        // Host values in commands are quoted (FixPlanner.Word): a kernel version or file name is the host's text.
        string image = FixPlanner.Word($"/boot/vmlinuz-{target.KernelVersion}");
        string menuPath = boot.MenuFile?.HostPath ?? "/boot/grub2/grub.cfg";
        string menu = FixPlanner.Word(menuPath);
        string regenerate = BootTools.Regenerate(tooling, menu);
        string editenv = BootTools.EditEnv(tooling);
        GrubSetting? cmdline = boot.Defaults?["GRUB_CMDLINE_LINUX"];
        string? cmdlineFile = cmdline?.File ?? boot.DefaultGrub?.HostPath;
        var files = new List<string>();

        // The default.
        bool moves = d.NextEntry != target;
        DefaultIn defaultIn = boot.UsesBls || boot.Menu?.Default == "${saved_entry}"
            ? DefaultIn.SavedEntry
            : DefaultIn.GrubDefault;
        string? newDefault = !moves ? null : boot.UsesBls ? target.Id : target.TitlePath;
        string? oldDefault = defaultIn == DefaultIn.SavedEntry
            ? boot.Env?["saved_entry"]
            : boot.Defaults?["GRUB_DEFAULT"]?.Raw;
        Message nextText = d.NextEntry is { } n
            ? new Message(
                "plan.boot.next-entry",
                n.Number,
                n.Title,
                (object?)n.KernelVersion ?? new Message("plan.boot.no-kernel"))
            : new Message("plan.boot.next-unknown");
        if (moves && defaultIn == DefaultIn.SavedEntry)
        {
            string setDefault = BootTools.SetDefault(tooling);
            string set = boot.UsesBls
                ? $"grubby --set-default {image}"
                : $"{setDefault} {FixPlanner.Quote(newDefault!)}";
            bool canApply = boot.GrubEnvFile is not null;
            if (!canApply)
            {
                problems.Add(new Message("plan.note.no-grubenv", menuPath, set));
            }

            files.AddRange(canApply ? [boot.GrubEnvFile!.HostPath] : []);
            steps.Add(new FixStep(
                new Message("plan.boot.make-default", target.Number, target.Title),
                new Message("plan.boot.make-default.saved.why", nextText, Arg, NokmemArgumentCheck.CheckId,
                    Message.Of(boot.Next.SourceSaid), Changes(canApply ? [boot.GrubEnvFile!.HostPath] : [])),
                [set],
                [
                    $"{editenv} list",
                    boot.UsesBls
                        ? "grubby --default-kernel"
                        : $"{editenv} list | grep -Fx {FixPlanner.Quote("saved_entry=" + newDefault)}",
                ],
                [
                    oldDefault is null
                        ? $"{editenv} - unset saved_entry"
                        : $"{editenv} - set {FixPlanner.Quote("saved_entry=" + oldDefault)}",
                ],
                ByApply: canApply));
            newDefault = canApply ? newDefault : null;
        }

        // The argument on the entry itself.
        bool has = KernelCmdline.Parse(target.Arguments).HasListOption("cgroup.memory", "nokmem");
        bool kernelopts = boot.UsesBls && target.UsesKernelopts;
        string family = target.KernelVersion?.Contains(".el7", StringComparison.Ordinal) == true ? "L5" : "L3";
        if (!has && kernelopts)
        {
            string old = boot.Env?["kernelopts"] ?? "";
            string updated = old.Length == 0 ? Arg : old.TrimEnd() + " " + Arg;
            files.Add(boot.GrubEnvFile!.HostPath);
            steps.Add(new FixStep(
                new Message("plan.boot.kernelopts", Arg, boot.GrubEnvFile.HostPath),
                new Message("plan.boot.kernelopts.why", why, target.KernelVersion, NokmemArgumentCheck.CheckId, family,
                    Path.GetFileName(target.File), Changes([boot.GrubEnvFile.HostPath])),
                [$"grub2-editenv - set {FixPlanner.Quote("kernelopts=" + updated)}"],
                ["grub2-editenv list | grep ^kernelopts=", $"grubby --info {image} | grep {Arg}"],
                [$"grub2-editenv - set {FixPlanner.Quote("kernelopts=" + old)}"], ByApply: true));
        }
        else if (!has && style != BootStyle.DefaultGrub)
        {
            files.Add(target.File);
            steps.Add(new FixStep(
                new Message("plan.boot.add", Arg, image),
                new Message(
                    "plan.boot.add.why",
                    why,
                    target.KernelVersion,
                    family,
                    target.File,
                    Changes([target.File])),
                [$"grubby --args={Arg} --update-kernel {image}"],
                [$"grubby --info {image} | grep {Arg}"],
                [$"grubby --remove-args={Arg} --update-kernel {image}"], ByApply: true));
        }

        // GRUB_CMDLINE_LINUX: where update-grub takes the argument from on Debian, and what keeps it on the Red Hat
        // family when grub2-mkconfig rebuilds the menu or a kernel is installed later.
        bool cmdlineHas = cmdline is not null
            && KernelCmdline.Parse(cmdline.Value).HasListOption("cgroup.memory", "nokmem");
        if (cmdlineFile is not null && !cmdlineHas && (!has || style == BootStyle.DefaultGrub))
        {
            files.Add(cmdlineFile);
            var commands = new List<string> { AddToCmdline(cmdline, cmdlineFile) };
            var undo = new List<string> { $"sed -i 's/{Arg} //' {FixPlanner.Word(cmdlineFile)}" };
            if (style == BootStyle.DefaultGrub)
            {
                commands.Add(regenerate);
                undo.Add(regenerate);
                files.Add(menuPath);
            }

            steps.Add(new FixStep(
                style == BootStyle.DefaultGrub
                    ? new Message("plan.boot.cmdline-regenerate", Arg, menuPath)
                    : new Message("plan.boot.cmdline-keep", Arg),
                style == BootStyle.DefaultGrub
                    ? new Message(
                        "plan.boot.regenerate.why",
                        why,
                        target.KernelVersion,
                        family,
                        Changes([cmdlineFile, menuPath]))
                    : boot.UsesBls
                        ? new Message("plan.boot.keep-bls.why", Changes([cmdlineFile]))
                        : new Message("plan.boot.keep.why", regenerate.Split(' ')[0], Changes([cmdlineFile])),
                commands,
                [
                    $"grep ^GRUB_CMDLINE_LINUX= {FixPlanner.Word(cmdlineFile)}",
                    style == BootStyle.DefaultGrub
                        ? $"grep -c {Arg} {menu}"
                        : $"grep -c {Arg} {FixPlanner.Word(cmdlineFile)}",
                ],
                undo, ByApply: true));
        }
        else if (cmdlineFile is null && style != BootStyle.GrubbyBls)
        {
            problems.Add(new Message(style == BootStyle.DefaultGrub
                ? "plan.note.no-default-grub.update"
                : "plan.note.no-default-grub.regenerate"));
        }

        // A literal default: GRUB_DEFAULT, quoted (so "1>2" is no shell redirection when grub-mkconfig sources
        // the file), then regenerate.
        if (moves && defaultIn == DefaultIn.GrubDefault)
        {
            GrubSetting? current = boot.Defaults?["GRUB_DEFAULT"];
            string file = current?.File ?? boot.DefaultGrub?.HostPath ?? "/etc/default/grub";
            string raw = ShellDoubleQuote(newDefault!);
            files.AddRange([file, menuPath]);
            steps.Add(new FixStep(
                new Message("plan.boot.make-default", target.Number, target.Title),
                new Message("plan.boot.make-default.literal.why", nextText, Arg, NokmemArgumentCheck.CheckId, menuPath,
                    boot.Menu?.Default, Changes([file, menuPath])),
                [SetLine("GRUB_DEFAULT", raw, file), regenerate],
                [$"grep ^GRUB_DEFAULT= {FixPlanner.Word(file)}", $"grep '^set default=' {menu}"],
                [
                    current is null
                        ? $"sed -i '/^GRUB_DEFAULT=/d' {FixPlanner.Word(file)}"
                        : SetLine("GRUB_DEFAULT", current.Raw, file),
                    regenerate,
                ],
                ByApply: true));
        }

        if (boot.Stale.Count > 0)
        {
            problems.Add(new Message("plan.note.stale", menuPath,
                Message.Joined("list.semicolon", boot.StaleSaid.Select(Message.Of)), regenerate));
        }

        string targetEntry = boot.UsesBls ? target.Id ?? target.Title : target.TitlePath;
        var edit = new BootEdit(style, target.KernelVersion!, targetEntry, newDefault, oldDefault, Arg,
            boot.UsesBls ? "/boot/loader/entries" : menuPath)
        {
            DefaultIn = defaultIn,
            Kernelopts = kernelopts && !has,
            CmdlineFile = cmdlineFile is not null && !cmdlineHas && (!has || style == BootStyle.DefaultGrub)
                ? cmdlineFile
                : null,
            Files = files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        };
        return (steps, edit);
    }

    /// <summary>
    /// Lists the menu with GRUB's numbers: top-level items count once each (a submenu too), entries inside a
    /// submenu are "N>M"; both quote styles. BLS: grubby's own list.
    /// </summary>
    private static string ListCommand(BootConfig boot) =>
        boot.UsesBls
            ? "grubby --info=ALL | grep -E '^(index|kernel|title)='"
            : "awk -F\"[\\\"']\" '/^(menuentry|submenu) /{n=t++; s=($1==\"submenu \"); i=0; "
              + "print n \" : \" $2 (s ? \" >\" : \"\")} "
              + "/^[[:space:]]+menuentry /{if (s) print \"  \" n \">\" i++ \" : \" $2}' "
              + FixPlanner.Word(boot.MenuFile?.HostPath ?? "/boot/grub2/grub.cfg");

    private static string AddToCmdline(GrubSetting? setting, string file) =>
        setting is null ? $"echo {FixPlanner.Quote($"GRUB_CMDLINE_LINUX=\"{Arg}\"")} >> {FixPlanner.Word(file)}"
        : setting.Raw.StartsWith('"') ? $"sed -i 's/^GRUB_CMDLINE_LINUX=\"/&{Arg} /' {FixPlanner.Word(file)}"
        : SetLine("GRUB_CMDLINE_LINUX", ShellDoubleQuote((Arg + " " + setting.Value).Trim()), file);

    /// <summary>sed that replaces the KEY= line with KEY=RAW, quoted for the shell and for sed.</summary>
    internal static string SetLine(string key, string raw, string file) =>
        $"sed -i {FixPlanner.Quote($"s/^{key}=.*/{key}={SedEscape(raw)}/")} {FixPlanner.Word(file)}";

    private static string SedEscape(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("/", "\\/", StringComparison.Ordinal)
            .Replace("&", "\\&", StringComparison.Ordinal);

    /// <summary>A value as a shell file sources it: "..." with \, ", $ and ` escaped.</summary>
    public static string ShellDoubleQuote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "\"";

    private static Message Changes(IEnumerable<string> files) =>
        new("plan.changes", string.Join(", ", files.Distinct(StringComparer.Ordinal)));

    internal static bool Honours(string? version) =>
        version is not null && KernelRelease.Parse(version) is { } k && KernelKnowledge.Of(k).HonoursNokmem;
}
