using Cgleak.Diagnosis.Knowledge;
using Cgleak.Host.Parsing;

namespace Cgleak.Lab.Tests;

/// <summary>
/// Repro and canary make every cgroup through <see cref="ICgroupFs"/>: at the wall (the refusing stand-in) they stop
/// with the kernel's refusal and give back every slot they took, leaving no tree and no journal entry.
/// </summary>
public sealed class ReproAndCanaryStandInTests : StandInTest
{
    [Theory]
    [InlineData(0, "the node is at the wall")]           // the scratch parent itself refused
    [InlineData(2, "besteffort: No space left on device")] // the parent and kubepods made, the QoS cgroup refused
    public void A_repro_at_the_wall_stops_with_the_refusal_and_leaves_nothing(int freeSlots, string refusal)
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots);
        var request = new ReproRequest(
            ReproRuntime.None,
            Pods: 2,
            Parallel: 1,
            KeepFiles: false,
            KmemLimitBytes: null,
            ProbeMax: 10,
            UntilFull: false);
        var e = Assert.Throws<LabException>(() => new Repro(State, Cgroups, fs, TimeProvider.System).Run(request,
            CancellationToken.None));
        Assert.Contains(refusal, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
        Assert.Empty(Directory.GetFiles(Path.Combine(State, "journal")));
        Assert.False(Directory.Exists(Path.Combine(State, "bundles"))
            && Directory.EnumerateFileSystemEntries(Path.Combine(State, "bundles")).Any());
    }

    [Fact]
    public void A_canary_at_the_wall_stops_with_the_refusal_and_leaves_nothing()
    {
        var fs = new RefusingCgroupFsStandIn(freeSlots: 0);
        KernelTraits kernel = KernelKnowledge.Of(KernelRelease.Parse("5.10.0-21-amd64")!);
        var e = Assert.Throws<LabException>(
            () => new Canary(State, Cgroups, fs, TimeProvider.System).Run(kernel, untilFull: false,
                CancellationToken.None));
        Assert.Contains("the node is at the wall", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, fs.Taken);
        Assert.Empty(Directory.GetFileSystemEntries(Mount));
    }
}
