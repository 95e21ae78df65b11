using System.Text.Json.Nodes;
using Cgleak.Testing;

namespace Cgleak.Vm.Tests;

/// <summary>
/// On real cgroup v2 (Debian's 6.1, memory enabled at the root): dying memory cgroups pinned by page cache.
/// </summary>
public sealed class CgroupV2Tests
{
    [Fact]
    public void Dying_cgroups_pinned_by_page_cache_show_in_the_doctor_and_reclaim_releases_them()
    {
        // 20 cgroups, each with a process reading a different file (its page cache is charged to the cgroup that
        // first reads it), removed: they stay dying while those pages are cached (kmem-facts L7, L9).
        var vm = VirtualMachine.Run("v2", """
            set -e
            p=/sys/fs/cgroup/cgleak-test-v2
            mkdir $p
            echo +memory > $p/cgroup.subtree_control
            i=0
            for f in $(find /usr/share/doc -type f -size +20k | head -n 20); do
                mkdir $p/c$i
                sh -c "echo \$\$ > $p/c$i/cgroup.procs && cat $f > /dev/null"
                i=$((i + 1))
            done
            for i in $(seq 0 19); do rmdir $p/c$i; done
            rmdir $p
            sleep 2
            echo "==> stat"; cat /sys/fs/cgroup/cgroup.stat
            echo "==> doctor"; ./cgleak doctor --json || true
            echo "==> reclaim"; ./cgleak reclaim --yes --json
            echo "==> stat after"; cat /sys/fs/cgroup/cgroup.stat
            """, TimeSpan.FromMinutes(3));
        Assert.True(vm.ExitCode == 0, vm.ToString());
        long dying = Stat(vm.Section("stat"), "nr_dying_descendants");
        Assert.True(dying >= 20, vm.ToString());

        JsonNode doctor = JsonNode.Parse(vm.Section("doctor"))!;
        Assert.Equal("v2", (string?)doctor["host"]!["memoryHierarchy"]);
        Assert.Equal(dying, (long)doctor["memoryCgroups"]!["dying"]!);
        JsonNode check = doctor["checks"]!.AsArray().Single(c => (string?)c!["id"] == "memcg.dying")!;
        Assert.StartsWith($"{dying} dying memory cgroups", (string?)check["summary"], StringComparison.Ordinal);
        Assert.Contains(
            check["evidence"]!.AsArray(),
            e => ((string?)e)!.Contains("cgroup.stat", StringComparison.Ordinal));

        JsonNode reclaim = JsonNode.Parse(vm.Section("reclaim"))!;
        Assert.Equal(dying, (long)reclaim["dyingBefore"]!);
        Assert.True((long)reclaim["released"]! >= 20, reclaim.ToJsonString());
        Assert.True(Stat(vm.Section("stat after"), "nr_dying_descendants") <= dying - 20, vm.ToString());
    }

    private static long Stat(string cgroupStat, string key) =>
        long.Parse(
            cgroupStat.Split('\n').Single(l => l.StartsWith(key + " ", StringComparison.Ordinal)).Split(' ')[1],
            System.Globalization.CultureInfo.InvariantCulture);
}
