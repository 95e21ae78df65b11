#!/usr/bin/env bash
# Benchmark for issues #2 and #16, measured side by side in one run (these machines are noisy):
#  1. start-up: `cgleak --version` of the static native build, median wall time (target < 25 ms);
#  2. `cgleak doctor` on a kubelet-shaped tree of 10,000 memory cgroups (3,332 pods of a pod cgroup and two
#     containers, half besteffort, half burstable), reading the kmem state of every container cgroup, against
#     `find <memory mount> -type d | wc -l` over the same tree (target: ratio <= 1.00). The ratio is the last line.
# Needs root and the cgroup v1 memory controller. Run it alone on the machine (the CPU lock keeps builds off the
# cores): flock /tmp/cgleak-cpu.lock flock /tmp/cgleak-kernel.lock bench/doctor.sh
# The tree lives under its own parent and is removed on every exit, Ctrl-C and failures included; this machine's
# rule caps a benchmark at 12,000 memory cgroups at once (bench/kubelet-tree.sh checks it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mount=/sys/fs/cgroup/memory
pods=${PODS:-3332}           # 3 per pod (pod, two containers) + the parent, kubepods, 2 QoS = 10,000
runs=${RUNS:-11}
parent="$mount/cgleak-bench-$$"
# shellcheck source=bench/kubelet-tree.sh
source bench/kubelet-tree.sh
cleanup() { remove_kubelet_tree "$parent"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

./cgleak --version >/dev/null   # builds the static native binary once, outside the timings
bin=.cgleak-build/cgleak

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
version_ns=()
for ((r = 0; r < 21; r++)); do
  t0=$(now); "$bin" --version >/dev/null; t1=$(now)
  version_ns+=($((t1 - t0)))
done
v=$(printf '%s\n' "${version_ns[@]}" | median)
awk -v v="$v" 'BEGIN { printf "start-up, cgleak --version (static build, 21 runs): median %.1f ms (target < 25 ms)\n", v/1e6 }'

echo "building $((3 * pods + 4)) memory cgroups under $parent ..."
make_kubelet_tree "$parent" "$pods"
echo "memory cgroups under the mount now: $(find "$mount" -type d | wc -l)"

doctor_ns=() find_ns=()
"$bin" doctor --json >/dev/null || true   # one of each first: the dentries and inodes warm for both alike
find "$mount" -type d | wc -l >/dev/null
for ((r = 0; r < runs; r++)); do   # alternate, so drift hits both alike
  t0=$(now); "$bin" doctor --json >/tmp/cgleak-bench-doctor.json || true; t1=$(now)
  find "$mount" -type d | wc -l >/dev/null; t2=$(now)
  doctor_ns+=($((t1 - t0))); find_ns+=($((t2 - t1)))
done
checked=$(grep -m1 -A1 '"kmem"' /tmp/cgleak-bench-doctor.json | grep -o '"checked": [0-9]*' | grep -o '[0-9]*' || echo "?")
d=$(printf '%s\n' "${doctor_ns[@]}" | median); f=$(printf '%s\n' "${find_ns[@]}" | median)
cleanup
echo
echo "tree walk ($runs runs each, alternating; the doctor read the kmem state of $checked container cgroups):"
awk -v d="$d" -v f="$f" 'BEGIN { printf "  cgleak doctor          median %7.1f ms\n  find -type d | wc -l   median %7.1f ms\n", d/1e6, f/1e6 }'
awk -v d="$d" -v f="$f" 'BEGIN { printf "ratio doctor/find %.2f (target <= 1.00)\n", d/f }'
