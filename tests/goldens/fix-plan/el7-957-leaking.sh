#!/usr/bin/env bash
# cgleak fix plan for host tree el7-957-leaking
# Components method, to stop the memory cgroup ID leak (kmem.active-cgroups, runtime.runc, kubelet.kmem, logs.symptom): move runc/containerd/kubelet off kmem accounting, drain, reboot (cgroups already accounted stay so until then), verify.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. Use a runc that does not enable kmem accounting (containerd.io)'
# why: runtime.runc / runtime.containerd: containerd.io 1.4.5+/1.5.1+ ships runc 1.0.0-rc94 or later (D9); now: runc unknown, containerd 1.2.0-3.el7
# undo: yum downgrade containerd.io
# yum update containerd.io   # to 1.4.5+/1.5.1+ (D9)
# pinned to runc rc6-rc93? rebuild it without kmem (R5): make BUILDTAGS='seccomp nokmem' && install -m 0755 runc $(command -v runc)
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2

step '2. Upgrade docker-ce to 18.09.1 or later'
# why: docker-ce 18.09.1 ships a runc with kmem accounting off on el7 (D2, runbook 4.1); from 18.09 runc comes from containerd.io (D3)
# undo: yum downgrade docker-ce
# yum update docker-ce   # to 18.09.1 or later
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2

step '3. Move kubelet 1.16.4 off kmem accounting'
# why: kubelet.kmem: 1.8 to 1.21.1 with the cgroupfs driver enable kmem (K9); 1.21.2 and later do not (K7); the systemd cgroup driver does not either (K2)
# undo: yum downgrade kubelet
# yum install 'kubelet-1.21.2*'   # or later, within your cluster's version skew policy
# or rebuild 1.16.4 without kmem (K5): KUBE_GIT_VERSION=v1.16.4 ./build/run.sh make kubelet GOFLAGS="-tags=nokmem"
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2

step '4. Drain the node'
# why: memory cgroups already charged with kernel memory keep their IDs until a reboot (runbook 4; M1): move the pods off first
# undo: kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '5. Reboot'
# why: memory cgroups made before the change stay accounted until the reboot; those made after it are not
if confirm "Reboot $NODE now?"; then
  systemctl reboot
else
  echo 'not rebooted: the change takes effect at the next boot'
  exit 0
fi

step '6. Verify, then let pods back'
# why: the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line
# after the reboot: cgleak doctor   # runtime.runc, kubelet.kmem: PASS
# after the reboot: cgleak verify --canary
# after the reboot: kubectl uncordon "$NODE"
