#!/usr/bin/env bash
# Regenerates src/Cgleak.Agent.Cli/hot-methods.txt: the functions cgleak-agent runs, in the order it first
# runs them, which the compiler lays out together (IlcOrderFile), so the agent touches few code pages: on this
# machine about 3 MB less resident memory (bench/agent.sh). Two runs under valgrind/callgrind, each with start-up,
# two samples and scrapes of every endpoint: this host with a kubelet-shaped tree; and a leaking host tree with
# --kubernetes --taint-when affected against a small HTTPS stand-in for the API server (python3, a throwaway
# certificate), so the DaemonSet's path is laid out too. A function missing from the list still runs, only from
# a colder page; rerun this after changing what the agent does (a test says when the list has gone stale).
# Needs root, the cgroup v1 memory controller, valgrind, python3, openssl and unshare.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=src/Cgleak.Agent.Cli/hot-methods.txt
work=$(mktemp -d /tmp/cgleak-order-XXXXXX)
parent="/sys/fs/cgroup/memory/cgleak-bench-$$"
pids=()
# shellcheck source=bench/kubelet-tree.sh
source bench/kubelet-tree.sh
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  remove_kubelet_tree "$parent"
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
for tool in valgrind python3 openssl unshare; do
  command -v "$tool" >/dev/null || { echo "agent-order.sh: needs $tool" >&2; exit 69; }
done

echo "publishing cgleak-agent..." >&2
# With its symbol table (a native build of its own, so that this never touches the usual build's output);
# valgrind reads the function names from it, and cannot read this compiler's DWARF, so that goes.
dotnet publish src/Cgleak.Agent.Cli/Cgleak.Agent.Cli.csproj -c Release -r linux-x64 -o "$work/publish" \
  -p:StripSymbols=false -p:NativeIntermediateOutputPath="$work/native/" --nologo -v quiet >&2
strip --strip-debug -o "$work/cgleak-agent" "$work/publish/cgleak-agent"
make_kubelet_tree "$parent" 50

# profile NAME PORT COMMAND...: COMMAND runs the agent (under callgrind, writing $work/NAME.out) on PORT.
profile() {
  local name=$1 port=$2 pid
  shift 2
  echo "profiling: $name (a few minutes)..." >&2
  "$@" >"$work/$name.log" 2>&1 & pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do curl -sf -o /dev/null "127.0.0.1:$port/readyz" && break; sleep 1; done
  curl -sf -o /dev/null "127.0.0.1:$port/readyz" || { tail -20 "$work/$name.log" >&2; exit 70; }
  for _ in 1 2 3 4 5; do
    for path in metrics healthz readyz status not-there; do curl -s -o /dev/null "127.0.0.1:$port/$path"; done
  done
  sleep 35 # the second sample
  for path in metrics status; do curl -s -o /dev/null "127.0.0.1:$port/$path"; done
  kill -TERM "$pid"; wait "$pid" || true
}
callgrind() { echo valgrind --tool=callgrind --callgrind-out-file="$work/$1.out"; }

port=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2046 # the valgrind words split on purpose
profile live "$port" $(callgrind live) "$work/cgleak-agent" --interval 30 --listen "127.0.0.1:$port"

# The API server stand-in: answers every GET/PATCH/POST with a node object, over HTTPS.
api=$((port + 1)) sa="$work/serviceaccount"
mkdir -p "$sa"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/api.key" -out "$sa/ca.crt" 2>/dev/null
echo profiling-token >"$sa/token"
python3 - "$api" "$sa/ca.crt" "$work/api.key" >"$work/api.log" 2>&1 <<'PY' & pids+=("$!")
import http.server, json, ssl, sys

class Api(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        node = self.path.split('/')[4] if self.path.startswith('/api/v1/nodes/') else 'node'
        body = json.dumps({'apiVersion': 'v1', 'kind': 'Node', 'metadata': {'name': node, 'resourceVersion': '1'},
                           'spec': {'taints': []}}).encode()
        self.send_response(201 if self.command == 'POST' else 200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_PATCH = do_POST = answer

server = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Api)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
port=$((port + 2))
# The service account where kubelet projects it, in a mount namespace of the agent's own.
# shellcheck disable=SC2046,SC2016 # the valgrind words split on purpose; $0 and $@ are the inner shell's
profile kubernetes "$port" env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$api" NODE_NAME=node-1 \
  unshare --mount --propagation private -- sh -c \
  'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && mount --bind "$0" /run/secrets/kubernetes.io/serviceaccount && exec "$@"' \
  "$sa" $(callgrind kubernetes) "$work/cgleak-agent" --interval 30 --listen "127.0.0.1:$port" \
  --host-root tests/fixtures/hosts/el7-957-leaking --kubernetes --taint-when affected
# The stand-in logs each request: the run must have written the condition, the taint and an Event.
for request in "PATCH /api/v1/nodes/node-1/status" "PATCH /api/v1/nodes/node-1 " "POST /api/v1/namespaces/default/events"; do
  grep -q "\"$request" "$work/api.log" || { echo "agent-order.sh: no '$request' reached the API stand-in" >&2; tail -20 "$work/kubernetes.log" >&2; exit 70; }
done

# callgrind names a function once ("fn=(12) name"), then by number; keep first-run order (the live run first),
# and only the functions of this binary (not libc's).
nm --defined-only "$work/cgleak-agent" | awk '{ print $3 }' | sort -u >"$work/symbols"
python3 - "$work/symbols" "$out" "$work/live.out" "$work/kubernetes.out" <<'PY'
import re, sys
symbols_file, out, *runs = sys.argv[1:]
symbols = set(open(symbols_file).read().split())
hot = {}
for calls in runs:
    names, first_run = {}, {}
    for line in open(calls):
        m = re.match(r'(c?fn)=\((\d+)\)(?: (.*))?$', line.rstrip('\n'))
        if not m:
            continue
        kind, number, name = m.groups()
        if name:
            names[number] = name
        if kind == 'fn':
            first_run.setdefault(number, None)
    hot.update((names[n], None) for n in first_run if names.get(n) in symbols)
with open(out, 'w') as f:
    f.write('\n'.join(hot) + '\n')
print(f'{out}: {len(hot)} functions', file=sys.stderr)
PY
