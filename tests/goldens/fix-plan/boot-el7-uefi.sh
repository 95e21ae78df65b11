#!/usr/bin/env bash
# cgleak fix plan for host tree boot-el7-uefi
# Kernel method, to stop the memory cgroup ID leak (kmem.active-cgroups, runtime.runc, kubelet.kmem): add cgroup.memory=nokmem to 3.10.0-1160.118.1.el7.x86_64, drain, reboot, verify. `cgleak fix apply` changes /boot/efi/EFI/centos/grub.cfg, /etc/default/grub.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. List the boot entries and find the one that boots next'
# why: the runbook's 4.2: adding the argument to an entry that does not boot changes nothing
awk -F"[\"']" '/^(menuentry|submenu) /{n=t++; s=($1=="submenu "); i=0; print n " : " $2 (s ? " >" : "")} /^[[:space:]]+menuentry /{if (s) print "  " n ">" i++ " : " $2}' /boot/efi/EFI/centos/grub.cfg
grub2-editenv list

step '2. Add cgroup.memory=nokmem to /boot/vmlinuz-3.10.0-1160.118.1.el7.x86_64'
# why: to stop the memory cgroup ID leak (kmem.active-cgroups, runtime.runc, kubelet.kmem); 3.10.0-1160.118.1.el7.x86_64 honours it (kernel.nokmem-arg, L5); grubby edits /boot/efi/EFI/centos/grub.cfg (changes: /boot/efi/EFI/centos/grub.cfg)
# undo: grubby --remove-args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.118.1.el7.x86_64
if ! grubby --info /boot/vmlinuz-3.10.0-1160.118.1.el7.x86_64 | grep -q -- 'cgroup.memory=nokmem'; then
  grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.118.1.el7.x86_64
fi
grubby --info /boot/vmlinuz-3.10.0-1160.118.1.el7.x86_64 | grep -- 'cgroup.memory=nokmem'

step '3. Keep cgroup.memory=nokmem in GRUB_CMDLINE_LINUX'
# why: grub2-mkconfig rebuilds the entries from GRUB_CMDLINE_LINUX: without it there the argument is lost when the menu is regenerated (changes: /etc/default/grub)
# undo: sed -i 's/cgroup.memory=nokmem //' /etc/default/grub
if ! grep -q '^GRUB_CMDLINE_LINUX=.*cgroup.memory=nokmem' /etc/default/grub; then
  sed -i 's/^GRUB_CMDLINE_LINUX="/&cgroup.memory=nokmem /' /etc/default/grub
fi

step '4. Drain the node'
# why: memory cgroups already charged with kernel memory keep their IDs until a reboot (runbook 4; M1): move the pods off first
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
