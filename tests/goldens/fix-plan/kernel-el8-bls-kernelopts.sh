#!/usr/bin/env bash
# cgleak fix plan for host tree el8-bls-kernelopts
# Kernel method, to stop dying memory cgroups piling up, pinned by slab before 5.3 (memcg.dying, L6): add cgroup.memory=nokmem to 4.18.0-240.15.1.el8_3.x86_64, drain, reboot, verify. `cgleak fix apply` changes /boot/grub2/grubenv, /etc/default/grub.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. List the boot entries and find the one that boots next'
# why: the runbook's 4.2: adding the argument to an entry that does not boot changes nothing
grubby --info=ALL | grep -E '^(index|kernel|title)='
grub2-editenv list

step '2. Add cgroup.memory=nokmem to kernelopts in /boot/grub2/grubenv'
# why: to stop dying memory cgroups piling up, pinned by slab before 5.3 (memcg.dying, L6); 4.18.0-240.15.1.el8_3.x86_64 honours it (kernel.nokmem-arg, L3); b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64.conf reads its arguments from $kernelopts, so the argument goes there, as grubby --update-kernel=ALL does (writing it into the entry would cut the entry off from grubenv); every entry that reads $kernelopts gets it (changes: /boot/grub2/grubenv)
# undo: grub2-editenv - set 'kernelopts=root=UUID=949779ce-46aa-434e-8eb0-852514a5d69e ro console=ttyS0,115200n8 console=tty0 net.ifnames=0 rd.blacklist=nouveau nvme_core.io_timeout=4294967295 crashkernel=auto '
grub2-editenv - set 'kernelopts=root=UUID=949779ce-46aa-434e-8eb0-852514a5d69e ro console=ttyS0,115200n8 console=tty0 net.ifnames=0 rd.blacklist=nouveau nvme_core.io_timeout=4294967295 crashkernel=auto cgroup.memory=nokmem'

step '3. Keep cgroup.memory=nokmem in GRUB_CMDLINE_LINUX'
# why: grub2-mkconfig sets kernelopts from GRUB_CMDLINE_LINUX when grubenv has none, and kernels installed later take their arguments from it: without it there the argument can be lost (changes: /etc/default/grub)
# undo: sed -i 's/cgroup.memory=nokmem //' /etc/default/grub
if ! grep -q '^GRUB_CMDLINE_LINUX=.*cgroup.memory=nokmem' /etc/default/grub; then
  sed -i 's/^GRUB_CMDLINE_LINUX="/&cgroup.memory=nokmem /' /etc/default/grub
fi

step '4. Drain the node'
# why: the reboot stops every pod on this node: move them off first
# undo: kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '5. Reboot'
# why: the argument takes effect at boot
if confirm "Reboot $NODE now?"; then
  systemctl reboot
else
  echo 'not rebooted: the change takes effect at the next boot'
  exit 0
fi

step '6. Verify, then let pods back'
# why: the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line
# after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline
# after the reboot: cgleak verify --canary
# after the reboot: kubectl uncordon "$NODE"
