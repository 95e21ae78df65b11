#!/usr/bin/env bash
# cgleak fix plan for host tree boot-ubuntu
# Kernel method, to stop dying memory cgroups piling up, pinned by slab before 5.3 (memcg.dying, L6): add cgroup.memory=nokmem to 4.15.0-213-generic, drain, reboot, verify. `cgleak fix apply` changes /boot/grub/grub.cfg, /etc/default/grub.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. List the boot entries and find the one that boots next'
# why: the runbook's 4.2: adding the argument to an entry that does not boot changes nothing
awk -F"[\"']" '/^(menuentry|submenu) /{n=t++; s=($1=="submenu "); i=0; print n " : " $2 (s ? " >" : "")} /^[[:space:]]+menuentry /{if (s) print "  " n ">" i++ " : " $2}' /boot/grub/grub.cfg
grep ^GRUB_DEFAULT= /etc/default/grub

step '2. Add cgroup.memory=nokmem to GRUB_CMDLINE_LINUX and regenerate /boot/grub/grub.cfg'
# why: to stop dying memory cgroups piling up, pinned by slab before 5.3 (memcg.dying, L6); 4.15.0-213-generic honours it (kernel.nokmem-arg, L3); update-grub writes GRUB_CMDLINE_LINUX into every linux line (changes: /etc/default/grub, /boot/grub/grub.cfg)
# undo: sed -i 's/cgroup.memory=nokmem //' /etc/default/grub
# undo: update-grub
if ! grep -q '^GRUB_CMDLINE_LINUX=.*cgroup.memory=nokmem' /etc/default/grub; then
  sed -i 's/^GRUB_CMDLINE_LINUX="/&cgroup.memory=nokmem /' /etc/default/grub
fi
update-grub

step '3. Drain the node'
# why: the reboot stops every pod on this node: move them off first
# undo: kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '4. Reboot'
# why: the argument takes effect at boot
if confirm "Reboot $NODE now?"; then
  systemctl reboot
else
  echo 'not rebooted: the change takes effect at the next boot'
  exit 0
fi

step '5. Verify, then let pods back'
# why: the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line
# after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline
# after the reboot: cgleak verify --canary
# after the reboot: kubectl uncordon "$NODE"
