#!/usr/bin/env bash
# cgleak fix plan for host tree tlinux2-3.10.107
# Components method, to stop the memory cgroup ID leak (runtime.containerd): move runc/containerd/kubelet off kmem accounting, drain, reboot (cgroups already accounted stay so until then), verify.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. Use a runc that does not enable kmem accounting (containerd.io)'
# why: runtime.runc / runtime.containerd: containerd.io 1.4.5+/1.5.1+ ships runc 1.0.0-rc94 or later (D9); now: runc unknown, containerd 1.2.6-3.3.el7
# undo: yum downgrade containerd.io
# yum update containerd.io   # to 1.4.5+/1.5.1+ (D9)
# pinned to runc rc6-rc93? rebuild it without kmem (R5): make BUILDTAGS='seccomp nokmem' && install -m 0755 runc $(command -v runc)
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2

step '2. Drain the node'
# why: memory cgroups already charged with kernel memory keep their IDs until a reboot (runbook 4; M1): move the pods off first
# undo: kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '3. Reboot'
# why: memory cgroups made before the change stay accounted until the reboot; those made after it are not
if confirm "Reboot $NODE now?"; then
  systemctl reboot
else
  echo 'not rebooted: the change takes effect at the next boot'
  exit 0
fi

step '4. Verify, then let pods back'
# why: the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line
# after the reboot: cgleak doctor   # runtime.runc, kubelet.kmem: PASS
# after the reboot: cgleak verify --canary
# after the reboot: kubectl uncordon "$NODE"
