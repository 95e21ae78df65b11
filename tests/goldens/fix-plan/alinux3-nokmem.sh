#!/usr/bin/env bash
# cgleak fix plan for host tree alinux3-nokmem
# Nothing to fix: no leak and no risk found.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }
