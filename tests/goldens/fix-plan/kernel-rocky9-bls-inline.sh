#!/usr/bin/env bash
# cgleak fix plan for host tree rocky9-bls-inline
# Kernel method, requested: --method kernel: add cgroup.memory=nokmem to 5.14.0-162.6.1.el9_1.x86_64, drain, reboot, verify. `cgleak fix apply` changes /boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-5.14.0-162.6.1.el9_1.x86_64.conf, /etc/default/grub.
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

step '2. Add cgroup.memory=nokmem to /boot/vmlinuz-5.14.0-162.6.1.el9_1.x86_64'
# why: requested: --method kernel; 5.14.0-162.6.1.el9_1.x86_64 honours it (kernel.nokmem-arg, L3); grubby edits /boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-5.14.0-162.6.1.el9_1.x86_64.conf (changes: /boot/loader/entries/a98618aa1631441dbb52c75a50834a0a-5.14.0-162.6.1.el9_1.x86_64.conf)
# undo: grubby --remove-args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-5.14.0-162.6.1.el9_1.x86_64
if ! grubby --info /boot/vmlinuz-5.14.0-162.6.1.el9_1.x86_64 | grep -q -- 'cgroup.memory=nokmem'; then
  grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-5.14.0-162.6.1.el9_1.x86_64
fi
grubby --info /boot/vmlinuz-5.14.0-162.6.1.el9_1.x86_64 | grep -- 'cgroup.memory=nokmem'

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
