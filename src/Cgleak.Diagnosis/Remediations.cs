using Cgleak.Diagnosis.Checks;

namespace Cgleak.Diagnosis;

/// <summary>The runbook's fixes (DIGEST section 5), with this host's kernel and distribution filled in.</summary>
public static class Remediations
{
    /// <summary>Method 2: cgroup.memory=nokmem on the kernel command line, then a reboot (runbook 4.2, kmem-facts L3/L5).</summary>
    public static Remediation KernelArgument(Findings f)
    {
        if (f.Kernel is { HonoursNokmem: false } && f.KernelRelease is { IsEl7: true })
        {
            return Remediation.Say(
                $"This kernel ({f.KernelRelease.Text}) ignores cgroup.memory=nokmem: upgrade to 3.10.0-1062.4.1.el7 or later first, make it the default boot entry, then add the argument to it.",
                "yum install kernel",
                "awk -F\\' '$1==\"menuentry \" {print i++ \" : \" $2}' /etc/grub2.cfg",
                "grub2-set-default '<title of the new kernel's entry>'",
                "grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-<new kernel version>",
                "reboot",
                "grep -o 'cgroup.memory=nokmem' /proc/cmdline");
        }

        if (f.Kernel is { HonoursNokmem: false } k && f.KernelRelease is not null)
        {
            Fix.FixStep install = Fix.ComponentPlanner.KernelInstallStep(f, new Fix.PlanRequest(Fix.FixMethod.Kernel));
            return Remediation.Say(
                k.NokmemKnown
                    ? $"This kernel ({f.KernelRelease.Text}) ignores cgroup.memory=nokmem (before 4.5, L3): install one that honours it, make it the default boot entry, then add the argument to it (`cgleak fix plan`)."
                    : $"Whether this kernel ({f.KernelRelease.Text}) honours cgroup.memory=nokmem is unknown: install one known to (4.5+, L3), or add it and check with the runbook's test after a reboot (`cgleak verify --canary`).",
                [.. install.Commands, .. install.Check.Take(1), "cgleak fix plan"]);
        }

        if (f.UsesGrubby)
        {
            return Remediation.Say(
                "Add cgroup.memory=nokmem to this kernel's boot entry, check it is the default entry, reboot, and check the running command line.",
                $"grubby --args=cgroup.memory=nokmem --update-kernel {f.KernelImage}",
                $"grubby --info {f.KernelImage}",
                "grub2-editenv list",
                "reboot",
                "grep -o 'cgroup.memory=nokmem' /proc/cmdline");
        }

        return Remediation.Say(
            "Add cgroup.memory=nokmem to GRUB_CMDLINE_LINUX in /etc/default/grub, regenerate the boot configuration, reboot, and check the running command line.",
            "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&cgroup.memory=nokmem /' /etc/default/grub",
            "update-grub",
            "reboot",
            "grep -o 'cgroup.memory=nokmem' /proc/cmdline");
    }

    /// <summary>Method 1: components that do not enable kmem (runbook 4.1; kmem-facts R8, D9, K7).</summary>
    public static Remediation Runc(Findings f) => Remediation.Say(
        "Use a runc that does not enable kmem accounting: 1.0.0-rc94 or later ignores kmem (R8); containerd.io 1.4.5+/1.5.1+ ships one (D9). Pinned to an older runc (rc6-rc93), rebuild it without kmem (R5). Then drain the node and reboot: cgroups already accounted stay so.",
        Fix.ComponentPlanner.RuncMove(f),
        "make BUILDTAGS='seccomp nokmem'   # in a runc rc6-rc93 source tree, then install the runc binary it builds");

    public static Remediation Kubelet(Findings f, string? version) => Remediation.Say(
        $"Move kubelet{(version is null ? "" : " " + version)} to 1.21.2 or later (K7), or rebuild this version with the nokmem tag (1.14+, K5; 1.13 and older: patch the vendored runc's EnableKernelMemoryAccounting and setKernelMemory to return nil). The systemd cgroup driver also avoids it (K2). Drain the node and reboot afterwards.",
        Fix.ComponentPlanner.KubeletMove(f),
        "KUBE_GIT_VERSION=<your version> ./build/run.sh make kubelet GOFLAGS=\"-tags=nokmem\"   # in a Kubernetes source tree");

    public static Remediation Reboot() => Remediation.Say(
        "Memory cgroups already charged with kernel memory keep their IDs until the node reboots: drain it and reboot once the fix is in place.",
        "kubectl drain <node> --ignore-daemonsets --delete-emptydir-data",
        "reboot",
        "kubectl uncordon <node>");
}
