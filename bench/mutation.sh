#!/usr/bin/env bash
# Mutation testing (issue #18): Stryker.NET plants small bugs (mutants) in the code that decides and runs
# the project's PURE unit tests against each; the score is the share of mutants some test catches.
#   bench/mutation.sh                      Cgleak.Diagnosis, Cgleak.Host, Cgleak.Agent, one after the other
#   bench/mutation.sh Cgleak.Diagnosis     one of them, or Cgleak.Lab (its boot edits, being rewritten: named only)
# Each project's settings are tests/<Project>.Tests/stryker-config.json: which files are mutated, which
# tests run (never the real-kernel, VM, runc or process-level tests: the Agent and Lab configs name their
# pure test classes; the Diagnosis and Host test projects hold nothing else), string literals left alone
# (message texts are not the target). Minutes per project on two cores; not part of ./test or CI.
# STRYKER_CONCURRENCY overrides the configs' 2 test sessions at once; STRYKER_MUTATE='**/Parsing/*.cs' mutates
# only the files it matches (a quick run while writing tests; the score to quote is a whole run's). Reports: StrykerOutput/<Project>/
# reports/mutation-report.{html,json}. The last line prints each project's score.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Mutants break, on purpose, the code that decides where cgleak reads and writes (HostRoot, the boot editor):
# a mutant that dropped the host root once made Host's tests overwrite /var/lib/dpkg/status and /usr/sbin/runc.
# So Stryker runs in a private mount namespace where the system's directories are read-only; the repository,
# /tmp and ~/.nuget stay writable.
if [[ -z "${CGLEAK_MUTATION_CONFINED:-}" ]]; then
    exec unshare --mount --propagation private env CGLEAK_MUTATION_CONFINED=1 bash -c '
        for d in /etc /usr /boot /opt /srv /home /var/lib /var/log /var/cache; do
            if [[ -d $d ]]; then mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"; fi
        done
        exec "$0" "$@"' "$0" "$@"
fi
root=$PWD
all=(Cgleak.Diagnosis Cgleak.Host Cgleak.Agent Cgleak.Lab)
if (($# > 1)); then
    echo "usage: bench/mutation.sh [PROJECT]  (one of: ${all[*]})" >&2
    exit 64
fi
projects=("${@:-${all[@]:0:3}}")
for p in "${projects[@]}"; do
    if [[ ! -f "tests/$p.Tests/stryker-config.json" ]]; then
        echo "bench/mutation.sh: no tests/$p.Tests/stryker-config.json (one of: ${all[*]})" >&2
        exit 64
    fi
done

# Mutants also break the tests' own clean-up: their temporary trees go to a private TMPDIR, removed at the end.
tmp=$(mktemp -d /tmp/cgleak-mutation-XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT
export TMPDIR=$tmp

dotnet tool restore >/dev/null
scores=()
for p in "${projects[@]}"; do
    out="$root/StrykerOutput/$p"
    rm -rf "$out"
    echo "== $p" >&2
    extra=()
    if [[ -n "${STRYKER_CONCURRENCY:-}" ]]; then
        extra+=(--concurrency "$STRYKER_CONCURRENCY")
    fi
    if [[ -n "${STRYKER_MUTATE:-}" ]]; then
        extra+=(--mutate "$STRYKER_MUTATE")
    fi
    (cd "tests/$p.Tests" && dotnet dotnet-stryker --skip-version-check --output "$out" "${extra[@]}") >&2
    report="$out/reports/mutation-report.json"
    # The score as Stryker counts it: killed and timed-out mutants over all that compiled and were not
    # ignored (mutants no test runs count as survivors). Compile errors are listed: a method whose
    # mutants do not compile is not measured at all.
    summary=$(jq -r '
        [.files[].mutants[].status] as $s
        | ($s | map(select(. == "Killed" or . == "Timeout")) | length) as $detected
        | ($s | map(select(. == "Survived")) | length) as $survived
        | ($s | map(select(. == "NoCoverage")) | length) as $uncovered
        | ($s | map(select(. == "CompileError")) | length) as $broken
        | "\($detected + $survived + $uncovered) mutants, \($detected) killed, \($survived) survived, "
          + "\($uncovered) no coverage, \($broken) compile errors: "
          + (if $detected + $survived + $uncovered == 0 then "n/a"
             else "\((10000 * $detected / ($detected + $survived + $uncovered) | round) / 100) %" end)' "$report")
    echo "$p: $summary" >&2
    scores+=("$p ${summary##*: }")
done
(IFS=','; echo "mutation score: ${scores[*]}" | sed 's/,/, /g')
