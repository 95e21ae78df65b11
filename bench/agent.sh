#!/usr/bin/env bash
# Benchmarks for issue #5, side by side in one run, on a kubelet-shaped memory cgroup tree:
#  1. resident memory of `cgleak agent` against node_exporter running only its cgroups collector
#     (target: agent <= node_exporter);
#  2. scrape latency of /metrics, median over 1,000 scrapes on one keep-alive connection (target <= 2 ms);
#  3. CPU of sampling: CPU seconds per sample (measured over several quick samples) as a share of one core
#     at the default 30 s interval (target <= 2 %).
# Needs root, the cgroup v1 memory controller and prometheus-node-exporter. The tree (at most 5,000 cgroups:
# this machine's rule; the issue asked 10,000) lives under its own parent and is removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mount=/sys/fs/cgroup/memory
pods=${PODS:-1664}
parent="$mount/cgleak-bench-$$"
agent_pid="" exporter_pid=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null || true
  [[ -n "$exporter_pid" ]] && kill "$exporter_pid" 2>/dev/null || true
  [[ -d "$parent" ]] && find "$parent" -depth -type d -exec rmdir {} + 2>/dev/null; rmdir "$parent" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

./cgleak --help >/dev/null
bin=.cgleak-build/cgleak
mkdir "$parent"
for ((i = 0; i < pods; i++)); do
  qos=$([[ $((i % 2)) == 0 ]] && echo besteffort || echo burstable)
  pod="$parent/kubepods/$qos/pod$(cat /proc/sys/kernel/random/uuid)"
  printf '%s\n' "$pod" "$pod/$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$pod/$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
done | xargs -n 500 mkdir -p
echo "memory cgroups: $(find "$mount" -type d | wc -l)"

port=$((20000 + RANDOM % 20000)); nport=$((port + 1))
"$bin" agent --interval 30 --listen "127.0.0.1:$port" >/dev/null 2>&1 & agent_pid=$!
prometheus-node-exporter --collector.disable-defaults --collector.cgroups --web.listen-address="127.0.0.1:$nport" >/dev/null 2>&1 & exporter_pid=$!
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && curl -sf "127.0.0.1:$nport/metrics" >/dev/null && break; sleep 0.1; done
for _ in 1 2 3; do curl -s -o /dev/null "127.0.0.1:$port/metrics"; curl -s -o /dev/null "127.0.0.1:$nport/metrics"; done
sleep 2
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
a=$(rss "$agent_pid"); n=$(rss "$exporter_pid")
echo
echo "resident memory after start-up, a sample and scrapes:"
awk -v a="$a" -v n="$n" 'BEGIN { printf "  cgleak agent                    %6.1f MB\n  node_exporter (cgroups only)    %6.1f MB\n  ratio agent/node_exporter       %.2f (target <= 1.00)\n", a/1024, n/1024, a/n }'

urls=$(for _ in $(seq 1000); do printf '127.0.0.1:%s/metrics ' "$port"; done)
# shellcheck disable=SC2086
curl -s -o /dev/null -w '%{time_total}\n' $urls | sort -n | awk '{ t[NR] = $1 } END { printf "\nscrape latency, 1,000 scrapes: median %.2f ms, p99 %.2f ms (target median <= 2 ms)\n", t[int(NR/2)] * 1000, t[int(NR*0.99)] * 1000 }'

kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
# CPU per sample: a short-interval agent, its CPU time over its samples (first sample and start-up excluded).
"$bin" agent --interval 1 --listen "127.0.0.1:$port" >/dev/null 2>&1 & agent_pid=$!
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks "$agent_pid"); sleep 20; t1=$(ticks "$agent_pid")
hz=$(getconf CLK_TCK)
awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN { per = d / hz / 20; printf "\nsampling cost: %.1f ms CPU per sample (%d samples); at --interval 30: %.2f %% of one core (target <= 2 %%)\n", per * 1000, 20, per / 30 * 100 }'
