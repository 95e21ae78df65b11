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

/// <summary>One boot entry as the plan lists it (the runbook's awk).</summary>
public sealed record BootEntry(int Index, string Title, string? KernelVersion, bool HonoursNokmem, bool HasArgument);

/// <summary>The boot change `cgleak fix apply` makes: the argument on the target kernel's entry, and the default when it must move.</summary>
public sealed record BootEdit(BootStyle Style, string TargetKernel, string TargetEntry, string? NewDefault, string? OldDefault, string Argument, string ConfigFile);

/// <summary>One step: why (check id and kmem-facts row), the commands, how to check it worked, how to undo it.</summary>
/// <param name="ByApply">true when `cgleak fix apply` carries it out; the rest are for a person (packages, drain, reboot).</param>
public sealed record FixStep(string Title, string Why, IReadOnlyList<string> Commands, IReadOnlyList<string> Check, IReadOnlyList<string> Undo, bool ByApply);

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

    /// <summary>The JSON form's version; `cgleak fix apply --plan` reads this form back.</summary>
    public int SchemaVersion { get; init; } = 1;
}
