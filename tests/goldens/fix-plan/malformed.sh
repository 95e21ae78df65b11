#!/usr/bin/env bash
# cgleak fix plan for host tree malformed
# Cannot plan: the diagnosis is unknown (could not read the kernel release; the memory cgroup counts; checks that failed: kernel.kmem-leak). Make those readable (`cgleak doctor` names each file), then plan again; no plan is safer than one made without them.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }
