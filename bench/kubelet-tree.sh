# shellcheck shell=bash
# Sourced by the bench scripts: a kubelet-shaped memory cgroup tree under a private parent
# (kubepods/{besteffort,burstable}/pod<uid>/<64-hex container> x2 per pod), and its removal.
# This machine's rule: never more than 5,000 cgroups at once.

# make_kubelet_tree PARENT PODS
make_kubelet_tree() {
  local parent=$1 pods=$2 i qos pod
  (( 3 * pods + 4 <= 5000 )) || { echo "$pods pods would create more than 5,000 cgroups" >&2; return 64; }
  mkdir "$parent"
  for ((i = 0; i < pods; i++)); do
    qos=$([[ $((i % 2)) == 0 ]] && echo besteffort || echo burstable)
    pod="$parent/kubepods/$qos/pod$(cat /proc/sys/kernel/random/uuid)"
    printf '%s\n' "$pod" "$pod/$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$pod/$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  done | xargs -n 500 mkdir -p
}

# remove_kubelet_tree PARENT: bottom-up rmdir, also when half-built
remove_kubelet_tree() {
  [[ -d "$1" ]] || return 0
  find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
  rmdir "$1" 2>/dev/null || true
}
