using System.Globalization;
using System.Text;
using Cgleak.Diagnosis.Fix;
using Cgleak.Host;
using Cgleak.Host.Boot;

namespace Cgleak.Lab.Boot;

/// <summary>One file a fix changed: where, its hash before and after, and where its backup is.</summary>
public sealed record ChangedFile(string HostPath, string Sha256Before, string Sha256After, string Backup);

/// <summary>What apply or undo did.</summary>
public sealed record BootChangeResult(IReadOnlyList<ChangedFile> Files, string? BackupDirectory, IReadOnlyList<string> Messages)
{
    public bool Changed => Files.Count > 0;
}

/// <summary>
/// Applies the boot part of a fix plan: the default entry and the argument, never a reboot or a package.
/// Refuses a plan whose input files changed since it was made. Backs up every file it changes under the
/// state directory (with a manifest `cgleak fix undo` uses), writes every new file to a temp file beside it
/// first and only then renames them into place, so a crash leaves each file whole, old or new.
/// Given a grubby (the CLI passes one on a live el7/el8 host that has it) it runs grubby and checks with
/// grubby --info; otherwise it edits the files itself as grubby and update-grub would (<see cref="BootEdits"/>).
/// </summary>
public sealed class BootEditor(HostRoot host, string stateDirectory, string? grubby = null)
{
    public const string ManifestName = "manifest";

    /// <summary>For tests: called with each target before its rename; throwing simulates a crash there.</summary>
    internal Action<string>? BeforeRename { get; init; }

    public BootChangeResult Apply(FixPlan plan)
    {
        if (plan.NeedsKernelFirst)
        {
            throw new LabException("this plan needs a kernel that honours cgroup.memory=nokmem installed first; install it, then run `cgleak fix plan` again: nothing was changed");
        }

        if (plan.Edit is not { } edit)
        {
            return new BootChangeResult([], null, [plan.Steps.Count == 0 ? "nothing to apply: " + plan.Summary : "this plan has no boot change to apply (components method): its steps are for a person"]);
        }

        BootConfig boot = BootConfig.Read(host);
        RefuseStale(plan, boot);
        Dictionary<string, string> changes = Compute(edit, boot);
        var current = boot.All.ToDictionary(f => f.HostPath, f => f.Text, StringComparer.Ordinal);
        foreach (string unchanged in changes.Where(c => current[c.Key] == c.Value).Select(c => c.Key).ToList())
        {
            changes.Remove(unchanged);
        }

        if (changes.Count == 0)
        {
            return new BootChangeResult([], null, ["already applied: every boot file is as the plan wants it"]);
        }

        if (grubby is not null && BootChanges.GrubbyDoesAll(edit))
        {
            return ApplyWithGrubby(edit, current, changes.Keys.ToList());
        }

        return Write(changes, current, "apply");
    }

    /// <summary>Restores the files of the most recent apply not yet undone, refusing where they changed since.</summary>
    public BootChangeResult Undo()
    {
        string? latest = Directory.Exists(BackupRoot)
            ? Directory.GetDirectories(BackupRoot, "*-apply").Where(d => File.Exists(Path.Combine(d, ManifestName))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (latest is null)
        {
            return new BootChangeResult([], null, ["nothing to undo: no backup of an applied fix under " + BackupRoot]);
        }

        var restore = new Dictionary<string, string>(StringComparer.Ordinal);
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(Path.Combine(latest, ManifestName)))
        {
            string[] f = line.Split('\t');
            if (f.Length != 4)
            {
                throw new LabException($"{Path.Combine(latest, ManifestName)}: malformed line \"{line}\"");
            }

            string now = File.ReadAllText(host.Path(f[0]));
            if (BootConfig.Sha256(now) != f[2])
            {
                throw new LabException($"{f[0]} changed since cgleak applied the fix (sha256 {BootConfig.Sha256(now)[..12]}, expected {f[2][..12]}): restore {Path.Combine(latest, f[3])} by hand if that is right; nothing was changed");
            }

            current[f[0]] = now;
            restore[f[0]] = File.ReadAllText(Path.Combine(latest, f[3]));
        }

        BootChangeResult result = Write(restore, current, "undo");
        Directory.Move(latest, latest + ".undone");
        return result;
    }

    private string BackupRoot => Path.Combine(stateDirectory, "backups");

    /// <summary>True when a fix was applied under this state directory and not undone.</summary>
    public static bool HasApplied(string stateDirectory) =>
        Directory.Exists(Path.Combine(stateDirectory, "backups"))
        && Directory.GetDirectories(Path.Combine(stateDirectory, "backups"), "*-apply").Any(d => File.Exists(Path.Combine(d, ManifestName)));

    private static void RefuseStale(FixPlan plan, BootConfig boot)
    {
        var now = boot.All.ToDictionary(f => f.HostPath, f => f.Sha256, StringComparer.Ordinal);
        foreach (PlanInput input in plan.Inputs)
        {
            if (!now.TryGetValue(input.Path, out string? sha) || sha != input.Sha256)
            {
                throw new LabException($"{input.Path} changed since the plan was made: make a new plan (cgleak fix plan) and review it; nothing was changed");
            }
        }

        if (now.Keys.Except(plan.Inputs.Select(i => i.Path), StringComparer.Ordinal).FirstOrDefault() is { } added)
        {
            throw new LabException($"{added} appeared since the plan was made: make a new plan and review it; nothing was changed");
        }
    }

    /// <summary>The new text of every boot file the edit touches.</summary>
    internal static Dictionary<string, string> Compute(BootEdit edit, BootConfig boot) => BootChanges.Compute(edit, boot);

    private BootChangeResult ApplyWithGrubby(BootEdit edit, Dictionary<string, string> current, List<string> touched)
    {
        string dir = Backup(touched.ToDictionary(p => p, p => current[p], StringComparer.Ordinal), "apply", out var _);
        var messages = new List<string>();
        string image = $"/boot/vmlinuz-{edit.TargetKernel}";
        if (edit.NewDefault is { } def)
        {
            Run(edit.Style == BootStyle.GrubbyBls ? grubby! : "grub2-set-default", edit.Style == BootStyle.GrubbyBls ? ["--set-default", image] : [def], messages);
        }

        Run(grubby!, [$"--args={edit.Argument}", "--update-kernel", image], messages);
        string info = Run(grubby!, ["--info", image], messages);
        if (!info.Contains(edit.Argument, StringComparison.Ordinal))
        {
            throw new LabException($"grubby --info {image} does not show {edit.Argument} after grubby --args: check by hand; backups are in {dir}");
        }

        var files = touched.Select(p => new ChangedFile(p, BootConfig.Sha256(current[p]), BootConfig.Sha256(File.ReadAllText(host.Path(p))), Path.GetFileName(p))).ToList();
        WriteManifest(dir, files);
        messages.Add($"grubby --info {image} shows {edit.Argument}");
        return new BootChangeResult(files, dir, messages);
    }

    private static string Run(string file, string[] args, List<string> messages)
    {
        ChildResult r = ChildProcess.Run(file, args, TimeSpan.FromSeconds(30)) ?? throw new LabException($"cannot run {file}");
        messages.Add($"{file} {string.Join(' ', args)}");
        return r.Succeeded ? r.Output : throw new LabException($"{file} {string.Join(' ', args)} failed ({(r.TimedOut ? "timed out" : r.ExitCode)}): {r.Error.Trim()}");
    }

    /// <summary>Backs up, then writes all temp files, then renames them all: no file is ever half-written.</summary>
    private BootChangeResult Write(Dictionary<string, string> changes, Dictionary<string, string> current, string what)
    {
        string dir = Backup(changes.Keys.ToDictionary(p => p, p => current[p], StringComparer.Ordinal), what, out var names);
        var temps = new List<(string Temp, string Target)>();
        try
        {
            foreach (var (hostPath, text) in changes)
            {
                string target = host.Path(hostPath);
                string temp = $"{target}.cgleak-tmp-{Environment.ProcessId}";
                using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    temps.Add((temp, target));
                    stream.Write(Encoding.UTF8.GetBytes(text));
                    stream.Flush(flushToDisk: true);
                }

                CopyMode(target, temp);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in temps)
            {
                File.Delete(temp);
            }

            Directory.Delete(dir, recursive: true);
            throw new LabException($"cannot write beside {temps.LastOrDefault().Target ?? changes.Keys.First()}: {e.Message}; nothing was changed");
        }

        foreach (var (temp, target) in temps)
        {
            BeforeRename?.Invoke(target);
            File.Move(temp, target, overwrite: true);
        }

        var files = changes.Select(c => new ChangedFile(c.Key, BootConfig.Sha256(current[c.Key]), BootConfig.Sha256(c.Value), names[c.Key])).ToList();
        WriteManifest(dir, files);
        return new BootChangeResult(files, dir, []);
    }

    private string Backup(Dictionary<string, string> originals, string what, out Dictionary<string, string> names)
    {
        string dir = Path.Combine(BackupRoot, DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + "-" + what);
        Directory.CreateDirectory(dir);
        names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (hostPath, text) in originals)
        {
            string name = hostPath.TrimStart('/').Replace('/', '_');
            names[hostPath] = name;
            File.WriteAllText(Path.Combine(dir, name), text);
        }

        return dir;
    }

    private static void WriteManifest(string dir, IEnumerable<ChangedFile> files) =>
        AtomicFile.Write(Path.Combine(dir, ManifestName), string.Concat(files.Select(f => $"{f.HostPath}\t{f.Sha256Before}\t{f.Sha256After}\t{f.Backup}\n")));

    private static void CopyMode(string from, string to)
    {
        if (File.Exists(from))
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
    }
}
