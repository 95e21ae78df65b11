using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Vm.Tests;

/// <summary>
/// At the real 65535 wall, on Debian's 6.1 kernel with a cgroup v1 memory hierarchy: the probe, the runbook's
/// experiment, the repro and the canary, each to the kernel's refusal and back.
/// </summary>
public sealed class WallTests
{
    private const long IdLimit = 65535;

    [Fact]
    public void Probe_until_full_finds_exactly_the_free_slots_names_the_refusal_and_gives_everything_back()
    {
        // 500 IDs held by somebody else, so "free" is not simply 65535 minus the root.
        var vm = VirtualMachine.Run("v1", """
            set -e
            held=/sys/fs/cgroup/memory/cgleak-test-held
            mkdir $held && cd $held && mkdir $(seq 1 500) && cd - > /dev/null
            echo "==> before"; awk '$1 == "memory" { print $3 }' /proc/cgroups
            echo "==> probe"; ./cgleak probe --until-full --yes --json
            for i in $(seq 1 100); do [ "$(awk '$1 == "memory" { print $3 }' /proc/cgroups)" -le 502 ] && break; sleep 0.1; done
            echo "==> after"; awk '$1 == "memory" { print $3 }' /proc/cgroups
            echo "==> left"; find /sys/fs/cgroup/memory -maxdepth 1 -name 'cgleak-probe-*'
            """, TimeSpan.FromMinutes(4));
        Assert.True(vm.ExitCode == 0, vm.ToString());
        long before = long.Parse(vm.Section("before"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(502, before); // the root, the parent and its 500
        JsonNode probe = JsonNode.Parse(vm.Section("probe"))!;
        Assert.True((bool)probe["exact"]!);
        Assert.Equal(IdLimit - before, (long)probe["freeSlots"]!);
        Assert.Equal(before, (long)probe["idsInUse"]!);
        Assert.Equal(0, (long)probe["hiddenIds"]!);
        Assert.Equal("No space left on device (ENOSPC)", (string?)probe["refusedWith"]);
        Assert.Empty(probe["left"]!.AsArray());
        Assert.Equal(before, long.Parse(vm.Section("after"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("", vm.Section("left").Trim());
    }

    [Fact]
    public void The_runbooks_experiment_at_the_wall_shows_the_pods_slots_coming_back_although_its_cgroups_stay_dying()
    {
        var vm = VirtualMachine.Run("v1", "tests/vm/wall-experiment.py", TimeSpan.FromMinutes(4));
        Assert.True(vm.ExitCode == 0, vm.ToString());
        var steps = vm.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(n => (string)n["step"]!);

        // Runbook step 1: filled to the wall, the kernel refuses with ENOSPC. The root, the experiment's parent and
        // its fill/ parent hold 3 of the 65535.
        JsonNode fill = steps["fill"];
        long start = (long)steps["summary"]["start_count"]!;
        Assert.Equal("ENOSPC", (string?)fill["refused"]);
        Assert.Equal(IdLimit - start - 2, (long)fill["created"]!);

        // Step 2: 100 freed, 99 fit (the tries' own parent takes the 100th). Step 3: a pod of 3 takes 3 more.
        Assert.Equal(99, (long)steps["free-100"]["created"]!);
        Assert.Equal(96, (long)steps["with-pod"]["created"]!);

        // Step 4, where 3.10 with kmem differs: the pod deleted, its 3 cgroups stay dying (counted by /proc/cgroups,
        // O1), yet their 3 IDs came back at offline (kmem-facts I5): 99 fit again.
        JsonNode deleted = steps["pod-deleted"];
        Assert.True((long)deleted["dying"]! >= 3, vm.Stdout);
        Assert.Equal(99, (long)deleted["created"]!);

        // Everything removed and caches dropped: the kernel is back where it started.
        Assert.Equal(start, (long)steps["summary"]["end_count"]!);
    }

    // The repro and the canary reach the wall several times each; 60,000 IDs held by somebody else first (a node
    // near the wall) keeps each fill to the last 5,500 slots.
    [Fact]
    public void Repro_at_the_wall_measures_no_slot_lost_per_pod_on_this_kernel()
    {
        var vm = NearTheWall("./cgleak repro --pods 1 --keep-files --until-full --yes --json");
        JsonNode repro = JsonNode.Parse(vm.Section("result"))!;
        Assert.Equal("runc", (string?)repro["runtime"]);
        Assert.All(repro["steps"]!.AsArray(), s => Assert.True((bool)s!["freeSlotsExact"]!, repro.ToJsonString()));
        Assert.InRange((long)repro["steps"]![0]!["idsInUse"]!, 60_001, 60_010); // the held IDs, the root and its own
        Assert.Equal(0, (double)repro["perPod"]!["idSlotsLost"]!);
        Assert.True((double)repro["perPod"]!["leftDying"]! >= 1, repro.ToJsonString());
        Assert.StartsWith("no ID slot lost", (string?)repro["conclusion"], StringComparison.Ordinal);
        Assert.Equal("", vm.Section("left").Trim());
    }

    [Fact]
    public void Verify_canary_until_full_concludes_not_leaking_at_the_wall()
    {
        var vm = NearTheWall("./cgleak verify --canary --until-full --yes --json");
        JsonNode verify = JsonNode.Parse(vm.Section("result"))!;
        Assert.Equal("verified", (string?)verify["verdict"]);
        JsonNode canary = verify["canary"]!;
        Assert.Equal("wall", (string?)canary["method"]);
        Assert.Equal(0, (long)canary["slotsLost"]!);
        Assert.StartsWith("not leaking", (string?)canary["conclusion"], StringComparison.Ordinal);
        Assert.Equal("", vm.Section("left").Trim());
    }

    /// <summary>
    /// Runs a cgleak command (section "result", its exit code in "exit") with 60,000 IDs held by somebody else, then
    /// lists what is left under the memory mount (section "left"); asserts the VM ran it.
    /// </summary>
    private static VirtualMachine.Result NearTheWall(string command)
    {
        var vm = VirtualMachine.Run("v1", $"""
            tests/vm/hold-ids.py 60000 > /tmp/held & holder=$!
            until grep -q held /tmp/held; do sleep 0.5; done
            echo "==> result"; {command}; rc=$?; echo "==> exit"; echo $rc
            kill $holder; wait $holder
            echo "==> left"; find /sys/fs/cgroup/memory -maxdepth 1 -name 'cgleak-*'
            """, TimeSpan.FromMinutes(5));
        Assert.True(vm.ExitCode == 0, vm.ToString());
        Assert.Equal("0", vm.Section("exit").Trim());
        return vm;
    }
}
