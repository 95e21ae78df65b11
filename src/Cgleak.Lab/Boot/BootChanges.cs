using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host.Boot;

namespace Cgleak.Lab.Boot;

/// <summary>
/// The new text of every boot file a plan's edit touches, as the plan's own commands would leave them
/// (grubby, grub2-editenv, the sed lines, update-grub / grub2-mkconfig), computed on the boot model.
/// </summary>
public static class BootChanges
{
    /// <summary>True when grubby alone makes the whole edit (so a live host with grubby may run it instead).</summary>
    public static bool GrubbyDoesAll(BootEdit edit) =>
        edit.Style != BootStyle.DefaultGrub && !edit.Kernelopts && edit.CmdlineFile is null
        && (edit.NewDefault is null || edit.DefaultIn == DefaultIn.SavedEntry);

    public static Dictionary<string, string> Compute(BootEdit edit, BootConfig boot)
    {
        bool regenerates = edit.Style == BootStyle.DefaultGrub
            || (edit.NewDefault is not null && edit.DefaultIn == DefaultIn.GrubDefault);
        if (regenerates && boot.Stale.Count > 0)
        {
            throw new LabException(new Message("boot-edit.stale", boot.MenuFile?.HostPath,
                Message.Joined("list.semicolon", boot.StaleSaid.Select(Message.Of))));
        }

        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        string Text(string path) => changes.TryGetValue(path, out string? t) ? t
            : boot.All.FirstOrDefault(f => f.HostPath == path)?.Text
                ?? throw new LabException(new Message("boot-edit.not-found", path));
        BootFile Menu() => boot.MenuFile
            ?? throw new LabException(new Message("boot-edit.no-menu"));
        BootFile Env() => boot.GrubEnvFile
            ?? throw new LabException(new Message("boot-edit.no-grubenv"));
        try
        {
            switch (edit.Style)
            {
                case BootStyle.GrubbyGrubCfg:
                    changes[Menu().HostPath] =
                        BootEdits.GrubCfgAddArgument(Text(Menu().HostPath), edit.TargetKernel, edit.Argument);
                    break;
                case BootStyle.GrubbyBls:
                    // An entry that reads $kernelopts takes the argument in grubenv, as grubby does; never expanded
                    // into the entry.
                    BlsEntry entry = boot.Bls.FirstOrDefault(b => b.Id == edit.TargetEntry)
                        ?? boot.Bls.FirstOrDefault(b => b.KernelVersion == edit.TargetKernel)
                        ?? throw new LabException(new Message("boot-edit.no-bls-entry", edit.TargetKernel));
                    if (entry.UsesKernelopts)
                    {
                        changes[Env().HostPath] = BootEdits.GrubEnvAddKernelopt(Text(Env().HostPath), edit.Argument);
                    }
                    else
                    {
                        changes[entry.File] = BootEdits.BlsAddArgument(Text(entry.File), edit.Argument);
                    }

                    break;
                case BootStyle.DefaultGrub:
                    break;
                default:
                    throw new LabException($"unknown boot style {edit.Style}");
            }

            string before = boot.Defaults?.Value("GRUB_CMDLINE_LINUX") ?? "";
            string after = before;
            if (edit.CmdlineFile is { } cmdline)
            {
                changes[cmdline] = BootEdits.DefaultGrubAddArgument(Text(cmdline), edit.Argument);
                after = (edit.Argument + " " + before).TrimEnd();
            }

            if (edit.NewDefault is { } value && edit.DefaultIn == DefaultIn.SavedEntry)
            {
                changes[Env().HostPath] = BootEdits.GrubEnvSetSavedEntry(Text(Env().HostPath), value);
            }
            else if (edit.NewDefault is { } literal)
            {
                string file = boot.Defaults?["GRUB_DEFAULT"]?.File ?? boot.DefaultGrub?.HostPath
                    ?? throw new LabException(new Message("boot-edit.no-default-grub"));
                changes[file] =
                    BootEdits.DefaultGrubSetRaw(Text(file), "GRUB_DEFAULT", BootPlanner.ShellDoubleQuote(literal));
                changes[Menu().HostPath] = BootEdits.GrubCfgSetDefault(Text(Menu().HostPath), literal);
            }

            if (regenerates && after.Contains(edit.Argument, StringComparison.Ordinal))
            {
                // update-grub / grub2-mkconfig write GRUB_CMDLINE_LINUX into every linux line.
                changes[Menu().HostPath] =
                    BootEdits.GrubCfgReplaceCmdlineLinux(Text(Menu().HostPath), before, after, edit.Argument);
            }
        }
        catch (FormatException e)
        {
            throw new LabException(new Message("boot-edit.cannot-edit", e.Message));
        }

        return changes;
    }
}
