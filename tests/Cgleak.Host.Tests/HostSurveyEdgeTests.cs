using Cgleak.Host.Cgroups;
using Cgleak.Host.Facts;

namespace Cgleak.Host.Tests;

/// <summary>
/// The survey on small host trees: which file each fact comes from, the fallbacks it takes, and the one problem
/// per file it cannot use (no components, no logs: those have their own tests).
/// </summary>
public sealed class HostSurveyEdgeTests : IDisposable
{
    private const string V1Mounts
        = "30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory\n";
    private const string V2Mounts = "25 1 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
    private const string Swaps = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private HostFacts Survey()
        => new HostSurvey(_tree.Host, new SurveyOptions { Components = false, Logs = false }).Read();

    private SmallHostTree Essentials() => _tree
        .Write("/proc/sys/kernel/osrelease", "3.10.0-1160.el7.x86_64\n")
        .Write("/proc/cmdline", "ro quiet\n")
        .Write("/proc/swaps", Swaps)
        .Write("/etc/os-release", "ID=\"centos\"\nVERSION_ID=\"7\"\n")
        .Write("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t11\t45\t1\n")
        .Write("/proc/1/mountinfo", V1Mounts)
        .Write("/sys/fs/cgroup/memory/cgroup.procs", "");

    private static IEnumerable<HostProblem> About(HostFacts facts, string path)
        => facts.Problems.Where(p => p.Path == path);

    [Fact]
    public void A_complete_small_host_gives_every_fact_with_its_source_and_no_problem()
    {
        Essentials();
        HostFacts facts = Survey();
        Assert.Empty(facts.Problems);
        Assert.Equal(
            ("3.10.0-1160.el7.x86_64", "/proc/sys/kernel/osrelease"),
            (facts.Kernel!.Value.Text, facts.Kernel.Source));
        Assert.Equal(new MemoryControllerRow(11, 45, true), facts.MemoryRow!.Value);
        Assert.Equal((MemoryHierarchy.V1, "/sys/fs/cgroup/memory", "/proc/1/mountinfo"),
            (facts.Layout.Memory, facts.Layout.MemoryMountPoint, facts.LayoutSource));
        Assert.Equal(1, facts.Tree!.Directories);
        Assert.False(facts.SwapActive!.Value);
        Assert.Equal(("centos", "7"), (facts.Distribution!.Id, facts.Distribution.VersionId));
        Assert.Null(facts.RootCgroupStat);
        Assert.False(facts.MemcgReaperPresent);
    }

    [Fact]
    public void A_swap_area_below_the_header_is_swap_active()
    {
        Essentials().Write("/proc/swaps", Swaps + "/dev/dm-1\t\t\t\tpartition\t4194300\t\t0\t\t-2\n");
        Assert.True(Survey().SwapActive!.Value);
    }

    [Fact]
    public void A_disabled_memory_controller_row_is_a_fact_and_a_clean_file_without_one_is_no_problem()
    {
        Essentials().Write("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t0\n");
        HostFacts disabled = Survey();
        Assert.Equal(new MemoryControllerRow(0, 1, false), disabled.MemoryRow!.Value);
        Assert.Empty(About(disabled, "/proc/cgroups"));

        _tree.Write("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\npids\t4\t60\t1\n");
        HostFacts none = Survey();
        Assert.Null(none.MemoryRow);
        Assert.Empty(About(none, "/proc/cgroups"));
    }

    [Theory]
    [InlineData("#subsys_name\thierarchy\tnum_cgroups\tenabled\n", 1)]                    // cut after the header
    [InlineData("#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t11\tabc\t1\n", 2)] // the memory row broken
    [InlineData("#subsys_name\thierarchy\tnum_cgroups\tenabled\npids\t4\t60\t1\ncpu\t2", 2)] // another row cut short
    public void A_proc_cgroups_without_a_usable_memory_row_is_a_problem(string text, int problems)
    {
        Essentials().Write("/proc/cgroups", text);
        HostFacts facts = Survey();
        Assert.Null(facts.MemoryRow);
        Assert.Equal(problems, About(facts, "/proc/cgroups").Count());
        Assert.Contains(
            About(facts, "/proc/cgroups"),
            p => p.Message.Contains("no usable memory row", StringComparison.Ordinal));
    }

    [Fact]
    public void A_broken_row_beside_a_good_memory_row_is_reported_and_the_row_used()
    {
        Essentials().Write(
            "/proc/cgroups",
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\tx\t1\t1\nmemory\t11\t45\t1\n");
        HostFacts facts = Survey();
        Assert.Equal(45, facts.MemoryRow!.Value.NumCgroups);
        Assert.StartsWith("malformed", Assert.Single(About(facts, "/proc/cgroups")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_pid_1s_mountinfo_the_survey_reads_its_own_and_says_where_it_read_it()
    {
        Essentials();
        File.Delete(_tree.Local("/proc/1/mountinfo"));
        _tree.Write("/proc/self/mountinfo", V1Mounts);
        HostFacts facts = Survey();
        Assert.Equal("/proc/self/mountinfo", facts.LayoutSource);
        Assert.Equal(MemoryHierarchy.V1, facts.Layout.Memory);
        Assert.Empty(facts.Problems);

        File.Delete(_tree.Local("/proc/self/mountinfo"));
        HostFacts none = Survey();
        Assert.Same(CgroupLayout.None, none.Layout);
        Assert.Null(none.LayoutSource);
        Assert.Null(none.Tree);
        Assert.Single(About(none, "/proc/1/mountinfo"));
    }

    [Fact]
    public void A_memory_mount_point_that_is_missing_or_no_directory_is_a_problem_and_no_walk()
    {
        Essentials().Write(
            "/proc/1/mountinfo",
            V1Mounts.Replace("/sys/fs/cgroup/memory", "/sys/fs/cgroup/gone", StringComparison.Ordinal));
        HostFacts missing = Survey();
        Assert.Null(missing.Tree);
        Assert.Contains(
            "missing",
            Assert.Single(About(missing, "/sys/fs/cgroup/gone")).Message,
            StringComparison.Ordinal);

        _tree.Write(
            "/proc/1/mountinfo",
            V1Mounts.Replace("/sys/fs/cgroup/memory", "/proc/cmdline", StringComparison.Ordinal));
        HostFacts file = Survey();
        Assert.Null(file.Tree);
        Assert.Contains(
            "cannot be reached",
            Assert.Single(About(file, "/proc/cmdline")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void On_cgroup_v2_the_roots_cgroup_stat_is_read()
    {
        Essentials().Write("/proc/1/mountinfo", V2Mounts)
            .Write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
            .Write("/sys/fs/cgroup/memory.stat", "anon 0\n")
            .Write("/sys/fs/cgroup/cgroup.stat", "nr_descendants 61\nnr_dying_descendants 35\n");
        HostFacts facts = Survey();
        Assert.Equal((MemoryHierarchy.V2, "/sys/fs/cgroup"), (facts.Layout.Memory, facts.Layout.MemoryMountPoint));
        Assert.Equal("/sys/fs/cgroup/cgroup.stat", facts.RootCgroupStat!.Source);
        Assert.Equal(35, facts.RootCgroupStat.Value["nr_dying_descendants"]);
        Assert.Empty(facts.Problems);
    }

    [Fact]
    public void On_cgroup_v2_without_the_memory_controller_no_cgroup_stat_is_read()
    {
        Essentials().Write("/proc/1/mountinfo", V2Mounts)
            .Write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io pids\n")
            .Write("/sys/fs/cgroup/cgroup.stat", "nr_dying_descendants 35\n");
        HostFacts facts = Survey();
        Assert.Equal(MemoryHierarchy.None, facts.Layout.Memory);
        Assert.Null(facts.RootCgroupStat);
        Assert.Null(facts.Tree);
    }

    [Fact]
    public void The_distribution_comes_from_os_release_then_usr_lib_then_the_release_file()
    {
        Essentials();
        File.Delete(_tree.Local("/etc/os-release"));
        _tree.Write(
            "/usr/lib/os-release",
            "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID_LIKE=debian\n");
        Distribution usr = Survey().Distribution!;
        Assert.Equal(
            ("ubuntu", "22.04", "debian", "Ubuntu 22.04.4 LTS"),
            (usr.Id, usr.VersionId, usr.IdLike, usr.Display));

        File.Delete(_tree.Local("/usr/lib/os-release"));
        _tree.Write("/etc/centos-release", "  \n")
            .Write("/etc/redhat-release", "CentOS Linux release 7.9.2009 (Core)\n");
        HostFacts release = Survey();
        Assert.Null(release.Distribution!.Id);
        Assert.Equal("CentOS Linux release 7.9.2009 (Core)", release.Distribution.Display);
        Assert.Empty(About(release, "/etc/os-release"));

        File.Delete(_tree.Local("/etc/redhat-release"));
        HostFacts none = Survey();
        Assert.Null(none.Distribution);
        Assert.Single(About(none, "/etc/os-release"));
    }

    [Fact]
    public void A_kernel_release_that_is_no_release_is_a_problem_quoting_it()
    {
        Essentials().Write("/proc/sys/kernel/osrelease", "not-a-kernel\n");
        HostFacts facts = Survey();
        Assert.Null(facts.Kernel);
        Assert.Contains(
            "\"not-a-kernel\"",
            Assert.Single(About(facts, "/proc/sys/kernel/osrelease")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_unreadable_files_are_told_apart()
    {
        Essentials().Fails("/proc/cmdline", "EACCES"); // the captured host could not read it: no file, its error beside
        File.Delete(_tree.Local("/proc/cmdline"));
        File.Delete(_tree.Local("/proc/swaps"));
        HostFacts facts = Survey();
        Assert.Null(facts.Cmdline);
        Assert.Null(facts.SwapActive);
        Assert.Equal("missing", Assert.Single(About(facts, "/proc/swaps")).Message);
        Assert.StartsWith(
            "cannot read: ",
            Assert.Single(About(facts, "/proc/cmdline")).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_only_reads_no_components_no_logs_and_no_containers_kmem()
    {
        Essentials().Write("/var/log/messages", "kernel: SLUB: Unable to allocate memory on node -1\n")
            .Write("/sys/fs/cgroup/memory/kubepods/memory.kmem.usage_in_bytes", "4096\n");
        HostFacts counts = new HostSurvey(_tree.Host, SurveyOptions.CountsOnly).Read();
        Assert.Null(counts.Logs);
        Assert.Empty(counts.Components);
        Assert.Null(counts.KubeletDriver);
        Assert.Equal((2, 0), (counts.Tree!.Directories, counts.Tree.Kmem.Checked));

        HostFacts all = new HostSurvey(_tree.Host).Read();
        Assert.NotNull(all.Logs);
        Assert.NotEmpty(all.Components);
        Assert.Equal((2, 1), (all.Tree!.Directories, all.Tree.Kmem.Checked));
    }

    [Fact]
    public void Alibabas_memcg_reaper_is_seen()
    {
        Essentials().Write("/sys/kernel/mm/memcg_reaper/verbose", "0\n");
        Assert.True(Survey().MemcgReaperPresent);
    }
}
