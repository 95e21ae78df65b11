using Cgleak.Diagnosis.Text;
using Cgleak.Host.Cgroups;

namespace Cgleak.Diagnosis.Checks;

/// <summary>
/// kmem.active-cgroups: the runbook's verification (memory.kmem.slabinfo fails with EIO when kmem
/// accounting is off, DIGEST section 6), done for every container cgroup (C6, L2, L4).
/// </summary>
public sealed class KmemActiveCgroupsCheck : ICheck
{
    private const int Examples = 5;

    public const string CheckId = "kmem.active-cgroups";

    public string Id => CheckId;

    public string Facts => "C6, L2, L4, O6";

    public string Title => "container cgroups with kernel-memory accounting active";

    public CheckRole Role => CheckRole.LeakCause;

    public CheckResult Run(CheckInput f)
    {
        if (f.Facts.Layout.Memory == MemoryHierarchy.V2)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip,
                new Message("kmem.v2"), [], []);
        }

        if (f.Facts.Layout.Memory == MemoryHierarchy.None || f.Facts.Tree is null)
        {
            return new CheckResult(Id, Title, CheckStatus.Skip, new Message("kmem.no-tree"), [], []);
        }

        IReadOnlyList<ContainerCgroupKmem> all = f.ContainerKmem;
        if (all.Count == 0)
        {
            return new CheckResult(Id, Title, CheckStatus.Info,
                new Message("kmem.no-containers", f.Facts.Layout.MemoryMountPoint), [], []);
        }

        var active = all.Where(c => c.State == KmemState.Active).ToList();
        int off = all.Count(c => c.State == KmemState.Off);
        int inactive = all.Count(c => c.State == KmemState.Inactive);
        int unknown = all.Count(c => c.State == KmemState.Unknown);
        var evidence = new List<Message> {
            new("evidence.kmem-counts", all.Count, active.Count, inactive, off, unknown) };
        evidence.AddRange(active.Take(Examples).Select(Read));
        if (active.Count > Examples)
        {
            evidence.Add(new Message("evidence.kmem-more", active.Count - Examples));
        }

        evidence.AddRange(all.Where(c => c.State == KmemState.Unknown).Take(Examples).Select(Read));

        if (active.Count == 0)
        {
            return new CheckResult(Id, Title, unknown > 0 ? CheckStatus.Warn : CheckStatus.Pass,
                new Message(
                    unknown > 0 ? "kmem.none-active-some-unread" : "kmem.none-active",
                    all.Count,
                    unknown), evidence, []);
        }

        if (f.KernelExposed)
        {
            return new CheckResult(Id, Title, CheckStatus.Fail,
                new Message("kmem.active-leaking", active.Count, all.Count),
                evidence, [Remediations.KernelArgument(f), Remediations.Runc(f), Remediations
                    .Reboot()], Concern.Affected);
        }

        var why = new Message(f.Kernel?.KmemDefaultOn == true ? "kmem.default-on" : "kmem.kernel-keeps-ids");
        return new CheckResult(
            Id, Title, CheckStatus.Info, new Message("kmem.active-harmless", active.Count, all.Count, why), evidence,
            []);
    }

    /// <summary>"/sys/fs/cgroup/memory/kubepods/pod0: memory.kmem.slabinfo readable".</summary>
    private static Message Read(ContainerCgroupKmem c) => new("evidence.read", c.HostPath, Message.Of(c.Said));
}
