#!/usr/bin/env bash
# Regenerates src/Cgleak.Agent.Cli/hot-methods.txt: the functions cgleak-agent runs (start-up, samples of a
# kubelet-shaped tree, scrapes of every endpoint), in the order it first runs them. The compiler lays them out
# together (IlcOrderFile), so the agent touches few code pages: on this machine about 3 MB less resident
# memory (bench/agent.sh). A function missing from the list still runs, only from a colder page; rerun this
# after changing what the agent does. Needs root, the cgroup v1 memory controller and valgrind.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=src/Cgleak.Agent.Cli/hot-methods.txt
work=$(mktemp -d /tmp/cgleak-order-XXXXXX)
parent="/sys/fs/cgroup/memory/cgleak-bench-$$"
valgrind_pid=""
# shellcheck source=bench/kubelet-tree.sh
source bench/kubelet-tree.sh
cleanup() {
  if [[ -n "$valgrind_pid" ]]; then kill "$valgrind_pid" 2>/dev/null || true; fi
  remove_kubelet_tree "$parent"
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
command -v valgrind >/dev/null || { echo "agent-order.sh: needs valgrind (apt-get install valgrind)" >&2; exit 69; }

echo "publishing cgleak-agent..." >&2
# With its symbol table (a native build of its own, so that this never touches the usual build's output);
# valgrind reads the function names from it, and cannot read this compiler's DWARF, so that goes.
dotnet publish src/Cgleak.Agent.Cli/Cgleak.Agent.Cli.csproj -c Release -r linux-x64 -o "$work/publish" \
  -p:StripSymbols=false -p:NativeIntermediateOutputPath="$work/native/" --nologo -v quiet >&2
strip --strip-debug -o "$work/cgleak-agent" "$work/publish/cgleak-agent"
make_kubelet_tree "$parent" 50

port=$((20000 + RANDOM % 20000))
echo "running it under callgrind (a few minutes)..." >&2
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  "$work/cgleak-agent" --interval 30 --listen "127.0.0.1:$port" >"$work/valgrind.log" 2>&1 & valgrind_pid=$!
for _ in $(seq 300); do curl -sf -o /dev/null "127.0.0.1:$port/readyz" && break; sleep 1; done
curl -sf -o /dev/null "127.0.0.1:$port/readyz" || { tail -20 "$work/valgrind.log" >&2; exit 70; }
for _ in 1 2 3 4 5; do
  for path in metrics healthz readyz status not-there; do curl -s -o /dev/null "127.0.0.1:$port/$path"; done
done
sleep 35 # the second sample
for path in metrics status; do curl -s -o /dev/null "127.0.0.1:$port/$path"; done
kill -TERM "$valgrind_pid"; wait "$valgrind_pid" || true; valgrind_pid=""

# callgrind names a function once ("fn=(12) name"), then by number; keep first-run order, and only the
# functions of this binary (not libc's).
nm --defined-only "$work/cgleak-agent" | awk '{ print $3 }' | sort -u >"$work/symbols"
python3 - "$work/callgrind.out" "$work/symbols" "$out" <<'PY'
import re, sys
calls, symbols_file, out = sys.argv[1:]
symbols = set(open(symbols_file).read().split())
names, first_run = {}, []
for line in open(calls):
    m = re.match(r'(c?fn)=\((\d+)\)(?: (.*))?$', line.rstrip('\n'))
    if not m:
        continue
    kind, number, name = m.groups()
    if name:
        names[number] = name
    if kind == 'fn' and number not in first_run:
        first_run.append(number)
hot = [names[n] for n in dict.fromkeys(first_run) if names.get(n) in symbols]
with open(out, 'w') as f:
    f.write('\n'.join(hot) + '\n')
print(f'{out}: {len(hot)} functions', file=sys.stderr)
PY
