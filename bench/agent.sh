#!/usr/bin/env bash
# Benchmarks for issues #5 and #16, side by side in one run, on a kubelet-shaped tree of 10,000 memory cgroups
# (3,332 pods of a pod cgroup and two containers, half besteffort, half burstable), with the static native build:
#  1. resident memory of `cgleak agent` (which runs cgleak-agent) against node_exporter running only its
#     cgroups collector (target: agent <= node_exporter), after start-up, after 1,000 scrapes and after samples;
#  2. scrape latency of /metrics, median over 1,000 scrapes on one keep-alive connection (target <= 2 ms);
#  3. CPU of sampling: CPU seconds per sample (measured over several quick samples) as a share of one core
#     at the default 30 s interval (target <= 2 %).
# The last line holds the three resident-memory ratios. Needs root, the cgroup v1 memory controller and Debian's
# prometheus-node-exporter (apt-get install prometheus-node-exporter). Run it alone on the machine:
#   flock /tmp/cgleak-cpu.lock flock /tmp/cgleak-kernel.lock bench/agent.sh
# The tree lives under its own parent and is removed on every exit, Ctrl-C and failures included; this machine's
# rule caps a benchmark at 12,000 memory cgroups at once (bench/kubelet-tree.sh checks it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mount=/sys/fs/cgroup/memory
pods=${PODS:-3332}
parent="$mount/cgleak-bench-$$"
agent_pid="" exporter_pid=""
# shellcheck source=bench/kubelet-tree.sh
source bench/kubelet-tree.sh
cleanup() {
  if [[ -n "$agent_pid" ]]; then kill "$agent_pid" 2>/dev/null || true; fi
  if [[ -n "$exporter_pid" ]]; then kill "$exporter_pid" 2>/dev/null || true; fi
  remove_kubelet_tree "$parent"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v prometheus-node-exporter >/dev/null || {
  echo "agent.sh: needs node_exporter, the anchor: apt-get install prometheus-node-exporter" >&2
  exit 69
}

./cgleak --version >/dev/null
bin=.cgleak-build/cgleak
make_kubelet_tree "$parent" "$pods"
echo "memory cgroups: $(find "$mount" -type d | wc -l)"

port=$((20000 + RANDOM % 20000)); nport=$((port + 1))
"$bin" agent --interval 30 --listen "127.0.0.1:$port" >/dev/null 2>&1 & agent_pid=$!
prometheus-node-exporter --collector.disable-defaults --collector.cgroups --web.listen-address="127.0.0.1:$nport" >/dev/null 2>&1 & exporter_pid=$!
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && curl -sf "127.0.0.1:$nport/metrics" >/dev/null && break; sleep 0.1; done
for _ in 1 2 3; do curl -s -o /dev/null "127.0.0.1:$port/metrics"; curl -s -o /dev/null "127.0.0.1:$nport/metrics"; done
sleep 2
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
ratios=()
# compare_rss WHEN AGENT_PID
compare_rss() {
  local a n
  a=$(rss "$2"); n=$(rss "$exporter_pid")
  echo
  echo "resident memory $1:"
  awk -v a="$a" -v n="$n" 'BEGIN { printf "  cgleak agent                    %6.1f MB\n  node_exporter (cgroups only)    %6.1f MB\n  ratio agent/node_exporter       %.2f (target <= 1.00)\n", a/1024, n/1024, a/n }'
  [[ -z "${DETAIL:-}" ]] || grep -E '^(Rss|Anonymous|Private|Shared)' "/proc/$2/smaps_rollup" | tr -s ' ' | paste -sd' '
  ratios+=("$(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.2f", a/n }')")
}
compare_rss "after start-up, a sample and 3 scrapes" "$agent_pid"

# one curl, one keep-alive connection, 1,000 requests; every URL needs its own -o
args=()
for _ in $(seq 1000); do args+=(-o /dev/null "127.0.0.1:$port/metrics"); done
curl -s -w '%{time_total}\n' "${args[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "\nscrape latency, 1,000 scrapes: median %.2f ms, p99 %.2f ms (target median <= 2 ms)\n", t[int(NR/2)] * 1000, t[int(NR*0.99)] * 1000 }'
nargs=()
for _ in $(seq 1000); do nargs+=(-o /dev/null "127.0.0.1:$nport/metrics"); done
curl -s -w '%{time_total}\n' "${nargs[@]}" | sort -n | awk '{ t[NR] = $1 } END { printf "node_exporter, the same 1,000 scrapes: median %.2f ms, p99 %.2f ms\n", t[int(NR/2)] * 1000, t[int(NR*0.99)] * 1000 }'
compare_rss "after 1,000 scrapes each" "$agent_pid"

kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
# CPU per sample: a short-interval agent, its CPU time over its samples (first sample and start-up excluded).
"$bin" agent --interval 1 --listen "127.0.0.1:$port" >/dev/null 2>&1 & agent_pid=$!
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks "$agent_pid"); sleep 20; t1=$(ticks "$agent_pid")
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { per = d / hz / 20; printf "\nsampling cost: %.1f ms CPU per sample (%d samples); at --interval 30: %.2f %% of one core (target <= 2 %%)\n", per * 1000, 20, per / 30 * 100 }'
# Between two samples (its CPU time holding still), not in the middle of one.
for _ in $(seq 50); do t0=$(ticks "$agent_pid"); sleep 0.3; [[ $(ticks "$agent_pid") == "$t0" ]] && break; done
compare_rss "of an agent between samples, after 20 of them (--interval 1)" "$agent_pid"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
echo "ratios agent/node_exporter resident: after start-up ${ratios[0]}, after 1,000 scrapes ${ratios[1]}, between samples ${ratios[2]} (target <= 1.00)"
