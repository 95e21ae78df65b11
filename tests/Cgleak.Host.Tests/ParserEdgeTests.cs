using Cgleak.Host.Parsing;

namespace Cgleak.Host.Tests;

/// <summary>The pure parsers on valid but unusual input, and at the edges of what they refuse.</summary>
public class ProcCgroupsEdgeTests
{
    [Fact]
    public void A_disabled_controller_row_is_valid()
    {
        // cgroup_disable=memory: the kernel still lists the controller, hierarchy 0, enabled 0.
        var parsed = ProcCgroups.Parse("#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t0\n");
        Assert.Empty(parsed.Problems);
        Assert.Equal(new ProcCgroupsRow("memory", 0, 1, false), Assert.Single(parsed.Value));
    }

    [Fact]
    public void Zero_cgroups_spaces_and_extra_fields_are_accepted()
    {
        var parsed = ProcCgroups.Parse("memory 4 0 1\npids\t2\t5\t1\textra\n");
        Assert.Empty(parsed.Problems);
        Assert.Equal([new ProcCgroupsRow("memory", 4, 0, true), new ProcCgroupsRow("pids", 2, 5, true)], parsed.Value);
    }

    [Theory]
    [InlineData("memory\t4\t45", "expected 4 fields, found 3")]
    [InlineData("memory\tx\t45\t1", "not a number")]
    [InlineData("memory\t4\t45\t2", "not a number")]
    [InlineData("memory\t4\t45\t", "expected 4 fields, found 3")]
    public void Refuses_rows_a_field_short_or_with_a_bad_value(string line, string reason)
    {
        var parsed = ProcCgroups.Parse("#header\n\n" + line + "\n");
        Malformed m = Assert.Single(parsed.Problems);
        Assert.Equal((3, line), (m.LineNumber, m.Line));
        Assert.Contains(reason, m.Reason, StringComparison.Ordinal);
        Assert.Empty(parsed.Value);
    }
}

public class MountInfoEdgeTests
{
    [Fact]
    public void A_line_without_optional_fields_has_its_separator_at_the_seventh_field()
    {
        var parsed = MountInfo.Parse("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate");
        MountInfoEntry e = Assert.Single(parsed.Value);
        Assert.Equal((25, "/", "/sys/fs/cgroup", "cgroup2", "cgroup2"),
            (e.MountId, e.Root, e.MountPoint, e.FsType, e.Source));
        Assert.Equal(["rw", "nsdelegate"], e.SuperOptions);
    }

    [Fact]
    public void Several_optional_fields_and_a_root_named_dash_do_not_move_the_separator()
    {
        var parsed = MountInfo.Parse(
            "36 25 0:31 - /sys/fs/cgroup/memory rw shared:14 master:1 propagate_from:2 - cgroup cgroup rw,memory");
        MountInfoEntry e = Assert.Single(parsed.Value);
        Assert.Equal(("-", "/sys/fs/cgroup/memory", "cgroup"), (e.Root, e.MountPoint, e.FsType));
        Assert.Equal(["rw", "memory"], e.SuperOptions);
    }

    [Theory]
    [InlineData("36 25 0:31 / /sys/fs/cgroup/memory rw shared:14 - cgroup cgroup")]  // two fields after "-"
    [InlineData("36 25 0:31 / /sys/fs/cgroup/memory rw shared:14 - cgroup")]
    [InlineData("36 25 0:31 / /sys/fs/cgroup/memory rw shared:14 cgroup cgroup rw")]  // no "-"
    [InlineData("36 25 0:31 / /mnt rw - ext4 /dev/sda1")]                             // nine fields
    [InlineData("id 25 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory")]
    public void Refuses_lines_with_too_few_fields_after_the_separator_or_no_number(string line)
    {
        var parsed = MountInfo.Parse("\n" + line);
        Assert.Empty(parsed.Value);
        Assert.Equal(2, Assert.Single(parsed.Problems).LineNumber);
    }

    [Theory]
    [InlineData(@"/mnt/disk\040", "/mnt/disk ")]             // at the very end
    [InlineData(@"/mnt/a\040b", "/mnt/a b")]                  // after a plain character
    [InlineData(@"/mnt/\040\040x", "/mnt/  x")]               // twice in a row
    [InlineData(@"/mnt/tab\011x", "/mnt/tab\tx")]
    [InlineData(@"/mnt/back\134slash", @"/mnt/back\slash")]  // an escaped backslash
    [InlineData(@"/mnt/x\04", @"/mnt/x\04")]                  // cut short: kept as it is
    [InlineData(@"/mnt/x\089", @"/mnt/x\089")]                // 8 is no octal digit
    [InlineData(@"/mnt/x\0a0", @"/mnt/x\0a0")]
    [InlineData(@"/mnt/x\", @"/mnt/x\")]
    [InlineData(@"/mnt/x\800", @"/mnt/x\800")]              // each of the three must be an octal digit
    [InlineData(@"/mnt/x\008", @"/mnt/x\008")]
    [InlineData(@"/mnt/\100x", "/mnt/@x")]                    // 0 and 7 are octal digits, in every place
    [InlineData(@"/mnt/\173x", "/mnt/{x")]
    [InlineData(@"/mnt/\047x", "/mnt/'x")]
    [InlineData(@"/mnt/\700x", "/mnt/\u01C0x")]
    public void Unescapes_octal_escapes_wherever_they_are(string written, string path)
    {
        MountInfoEntry e = Assert.Single(MountInfo.Parse($"40 1 8:1 {written} {written} rw - ext4 {written} rw").Value);
        Assert.Equal((path, path, path), (e.Root, e.MountPoint, e.Source));
    }
}

public class KernelReleaseEdgeTests
{
    [Theory]
    [InlineData("3.10.0-1062.el7.x86_64", false)]       // fewer build numbers than 1062.4.1: 1062 < 1062.4.1
    [InlineData("3.10.0-1062.4.el7.x86_64", false)]
    [InlineData("3.10.0-1062.4.0.el7.x86_64", false)]
    [InlineData("3.10.0-1062.4.1.el7.x86_64", true)]
    [InlineData("3.10.0-1062.4.1.1.el7.x86_64", true)]  // more build numbers than the threshold
    [InlineData("3.10.0-1062.4.2.el7.x86_64", true)]
    [InlineData("3.10.0-1062.5.el7.x86_64", true)]
    [InlineData("3.10.0-1061.99.99.el7.x86_64", false)]
    [InlineData("3.10.0-1063.el7.x86_64", true)]
    [InlineData("3.10.0", false)]                        // no build numbers at all
    public void Build_numbers_compare_one_by_one_with_missing_ones_as_zero(string text, bool atLeast) =>
        Assert.Equal(atLeast, KernelRelease.Parse(text)!.BuildAtLeast(1062, 4, 1));

    [Fact]
    public void Any_build_is_at_least_no_build() => Assert.True(KernelRelease.Parse("3.10.0")!.BuildAtLeast());

    [Theory]
    [InlineData("4.6.99", 4, 7, 0, false)]
    [InlineData("4.7", 4, 7, 0, true)]
    [InlineData("4.7.0", 4, 7, 0, true)]
    [InlineData("5.0.0", 4, 7, 0, true)]
    [InlineData("6.1.54", 6, 1, 55, false)]
    [InlineData("6.1.55", 6, 1, 55, true)]
    public void Upstream_versions_compare_as_major_minor_patch(string text, int major, int minor, int patch,
        bool atLeast) =>
        Assert.Equal(atLeast, KernelRelease.Parse(text)!.AtLeast(major, minor, patch));

    [Theory]
    [InlineData("4.18.0-513.5.1.el8_9.x86_64", "el8", new[] { 513, 5, 1 })]
    [InlineData("3.10.0-957.el7", "el7", new[] { 957 })]
    [InlineData("5.4.0-150-generic", null, new[] { 150 })]
    [InlineData("6.18.44-fc-v669", null, new int[0])]
    [InlineData("5.4.0-1.elfoo", null, new[] { 1 })]
    [InlineData("4.5", null, new int[0])]
    public void Reads_build_numbers_and_the_distribution_tag(string text, string? tag, int[] build)
    {
        KernelRelease k = KernelRelease.Parse(text)!;
        Assert.Equal(tag, k.DistroTag);
        Assert.Equal(build, k.Build);
        Assert.Equal(tag == "el7", k.IsEl7);
    }

    [Theory]
    [InlineData("3.10.0-1160.el7.x86_64", true)]
    [InlineData("5.4.249-1.el7.elrepo.x86_64", false)] // ELRepo's upstream kernel built for el7
    [InlineData("3.10.108-1.el7.x86_64", true)]
    [InlineData("3.18.0-1.el7.x86_64", false)]
    [InlineData("5.10.0-28-amd64", false)]             // 10 as the minor number alone is not enough
    [InlineData("3.10.0-1160.el8.x86_64", false)]
    public void Only_red_hats_own_3_10_kernels_are_el7(string text, bool el7) =>
        Assert.Equal(el7, KernelRelease.Parse(text)!.IsEl7);

    [Fact]
    public void The_text_is_kept_without_surrounding_whitespace()
    {
        KernelRelease k = KernelRelease.Parse("  3.10.0-957.el7.x86_64\n")!;
        Assert.Equal(("3.10.0-957.el7.x86_64", 3, 10, 0), (k.Text, k.Major, k.Minor, k.Patch));
        Assert.Equal("3.10.0-957.el7.x86_64", k.ToString());
        Assert.Equal(0, KernelRelease.Parse("4.5")!.Patch);
    }
}

public class KernelCmdlineEdgeTests
{
    [Fact]
    public void Tabs_newlines_and_runs_of_spaces_separate_tokens_and_make_none()
    {
        KernelCmdline c = KernelCmdline.Parse("  ro\tquiet \n  root=/dev/sda1\n");
        Assert.Equal(["ro", "quiet", "root=/dev/sda1"], c.Tokens.Select(t => t.Raw));
        Assert.Equal("ro\tquiet \n  root=/dev/sda1", c.Text);
    }

    [Fact]
    public void An_empty_value_is_empty_and_a_bare_key_has_none()
    {
        KernelCmdline c = KernelCmdline.Parse("console= cgroup.memory");
        Assert.Equal("", c.ValuesOf("console").Single());
        Assert.Null(c.ValuesOf("cgroup.memory").Single());
        Assert.False(c.HasListOption("cgroup.memory", "nokmem"));
    }

    [Fact]
    public void Quotes_are_dropped_from_keys_and_values_and_an_open_quote_runs_to_the_end()
    {
        KernelCmdline c = KernelCmdline.Parse("\"cgroup.memory\"=\"nokmem\" init=\"/bin/a b quiet");
        Assert.True(c.HasListOption("cgroup.memory", "nokmem"));
        Assert.Equal("\"cgroup.memory\"=\"nokmem\"", c.Tokens[0].Raw);
        Assert.Equal("/bin/a b quiet", c.ValuesOf("init").Single());
        Assert.Equal(2, c.Tokens.Count);
    }

    [Fact]
    public void A_token_that_starts_with_the_sign_has_an_empty_key_and_the_rest_as_its_value()
    {
        CmdlineToken t = Assert.Single(KernelCmdline.Parse("=nokmem").Tokens);
        Assert.Equal(("=nokmem", "", "nokmem"), (t.Raw, t.Key, t.Value));
    }
}

public class KeyValueFileEdgeTests
{
    [Fact]
    public void Export_prefixes_spaces_around_the_sign_and_later_duplicates_are_read_as_the_shell_does()
    {
        var parsed = KeyValueFile.Parse(
            "export KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n  ID = centos \nID=rocky\n    # indented comment\n");
        Assert.Empty(parsed.Problems);
        Assert.Equal("--cgroup-driver=systemd", parsed.Value["KUBELET_EXTRA_ARGS"]);
        Assert.Equal("rocky", parsed.Value["ID"]);
    }

    [Theory]
    [InlineData("A=\"\"", "")]
    [InlineData("A=\"", "\"")]             // one quote is no pair
    [InlineData("A='x\"", "'x\"")]          // mismatched quotes are kept
    [InlineData("A=\"a 'b'\"", "a 'b'")]   // only one level comes off
    [InlineData("A=", "")]
    public void Only_a_matching_pair_of_quotes_is_removed(string line, string value) =>
        Assert.Equal(value, KeyValueFile.Parse(line).Value["A"]);

    [Fact]
    public void A_line_without_a_key_is_reported()
    {
        var parsed = KeyValueFile.Parse("A=1\n=2\nnovalue\n");
        Assert.Equal([2, 3], parsed.Problems.Select(p => p.LineNumber));
        Assert.Equal(["A"], parsed.Value.Keys);
    }
}

public class FlatKeyValuesEdgeTests
{
    [Theory]
    [InlineData("nr_dying_descendants")]
    [InlineData("nr_dying_descendants 1 2")]
    [InlineData("nr_dying_descendants many")]
    public void A_line_that_is_not_one_key_and_one_number_is_reported(string line)
    {
        var parsed = FlatKeyValues.Parse("nr_descendants 3\n" + line + "\n");
        Assert.Equal(2, Assert.Single(parsed.Problems).LineNumber);
        Assert.Equal(["nr_descendants"], parsed.Value.Keys);
    }

    [Fact]
    public void Negative_values_and_runs_of_spaces_are_fine() =>
        Assert.Equal(-5, FlatKeyValues.Parse("anon  -5\n").Value["anon"]);
}

public class PackageParserEdgeTests
{
    [Theory]
    [InlineData("containerd.io-1.2.13-3.1.el7.x86_64", "containerd.io", "1.2.13-3.1.el7")]
    [InlineData("3:docker-ce-18.09.0-3.el7.x86_64", "docker-ce", "18.09.0-3.el7")]
    [InlineData("docker-ce-3:18.09.0-3.el7.noarch", "docker-ce", "18.09.0-3.el7")]
    [InlineData("runc-1.0.0-1.el8.aarch64", "runc", "1.0.0-1.el8")]
    [InlineData("pkg-1.0-1.el7.weird", "pkg", "1.0-1.el7.weird")]  // an unknown suffix is no architecture
    [InlineData("a1:pkg-1-2", "a1:pkg", "1-2")]                    // not digits: no epoch
    public void Splits_name_and_version_release(string nevra, string name, string version) =>
        Assert.Equal((name, version), YumLog.SplitNevra(nevra));

    [Theory]
    [InlineData("kubelet")]
    [InlineData("kubelet-1.16")]
    [InlineData("-1.0-1")]
    public void Without_a_version_and_a_release_there_is_nothing_to_split(string nevra) =>
        Assert.Null(YumLog.SplitNevra(nevra));

    [Fact]
    public void Erasing_by_full_name_removes_the_package_too()
    {
        var v = YumLog.InstalledVersions(
            "Jan 10 09:12:04 Installed: kubelet-1.16.4-0.x86_64\n" +
            "Jan 10 09:12:05 Installed: runc-1.0.0-1.el7.x86_64\n" +
            "Jan 11 09:12:04 Erased: 2:kubelet-1.16.4-0.x86_64\n" +
            "Jan 12 09:12:04 Updated: runc-1.1.0-1.el7.x86_64\n" +
            "Jan 12 09:12:05 Installed: no-version\n");
        Assert.Equal(["runc"], v.Keys);
        Assert.Equal("1.1.0-1.el7", v["runc"]);
    }

    [Fact]
    public void A_yum_event_at_the_very_start_of_a_line_counts() =>
        Assert.Equal("1.2.13-3.1.el7",
            YumLog.InstalledVersions("Installed: containerd.io-1.2.13-3.1.el7.x86_64\n")["containerd.io"]);

    [Fact]
    public void A_dnf_line_that_starts_with_its_level_is_read() =>
        Assert.Equal("1.4.3-3.1.el8",
            DnfRpmLog.InstalledVersions(" SUBDEBUG Installed: containerd.io-1.4.3-3.1.el8.x86_64\n")["containerd.io"]);

    [Fact]
    public void A_dpkg_paragraph_takes_nothing_from_the_one_before_it()
    {
        var v = DpkgStatus.InstalledVersions(
            "Package: a\nStatus: install ok installed\nVersion: 1\n\n" +
            "Package: b\nStatus: install ok installed\n\n" +                   // no version of its own
            "Version: 3\nStatus: install ok installed\n\n");                   // no package name
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, v);
    }

    [Fact]
    public void Dpkg_installed_means_a_status_ending_in_the_word_installed()
    {
        var v = DpkgStatus.InstalledVersions(
            "Package: a\nStatus: install ok half-installed\nVersion: 1\n\n" +
            "Version: 2\nStatus: hold ok installed\nPackage:b\n\n" +
            "Package: c\nVersion: 3\n\n" +
            "Package: d\nStatus: install ok installed\nVersion: 4");   // the last paragraph needs no blank line
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["d"] = "4" }, v);
    }
}

public class ComponentVersionEdgeTests
{
    [Theory]
    [InlineData("1.0.0-rc.2", "1.0.0-rc2")]
    [InlineData("v1.21", "1.21.0")]
    [InlineData("build 4d60db4, version 1.2", "1.2.0")]
    [InlineData("kubernetes-node-1.5.2-0.7.git269f928.el7", "1.5.2")]
    public void Finds_versions_in_odd_spellings(string text, string version) =>
        Assert.Equal(version, ComponentVersion.Find(text)!.ToString());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no version here")]
    public void Finds_nothing_where_there_is_no_version(string? text) => Assert.Null(ComponentVersion.Find(text));

    [Fact]
    public void Orders_by_major_minor_patch_then_release_candidate()
    {
        ComponentVersion a = ComponentVersion.Of(1, 0, 0, 99), b = ComponentVersion.Of(1, 0, 1);
        Assert.True(a < b && b > a && a <= b && b >= a && !(a > b) && !(b < a));
        ComponentVersion same = ComponentVersion.Of(1, 0, 0, 99);
        Assert.True(a <= same && a >= same && !(a < same) && !(a > same));
        Assert.Equal(0, a.CompareTo(same));
        Assert.Equal(1, a.CompareTo(null));
        Assert.True(ComponentVersion.Of(1, 0, 0) > ComponentVersion.Of(1, 0, 0, 5));
        Assert.True(ComponentVersion.Of(1, 0, 0, 5) < ComponentVersion.Of(1, 0, 0));
        Assert.Equal(0, ComponentVersion.Of(2, 1).CompareTo(ComponentVersion.Of(2, 1, 0)));
        Assert.True(ComponentVersion.Of(1, 0, 0) < ComponentVersion.Of(1, 0, 1, 1)); // the patch decides before the rc
    }
}

public class MalformedTests
{
    [Theory]
    [InlineData(80, 80)]
    [InlineData(81, 77)]
    public void A_line_longer_than_80_characters_is_quoted_cut_to_77_and_an_ellipsis(int length, int kept)
    {
        string line = new('x', length);
        string quoted = new Malformed(3, line, HostMessage.Say("parse.test", "bad")).ToString().Split('"')[1];
        Assert.Equal(new string('x', kept) + (kept < length ? "..." : ""), quoted);
    }
}
