namespace Cgleak.Host.Components;

/// <summary>How a runc binary was built, from the strings it carries (kmem-facts R11).</summary>
public enum RuncBuild
{
    /// <summary>Neither fingerprint found (rc6 nokmem, rc94+, or not read).</summary>
    Unknown,

    /// <summary>Contains the kmem code: "kernel memory accounting not supported by this kernel".</summary>
    Kmem,

    /// <summary>Built with -tags nokmem: "kernel memory accounting disabled in this runc build".</summary>
    Nokmem,
}

/// <summary>A container or node component found on the host.</summary>
/// <param name="Name">runc, containerd, docker, kubelet.</param>
/// <param name="VersionText">what the source said ("runc version 1.0.0-rc93", "1.2.13-3.1.el7"); null when not
/// found.</param>
/// <param name="Said">
/// how it was learned: "runc --version", "/var/lib/dpkg/status (runc)", "/var/log/yum.log (containerd.io)", "not
/// found".
/// </param>
/// <param name="BinaryPath">the host path of the binary, when one was found.</param>
/// <param name="Build">runc only: the build fingerprint.</param>
public sealed record ComponentFact(string Name, string? VersionText, HostMessage Said, string? BinaryPath,
    RuncBuild Build = RuncBuild.Unknown)
{
    /// <summary>How it was learned, in English (JSON).</summary>
    public string Source => Said.English;
}

/// <summary>The kubelet's cgroup driver and where it was read; "cgroupfs" is kubelet's own default.</summary>
public sealed record KubeletCgroupDriver(string Driver, HostMessage Said)
{
    /// <summary>Where it was read, in English (JSON).</summary>
    public string Source => Said.English;
}
