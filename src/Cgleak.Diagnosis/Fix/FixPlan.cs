using System.Text.Json.Serialization;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis.Fix;

/// <summary>The runbook's two repair methods (DIGEST section 5): in the kernel, or in the components.</summary>
public enum FixMethod
{
    Auto,
    Kernel,
    Components,
}

/// <summary>How this host's boot entries are edited.</summary>
public enum BootStyle
{
    /// <summary>el7: grub.cfg menuentries, grubenv saved_entry, grubby.</summary>
    GrubbyGrubCfg,

    /// <summary>el8+: Boot Loader Specification entries, grubenv saved_entry and kernelopts, grubby.</summary>
    GrubbyBls,

    /// <summary>Debian/Ubuntu: GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub.</summary>
    DefaultGrub,
}

/// <summary>One boot entry as the plan lists it: its place in the list and GRUB's own number ("1>2").</summary>
public sealed record BootEntry(int Index, string Title, string? KernelVersion, bool HonoursNokmem, bool HasArgument)
{
    /// <summary>GRUB's number: "2" at top level, "1>2" inside the submenu that is top-level item 1.</summary>
    public string Number { get; init; } = "";
}

/// <summary>Where the default entry is written.</summary>
public enum DefaultIn
{
    /// <summary>
    /// saved_entry in grubenv (grub.cfg says set default="${saved_entry}": GRUB_DEFAULT=saved, el7, BLS).
    /// </summary>
    SavedEntry,

    /// <summary>
    /// GRUB_DEFAULT in /etc/default/grub, then the menu is regenerated (grub.cfg holds a literal default).
    /// </summary>
    GrubDefault,
}

/// <summary>
/// The boot change `cgleak fix apply` makes: the argument on the target kernel's entry, and the default when it must
/// move.
/// </summary>
/// <param name="TargetEntry">the BLS id, or the title path ("Advanced options for Ubuntu>Ubuntu, with Linux
/// 5.4.0-42-generic").</param>
/// <param name="NewDefault">the value written as the default (saved_entry or GRUB_DEFAULT), null when the default
/// stays.</param>
/// <param name="ConfigFile">the grub.cfg GRUB reads its menu from, or /boot/loader/entries.</param>
public sealed record BootEdit(
    BootStyle Style,
    string TargetKernel,
    string TargetEntry,
    string? NewDefault,
    string? OldDefault,
    string Argument,
    string ConfigFile)
{
    public DefaultIn DefaultIn { get; init; }

    /// <summary>
    /// The target is a BLS entry whose options read $kernelopts: the argument goes into grubenv's kernelopts, as grubby
    /// does.
    /// </summary>
    public bool Kernelopts { get; init; }

    /// <summary>
    /// The file whose GRUB_CMDLINE_LINUX gets the argument too (so a regenerated menu and later kernels keep it), or
    /// null.
    /// </summary>
    public string? CmdlineFile { get; init; }

    /// <summary>Every file `cgleak fix apply` changes, as the plan announces them.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>
/// One step: why (check id and kmem-facts row), the commands, how to check it worked, how to undo it.
/// </summary>
/// <param name="ByApply">true when `cgleak fix apply` carries it out; the rest are for a person (packages, drain,
/// reboot).</param>
public sealed record FixStep(
    string Title,
    string Why,
    IReadOnlyList<string> Commands,
    IReadOnlyList<string> Check,
    IReadOnlyList<string> Undo,
    bool ByApply)
{
    internal FixStep(
        Message title,
        Message why,
        IReadOnlyList<string> commands,
        IReadOnlyList<string> check,
        IReadOnlyList<string> undo,
        bool ByApply)
        : this(title.ToString(), why.ToString(), commands, check, undo, ByApply)
    {
        TitleSaid = title;
        WhySaid = why;
    }

    internal FixStep(
        Message title,
        string why,
        IReadOnlyList<string> commands,
        IReadOnlyList<string> check,
        IReadOnlyList<string> undo,
        bool ByApply)
        : this(title.ToString(), why, commands, check, undo, ByApply) => TitleSaid = title;

    /// <summary>
    /// The title as a message, for text in the reader's language; the JSON keeps <see cref="Title"/>, its English.
    /// </summary>
    [JsonIgnore]
    public Message? TitleSaid { get; init; }

    /// <summary>Why, as a message; null where it is only written in English.</summary>
    [JsonIgnore]
    public Message? WhySaid { get; init; }

    /// <summary>
    /// The check lines as messages, one for each of <see cref="Check"/>, where some are sentences rather than
    /// commands (the boot list's "boots next: ..."); null where every line is a command.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<Message>? CheckSaid { get; init; }
}

/// <summary>A file the plan was made from, with its hash: apply refuses a plan whose inputs changed.</summary>
public sealed record PlanInput(string Path, string Sha256);

/// <summary>An ordered, host-specific plan a person reviews before anything is changed.</summary>
public sealed record FixPlan(
    FixMethod Method,
    string Summary,
    IReadOnlyList<BootEntry> Entries,
    int? NextBoot,
    BootEdit? Edit,
    bool NeedsKernelFirst,
    IReadOnlyList<FixStep> Steps,
    IReadOnlyList<PlanInput> Inputs,
    IReadOnlyList<string> Problems)
{
    public const string NokmemArgument = "cgroup.memory=nokmem";

    /// <summary>
    /// The summary as a message, for text in the reader's language; the JSON keeps <see cref="Summary"/>.
    /// </summary>
    [JsonIgnore]
    public Message? SummarySaid { get; init; }

    /// <summary>
    /// The notes (<see cref="Problems"/>) as messages, for text in the reader's language; null when read back from
    /// JSON.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<Message>? ProblemsSaid { get; init; }

    /// <summary>The JSON form's version; `cgleak fix apply --plan` reads this form back.</summary>
    public int SchemaVersion { get; init; } = 1;
}
