using System.Globalization;

namespace Cgleak.Host.Facts;

/// <summary>The package manager a distribution's plan uses.</summary>
public enum PackageTool
{
    /// <summary>yum: el7 and its derivatives (on el8+ yum is dnf under another name).</summary>
    Yum,

    /// <summary>
    /// dnf: el8 and later, Fedora, openEuler, Kylin Server, Anolis 8, Alibaba Cloud Linux 3, TencentOS 3.
    /// </summary>
    Dnf,

    /// <summary>apt-get: Debian, Ubuntu and their derivatives.</summary>
    Apt,
}

/// <summary>How the distribution edits kernel arguments and rebuilds its GRUB menu.</summary>
public enum BootTooling
{
    /// <summary>
    /// grubby edits entries (grub.cfg on el7, BLS on el8+); grub2-mkconfig rebuilds the menu from /etc/default/grub.
    /// </summary>
    Grubby,

    /// <summary>No grubby: /etc/default/grub, then update-grub (grub-mkconfig -o /boot/grub/grub.cfg).</summary>
    UpdateGrub,
}

/// <summary>
/// One distribution family: the package manager, boot tools and package names as that family spells them.
/// Package names are the family's defaults; a host whose package history names another package
/// (containerd.io beside a distribution runc, say) keeps its own.
/// </summary>
public sealed record DistroFamily
{
    /// <summary>"RHEL/CentOS 7", "openEuler", "Ubuntu".</summary>
    public required string Name { get; init; }

    public required PackageTool Packages { get; init; }

    public required BootTooling Boot { get; init; }

    /// <summary>
    /// The package that installs a newer kernel of the family, or null where the family has none known.
    /// </summary>
    public required string? KernelPackage { get; init; }

    /// <summary>What to say where the kernel package is not known, or a caveat about it.</summary>
    public string? KernelNote { get; init; }

    /// <summary>The package that carries runc on a node set up the family's usual way.</summary>
    public required string RuncPackage { get; init; }

    public required string DockerPackage { get; init; }

    /// <summary>
    /// The kubelet package, or null where kubelet is not packaged for the family (EKS installs a binary).
    /// </summary>
    public required string? KubeletPackage { get; init; }

    /// <summary>What to say where kubelet is not packaged.</summary>
    public string? KubeletNote { get; init; }

    /// <summary>Where the names come from (docs/kmem-facts.md, section "Distribution families").</summary>
    public required string Source { get; init; }

    public bool IsRpm => Packages != PackageTool.Apt;

    private string Tool => Packages switch { PackageTool.Yum => "yum", PackageTool.Dnf => "dnf", _ => "apt-get" };

    /// <summary>Upgrade one installed package to the newest version its repositories offer.</summary>
    public string Upgrade(string package) => Packages switch
    {
        PackageTool.Apt => $"apt-get install --only-upgrade {package}",
        PackageTool.Yum => $"yum update {package}",
        _ => $"dnf upgrade {package}",
    };

    /// <summary>
    /// Install one version, given as a glob of the upstream version ("1.21.2"): kubelet-1.21.2* / kubelet=1.21.2-*.
    /// </summary>
    public string InstallVersion(string package, string version) => Packages == PackageTool.Apt
        ? $"apt-get install '{package}={version}-*'"
        : $"{Tool} install '{package}-{version}*'";

    /// <summary>Install a package (the newest the repositories offer).</summary>
    public string Install(string package) => $"{Tool} install {package}";

    /// <summary>Go back to the version installed before (the package manager's own undo).</summary>
    public string Downgrade(string package) => Packages == PackageTool.Apt
        ? $"apt-get install '{package}=<previous version>'"
        : $"{Tool} downgrade {package}";

    /// <summary>Which versions of a package are installed, with the family's own tool.</summary>
    public string Query(string package) => Packages == PackageTool.Apt
        ? $"dpkg-query -W '{package}'"
        : $"rpm -q {package}";

    /// <summary>Which kernels are installed.</summary>
    public string QueryKernels => Packages == PackageTool.Apt ? "dpkg-query -W 'linux-image-*'" : "rpm -q kernel";
}

/// <summary>
/// The names of the boot tools of each <see cref="BootTooling"/>: the Red Hat family's grub2-* (and grubby), Debian's
/// grub-* and update-grub. The boot model picks the tooling from the family, or from the layout when the
/// distribution is unknown.
/// </summary>
public static class BootTools
{
    /// <summary>grub2-editenv / grub-editenv: lists and sets grubenv.</summary>
    public static string EditEnv(BootTooling tooling)
        => tooling == BootTooling.Grubby ? "grub2-editenv" : "grub-editenv";

    /// <summary>grub2-set-default / grub-set-default: writes saved_entry.</summary>
    public static string SetDefault(BootTooling tooling) =>
        tooling == BootTooling.Grubby ? "grub2-set-default" : "grub-set-default";

    /// <summary>Rebuilds the menu from /etc/default/grub: grub2-mkconfig -o FILE, or update-grub.</summary>
    public static string Regenerate(BootTooling tooling, string grubCfg) =>
        tooling == BootTooling.Grubby ? $"grub2-mkconfig -o {grubCfg}" : "update-grub";
}

/// <summary>
/// The distribution families of the runbook's readers, read from /etc/os-release ID, VERSION_ID and ID_LIKE
/// (os-release(5)). One table, first match wins; unknown IDs fall back on ID_LIKE.
/// </summary>
public static class DistroFamilies
{
    private const string DockerRepo = "Docker CE repository: docker-ce, runc inside containerd.io (D3; "
        + "docker-ce-packaging rpm/SPECS/docker-ce.spec)";
    private const string KubernetesRepo
        = "Kubernetes repository: kubelet (kubernetes/kubernetes build/rpms/kubelet.spec)";

    private static DistroFamily RedHat(string name, PackageTool tool, string source) => new()
    {
        Name = name,
        Packages = tool,
        Boot = BootTooling.Grubby,
        KernelPackage = "kernel",
        RuncPackage = "containerd.io",
        DockerPackage = "docker-ce",
        KubeletPackage = "kubelet",
        Source = $"{source}; {DockerRepo}; {KubernetesRepo}",
    };

    public static readonly DistroFamily El7 = RedHat("RHEL/CentOS 7", PackageTool.Yum, "runbook 4.2 (yum, grubby)");

    public static readonly DistroFamily El8Plus = RedHat(
        "RHEL 8+ family",
        PackageTool.Dnf,
        "dnf and grubby (BLS) from el8 on");

    public static readonly DistroFamily OpenEuler = new()
    {
        Name = "openEuler",
        Packages = PackageTool.Dnf,
        Boot = BootTooling.Grubby,
        KernelPackage = "kernel",
        RuncPackage = "docker-runc",
        DockerPackage = "docker-engine",
        KubeletPackage = "kubernetes-kubelet",
        Source = "openeuler-mirror/docker docker.spec (Name: docker-engine; BuildRequires: containerd docker-runc); "
            + "openEuler's kubernetes-kubelet",
    };

    public static readonly DistroFamily KylinServer = OpenEuler with
    {
        Name = "Kylin Linux Advanced Server",
        Source = "Kylin Server V10 is built from openEuler's packages (4.19.90-*.ky10 kernels): names as openEuler",
    };

    public static readonly DistroFamily Anolis = RedHat(
        "Anolis OS 8",
        PackageTool.Dnf,
        "Anolis 8 (ID_LIKE rhel fedora centos): dnf, grubby");

    public static readonly DistroFamily Alinux2 = RedHat(
        "Alibaba Cloud Linux 2",
        PackageTool.Yum,
        "Alibaba Cloud Linux 2 (.al7 kernels, el7 userland): yum, grubby");

    public static readonly DistroFamily Alinux3 = RedHat(
        "Alibaba Cloud Linux 3",
        PackageTool.Dnf,
        "Alibaba Cloud Linux 3 (platform:al8): dnf, grubby");

    public static readonly DistroFamily TencentOs2 = RedHat(
        "TencentOS Server 2",
        PackageTool.Yum,
        "TencentOS Server 2.x (ID_LIKE rhel fedora centos tlinux; el7 userland): yum, grubby") with
    {
        KernelPackage = null,
        KernelNote = "TencentOS ships its own kernel packages (3.10.107-*-tlinux2, 4.14 and 5.4 tlinux kernels); "
            + "which package name this node's repository uses is not known here: `yum list 'kernel*'`",
    };

    public static readonly DistroFamily TencentOs3 = RedHat(
        "TencentOS Server 3",
        PackageTool.Dnf,
        "TencentOS Server 3.x (platform:el8): dnf, grubby");

    public static readonly DistroFamily EulerOs = RedHat(
        "EulerOS",
        PackageTool.Yum,
        "EulerOS 2.0 (el7 userland, ID=\"euleros\"): yum, grubby");

    public static readonly DistroFamily AmazonLinux2 = new()
    {
        Name = "Amazon Linux 2",
        Packages = PackageTool.Yum,
        Boot = BootTooling.Grubby,
        KernelPackage = "kernel",
        RuncPackage = "runc",
        DockerPackage = "docker",
        KubeletPackage = null,
        KubeletNote = "Amazon Linux 2 has no kubelet package: EKS-optimized AMIs install kubelet as a binary; move "
            + "the node group to a newer AMI",
        Source
            = "Amazon Linux 2: yum; docker, containerd and runc from its own repositories (amazon-linux-extras docker)",
    };

    public static readonly DistroFamily AmazonLinux2023 = AmazonLinux2 with
    {
        Name = "Amazon Linux 2023",
        Packages = PackageTool.Dnf,
        Source = "Amazon Linux 2023: dnf; docker, containerd and runc from its own repositories",
    };

    public static readonly DistroFamily Ubuntu = new()
    {
        Name = "Ubuntu",
        Packages = PackageTool.Apt,
        Boot = BootTooling.UpdateGrub,
        KernelPackage = "linux-generic",
        RuncPackage = "runc",
        DockerPackage = "docker.io",
        KubeletPackage = "kubelet",
        Source = "Ubuntu: apt, update-grub; runc/containerd/docker.io from Ubuntu (docker-ce/containerd.io from "
            + "Docker's repository); " + KubernetesRepo,
    };

    public static readonly DistroFamily Debian = Ubuntu with
    {
        Name = "Debian",
        KernelPackage = "linux-image-amd64",
        Source = "Debian: apt, update-grub, linux-image-amd64; runc/containerd/docker.io from Debian; "
            + KubernetesRepo,
    };

    /// <summary>
    /// A rule: the os-release IDs it covers, the VERSION_ID majors it covers (null: any), the family.
    /// </summary>
    private sealed record Row(string[] Ids, Func<int?, bool> Version, DistroFamily Family);

    private static bool Any(int? v) => true;

    /// <summary>Read top to bottom. IDs are compared case-insensitively (openEuler writes ID="openEuler").</summary>
    private static readonly Row[] Rows =
    [
        new(["centos", "rhel", "ol", "scientific"], v => v is 7, El7),
        new(["centos", "rhel", "ol", "rocky", "almalinux", "fedora", "circle"], v => v is null or >= 8, El8Plus),
        new(["openeuler"], Any, OpenEuler),
        new(["anolis"], Any, Anolis),
        new(["alinux"], v => v is 2, Alinux2),
        new(["alinux"], v => v is null or >= 3, Alinux3),
        new(["tencentos", "tlinux"], v => v is 2, TencentOs2),
        new(["tencentos", "tlinux"], v => v is null or >= 3, TencentOs3),
        new(["amzn"], v => v is 2, AmazonLinux2),
        new(["amzn"], v => v is null or >= 2022, AmazonLinux2023),
        new(["euleros"], Any, EulerOs),
        new(["ubuntu"], Any, Ubuntu),
        new(["debian"], Any, Debian),
    ];

    /// <summary>
    /// The host's family: by ID (and VERSION_ID's major number), else by ID_LIKE, else null (unknown: the plan
    /// says so rather than guess a package manager). Kylin is both a server (openEuler-based, rpm) and a
    /// desktop (Ubuntu-based, ID_LIKE debian): ID_LIKE tells them apart.
    /// </summary>
    public static DistroFamily? Of(Distribution? d)
    {
        if (d?.Id is not { Length: > 0 } id)
        {
            return null;
        }

        string[] like = (d.IdLike ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int? major = Major(d.VersionId);
        if (id.Equals("kylin", StringComparison.OrdinalIgnoreCase))
        {
            return like.Any(l => l is "debian" or "ubuntu") ? Ubuntu with { Name = "Kylin Desktop" } : KylinServer;
        }

        if (Rows.FirstOrDefault(
            r => r.Ids.Contains(id, StringComparer.OrdinalIgnoreCase) && r.Version(major)) is { } row)
        {
            return row.Family;
        }

        foreach (string l in like)
        {
            if (l is "rhel" or "centos" or "fedora")
            {
                // el7 derivatives report 7.x (or 2.x for the cloud ones above); yum also works on el8+ (it is dnf
                // there).
                return (major is >= 8 ? El8Plus : El7) with { Name = $"{id} (like {d.IdLike})" };
            }

            if (l is "debian" or "ubuntu")
            {
                return (l == "ubuntu" ? Ubuntu : Debian) with { Name = $"{id} (like {d.IdLike})" };
            }
        }

        return null;
    }

    /// <summary>
    /// The leading number of VERSION_ID: "7" 7, "7.9" 7, "2.1903" 2, "20.03" 20, "V10" 10, "2023" 2023.
    /// </summary>
    internal static int? Major(string? versionId)
    {
        if (versionId is null)
        {
            return null;
        }

        string digits = new(versionId.TrimStart('V', 'v').TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
    }
}
