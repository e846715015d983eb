#!/usr/bin/env bash
# Instruction counts of a W1 training step, a W5 training step and one generated token, under
# valgrind's callgrind: deterministic where wall time on a shared machine is not. Each case runs
# `loupe bench instructions CASE` twice, with --count A and --count 2A; the difference over A is
# one unit's instructions, with start-up, loading and the warm-up cancelled out.
#
#   scripts/bench/callgrind.sh [--check|--update] [CASE...]     (cases: w1-step w5-step token; default all)
#   (no mode)   print {"case", "instructions"} JSON lines
#   --check     compare with scripts/bench/callgrind-baseline.json and fail naming every case
#               more than 5% above it
#   --update    write the measured counts into the baseline (other cases' entries are kept)
# A W5 step takes ~35 minutes under callgrind on this machine; w1-step and token a few each.
#
# Valgrind 3.19 (Debian 12) cannot execute AVX-512, so the binary is a separate build for
# Haswell-level x86-64 (AVX2, FMA, F16C) in .build/callgrind; the runtime-dispatched kernels take their AVX2 paths
# under valgrind, whose CPUID reports no AVX-512.
set -euo pipefail
mode=""
case "${1:-}" in --check|--update) mode="$1"; shift ;; esac
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(w1-step w5-step token)
declare -A units=([w1-step]=20 [w5-step]=1 [token]=4)
for c in "${cases[@]}"; do [ -n "${units[$c]:-}" ] || { echo "unknown case $c (w1-step, w5-step, token)" >&2; exit 2; }; done
baseline="scripts/bench/callgrind-baseline.json"
tolerance="${CALLGRIND_TOLERANCE:-0.05}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
scratch=.build/callgrind
swift build -c release --scratch-path "$scratch" -Xcc -march=haswell -Xswiftc -target-cpu -Xswiftc haswell --product loupe >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Valgrind 3.19 cannot read the DWARF Swift 6 writes ("possibly corrupted debuginfo"): count a
# copy without it (the totals need only the instructions, not source lines).
loupe="$work/loupe"
strip --strip-debug -o "$loupe" "$scratch/release/loupe"
export SWIFT_DETERMINISTIC_HASHING=1   # the same dictionary work in every run

count() { # case units -> total instructions (Ir) of the run
    valgrind --tool=callgrind --callgrind-out-file="$work/out" "$loupe" bench instructions "$1" --count "$2" >/dev/null 2>"$work/log" \
        || { cat "$work/log" >&2; exit 1; }
    grep -E '^summary:|^totals:' "$work/out" | head -1 | awk '{print $2}'
}

results="$work/results.jsonl"
for name in "${cases[@]}"; do
    n=${units[$name]}
    a=$(count "$name" "$n")
    b=$(count "$name" $((2 * n)))
    echo "{\"case\": \"$name\", \"instructions\": $(( (b - a) / n )), \"units\": $n}" | tee -a "$results"
done

case "$mode" in
--update)
    python3 - "$results" "$baseline" <<'PY'
import json, sys
import os
rows = [json.loads(l) for l in open(sys.argv[1])]
base = json.load(open(sys.argv[2])) if os.path.exists(sys.argv[2]) else {}
base.update({r["case"]: r["instructions"] for r in rows})
with open(sys.argv[2] + ".tmp", "w") as f:
    json.dump(base, f, indent=2)
    f.write("\n")
import os; os.replace(sys.argv[2] + ".tmp", sys.argv[2])
print(f"wrote {sys.argv[2]}", file=sys.stderr)
PY
    ;;
--check)
    python3 - "$results" "$baseline" "$tolerance" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base = json.load(open(sys.argv[2]))
tolerance = float(sys.argv[3])
worse = []
for r in rows:
    old = base.get(r["case"])
    if old is None:
        print(f"{r['case']}: no baseline (run scripts/bench/callgrind.sh --update)"); continue
    change = r["instructions"] / old - 1
    flag = "ABOVE" if change > tolerance else "ok"
    print(f"{r['case']}: {r['instructions']:,} instructions, baseline {old:,} ({change:+.1%}) {flag}")
    if change > tolerance: worse.append(r["case"])
if worse:
    sys.exit(f"more than {tolerance:.0%} above the baseline: {', '.join(worse)} "
             "(if intended, record it: scripts/bench/callgrind.sh --update)")
PY
    ;;
esac
