#!/usr/bin/env bash
# cgleak fix plan for host tree ubuntu-5.4-dying
# No kernel or component change stops a leak here; the node is at-risk (at risk from memcg.dying): the steps below remove the risk.
# Review every step before running it. Steps that install packages are left as comments;
# nothing reboots without asking. Set NODE to this node's Kubernetes name.
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. Release the dying memory cgroups'
# why: memcg.dying: 41873 dying memcgs, pinned on this kernel by page cache, and kmem caches emptied but not freed (L6, L9); drop the page cache and reclaimable slab, both of which pin dying memcgs on this kernel (M1, L6)
cgleak reclaim
# by hand: echo 3 > /proc/sys/vm/drop_caches

step '2. Keep them from piling up again'
# why: removed cgroups stay dying while page cache they charged is resident (L9) until kernels reparent it at offline (L10, ~7.1): pod churn brings them back
# undo: rm /etc/cron.d/cgleak-reclaim
# run the release periodically, e.g. /etc/cron.d/cgleak-reclaim: */30 * * * * root cgleak reclaim
echo 'package step: run the commands above by hand, then re-run cgleak fix plan' >&2
