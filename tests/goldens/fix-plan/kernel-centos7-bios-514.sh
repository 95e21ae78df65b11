#!/usr/bin/env bash
# cgleak fix plan for host tree centos7-bios-514
# Kernel method, to stop the memory cgroup ID leak (kmem.active-cgroups, runtime.runc, kubelet.kmem): no installed kernel honours cgroup.memory=nokmem: install one first, then plan again.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. List the boot entries and find the one that boots next'
# why: the runbook's 4.2: adding the argument to an entry that does not boot changes nothing
awk -F"[\"']" '/^(menuentry|submenu) /{n=t++; s=($1=="submenu "); i=0; print n " : " $2 (s ? " >" : "")} /^[[:space:]]+menuentry /{if (s) print "  " n ">" i++ " : " $2}' /boot/grub2/grub.cfg
grub2-editenv list

step '2. Install a kernel that honours cgroup.memory=nokmem'
# why: el7 kernels before 3.10.0-1062.4.1 ignore the argument (kernel.nokmem-arg, L5)
# undo: rpm -e kernel-<new version>   # after booting back into the old kernel
# yum install kernel
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2
