using Cgleak.Host.Parsing;

namespace Cgleak.Host.Tests;

public class ProcCgroupsTests
{
    [Fact]
    public void Reads_every_row_and_skips_the_header()
    {
        var parsed = ProcCgroups.Parse(
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\nmemory\t4\t45\t1\n");
        Assert.Empty(parsed.Problems);
        Assert.Equal(new ProcCgroupsRow("memory", 4, 45, true), parsed.Value.Single(r => r.SubsysName == "memory"));
    }

    [Theory]
    [InlineData("memory\t4", "expected 4 fields")]
    [InlineData("memory\t4\tmany\t1", "not a number")]
    [InlineData("memory\t4\t-3\t1", "not a number")]
    [InlineData("memory\t4\t3\tyes", "not a number")]
    public void Reports_a_malformed_line_with_its_number_and_keeps_the_others(string bad, string reason)
    {
        var parsed = ProcCgroups.Parse($"#h\ncpu\t1\t1\t1\n{bad}\npids\t2\t5\t1\n");
        Malformed problem = Assert.Single(parsed.Problems);
        Assert.Equal(3, problem.LineNumber);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.Equal(["cpu", "pids"], parsed.Value.Select(r => r.SubsysName));
    }
}

public class KernelCmdlineTests
{
    [Fact]
    public void Splits_the_key_at_the_first_equals_sign()
    {
        var cmdline = KernelCmdline.Parse("ro root=UUID=abc=def quiet");
        Assert.Equal("UUID=abc=def", cmdline.ValuesOf("root").Single());
        Assert.Null(cmdline.ValuesOf("ro").Single());
    }

    [Fact]
    public void Keeps_quoted_spaces_in_one_token_and_the_raw_text_for_writing_back()
    {
        var cmdline = KernelCmdline.Parse("init=\"/sbin/my init\" quiet \"dyndbg=file a.c +p\"");
        Assert.Equal(3, cmdline.Tokens.Count);
        Assert.Equal("/sbin/my init", cmdline.ValuesOf("init").Single());
        Assert.Equal("init=\"/sbin/my init\"", cmdline.Tokens[0].Raw);
        Assert.Equal("file a.c +p", cmdline.ValuesOf("dyndbg").Single());
    }

    [Theory]
    [InlineData("cgroup.memory=nokmem", true)]
    [InlineData("cgroup.memory=nosocket,nokmem", true)]
    [InlineData("cgroup.memory=nosocket cgroup.memory=nokmem", true)]
    [InlineData("cgroup.memory=nosocket", false)]
    [InlineData("cgroup.memory.nokmem=1", false)]
    [InlineData("xcgroup.memory=nokmem", false)]
    [InlineData("", false)]
    public void Finds_nokmem_in_the_cgroup_memory_option_list(string text, bool expected) =>
        Assert.Equal(expected, KernelCmdline.Parse(text).HasListOption("cgroup.memory", "nokmem"));
}

public class MountInfoTests
{
    private const string Memory
        = "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory";

    [Fact]
    public void Reads_mount_point_type_and_super_options_past_optional_fields()
    {
        MountInfoEntry e = MountInfo.Parse(Memory).Value.Single();
        Assert.Equal(("/", "/sys/fs/cgroup/memory", "cgroup"), (e.Root, e.MountPoint, e.FsType));
        Assert.Contains("memory", e.SuperOptions);
    }

    [Fact]
    public void Unescapes_octal_in_paths() =>
        Assert.Equal(
            "/mnt/my disk",
            MountInfo.Parse("40 1 8:1 / /mnt/my\\040disk rw - ext4 /dev/sda1 rw").Value.Single().MountPoint);

    [Theory]
    [InlineData("garbage")]
    [InlineData("30 24 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup")]
    [InlineData("x 24 0:26 / /a rw shared:1 - cgroup cgroup rw")]
    public void Reports_short_or_broken_lines_without_throwing(string line)
    {
        var parsed = MountInfo.Parse(line + "\n" + Memory);
        Assert.Single(parsed.Problems);
        Assert.Single(parsed.Value);
    }
}

public class KernelReleaseTests
{
    [Theory]
    [InlineData("3.10.0-957.27.2.el7.x86_64", 3, 10, 0, "el7")]
    [InlineData("4.18.0-348.el8.x86_64", 4, 18, 0, "el8")]
    [InlineData("5.4.0-150-generic", 5, 4, 0, null)]
    [InlineData("6.18.44-fc-v669", 6, 18, 44, null)]
    [InlineData("5.14.0-284.11.1.el9_2.x86_64", 5, 14, 0, "el9")]
    public void Reads_upstream_version_and_distribution_tag(string text, int major, int minor, int patch, string? tag)
    {
        KernelRelease k = KernelRelease.Parse(text)!;
        Assert.Equal((major, minor, patch, tag), (k.Major, k.Minor, k.Patch, k.DistroTag));
    }

    [Theory]
    [InlineData("3.10.0-1062.4.1.el7.x86_64", true)]
    [InlineData("3.10.0-1062.18.1.el7.x86_64", true)]
    [InlineData("3.10.0-1160.el7.x86_64", true)]
    [InlineData("3.10.0-1062.1.2.el7.x86_64", false)]
    [InlineData("3.10.0-957.27.2.el7.x86_64", false)]
    public void Compares_el7_build_numbers_numerically(string text, bool atLeast1062_4_1) =>
        Assert.Equal(atLeast1062_4_1, KernelRelease.Parse(text)!.BuildAtLeast(1062, 4, 1));

    [Theory]
    [InlineData("")]
    [InlineData("not-a-kernel")]
    [InlineData("v6.1")]
    public void Refuses_what_is_no_release(string text) => Assert.Null(KernelRelease.Parse(text));
}

public class ComponentVersionTests
{
    [Theory]
    [InlineData("runc version 1.0.0-rc93\ncommit: 12644e61\nspec: 1.0.2-dev", "1.0.0-rc93")]
    [InlineData("runc version 1.1.5+ds1 commit: 1.1.5+ds1-1+deb12u1", "1.1.5")]
    [InlineData("1.0.0~rc10+dfsg1-1", "1.0.0-rc10")]
    [InlineData("Kubernetes v1.16.4", "1.16.4")]
    [InlineData("containerd containerd.io 1.2.13 7ad184331fa3e55e52b890ea95e65ba581ae3429", "1.2.13")]
    [InlineData("Docker version 18.09.0, build 4d60db4", "18.9.0")]
    [InlineData("3:18.09.0-3.el7", "18.9.0")]
    public void Finds_the_version_in_what_tools_print(string text, string expected) =>
        Assert.Equal(expected, ComponentVersion.Find(text)!.ToString());

    [Fact]
    public void Release_candidates_sort_before_the_release_and_by_number()
    {
        var rc9 = ComponentVersion.Find("1.0.0-rc9")!;
        var rc10 = ComponentVersion.Find("1.0.0-rc10")!;
        var final = ComponentVersion.Find("1.0.0")!;
        Assert.True(rc9 < rc10);
        Assert.True(rc10 < final);
        Assert.True(ComponentVersion.Find("1.0.0-rc93")! < ComponentVersion.Find("1.0.0-rc94")!);
    }
}

public class PackageSourceTests
{
    [Fact]
    public void Yum_log_keeps_the_last_event_per_package_and_drops_erased_ones()
    {
        var v = YumLog.InstalledVersions(
            "Jan 10 09:12:04 Installed: containerd.io-1.2.0-3.el7.x86_64\n" +
            "Jan 10 09:12:09 Installed: 3:docker-ce-18.09.0-3.el7.x86_64\n" +
            "Feb 01 10:00:00 Updated: containerd.io-1.4.6-3.1.el7.x86_64\n" +
            "Feb 01 10:00:01 Installed: kubelet-1.16.4-0.x86_64\n" +
            "Mar 01 10:00:01 Erased: kubelet\n");
        Assert.Equal("1.4.6-3.1.el7", v["containerd.io"]);
        Assert.Equal("18.09.0-3.el7", v["docker-ce"]);
        Assert.False(v.ContainsKey("kubelet"));
    }

    [Fact]
    public void Dpkg_status_lists_only_installed_packages()
    {
        var v = DpkgStatus.InstalledVersions(
            "Package: runc\nStatus: install ok installed\nVersion: 1.1.5+ds1-1\n\n" +
            "Package: docker.io\nStatus: deinstall ok config-files\nVersion: 20.10\n\n" +
            "Package: kubelet\nStatus: install ok installed\n");
        Assert.Equal(["runc"], v.Keys);
    }

    [Fact]
    public void Os_release_values_lose_one_level_of_quotes()
    {
        var parsed = KeyValueFile.Parse(
            "# comment\nID=\"centos\"\nVERSION_ID='7'\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nbroken line\n");
        Assert.Equal("centos", parsed.Value["ID"]);
        Assert.Equal("7", parsed.Value["VERSION_ID"]);
        Assert.Equal(5, Assert.Single(parsed.Problems).LineNumber);
    }

    [Fact]
    public void Flat_key_values_keep_unknown_keys()
    {
        var parsed = FlatKeyValues.Parse("nr_descendants 61\nnr_dying_descendants 120\nnr_future_thing 3\n");
        Assert.Equal(120, parsed.Value["nr_dying_descendants"]);
        Assert.Equal(3, parsed.Value["nr_future_thing"]);
    }
}
