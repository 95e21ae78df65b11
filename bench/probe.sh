#!/usr/bin/env bash
# Benchmark for issue #3: cgleak probe's creation rate against a C mkdir(2) loop on the same machine,
# measured alternately in one run (target: probe >= 90 % of the C loop). Both create N empty memory
# cgroups under their own parent and remove them. Needs root and the cgroup v1 memory controller.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mount=/sys/fs/cgroup/memory
n=${N:-4000}
runs=${RUNS:-9}
(( n + 1 <= 5000 )) || { echo "N=$n would create more than 5,000 cgroups" >&2; exit 64; }
state=$(mktemp -d)
cloop=$(mktemp)
parent="$mount/cgleak-bench-$$"
trap 'rmdir "$parent"/* "$parent" 2>/dev/null || true; rm -rf "$state" "$cloop"' EXIT INT TERM

gcc -O2 -o "$cloop" bench/mkdir-loop.c
./cgleak --help >/dev/null   # builds the native binary once, outside the timings

c_rates=() probe_rates=()
for ((r = 0; r < runs; r++)); do
  read -r made secs < <("$cloop" "$parent" "$n")
  c_rates+=("$(awk -v m="$made" -v s="$secs" 'BEGIN { printf "%.0f", m / s }')")
  probe_rates+=("$(./cgleak probe --max "$n" --json --state-dir "$state" | grep -o '"createPerSecond": [0-9.]*' | grep -o '[0-9.]*$')")
  sleep 1   # let the kernel free the empty cgroups (RCU, about a second) before the next round
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
c=$(printf '%s\n' "${c_rates[@]}" | median)
p=$(printf '%s\n' "${probe_rates[@]}" | median)
echo "creating $n empty memory cgroups ($runs runs each, alternating):"
awk -v c="$c" -v p="$p" 'BEGIN { printf "  C mkdir loop        median %8.0f mkdir/s\n  cgleak probe        median %8.0f mkdir/s\n  ratio probe/C       %.2f (target >= 0.90)\n", c, p, p / c }'
echo "(a shell loop forking mkdir manages about 150/s: kmem-facts O5)"
