# shellcheck shell=bash
# Sourced by the bench scripts: a kubelet-shaped memory cgroup tree under a private parent
# (kubepods/{besteffort,burstable}/pod<uid>/<64-hex container> x2 per pod, half the pods in each QoS class),
# and its removal. This machine's rule for a benchmark: never more than 12,000 memory cgroups at once, what
# is there already counted.
kubelet_tree_max=12000

# make_kubelet_tree PARENT PODS: 3 * PODS + 4 cgroups (the parent, kubepods, its two QoS classes)
make_kubelet_tree() {
  local parent=$1 pods=$2 existing
  existing=$(awk '$1 == "memory" { print $3 }' /proc/cgroups)
  if (( existing + 3 * pods + 4 > kubelet_tree_max )); then
    echo "$pods pods would make $((existing + 3 * pods + 4)) memory cgroups (now $existing): more than $kubelet_tree_max" >&2
    return 64
  fi
  mkdir "$parent"
  # 16 random bytes a pod's UID, 32 a container's ID (64 hex digits), from one read of /dev/urandom.
  od -An -v -tx1 -w80 -N$((80 * pods)) /dev/urandom | tr -d ' ' | awk -v p="$parent" '{
    qos = (NR % 2) ? "besteffort" : "burstable"
    u = substr($0, 1, 32)
    pod = p "/kubepods/" qos "/pod" substr(u, 1, 8) "-" substr(u, 9, 4) "-" substr(u, 13, 4) "-" substr(u, 17, 4) "-" substr(u, 21, 12)
    print pod; print pod "/" substr($0, 33, 64); print pod "/" substr($0, 97, 64)
  }' | xargs -n 500 mkdir -p
}

# remove_kubelet_tree PARENT: bottom-up rmdir, also when half-built
remove_kubelet_tree() {
  [[ -d "$1" ]] || return 0
  find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
  rmdir "$1" 2>/dev/null || true
}
