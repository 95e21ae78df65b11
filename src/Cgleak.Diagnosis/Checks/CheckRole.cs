namespace Cgleak.Diagnosis.Checks;

/// <summary>What a check speaks about, so that plans and summaries ask by role, never by id.</summary>
public enum CheckRole
{
    /// <summary>
    /// A cause of the ID leak: the kernel family, its command line, kmem accounting, runc, containerd, kubelet.
    /// </summary>
    LeakCause,

    /// <summary>How many memory cgroup IDs are left.</summary>
    Headroom,

    /// <summary>Dying (zombie) memory cgroups piling up.</summary>
    Dying,

    /// <summary>The failure itself, seen in the logs.</summary>
    Symptom,
}
