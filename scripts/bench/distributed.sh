#!/usr/bin/env bash
# Data-parallel training speed (BENCHMARKS.md, "Data-parallel training"): for W1, W2 and W5, one
# round is 2 ranks × 1 thread (mpirun), then 1 process × 2 threads, then 1 × 1; rounds interleave
# so the machine's drifting load touches every configuration alike. Then MPI all-reduce times by
# size, the ring α–β model fitted to them, and its predictions for 8–64 nodes.
#
#   scripts/bench/distributed.sh [LOUPE] [ROUNDS]      (default 5 rounds)
#
# Prints a Markdown summary (medians, min–max over rounds); the raw JSON lines stay in
# runs/bench-distributed.jsonl.
set -euo pipefail
LOUPE=$(readlink -f "${1:-.build/release/loupe}")
ROUNDS=${2:-5}
cd "$(dirname "$(readlink -f "$0")")/../.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p runs
out=runs/bench-distributed.jsonl
: > "$out"
for round in $(seq 1 "$ROUNDS"); do
    for w in W1 W2 W5; do
        mpirun -np 2 --oversubscribe --bind-to none "$LOUPE" bench distributed --workload $w --threads 1 \
            | sed "s/}\$/, \"round\": $round}/" >> "$out"
        for t in 2 1; do
            "$LOUPE" bench distributed --workload $w --threads $t | sed "s/}\$/, \"round\": $round}/" >> "$out"
        done
    done
    echo "round $round of $ROUNDS done" >&2
done
mpirun -np 2 --oversubscribe --bind-to none "$LOUPE" bench allreduce --rounds "$ROUNDS" >> "$out"

python3 - "$out" "$LOUPE" <<'EOF'
import json, statistics, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
loupe = sys.argv[2]
def med(v): return statistics.median(v)
def spread(v): return "%.3g–%.3g" % (min(v), max(v))
steps = [r for r in rows if r["case"] == "distributed_step"]
print("| workload | 1 × 1 step ms | 1 × 2 step ms | 2 ranks × 1, overlap on | overlap off | 2×1 / 1×2 | 2×1 / 1×1 | communication share (off) | exposed share (on) | overlap achieved |")
print("|---|---|---|---|---|---|---|---|---|---|")
summary = {}
for w in ["W1", "W2", "W5"]:
    one = [r["step_ms"] for r in steps if r["workload"] == w and r["ranks"] == 1 and r["threads"] == 1]
    two = [r["step_ms"] for r in steps if r["workload"] == w and r["ranks"] == 1 and r["threads"] == 2]
    on = [r for r in steps if r["workload"] == w and r["ranks"] == 2 and r["overlap"] == "on"]
    off = [r for r in steps if r["workload"] == w and r["ranks"] == 2 and r["overlap"] == "off"]
    if not (one and two and on and off):
        continue
    on_ms, off_ms = [r["step_ms"] for r in on], [r["step_ms"] for r in off]
    # Per round: the share of the step spent waiting, and how much of the no-overlap wait the
    # overlap took away.
    share_off = [r["wait_ms"] / r["step_ms"] for r in off]
    share_on = [r["wait_ms"] / r["step_ms"] for r in on]
    achieved = [max(0.0, 1 - a["wait_ms"] / b["wait_ms"]) for a, b in zip(on, off) if b["wait_ms"] > 0]
    summary[w] = {"one": med(one), "two": med(two), "on": med(on_ms), "buckets": on[0].get("buckets"), "overlap": med(achieved) if achieved else 0}
    print("| %s | %.3g (%s) | %.3g (%s) | %.3g (%s) | %.3g (%s) | %.2f | %.2f | %.0f%% | %.0f%% | %.0f%% |" % (
        w, med(one), spread(one), med(two), spread(two), med(on_ms), spread(on_ms), med(off_ms), spread(off_ms),
        med(on_ms) / med(two), med(on_ms) / med(one), 100 * med(share_off), 100 * med(share_on), 100 * (med(achieved) if achieved else 0)))
print()
print("| all-reduce bytes (2 ranks) | median µs | min–max µs | GB/s |")
print("|---|---|---|---|")
for r in rows:
    if r["case"] == "allreduce":
        print("| %d | %.4g | %.4g–%.4g | %.3g |" % (r["bytes"], r["us"], r["min_us"], r["max_us"], r["gb_per_s"]))
for r in rows:
    if r["case"] == "allreduce_fit":
        print("\nfit (%s regime, %d sizes): α = %.3g µs, 1/β = %.3g GB/s, median |error| %.0f%%, max %.0f%%" % (
            r["regime"], r["sizes"], r["alpha_us"], r["beta_gb_per_s"], 100 * r["median_abs_error"], 100 * r["max_abs_error"]))
if "W5" in summary:
    w5 = summary["W5"]
    for name, params, compute, bucket in [("W5 (818,048 parameters)", 818048, w5["two"], 1),
                                          ("100M parameters", 100_000_000, w5["two"] * 100_000_000 / 818048, 25)]:
        print("\nPrediction, %s: one node's step %.4g ms (this machine, 1 × 2), %g MB buckets, overlap %.0f%%" % (
            name, compute, bucket, 100 * w5["overlap"]))
        print("| network | " + " | ".join("%d nodes" % n for n in [8, 16, 32, 64]) + " |")
        print("|---|---|---|---|---|")
        result = subprocess.run([loupe, "bench", "scaling", "--compute-ms", str(compute), "--parameters", str(params),
                                 "--bucket-mb", str(bucket), "--overlap", str(w5["overlap"])], capture_output=True, text=True, check=True)
        preds = [json.loads(l) for l in result.stdout.splitlines() if l.startswith("{")]
        for g in sorted({p["gbps"] for p in preds}):
            cells = ["%.3g ms, ×%.3g (%.0f%%)" % (p["step_ms"], p["speedup"], 100 * p["efficiency"]) for p in preds if p["gbps"] == g]
            lat = [p["latency_us"] for p in preds if p["gbps"] == g][0]
            print("| %g Gb/s, α %g µs | " % (g, lat) + " | ".join(cells) + " |")
EOF
