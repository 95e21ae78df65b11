using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cgleak.Diagnosis.Fix;
using Cgleak.Diagnosis.Text;
using Cgleak.Host;
using Cgleak.Host.Boot;
using Cgleak.Host.Parsing;
using Microsoft.Win32.SafeHandles;

namespace Cgleak.Lab.Boot;

/// <summary>One file a fix changed: where, its hash before and after, and where its backup is.</summary>
public sealed record ChangedFile(string HostPath, string Sha256Before, string Sha256After, string Backup);

/// <summary>What apply or undo did.</summary>
public sealed record BootChangeResult(
    IReadOnlyList<ChangedFile> Files,
    string? BackupDirectory,
    IReadOnlyList<string> Messages)
{
    public bool Changed => Files.Count > 0;
}

/// <summary>
/// Applies the boot part of a fix plan: the default entry and the argument, never a reboot or a package.
/// Refuses a plan whose input files changed since it was made, and any argument but cgroup.memory=nokmem.
/// Files are read and written as bytes (<see cref="BootText"/>): lines the edit does not touch stay byte for
/// byte, a BOM and CRLF line ends stay, bytes that are not UTF-8 stay, in the file and in its backup.
/// Write-ahead: before the first file is replaced, a backup directory under the state directory holds each
/// file as it was and as it will be, and a manifest, all fsynced with their directories; then each file is
/// replaced by a durable rename inside the host root (<see cref="WritableDirectory"/>), then the backup is
/// marked committed. A failure rolls back what was replaced; a crash at any point leaves a state that
/// `cgleak fix undo` restores byte for byte, or that the next `cgleak fix apply` completes. Temp files of a
/// crashed run are removed by the next one.
/// Given a grubby (the CLI passes one on a live el7/el8 host that has it) it runs grubby and checks with
/// grubby --info; otherwise it edits the files itself as grubby and update-grub would (<see cref="BootEdits"/>).
/// </summary>
public sealed class BootEditor(HostRoot host, string stateDirectory, string? grubby = null)
{
    public const string ManifestName = "manifest";

    /// <summary>
    /// In a backup directory: every file was replaced (its absence with a manifest means an interrupted apply).
    /// </summary>
    private const string CommittedName = "committed";

    /// <summary>In a backup directory: an undo began (finished by the next apply or undo).</summary>
    private const string UndoingName = "undoing";

    /// <summary>A manifest's "after" for a file grubby rewrites: not known before grubby runs.</summary>
    private const string ByGrubby = "*";

    /// <summary>For tests: called with each target before its rename; throwing simulates a failure there.</summary>
    internal Action<string>? BeforeRename { get; init; }

    public BootChangeResult Apply(FixPlan plan)
    {
        if (plan.NeedsKernelFirst)
        {
            throw new LabException(new Message("boot-edit.kernel-first"));
        }

        if (plan.Edit is not { } edit)
        {
            return new BootChangeResult([], null, [plan.Steps.Count == 0
                ? "nothing to apply: " + plan.Summary
                : "this plan has no boot change to apply (components method): its steps are for a person"]);
        }

        RefuseForeignEdit(edit);
        var messages = new List<string>();
        if (Recover(messages, forward: true) is { } recovered)
        {
            // The files moved since the plan was read: what the crashed run meant is done, and that is all this run
            // does.
            messages.Add("run `cgleak fix plan` again to see whether anything is left to do");
            return recovered with { Messages = messages };
        }

        BootConfig boot = BootConfig.Read(host);
        RefuseStale(plan, boot);
        Dictionary<string, RawFile> raw = ReadRaw(boot);
        Dictionary<string, string> edited = Compute(edit, Mapped(boot, raw));
        RefuseOddEnvironmentBlocks(edited, raw);
        RefuseMissingArgument(edit, edited, raw);
        var changes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, text) in edited)
        {
            byte[] after = Encode(raw[path], text);
            if (!after.AsSpan().SequenceEqual(raw[path].Bytes))
            {
                changes[path] = after;
            }
        }

        if (changes.Count == 0)
        {
            messages.Add("already applied: every boot file is as the plan wants it");
            return new BootChangeResult([], null, messages);
        }

        if (grubby is not null && BootChanges.GrubbyDoesAll(edit))
        {
            return ApplyWithGrubby(edit, raw, changes.Keys.ToList(), messages);
        }

        return WriteAhead(changes, raw, messages);
    }

    /// <summary>
    /// Restores the files of the most recent apply not yet undone (also one a crash interrupted), refusing where they
    /// changed since.
    /// </summary>
    public BootChangeResult Undo()
    {
        var messages = new List<string>();
        if (Recover(messages, forward: false) is { } finished)
        {
            return finished with { Messages = messages }; // that undo was this one: the apply before it stays
        }

        string? latest = AppliedDirectories(BackupRoot).LastOrDefault();
        if (latest is null)
        {
            messages.Add("nothing to undo: no backup of an applied fix under " + BackupRoot);
            return new BootChangeResult([], null, messages);
        }

        List<ChangedFile> restored = RollBack(latest);
        messages.Add($"restored from {latest}");
        return new BootChangeResult(restored, null, messages);
    }

    /// <summary>
    /// The state directory of a host when none is given: var/lib/cgleak inside its root, made if missing,
    /// links resolved inside the root (a host tree's `var -> /elsewhere` does not send backups out of it).
    /// </summary>
    public static string DefaultStateDirectory(HostRoot host)
    {
        try
        {
            using WritableDirectory dir = WritableDirectory.Open(host, "/var/lib/cgleak", create: true);
            return dir.LocalPath;
        }
        catch (IOException e)
        {
            throw new LabException(new Message("boot-edit.state-dir", IOSaid.Of(e)));
        }
    }

    private string BackupRoot => Path.Combine(Path.GetFullPath(stateDirectory), "backups");

    /// <summary>True when a fix was applied under this state directory (or began to be) and not undone.</summary>
    public static bool HasApplied(string stateDirectory)
        => AppliedDirectories(Path.Combine(stateDirectory, "backups")).Any();

    /// <summary>
    /// Backup directories of applies not undone, oldest first: those with a manifest (a crash before it left nothing to
    /// undo).
    /// </summary>
    private static IEnumerable<string> AppliedDirectories(string backupRoot) =>
        Directory.Exists(backupRoot)
            ? Directory.GetDirectories(backupRoot, "*-apply").Where(d => File.Exists(Path.Combine(d, ManifestName)))
                .Order(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// The only change cgleak makes: cgroup.memory=nokmem, and a default entry that is one line of plain text.
    /// </summary>
    private static void RefuseForeignEdit(BootEdit edit)
    {
        if (edit.Argument != FixPlan.NokmemArgument)
        {
            throw new LabException(
                new Message("boot-edit.foreign-argument", JournalEntry.Escape(edit.Argument), FixPlan.NokmemArgument));
        }

        if (edit.NewDefault is { } entry && (entry.Length == 0 || entry.Any(char.IsControl) || (edit
            .Style == BootStyle.DefaultGrub && entry.IndexOfAny(['"', '\'', '$', '`', '\\', ';', '&', '|', ' ']) >= 0)))
        {
            throw new LabException(new Message("boot-edit.odd-default", JournalEntry.Escape(entry)));
        }
    }

    /// <summary>A boot file as bytes, read again inside the host root, and the text the edits work on.</summary>
    private sealed record RawFile(
        string HostPath,
        string HostDirectory,
        string Name,
        byte[] Bytes,
        BootText Text,
        bool IsEnv);

    /// <summary>
    /// Reads, as bytes, every boot file the model read, from the directories they are in inside the host root;
    /// each must be what the plan's reading saw (else it changed meanwhile, or was read through a link that leaves
    /// the root). A GRUB environment block is decoded as UTF-8, as its tools count its size.
    /// </summary>
    private Dictionary<string, RawFile> ReadRaw(BootConfig boot)
    {
        var raw = new Dictionary<string, RawFile>(StringComparer.Ordinal);
        foreach (BootFile file in boot.All)
        {
            string dir = Path.GetDirectoryName(file.HostPath)!;
            string name = Path.GetFileName(file.HostPath);
            byte[] bytes;
            try
            {
                using WritableDirectory d = WritableDirectory.Open(host, dir);
                _ = AtomicFile.RemoveStaleTemps(d.LocalPath);
                bytes = d.ReadFile(name);
            }
            catch (IOException e)
            {
                throw new LabException(new Message("boot-edit.cannot-read", file.HostPath, IOSaid.Of(e)));
            }

            if (file.Sha256 != Sha256(bytes) && file.Sha256 != BootConfig.Sha256(Encoding.UTF8.GetString(bytes)))
            {
                throw new LabException(new Message("boot-edit.not-as-read", file.HostPath));
            }

            bool env = name == "grubenv";
            try
            {
                raw[file.HostPath]
                    = new RawFile(file.HostPath, dir, name, bytes, BootText.Decode(bytes, utf8: env), env);
            }
            catch (DecoderFallbackException)
            {
                // Not UTF-8: it can only be refused if an edit touches it (RefuseOddEnvironmentBlocks).
                raw[file.HostPath] = new RawFile(file.HostPath, dir, name, bytes, BootText.Decode(bytes), env);
            }
        }

        return raw;
    }

    /// <summary>
    /// A GRUB environment block an edit touches must be one: 1024 bytes of UTF-8, as grub2-editenv wants it.
    /// </summary>
    private static void RefuseOddEnvironmentBlocks(Dictionary<string, string> edited, Dictionary<string, RawFile> raw)
    {
        foreach (RawFile file in edited.Keys.Select(p => raw[p]).Where(f => f.IsEnv))
        {
            if (file.Bytes.Length != GrubEnv.BlockSize)
            {
                throw new LabException(
                    new Message("boot-edit.env-size", file.HostPath, file.Bytes.Length, GrubEnv.BlockSize));
            }

            try
            {
                _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file.Bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new LabException(new Message("boot-edit.env-not-utf8", file.HostPath));
            }
        }
    }

    /// <summary>
    /// The boot model with the files read as bytes in place of the plan's text: the edits work on those.
    /// </summary>
    private static BootConfig Mapped(BootConfig boot, Dictionary<string, RawFile> raw) =>
        boot with
        {
            All = [.. boot.All.Select(f => WithText(f, raw.GetValueOrDefault(f.HostPath)))],
        };

    // No pattern variable: a mutated condition would leave it unassigned, and the method unmeasured (#18).
    private static BootFile WithText(BootFile file, RawFile? raw)
        => raw is null ? file : file with { Text = raw.Text.Text };

    private static byte[] Encode(RawFile file, string text)
    {
        try
        {
            byte[] bytes = file.Text.Encode(text);
            if (!file.IsEnv || bytes.Length == GrubEnv.BlockSize)
            {
                return bytes;
            }

            throw new FormatException($"the new block would be {bytes.Length} bytes");
        }
        catch (FormatException e)
        {
            throw new LabException(new Message("boot-edit.by-hand", file.HostPath, e.Message));
        }
    }

    /// <summary>
    /// After the edit, the target must carry the argument: an edit that found no line to add it to (a BLS entry
    /// with only an unknown key such as "optionsX", no GRUB_CMDLINE_LINUX) would otherwise look "already applied".
    /// </summary>
    private static void RefuseMissingArgument(
        BootEdit edit,
        Dictionary<string, string> edited,
        Dictionary<string, RawFile> raw)
    {
        bool Has(string arguments) => KernelCmdline.Parse(arguments).Tokens.Any(t => t.Raw == edit.Argument);
        foreach (var (path, text) in edited.Where(e => !raw[e.Key].IsEnv))
        {
            bool carries = edit.Style switch
            {
                _ when path.StartsWith("/etc/default/grub", StringComparison.Ordinal) =>
                    KeyValueFile.Parse(text).Value.GetValueOrDefault("GRUB_CMDLINE_LINUX") is not { } value
                        || Has(value),
                _ when path.StartsWith("/boot/loader/entries/", StringComparison.Ordinal) =>
                    BlsEntry.Parse(path, text) is var bls
                        && (bls.KernelVersion != edit.TargetKernel || bls.UsesKernelopts || Has(bls.Options)),
                BootStyle.DefaultGrub => GrubMenu.Parse(text, path).Entries.Where(e => e.KernelVersion is not null)
                    .All(e => Has(e.Arguments)),
                _ => GrubMenu.Parse(text, path).Entries.Where(e => e.KernelVersion == edit.TargetKernel)
                    .All(e => Has(e.Arguments)),
            };
            if (!carries)
            {
                throw new LabException(new Message("boot-edit.no-line", path, edit.Argument));
            }
        }
    }

    private static void RefuseStale(FixPlan plan, BootConfig boot)
    {
        var now = boot.All.ToDictionary(f => f.HostPath, f => f.Sha256, StringComparer.Ordinal);
        foreach (PlanInput input in plan.Inputs)
        {
            if (!now.TryGetValue(input.Path, out string? sha) || sha != input.Sha256)
            {
                throw new LabException(new Message("boot-edit.input-changed", input.Path));
            }
        }

        if (now.Keys.Except(plan.Inputs.Select(i => i.Path), StringComparer.Ordinal).FirstOrDefault() is { } added)
        {
            throw new LabException(new Message("boot-edit.input-added", added));
        }
    }

    internal static Dictionary<string, string> Compute(BootEdit edit, BootConfig boot)
        => BootChanges.Compute(edit, boot);

    private BootChangeResult ApplyWithGrubby(
        BootEdit edit,
        Dictionary<string, RawFile> raw,
        List<string> touched,
        List<string> messages)
    {
        // grubby writes the files itself: the manifest says so ("*"), and undo restores whatever grubby left.
        string dir = BeginBackup(touched.Select(p => (raw[p], (byte[]?)null)).ToList());
        string image = $"/boot/vmlinuz-{edit.TargetKernel}";
        if (edit.NewDefault is { } def)
        {
            Run(
                edit.Style == BootStyle.GrubbyBls ? grubby! : "grub2-set-default",
                edit.Style == BootStyle.GrubbyBls ? ["--set-default", image] : [def],
                messages);
        }

        Run(grubby!, [$"--args={edit.Argument}", "--update-kernel", image], messages);
        string info = Run(grubby!, ["--info", image], messages);
        if (!info.Contains(edit.Argument, StringComparison.Ordinal))
        {
            throw new LabException(new Message("boot-edit.grubby-unconfirmed", image, edit.Argument, dir));
        }

        var files = touched.Select(p => new ChangedFile(p, Sha256(raw[p].Bytes), Sha256(ReadCurrent(p)), BackupName(p)))
            .ToList();
        WriteManifest(dir, files);
        Mark(dir, CommittedName);
        messages.Add($"grubby --info {image} shows {edit.Argument}");
        return new BootChangeResult(files, dir, messages);
    }

    private static string Run(string file, string[] args, List<string> messages)
    {
        ChildResult r = ChildProcess.Run(file, args, TimeSpan.FromSeconds(30))
            ?? throw new LabException(new Message("boot-edit.cannot-run", file));
        messages.Add($"{file} {string.Join(' ', args)}");
        return r.Succeeded
            ? r.Output
            : throw new LabException(new Message("boot-edit.command-failed", $"{file} {string.Join(' ', args)}",
                r.TimedOut ? new Message("boot-edit.timed-out") : (object)r.ExitCode, r.Error.Trim()));
    }

    /// <summary>
    /// Write-ahead: the backup (old and new bytes, manifest) durable first; then each file replaced by a durable
    /// rename; then the backup marked committed. A failure on the way restores what was replaced.
    /// </summary>
    private BootChangeResult WriteAhead(
        Dictionary<string, byte[]> changes,
        Dictionary<string, RawFile> raw,
        List<string> messages)
    {
        string dir = BeginBackup(changes.Select(c => (raw[c.Key], (byte[]?)c.Value)).ToList());
        string? theirs = null; // a file someone else wrote meanwhile: theirs to keep, never restored over
        try
        {
            foreach (var (hostPath, bytes) in changes)
            {
                RawFile file = raw[hostPath];
                using WritableDirectory d = WritableDirectory.Open(host, file.HostDirectory);
                AtomicFile.WriteIn(d.Handle, d.LocalPath, file.Name, bytes, null, () =>
                {
                    BeforeRename?.Invoke(d.Local(file.Name));
                    if (!d.ReadFile(file.Name).AsSpan().SequenceEqual(file.Bytes))
                    {
                        theirs = hostPath;
                        throw new SaidIOException(new Message("io.changed-while-writing", hostPath));
                    }
                });
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                _ = RollBack(dir, rename: false, leave: theirs);
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException or LabException)
            {
                throw new LabException(new Message("boot-edit.restore-failed", IOSaid.Of(e), IOSaid.Of(again), dir));
            }

            throw new LabException(new Message("boot-edit.unchanged", IOSaid.Of(e)));
        }

        Mark(dir, CommittedName);
        var files = changes.Select(
            c => new ChangedFile(c.Key, Sha256(raw[c.Key].Bytes), Sha256(c.Value), BackupName(c.Key))).ToList();
        return new BootChangeResult(files, dir, messages);
    }

    /// <summary>
    /// A new backup directory holding each file as it is ("NAME") and as it will be ("NAME.new", when known),
    /// and the manifest; durable, with the directories above it, before anything else is written.
    /// </summary>
    private string BeginBackup(List<(RawFile File, byte[]? After)> files)
    {
        string dir = Path.Combine(
            BackupRoot,
            DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + "-apply");
        try
        {
            Directory.CreateDirectory(dir);
            using (SafeFileHandle backup = AtomicFile.OpenDirectory(dir))
            {
                foreach (var (file, after) in files)
                {
                    AtomicFile.WriteIn(backup, dir, BackupName(file.HostPath), file.Bytes, (UnixFileMode)0b110_000_000);
                    if (after is not null)
                    {
                        AtomicFile.WriteIn(
                            backup,
                            dir,
                            BackupName(file.HostPath) + ".new",
                            after,
                            (UnixFileMode)0b110_000_000);
                    }
                }
            }

            WriteManifest(dir, files.Select(f => new ChangedFile(
                f.File.HostPath,
                Sha256(f.File.Bytes),
                f.After is null ? ByGrubby : Sha256(f.After),
                BackupName(f.File.HostPath))));
            AtomicFile.SyncDirectory(BackupRoot);
            AtomicFile.SyncDirectory(Path.GetDirectoryName(BackupRoot)!);
            return dir;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabException(new Message("boot-edit.cannot-back-up", dir, IOSaid.Of(e)));
        }
    }

    /// <summary>
    /// Finishes what a crash interrupted: backup directories without a manifest (nothing was replaced yet) are
    /// removed; an undo that began is finished; with <paramref name="forward"/>, an apply that began is completed.
    /// </summary>
    private BootChangeResult? Recover(List<string> messages, bool forward)
    {
        if (!Directory.Exists(BackupRoot))
        {
            return null;
        }

        BootChangeResult? recovered = null;
        foreach (string dir in Directory.GetDirectories(BackupRoot, "*-apply").Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(dir, ManifestName)))
            {
                Directory.Delete(dir, recursive: true);
                AtomicFile.SyncDirectory(BackupRoot);
            }
            else if (File.Exists(Path.Combine(dir, UndoingName)))
            {
                recovered = new BootChangeResult(RollBack(dir, rename: true), null, []);
                messages.Add($"finished an interrupted undo from {dir}");
            }
            else if (forward && !File.Exists(Path.Combine(dir, CommittedName)))
            {
                recovered = new BootChangeResult(RollForward(dir), dir, []);
                messages.Add($"completed an interrupted apply (backups in {dir})");
            }
        }

        return recovered;
    }

    /// <summary>
    /// Puts each file of an interrupted apply in its new state; refused when one is in neither state.
    /// </summary>
    private List<ChangedFile> RollForward(string dir)
    {
        var pending = new List<ChangedFile>();
        foreach (ChangedFile f in ReadManifest(dir))
        {
            string now = Sha256(ReadCurrent(f.HostPath));
            if (f.Sha256After == ByGrubby)
            {
                throw new LabException(new Message("boot-edit.interrupted-grubby", dir));
            }

            if (now == f.Sha256Before)
            {
                pending.Add(f);
            }
            else if (now != f.Sha256After)
            {
                throw new LabException(
                    new Message("boot-edit.changed-since-interrupted", f.HostPath, dir, Path.Combine(dir, f.Backup)));
            }
        }

        foreach (ChangedFile f in pending)
        {
            Replace(f.HostPath, File.ReadAllBytes(Path.Combine(dir, f.Backup + ".new")), f.Sha256After);
        }

        Mark(dir, CommittedName);
        return pending;
    }

    /// <summary>
    /// Restores each file of a backup that is in its new state (or, after grubby, in any state but the old);
    /// refused, before anything is written, when one is in neither. Marked first, so a crash is finished later.
    /// A file to <paramref name="leave"/> (another writer's, met before cgleak replaced it) is left as it is.
    /// </summary>
    private List<ChangedFile> RollBack(string dir, bool rename = true, string? leave = null)
    {
        var restore = new List<ChangedFile>();
        foreach (ChangedFile f in ReadManifest(dir).Where(f => f.HostPath != leave))
        {
            string now = Sha256(ReadCurrent(f.HostPath));
            if (now == f.Sha256Before)
            {
                continue;
            }

            if (now != f.Sha256After && f.Sha256After != ByGrubby)
            {
                throw new LabException(new Message(
                    "boot-edit.changed-since-apply",
                    f.HostPath,
                    now[..12],
                    f.Sha256After[..12],
                    Path.Combine(dir, f.Backup)));
            }

            restore.Add(f with { Sha256Before = now, Sha256After = f.Sha256Before });
        }

        Mark(dir, UndoingName);
        foreach (ChangedFile f in restore)
        {
            Replace(f.HostPath, File.ReadAllBytes(Path.Combine(dir, f.Backup)), f.Sha256After);
        }

        if (rename)
        {
            Directory.Move(dir, dir + ".undone");
            AtomicFile.SyncDirectory(BackupRoot);
        }

        return restore;
    }

    /// <summary>
    /// Replaces a boot file inside the host root with bytes whose hash the manifest holds (a torn backup is refused).
    /// </summary>
    private void Replace(string hostPath, byte[] bytes, string sha256)
    {
        if (Sha256(bytes) != sha256)
        {
            throw new LabException(
                new Message("boot-edit.backup-mismatch", hostPath, Sha256(bytes)[..12], sha256[..12]));
        }

        using WritableDirectory d = OpenDirectoryOf(hostPath);
        AtomicFile.WriteIn(
            d.Handle,
            d.LocalPath,
            Path.GetFileName(hostPath),
            bytes,
            null,
            () => BeforeRename?.Invoke(d.Local(Path.GetFileName(hostPath))));
    }

    private byte[] ReadCurrent(string hostPath)
    {
        try
        {
            using WritableDirectory d = OpenDirectoryOf(hostPath);
            _ = AtomicFile.RemoveStaleTemps(d.LocalPath);
            return d.ReadFile(Path.GetFileName(hostPath));
        }
        catch (IOException e)
        {
            throw new LabException(new Message("boot-edit.file-unchanged", hostPath, IOSaid.Of(e)));
        }
    }

    private WritableDirectory OpenDirectoryOf(string hostPath)
        => WritableDirectory.Open(host, Path.GetDirectoryName(hostPath)!);

    private static string BackupName(string hostPath) => hostPath.TrimStart('/').Replace('/', '_');

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void Mark(string dir, string name)
    {
        using SafeFileHandle backup = AtomicFile.OpenDirectory(dir);
        AtomicFile.WriteIn(backup, dir, name, [], (UnixFileMode)0b110_100_100);
    }

    private static void WriteManifest(string dir, IEnumerable<ChangedFile> files)
    {
        using SafeFileHandle backup = AtomicFile.OpenDirectory(dir);
        string manifest = string.Concat(
            files.Select(f => $"{f.HostPath}\t{f.Sha256Before}\t{f.Sha256After}\t{f.Backup}\n"));
        AtomicFile.WriteIn(backup, dir, ManifestName, Encoding.UTF8.GetBytes(manifest), (UnixFileMode)0b110_100_100);
    }

    /// <summary>
    /// The manifest's lines: host path, sha256 before, sha256 after ("*": grubby's), backup file name.
    /// </summary>
    private static List<ChangedFile> ReadManifest(string dir)
    {
        string manifest = Path.Combine(dir, ManifestName);
        var files = new List<ChangedFile>();
        foreach (string line in File.ReadAllLines(manifest))
        {
            string[] f = line.Split('\t');
            if (f.Length != 4 || !f[0].StartsWith('/') || f[0].Split('/').Contains("..")
                || f[3].Contains('/', StringComparison.Ordinal)
                || f[3] is "" or "." or ".."
                || f[1].Length != 64
                || (f[2].Length != 64 && f[2] != ByGrubby))
            {
                throw new LabException(new Message("boot-edit.bad-manifest", manifest, JournalEntry.Escape(line)));
            }

            files.Add(new ChangedFile(f[0], f[1], f[2], f[3]));
        }

        return files;
    }
}
