#!/usr/bin/env bash
# Issue #14, item 6: what the message catalog in two languages costs. Side by side in one run (these
# machines are noisy): the binary's size and start-up (`--version`, and the doctor on a small fixture in
# English and in Chinese) of this tree's native cgleak against an anchor built without the catalog.
# Targets: start-up within 10 % of the anchor's and under 25 ms.
# BASE=path/to/anchor/cgleak; without it the anchor is built from REF (default: main) in a temporary directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-41}
./cgleak --help >/dev/null   # builds this tree's native binary once, outside the timings
new=.cgleak-build/cgleak
base=${BASE:-}
if [[ -z "$base" ]]; then
  ref=${REF:-main}
  dir=$(mktemp -d /tmp/cgleak-bench-language-XXXXXX)
  trap 'rm -rf "$dir"' EXIT
  git archive "$ref" | tar -x -C "$dir"
  echo "building the anchor from $ref ..."
  dotnet publish "$dir/src/Cgleak.Cli/Cgleak.Cli.csproj" -c Release -r linux-x64 -o "$dir/out" --nologo -v quiet >/dev/null
  base=$dir/out/cgleak
fi
fixture=tests/fixtures/hosts/cgroup-v2

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_of() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; echo $(($(now) - t0)); }

declare -A ns
for ((r = 0; r < runs; r++)); do   # alternate, so drift hits both alike
  ns[bv]+="$(time_of "$base" --version) " ; ns[nv]+="$(time_of "$new" --version) "
  ns[bd]+="$(time_of "$base" doctor --host-root "$fixture") " ; ns[nd]+="$(time_of "$new" doctor --host-root "$fixture") "
  ns[nz]+="$(time_of env LANG=zh_CN.UTF-8 "$new" doctor --host-root "$fixture") "
done
m() { printf '%s\n' ${ns[$1]} | median; }
bs=$(stat -c %s "$base"); nsz=$(stat -c %s "$new")
echo "binary size: anchor $bs bytes, this tree $nsz bytes (+$((nsz - bs)) bytes, ratio $(awk -v a="$nsz" -v b="$bs" 'BEGIN { printf "%.3f", a / b }'))"
echo "start-up, median of $runs runs each, alternating:"
awk -v b="$(m bv)" -v n="$(m nv)" -v bd="$(m bd)" -v nd="$(m nd)" -v nz="$(m nz)" 'BEGIN {
  printf "  --version                 anchor %6.1f ms, this tree %6.1f ms, ratio %.2f (target <= 1.10, < 25 ms)\n", b/1e6, n/1e6, n/b
  printf "  doctor (English)          anchor %6.1f ms, this tree %6.1f ms, ratio %.2f\n", bd/1e6, nd/1e6, nd/bd
  printf "  doctor (LANG=zh_CN.UTF-8)                  this tree %6.1f ms, ratio to the anchor %.2f\n", nz/1e6, nz/bd }'
