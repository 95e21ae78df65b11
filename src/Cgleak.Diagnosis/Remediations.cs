using Cgleak.Diagnosis.Checks;
using Cgleak.Diagnosis.Text;

namespace Cgleak.Diagnosis;

/// <summary>The runbook's fixes (DIGEST section 5), with this host's kernel and distribution filled in.</summary>
public static class Remediations
{
    /// <summary>
    /// The first command of every remediation that edits boot files: the reviewed plan for this node's own files.
    /// </summary>
    public const string FixPlanCommand
        = "cgleak fix plan   # these steps for this node's boot files; cgleak fix apply makes them";

    /// <summary>
    /// Method 2: cgroup.memory=nokmem on the kernel command line, then a reboot (runbook 4.2, kmem-facts L3/L5).
    /// </summary>
    public static Remediation KernelArgument(CheckInput f)
    {
        if (f.Kernel is { HonoursNokmem: false } && f.KernelRelease is { IsEl7: true })
        {
            return Remediation.Say(
                new Message("fix.el7-upgrade-first", f.KernelRelease.Text),
                FixPlanCommand,
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
                new Message(k.NokmemKnown ? "fix.kernel-ignores" : "fix.kernel-unknown", f.KernelRelease.Text),
                [.. install.Commands, .. install.Check.Take(1), "cgleak fix plan"]);
        }

        if (f.UsesGrubby)
        {
            return Remediation.Say(
                new Message("fix.grubby"),
                FixPlanCommand,
                $"grubby --args=cgroup.memory=nokmem --update-kernel {f.KernelImage}",
                $"grubby --info {f.KernelImage}",
                "grub2-editenv list",
                "reboot",
                "grep -o 'cgroup.memory=nokmem' /proc/cmdline");
        }

        return Remediation.Say(
            new Message("fix.default-grub"),
            FixPlanCommand,
            "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&cgroup.memory=nokmem /' /etc/default/grub",
            "update-grub",
            "reboot",
            "grep -o 'cgroup.memory=nokmem' /proc/cmdline");
    }

    /// <summary>Method 1: components that do not enable kmem (runbook 4.1; kmem-facts R8, D9, K7).</summary>
    public static Remediation Runc(CheckInput f) => Remediation.Say(
        new Message("fix.runc"),
        Fix.ComponentPlanner.RuncMove(f),
        "make BUILDTAGS='seccomp nokmem'   # in a runc rc6-rc93 source tree, then install the runc binary it builds");

    public static Remediation Kubelet(CheckInput f, string? version) => Remediation.Say(
        new Message("fix.kubelet", version is null ? "" : " " + version),
        Fix.ComponentPlanner.KubeletMove(f),
        "KUBE_GIT_VERSION=<your version> ./build/run.sh make kubelet GOFLAGS=\"-tags=nokmem\"   # in a Kubernetes "
            + "source tree");

    public static Remediation Reboot() => Remediation.Say(
        new Message("fix.reboot"),
        "kubectl drain <node> --ignore-daemonsets --delete-emptydir-data",
        "reboot",
        "kubectl uncordon <node>");
}
