using Cgleak.Host.Facts;

namespace Cgleak.Host.Tests;

/// <summary>
/// Which family a distribution belongs to, by os-release's ID and VERSION_ID's major number (one version each side of
/// every row's bound), then by ID_LIKE; and each family's tools as the commands a plan gives.
/// </summary>
public class DistroFamiliesTests
{
    private static readonly Dictionary<string, DistroFamily> Families = new()
    {
        ["El7"] = DistroFamilies.El7,
        ["El8Plus"] = DistroFamilies.El8Plus,
        ["Alinux2"] = DistroFamilies.Alinux2,
        ["Alinux3"] = DistroFamilies.Alinux3,
        ["TencentOs2"] = DistroFamilies.TencentOs2,
        ["TencentOs3"] = DistroFamilies.TencentOs3,
        ["AmazonLinux2"] = DistroFamilies.AmazonLinux2,
        ["AmazonLinux2023"] = DistroFamilies.AmazonLinux2023,
        ["KylinServer"] = DistroFamilies.KylinServer,
    };

    private static DistroFamily? Of(string id, string? versionId, string? idLike = null) =>
        DistroFamilies.Of(new Distribution(id, versionId, null, null) { IdLike = idLike });

    [Theory]
    [InlineData("centos", "7", "El7")]
    [InlineData("rocky", "8.9", "El8Plus")]
    [InlineData("rocky", "9.3", "El8Plus")]
    [InlineData("rocky", null, "El8Plus")]          // no VERSION_ID: the newest rule of the ID
    [InlineData("alinux", "2.1903", "Alinux2")]
    [InlineData("alinux", "3", "Alinux3")]
    [InlineData("alinux", "4", "Alinux3")]
    [InlineData("alinux", null, "Alinux3")]
    [InlineData("tencentos", "2.4", "TencentOs2")]
    [InlineData("tlinux", "3.1", "TencentOs3")]
    [InlineData("tencentos", "4", "TencentOs3")]
    [InlineData("tencentos", null, "TencentOs3")]
    [InlineData("amzn", "2", "AmazonLinux2")]
    [InlineData("amzn", "2022", "AmazonLinux2023")]
    [InlineData("amzn", "2023", "AmazonLinux2023")]
    [InlineData("amzn", null, "AmazonLinux2023")]
    [InlineData("kylin", "V10", "KylinServer")]
    public void The_family_is_the_first_row_of_the_id_whose_versions_hold_the_major(string id, string? version,
        string family) =>
        Assert.Same(Families[family], Of(id, version));

    [Theory]
    [InlineData("alinux", "1")]
    [InlineData("tencentos", "1.2")]
    [InlineData("amzn", "2021")]
    [InlineData("amzn", "1")]
    public void A_version_no_row_of_its_id_holds_is_no_family(string id, string version) =>
        Assert.Null(Of(id, version));

    [Theory]
    [InlineData("vzlinux", "7.9", "centos", PackageTool.Yum, "kernel")]
    [InlineData("miracle", "8.6", "rhel", PackageTool.Dnf, "kernel")]
    [InlineData("nobara", "38", "fedora", PackageTool.Dnf, "kernel")]
    [InlineData("pop", "22.04", "ubuntu debian", PackageTool.Apt, "linux-generic")]
    [InlineData("raspbian", "11", "debian", PackageTool.Apt, "linux-image-amd64")]
    [InlineData("kylin", "V10", "ubuntu", PackageTool.Apt, "linux-generic")]    // Kylin Desktop
    public void An_unknown_id_takes_its_family_from_id_like(string id, string version, string like, PackageTool tool,
        string kernelPackage)
    {
        DistroFamily f = Of(id, version, like)!;
        Assert.Equal((tool, kernelPackage), (f.Packages, f.KernelPackage));
        Assert.Contains(id, f.Name, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Each_family_queries_and_installs_with_its_own_tool()
    {
        DistroFamily apt = DistroFamilies.Debian, yum = DistroFamilies.El7, dnf = DistroFamilies.El8Plus;
        Assert.Equal((false, true, true), (apt.IsRpm, yum.IsRpm, dnf.IsRpm));
        Assert.Equal(["dpkg-query", "rpm", "rpm"], new[] { apt, yum, dnf }.Select(f => f.Query("runc").Split(' ')[0]));
        Assert.Equal(["dpkg-query", "rpm", "rpm"], new[] { apt, yum, dnf }.Select(f => f.QueryKernels.Split(' ')[0]));
        Assert.Equal("'kubelet=1.21.2-*'", apt.InstallVersion("kubelet", "1.21.2").Split(' ')[^1]);
        Assert.Equal(("yum", "'kubelet-1.21.2*'"), (yum.InstallVersion("kubelet", "1.21.2").Split(' ')[0],
            yum.InstallVersion("kubelet", "1.21.2").Split(' ')[^1]));
        Assert.Equal(["apt-get", "yum", "dnf"], new[] { apt, yum, dnf }.Select(f => f.Downgrade("runc").Split(' ')[0]));
        Assert.Equal("downgrade", dnf.Downgrade("runc").Split(' ')[1]);
    }

    [Fact]
    public void Each_boot_tooling_names_its_own_grub_tools()
    {
        Assert.Equal(("grub2-editenv", "grub-editenv"),
            (BootTools.EditEnv(BootTooling.Grubby), BootTools.EditEnv(BootTooling.UpdateGrub)));
        Assert.Equal(("grub2-set-default", "grub-set-default"),
            (BootTools.SetDefault(BootTooling.Grubby), BootTools.SetDefault(BootTooling.UpdateGrub)));
        Assert.Equal(("grub2-mkconfig", "/boot/efi/EFI/centos/grub.cfg"),
            (BootTools.Regenerate(BootTooling.Grubby, "/boot/efi/EFI/centos/grub.cfg").Split(' ')[0],
             BootTools.Regenerate(BootTooling.Grubby, "/boot/efi/EFI/centos/grub.cfg").Split(' ')[^1]));
        Assert.Equal("update-grub", BootTools.Regenerate(BootTooling.UpdateGrub, "/boot/grub/grub.cfg"));
    }

    [Theory]
    [InlineData("CentOS Linux release 7.9.2009 (Core)", "CentOS Linux 7 (Core)", "centos",
        "CentOS Linux release 7.9.2009 (Core)")]
    [InlineData(null, "CentOS Linux 7 (Core)", "centos", "CentOS Linux 7 (Core)")]
    [InlineData(null, null, "centos", "centos")]
    [InlineData(null, null, null, "unknown")]
    public void A_distribution_is_shown_by_its_release_file_then_its_pretty_name_then_its_id(string? releaseFile,
        string? pretty, string? id, string shown) =>
        Assert.Equal(shown, new Distribution(id, null, pretty, releaseFile).Display);
}
