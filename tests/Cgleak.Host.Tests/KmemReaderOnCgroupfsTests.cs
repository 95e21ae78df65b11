using Cgleak.Host.Cgroups;

namespace Cgleak.Host.Tests;

/// <summary>
/// KmemReader.ReadAt on cgroupfs: one open and one read of a file decide the common outcomes, the others take the
/// general path. A temp directory stands in for the cgroup directory (the cgroupfs path reads its files as it reads
/// kernfs ones). The host is a host tree, whose general path honours ".errno" files (docs/host-tree.md) and the
/// cgroupfs path does not: where a test writes one, it tells which path answered.
/// </summary>
public sealed class KmemReaderOnCgroupfsTests : IDisposable
{
    private const string Listing = "slabinfo - version: 2.1\nkmalloc-64 0 0 64 64 1 : tunables 0 0 0\n";
    private const string Slabinfo = "memory.kmem.slabinfo";
    private const string Usage = "memory.kmem.usage_in_bytes";

    private readonly SmallHostTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>The state, the evidence's key and its first argument (the value or the error read).</summary>
    private (KmemState State, string Key, object? Value) ReadAt(
        KmemReader reader, string cgroup, bool onCgroupfs = true)
    {
        using var directory = new OpenDirectory(_tree.Local(cgroup));
        KmemState state = reader.ReadAt(directory.Fd, onCgroupfs, out HostMessage evidence);
        return (state, evidence.Key, evidence.Args.Count > 0 ? evidence.Args[0] : null);
    }

    private void Cgroup(string cgroup, string? slabinfo, string? usage)
    {
        Directory.CreateDirectory(_tree.Local(cgroup));
        if (slabinfo is not null)
        {
            _tree.Write($"{cgroup}/{Slabinfo}", slabinfo);
        }

        if (usage is not null)
        {
            _tree.Write($"{cgroup}/{Usage}", usage);
        }
    }

    [Fact]
    public void A_slabinfo_listing_caches_is_active()
    {
        Cgroup("/cg/a", Listing, "0");
        Assert.Equal((KmemState.Active, "evidence.kmem.slabinfo", null), ReadAt(new KmemReader(_tree.Host), "/cg/a"));
    }

    [Theory]
    [InlineData("0\n", KmemState.Inactive, 0L)]
    [InlineData("4096\n", KmemState.Active, 4096L)]
    [InlineData(" 12288", KmemState.Active, 12288L)]
    public void An_empty_slabinfo_leaves_it_to_the_usage(string usage, KmemState state, long bytes)
    {
        Cgroup("/cg/a", "", usage);
        Assert.Equal((state, "evidence.kmem.usage", bytes), ReadAt(new KmemReader(_tree.Host), "/cg/a"));
    }

    [Fact]
    public void Once_slabinfo_reads_empty_later_cgroups_read_only_the_usage()
    {
        Cgroup("/cg/a", "", "0");
        Cgroup("/cg/b", Listing, "0");
        var reader = new KmemReader(_tree.Host);
        Assert.Equal(KmemState.Inactive, ReadAt(reader, "/cg/a").State);
        Assert.Equal((KmemState.Inactive, "evidence.kmem.usage", 0L), ReadAt(reader, "/cg/b"));
        Assert.Equal(KmemState.Active, ReadAt(new KmemReader(_tree.Host), "/cg/b").State);
    }

    [Fact]
    public void A_missing_slabinfo_reads_the_usage_and_later_cgroups_still_read_slabinfo()
    {
        Cgroup("/cg/a", null, "4096");
        Cgroup("/cg/b", Listing, "0");
        var reader = new KmemReader(_tree.Host);
        Assert.Equal((KmemState.Active, "evidence.kmem.usage", 4096L), ReadAt(reader, "/cg/a"));
        Assert.Equal((KmemState.Active, "evidence.kmem.slabinfo", null), ReadAt(reader, "/cg/b"));
    }

    [Fact]
    public void On_cgroupfs_an_errno_file_is_only_a_file_and_a_host_tree_honours_it()
    {
        Cgroup("/cg/a", null, "0");
        _tree.Fails($"/cg/a/{Slabinfo}", "EIO");
        Assert.Equal((KmemState.Inactive, "evidence.kmem.usage", 0L), ReadAt(new KmemReader(_tree.Host), "/cg/a"));
        Assert.Equal(
            (KmemState.Off, "evidence.kmem.eio", null),
            ReadAt(new KmemReader(_tree.Host), "/cg/a", onCgroupfs: false));
    }

    [Theory]
    [InlineData("many", KmemState.Unknown, "evidence.kmem.usage-nan")]
    [InlineData("-1", KmemState.Unknown, "evidence.kmem.usage-nan")]
    public void A_usage_that_is_not_a_number_is_unknown(string usage, KmemState state, string key)
    {
        Cgroup("/cg/a", "", usage);
        (KmemState State, string Key, object? _) read = ReadAt(new KmemReader(_tree.Host), "/cg/a");
        Assert.Equal((state, key), (read.State, read.Key));
    }

    [Fact]
    public void A_usage_longer_than_one_read_is_read_whole()
    {
        Cgroup("/cg/a", "", new string('0', 299) + "1\n"); // 256 bytes read once would be 0
        Assert.Equal((KmemState.Active, "evidence.kmem.usage", 1L), ReadAt(new KmemReader(_tree.Host), "/cg/a"));
    }

    [Fact]
    public void Without_a_usage_the_error_is_named_and_without_either_file_neither_is()
    {
        Cgroup("/cg/a", "", "0");
        Cgroup("/cg/b", null, null);
        var reader = new KmemReader(_tree.Host);
        _ = ReadAt(reader, "/cg/a"); // slabinfo empty: /cg/b's is not read
        (KmemState state, string key, object? error) = ReadAt(reader, "/cg/b");
        Assert.Equal((KmemState.Unknown, "evidence.kmem.usage-error"), (state, key));
        Assert.Contains("ENOENT", error?.ToString(), StringComparison.Ordinal);
        Assert.Equal(
            (KmemState.Unknown, "evidence.kmem.no-files", null),
            ReadAt(new KmemReader(_tree.Host), "/cg/b"));
    }

    [Fact]
    public void A_slabinfo_that_is_a_directory_or_a_link_is_not_read_as_one()
    {
        Cgroup("/cg/dir", null, "0");
        Directory.CreateDirectory(_tree.Local($"/cg/dir/{Slabinfo}"));
        Cgroup("/cg/link", null, "0");
        _tree.Write("/cg/link/listing", Listing);
        File.CreateSymbolicLink(_tree.Local($"/cg/link/{Slabinfo}"), "listing");
        Cgroup("/cg/on", Listing, "0");
        var reader = new KmemReader(_tree.Host);
        Assert.Equal((KmemState.Inactive, "evidence.kmem.usage", 0L), ReadAt(reader, "/cg/dir"));
        Assert.Equal((KmemState.Inactive, "evidence.kmem.usage", 0L), ReadAt(reader, "/cg/link"));
        Assert.Equal((KmemState.Active, "evidence.kmem.slabinfo", null), ReadAt(reader, "/cg/on")); // still read
    }
}
