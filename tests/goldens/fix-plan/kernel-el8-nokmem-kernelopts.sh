#!/usr/bin/env bash
# cgleak fix plan for host tree el8-nokmem-kernelopts
# Kernel method, requested: --method kernel: 4.18.0-240.15.1.el8_3.x86_64 runs with cgroup.memory=nokmem now and boots with it next: no boot change and no reboot needed.
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

step '2. Drain the node'
# why: the reboot stops every pod on this node: move them off first
# undo: kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '3. Reboot'
# why: the argument takes effect at boot
if confirm "Reboot $NODE now?"; then
  systemctl reboot
else
  echo 'not rebooted: the change takes effect at the next boot'
  exit 0
fi

step '4. Verify, then let pods back'
# why: the runbook's check (section 6): kmem accounting off for every container, and the argument on the running command line
# after the reboot: grep -o cgroup.memory=nokmem /proc/cmdline
# after the reboot: cgleak verify --canary
# after the reboot: kubectl uncordon "$NODE"
