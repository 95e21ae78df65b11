#!/usr/bin/env bash
# Benchmark for issue #15: `cgleak fleet --prometheus` on a fleet of 5,000 nodes (target: under 2 s and under
# 100 MB). Debian's Prometheus holds 5,000 nodes' series, backfilled with `promtool tsdb create-blocks-from
# openmetrics` from a file written here: every series a real agent exports (verdict, check statuses, counts,
# forecasts, node and build info, last sample time, up), a sample every 5 minutes around now; 1 % affected, 5 % at risk,
# 1 % not reporting (their series end 15 minutes ago, up 0). The anchor, in the same run: curl sending the same
# queries to the same Prometheus one after another. Prints the figures on its last line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
nodes=${NODES:-5000}
dir=$(mktemp -d /tmp/cgleak-bench-fleet-XXXXXX)
prom_pid=""
cleanup() {
  if [[ -n "$prom_pid" ]]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

./cgleak --version >/dev/null
bin=.cgleak-build/cgleak

python3 - "$nodes" "$dir/fleet.om" <<'PY'
import sys, time, random
nodes, out = int(sys.argv[1]), sys.argv[2]
random.seed(15)
now = int(time.time())
# A sample every 5 minutes from 30 minutes ago to 20 minutes ahead: generating and backfilling take minutes, and
# the fleet is read "now", which must fall within 5 minutes of a sample (Prometheus' lookback).
stamps = [now + 300 * k for k in range(-6, 5)]
checks = ["memcg.id-headroom", "memcg.dying", "kernel.kmem-leak", "kernel.nokmem-arg", "kmem.active-cgroups",
          "runtime.runc", "runtime.containerd", "kubelet.kmem", "logs.symptom"]
statuses = ["pass", "warn", "fail", "info", "skip", "error"]
fleet = []
for i in range(nodes):
    r = random.random()
    verdict = "affected" if r < 0.01 else "at-risk" if r < 0.06 else "ok"
    el7 = verdict != "ok" or random.random() < 0.3
    fleet.append(dict(node=f"node-{i:05d}", verdict=verdict, gone=random.random() < 0.01, el7=el7,
                      ids=random.randint(100, 60000 if verdict != "ok" else 30000), dying=random.randint(0, 8000)))
def series(name, labels_list):
    yield f"# TYPE {name} gauge\n"
    for n, labels, value in labels_list:
        end = now - 900 if n["gone"] else now
        lab = ",".join([f'instance="{n["node"]}:9739"', 'job="cgleak"', f'node="{n["node"]}"'] + [f'{k}="{v}"' for k, v in labels])
        for t in stamps:
            if t <= end:
                yield f"{name}{{{lab}}} {value} {t}\n"
with open(out, "w") as f:
    def emit(name, rows):
        f.writelines(series(name, rows))
    emit("cgleak_verdict", [(n, [("verdict", v)], int(n["verdict"] == v)) for n in fleet for v in ["ok", "at-risk", "affected", "unknown"]])
    emit("cgleak_check_status", [(n, [("check", c), ("status", s)], int(s == ("fail" if n["verdict"] == "affected" and c == "kmem.active-cgroups" else "warn" if n["verdict"] == "at-risk" and c == "runtime.runc" else "pass")))
                                 for n in fleet for c in checks for s in statuses])
    emit("cgleak_memory_cgroup_ids_in_use", [(n, [], n["ids"]) for n in fleet if not n["el7"]])
    emit("cgleak_memory_cgroup_ids_in_use_lower_bound", [(n, [], n["ids"]) for n in fleet])
    emit("cgleak_memory_cgroup_ids_limit", [(n, [], 65535) for n in fleet])
    emit("cgleak_memory_cgroups", [(n, [("state", s)], n["ids"] if s == "live" else n["dying"]) for n in fleet for s in ["live", "dying"] if not (n["el7"] and s == "dying")])
    emit("cgleak_memory_cgroup_ids_exhaustion_eta_seconds", [(n, [], 3600 * random.randint(2, 400)) for n in fleet if not n["el7"] and n["ids"] > 20000])
    emit("cgleak_dying_memory_cgroups_growth_per_second", [(n, [], round(random.random() / 10, 4)) for n in fleet if not n["el7"]])
    emit("cgleak_node_info", [(n, [("kernel", "3.10.0-957.27.2.el7.x86_64" if n["el7"] else "5.15.0-91-generic"), ("runc", "1.0.0-rc5" if n["el7"] else "1.1.12"),
                                   ("containerd", "1.2.0" if n["el7"] else "1.6.28"), ("kubelet", "1.16.4" if n["el7"] else "1.28.5")], 1) for n in fleet])
    emit("cgleak_build_info", [(n, [("version", "0.1.0")], 1) for n in fleet])
    # The agent's last sample time: its value is the time of the sample (here: of the scrape), as an agent's is.
    f.write("# TYPE cgleak_last_sample_timestamp_seconds gauge\n")
    for n in fleet:
        lab = f'instance="{n["node"]}:9739",job="cgleak",node="{n["node"]}"'
        f.writelines(f"cgleak_last_sample_timestamp_seconds{{{lab}}} {t} {t}\n" for t in stamps if t <= (now - 900 if n["gone"] else now))
    f.write("# TYPE up gauge\n")
    for n in fleet:
        lab = f'instance="{n["node"]}:9739",job="cgleak",node="{n["node"]}"'
        f.writelines(f"up{{{lab}}} {0 if n['gone'] and t > now - 900 else 1} {t}\n" for t in stamps)
    f.write("# EOF\n")
PY
echo "openmetrics: $(grep -vc '^#' "$dir/fleet.om") samples of $nodes nodes"
promtool tsdb create-blocks-from openmetrics "$dir/fleet.om" "$dir/data" >/dev/null
rm "$dir/fleet.om"
port=$((20000 + RANDOM % 20000))
printf 'global:\n  scrape_interval: 1m\n' >"$dir/prometheus.yml"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=30d \
  --web.listen-address="127.0.0.1:$port" >"$dir/prometheus.log" 2>&1 & prom_pid=$!
for _ in $(seq 300); do curl -sf "127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.2; done
url="http://127.0.0.1:$port"

# A warm-up of each (Prometheus loads the blocks' chunks on first use), then the best of 5.
"$bin" fleet --prometheus "$url" --json >"$dir/fleet.json" || true
python3 - "$dir/fleet.json" "$nodes" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["nodes"]) == int(sys.argv[2]), f'{len(d["nodes"])} nodes listed'
print("summary:", d["summary"])
PY
best_s=999 best_kb=0
for _ in 1 2 3 4 5; do
  /usr/bin/time -o "$dir/time" -f '%e %M' "$bin" fleet --prometheus "$url" >/dev/null 2>&1 || true  # exit 2: some node affected
  read -r s kb < <(tail -1 "$dir/time")
  if awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then best_s=$s; fi
  if ((kb > best_kb)); then best_kb=$kb; fi
done

# The anchor: the same queries with curl, one after another (the fleet sends them at once).
mapfile -t queries < <(python3 - <<'PY'
for q in ['cgleak_verdict == 1', 'last_over_time(cgleak_verdict[1d]) == 1', 'last_over_time(cgleak_last_sample_timestamp_seconds[1d])',
          '{__name__=~"cgleak_memory_cgroup_ids_in_use|cgleak_memory_cgroup_ids_in_use_lower_bound|cgleak_memory_cgroup_ids_limit|cgleak_memory_cgroups|cgleak_memory_cgroup_ids_exhaustion_eta_seconds|cgleak_dying_memory_cgroups_growth_per_second"}',
          'cgleak_check_status{status=~"fail|warn"} == 1', 'last_over_time(cgleak_node_info[1d])', 'up{job=~"cgleak"} == 0']:
    print(q)
PY
)
curl_best=999
for _ in 1 2 3; do
  start=$(date +%s.%N)
  for q in "${queries[@]}"; do curl -sf -o /dev/null --get --data-urlencode "query=$q" "$url/api/v1/query"; done
  t=$(echo "$(date +%s.%N) - $start" | bc -l)
  if awk -v a="$t" -v b="$curl_best" 'BEGIN { exit !(a < b) }'; then curl_best=$t; fi
done
mb=$(awk -v k="$best_kb" 'BEGIN { printf "%.1f", k / 1024 }')
printf 'cgleak fleet: %d nodes in %.2f s (%.2f of the 2 s budget), peak %s MB (%.2f of 100 MB); curl of the same %d queries one after another %.2f s (fleet/curl %.2f)\n' \
  "$nodes" "$best_s" "$(echo "$best_s / 2" | bc -l)" "$mb" "$(echo "$mb / 100" | bc -l)" "${#queries[@]}" "$curl_best" "$(echo "$best_s / $curl_best" | bc -l)"
