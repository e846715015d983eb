#!/usr/bin/env bash
# Multi-rank tests of data-parallel training (issue 21, docs/DISTRIBUTED.md), on Open MPI with
# ranks oversubscribed on this machine's cores. Run by `make test`.
#
#   scripts/distributed-tests.sh [LOUPE]
#
# 1. N = 1, 2, 3 ranks reach one process's weights within 1e-6 relative (BatchNorm synchronised,
#    an uneven last batch), and bit-identical run to run with --deterministic-reduce, whatever the
#    bucket size and overlap.
# 2. A rank killed mid-run: the others stop saying how to resume, the last checkpoint is intact,
#    and --resume on as many ranks ends bit-identical to an uninterrupted run (dropout per rank).
# 3. Run files that differ between ranks: an error naming the key, before step 1, nothing written;
#    resuming on another number of ranks: an error naming the number.
# 4. The debugger across ranks: a slowed rank is a `straggler`, a nudged weight a `rank_desync`.
# 5. The profile: one Chrome trace with a track per rank and its all-reduce buckets.
set -euo pipefail
LOUPE=$(readlink -f "${1:-.build/release/loupe}")
cd "$(dirname "$(readlink -f "$0")")/.."
root=$(pwd)
compare="python3 $root/scripts/distributed/compare-checkpoints.py"

if ! command -v mpirun >/dev/null 2>&1; then
    echo "error: mpirun is missing: scripts/setup.sh installs Open MPI (openmpi-bin, libopenmpi-dev)" >&2
    exit 1
fi
# Open MPI refuses root without these, and more ranks than cores without --oversubscribe.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { timeout 300 mpirun --oversubscribe "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bn=$root/examples/distributed/digits-bn.toml
mlp=$root/examples/digits-mlp.toml
cd "$work"
last() { echo "$1/$2/latest/checkpoints/last.safetensors"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "1. equivalence with one process (N = 1, 2, 3; BatchNorm; uneven last batch)"
"$LOUPE" train "$bn" --runs-dir one --no-record --json >/dev/null
for n in 1 2 3; do
    mpi -np $n "$LOUPE" train "$bn" --runs-dir n$n --no-record --json >/dev/null
    echo -n "   $n rank(s): "; $compare "$(last one digits-bn)" "$(last n$n digits-bn)" --max-relative 1e-6 || fail "$n ranks differ from one process"
    for run in a b; do
        mpi -np $n "$LOUPE" train "$bn" --runs-dir d$n$run --no-record --deterministic-reduce --bucket-mb 0.004 --json >/dev/null
    done
    echo -n "   $n rank(s), deterministic, twice: "
    $compare "$(last d${n}a digits-bn)" "$(last d${n}b digits-bn)" --identical || fail "deterministic runs on $n ranks differ"
    $compare "$(last one digits-bn)" "$(last d${n}a digits-bn)" --max-relative 1e-6 >/dev/null || fail "deterministic run on $n ranks differs from one process"
done
# The deterministic sum does not depend on how gradients are bucketed or when buckets start.
mpi -np 3 "$LOUPE" train "$bn" --runs-dir d3c --no-record --deterministic-reduce --bucket-mb 4 --no-overlap --json >/dev/null
$compare "$(last d3a digits-bn)" "$(last d3c digits-bn)" --identical >/dev/null || fail "deterministic runs differ by bucket size or overlap"
# One rank through MPI is one process, bit for bit.
$compare "$(last one digits-bn)" "$(last n1 digits-bn)" --identical >/dev/null || fail "1 rank differs from one process"

echo "2. a rank killed mid-run, then --resume"
set +e
LOUPE_FAULT_KILL_RANK=1:50 mpi -np 2 "$LOUPE" train "$mlp" --runs-dir killed --no-record --epochs 3 --deterministic-reduce \
    >killed.out 2>&1
status=$?
set -e
[[ $status -ne 0 ]] || fail "the job with a killed rank exited 0"
grep -q "rank 0 of 2 stopped" killed.out || { cat killed.out; fail "rank 0 did not say why it stopped"; }
grep -q -- "--resume" killed.out || fail "rank 0 did not say how to resume"
step=$(python3 -c "
import json, struct, sys
d = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', d[:8])[0]
print(json.loads(d[8:8 + n])['__metadata__']['step'])" "$(last killed digits-mlp)")
[[ $step == 45 ]] || fail "the last checkpoint is at step $step, expected 45 (the end of epoch 1)"
mpi -np 2 "$LOUPE" train "$mlp" --runs-dir killed --no-record --epochs 3 --deterministic-reduce --resume --json >/dev/null
mpi -np 2 "$LOUPE" train "$mlp" --runs-dir whole --no-record --epochs 3 --deterministic-reduce --json >/dev/null
echo -n "   resumed against uninterrupted: "
$compare "$(last killed digits-mlp)" "$(last whole digits-mlp)" --identical || fail "the resumed run differs from an uninterrupted one"
cmp <(cut -d, -f1,2 killed/digits-mlp/latest/metrics.jsonl) <(cut -d, -f1,2 whole/digits-mlp/latest/metrics.jsonl) \
    || fail "the resumed run's metrics log differs"

echo "3. ranks that disagree"
sed 's/^lr = 0.05/lr = 0.02/' "$bn" > other.toml
if mpi -np 1 "$LOUPE" train "$bn" --runs-dir mismatch --no-record : -np 1 "$LOUPE" train other.toml --runs-dir mismatch --no-record \
    >mismatch.out 2>&1; then fail "mismatched run files trained"; fi
grep -q "rank 1's run file differs from rank 0's: train.lr is 0.02 on rank 1, 0.05 on rank 0" mismatch.out \
    || { cat mismatch.out; fail "the mismatch was not named"; }
[[ ! -e mismatch ]] || fail "a job with mismatched run files wrote $(find mismatch | head -3)"
if mpi -np 3 "$LOUPE" train "$mlp" --runs-dir killed --no-record --epochs 4 --resume >ranks.out 2>&1; then fail "resumed on 3 ranks"; fi
grep -q "was written by a run on 2 ranks; resume it on as many (mpirun -np 2)" ranks.out || { cat ranks.out; fail "no clear error for another N"; }

echo "4. the debugger across ranks"
LOUPE_FAULT_SLOW_RANK=1:8 mpi -np 2 "$LOUPE" debug "$bn" --runs-dir slow --no-record --no-html --json > slow.json
python3 - slow.json <<'EOF'
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
found = [f for f in report["findings"] if f["kind"] == "straggler"]
assert found, "no straggler finding: %s" % [f["kind"] for f in report["findings"]]
assert found[0]["evidence"]["rank"] == 1, found[0]
print("   straggler: rank %d, %.1f ms against %.1f ms" % (found[0]["evidence"]["rank"], found[0]["evidence"]["rank_compute_ms"],
                                                         found[0]["evidence"]["others_compute_ms"]))
EOF
mpi -np 2 "$LOUPE" debug "$bn" --runs-dir even --no-record --no-html --checksum-every 5 --json > even.json
python3 - even.json <<'EOF'
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
kinds = [f["kind"] for f in report["findings"]]
assert "straggler" not in kinds and "rank_desync" not in kinds, kinds
ranks = json.load(open("even/digits-bn/latest/health.json"))["ranks"]
assert ranks["checksums"] == 6 and ranks["desyncs"] == [], ranks
print("   ranks at one pace, weights equal at all %d checksums: %s" % (ranks["checksums"], kinds))
EOF
LOUPE_FAULT_DESYNC_RANK=1:10 mpi -np 2 "$LOUPE" debug "$bn" --runs-dir desync --no-record --no-html --checksum-every 5 --json \
    > desync.json 2>desync.err
python3 - desync.json <<'EOF'
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
top = report["findings"][0]
assert top["kind"] == "rank_desync" and top["first_step"] == 15, top
print("   rank_desync from step %d in %s" % (top["first_step"], top["layers"]))
EOF

echo "5. the profile's timeline"
mpi -np 2 "$LOUPE" profile "$root/examples/digits-cnn.toml" --steps 2 --bucket-mb 0.01 --chrome-trace trace.json --json >/dev/null
python3 - trace.json <<'EOF'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
tracks = {e["pid"] for e in events}
reductions = [e for e in events if e["cat"] == "communication" and e["name"].startswith("all-reduce bucket")]
assert tracks == {0, 1}, tracks
assert {e["pid"] for e in reductions} == {0, 1} and len(reductions) >= 8, len(reductions)
print("   %d spans on %d tracks, %d all-reduces" % (len(events), len(tracks), len(reductions)))
EOF
echo "OK: all distributed tests passed"
