using Cgleak.Host.Parsing;

namespace Cgleak.Diagnosis.Knowledge;

/// <summary>What a component version does with kernel-memory accounting.</summary>
public enum KmemBehaviour
{
    /// <summary>
    /// Writes a kmem limit only when one is asked for (runc rc1 and older, R1; kubelet before 1.8, K3).
    /// </summary>
    OnlyWhenAsked,

    /// <summary>
    /// Activates kmem accounting on every memory cgroup it creates (runc rc2-rc93 unless built nokmem, R2/R9; kubelet
    /// 1.8-1.21.1 with cgroupfs, K9).
    /// </summary>
    EnablesImplicitly,

    /// <summary>Ignores kmem settings (runc rc94+, R8; kubelet 1.21.2+/1.22+, K7).</summary>
    Ignores,
}

/// <summary>A version range [From, To] (inclusive; null is open) and what it does, with its kmem-facts rows.</summary>
public sealed record VersionRule(ComponentVersion? From, ComponentVersion? To, KmemBehaviour Behaviour, string Rows)
{
    public bool Matches(ComponentVersion v) => (From is null || v >= From) && (To is null || v <= To);
}

/// <summary>containerd's pinned runc (D8): the first and last containerd release of a run, the runc it pins.</summary>
public sealed record ContainerdPin(
    ComponentVersion From,
    ComponentVersion To,
    string Runc,
    ComponentVersion? RuncVersion,
    bool NokmemPossible);

/// <summary>The component rules of kmem-facts.md sections 1-3, as data.</summary>
public static class ComponentRules
{
    private static ComponentVersion V(int a, int b, int c = 0, int? rc = null) => ComponentVersion.Of(a, b, c, rc);

    public static readonly IReadOnlyList<VersionRule> Runc =
    [
        new(null, V(1, 0, 0, 1), KmemBehaviour.OnlyWhenAsked, "R1"),
        new(V(1, 0, 0, 2), V(1, 0, 0, 93), KmemBehaviour.EnablesImplicitly, "R2, R3, R9"),
        new(V(1, 0, 0, 94), null, KmemBehaviour.Ignores, "R8"),
    ];

    /// <summary>
    /// With the cgroupfs driver on cgroup v1 (K1); the systemd driver never enables kmem implicitly (K2).
    /// </summary>
    public static readonly IReadOnlyList<VersionRule> Kubelet =
    [
        new(null, V(1, 7, 99), KmemBehaviour.OnlyWhenAsked, "K3"),
        new(V(1, 8), V(1, 21, 1), KmemBehaviour.EnablesImplicitly, "K3, K6, K8, K9"),
        new(V(1, 21, 2), null, KmemBehaviour.Ignores, "K7"),
    ];

    /// <summary>runc rc6 added the nokmem build tag (R5), so rc6-rc93 can be built without kmem.</summary>
    public static readonly ComponentVersion FirstNokmemCapableRunc = V(1, 0, 0, 6);

    /// <summary>
    /// runc versions that ignore kmem (R8), as containerd pins them (D9) and kubelet vendors them (K7).
    /// </summary>
    public static readonly ComponentVersion SafeRunc = V(1, 0, 0, 94);

    /// <summary>D8: containerd release -> pinned runc.</summary>
    public static readonly IReadOnlyList<ContainerdPin> ContainerdPins =
    [
        new(V(1, 1, 0), V(1, 1, 4), "69663f0b (before rc6)", null, false),
        new(V(1, 1, 5), V(1, 1, 5), "10d38b66", V(1, 0, 0, 6), true),
        new(V(1, 1, 6), V(1, 1, 6), "6635b4f0", V(1, 0, 0, 6), true),
        new(V(1, 1, 7), V(1, 1, 7), "029124da", V(1, 0, 0, 6), true),
        new(V(1, 1, 8), V(1, 1, 8), "3e425f80", V(1, 0, 0, 6), true),
        new(V(1, 2, 0), V(1, 2, 0), "58592df5 (before rc6)", null, false),
        new(V(1, 2, 1), V(1, 2, 2), "96ec2177", V(1, 0, 0, 6), true),
        new(V(1, 2, 3), V(1, 2, 3), "12f6a991", V(1, 0, 0, 6), true),
        new(V(1, 2, 4), V(1, 2, 4), "6635b4f0", V(1, 0, 0, 6), true),
        new(V(1, 2, 5), V(1, 2, 5), "2b18fe1d", V(1, 0, 0, 6), true),
        new(V(1, 2, 6), V(1, 2, 6), "029124da", V(1, 0, 0, 6), true),
        new(V(1, 2, 7), V(1, 2, 9), "1.0.0-rc8", V(1, 0, 0, 8), true),
        new(V(1, 2, 10), V(1, 2, 10), "3e425f80", V(1, 0, 0, 6), true),
        new(V(1, 2, 11), V(1, 2, 11), "1.0.0-rc9", V(1, 0, 0, 9), true),
        new(V(1, 2, 12), V(1, 2, 14), "1.0.0-rc10", V(1, 0, 0, 10), true),
        new(V(1, 3, 0), V(1, 3, 0), "3e425f80", V(1, 0, 0, 6), true),
        new(V(1, 3, 1), V(1, 3, 2), "1.0.0-rc9", V(1, 0, 0, 9), true),
        new(V(1, 3, 3), V(1, 3, 10), "1.0.0-rc10", V(1, 0, 0, 10), true),
        new(V(1, 4, 0), V(1, 4, 4), "1.0.0-rc92", V(1, 0, 0, 92), true),
        new(V(1, 4, 5), V(1, 4, 5), "1.0.0-rc94", V(1, 0, 0, 94), true),
        new(V(1, 4, 6), V(1, 4, 6), "1.0.0-rc95", V(1, 0, 0, 95), true),
        new(V(1, 4, 7), V(1, 4, 999), "1.0.0 or later", V(1, 0, 0), true),
        new(V(1, 5, 0), V(1, 5, 0), "1.0.0-rc93", V(1, 0, 0, 93), true),
        new(V(1, 5, 1), V(1, 5, 1), "1.0.0-rc94", V(1, 0, 0, 94), true),
        new(V(1, 5, 2), V(1, 5, 2), "1.0.0-rc95", V(1, 0, 0, 95), true),
        new(V(1, 5, 3), V(1, 5, 999), "1.0.0 or later", V(1, 0, 0), true),
        new(V(1, 6, 0), V(99, 0), "1.1 or later", V(1, 1, 0), true),
    ];

    public static VersionRule? RuncRule(ComponentVersion v) => Runc.FirstOrDefault(r => r.Matches(v));

    public static VersionRule? KubeletRule(ComponentVersion v) => Kubelet.FirstOrDefault(r => r.Matches(v));

    public static ContainerdPin? ContainerdPin(ComponentVersion v) =>
        ContainerdPins.FirstOrDefault(p => v >= p.From && v <= p.To);
}
