#!/usr/bin/env bash
# Benchmarks for issue #2, as ratios measured side by side in one run (these machines are noisy):
#  1. `cgleak doctor` on a kubelet-shaped memory cgroup tree, reading the kmem state of every container
#     cgroup, against `find <memory mount> -type d | wc -l` over the same tree (target: ratio <= 1).
#  2. start-up: `./cgleak doctor --host-root <small fixture>` median wall time (target: <= 50 ms), beside
#     the same command under the JIT for comparison.
# Needs root and the cgroup v1 memory controller. The tree lives under its own parent and is removed on
# exit, also on Ctrl-C. This machine's rule caps it at 5,000 cgroups at once (the issue asked 10,000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mount=/sys/fs/cgroup/memory
pods=${PODS:-1664}           # 1 kubepods + 2 QoS + 3 per pod (pod, pause, app) + the parent = 4,997
runs=${RUNS:-11}
parent="$mount/cgleak-bench-$$"
# shellcheck source=bench/kubelet-tree.sh
source bench/kubelet-tree.sh
cleanup() { remove_kubelet_tree "$parent"; }
trap cleanup EXIT INT TERM

./cgleak --help >/dev/null   # builds the native binary once, outside the timings
bin=.cgleak-build/cgleak

echo "building $((3 * pods + 4)) memory cgroups under $parent ..."
make_kubelet_tree "$parent" "$pods"
echo "cgroups under the memory mount now: $(find "$mount" -type d | wc -l)"

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
doctor_ns=() find_ns=()
for ((r = 0; r < runs; r++)); do   # alternate, so drift hits both alike
  t0=$(now); "$bin" doctor --json >/tmp/cgleak-bench-doctor.json || true; t1=$(now)
  find "$mount" -type d | wc -l >/dev/null; t2=$(now)
  doctor_ns+=($((t1 - t0))); find_ns+=($((t2 - t1)))
done
checked=$(grep -m1 -A1 '"kmem"' /tmp/cgleak-bench-doctor.json | grep -o '"checked": [0-9]*' | grep -o '[0-9]*')
d=$(printf '%s\n' "${doctor_ns[@]}" | median); f=$(printf '%s\n' "${find_ns[@]}" | median)
echo
echo "tree walk ($runs runs each, alternating; doctor read kmem of $checked container cgroups):"
awk -v d="$d" -v f="$f" 'BEGIN { printf "  cgleak doctor          median %7.1f ms\n  find -type d | wc -l   median %7.1f ms\n  ratio doctor/find      %.2f (target <= 1.00)\n", d/1e6, f/1e6, d/f }'
cleanup

fixture=tests/fixtures/hosts/cgroup-v2
jit=src/Cgleak.Cli/bin/Release/net10.0/cgleak.dll
[[ -f "$jit" ]] || dotnet build src/Cgleak.Cli -c Release --nologo -v quiet >/dev/null
aot_ns=() jit_ns=()
for ((r = 0; r < 21; r++)); do
  t0=$(now); ./cgleak doctor --host-root "$fixture" >/dev/null || true; t1=$(now)
  dotnet "$jit" doctor --host-root "$fixture" >/dev/null || true; t2=$(now)
  aot_ns+=($((t1 - t0))); jit_ns+=($((t2 - t1)))
done
a=$(printf '%s\n' "${aot_ns[@]}" | median); j=$(printf '%s\n' "${jit_ns[@]}" | median)
echo
echo "start-up, ./cgleak doctor --host-root $fixture (21 runs each):"
awk -v a="$a" -v j="$j" 'BEGIN { printf "  native AOT via ./cgleak median %6.1f ms (target <= 50 ms)\n  same under the JIT        median %6.1f ms\n  ratio AOT/JIT             %.2f\n", a/1e6, j/1e6, a/j }'
