#!/usr/bin/env bash
# Fault tests (issue 14, docs/RELIABILITY.md): what a crash, a full disk, a read-only folder or a
# second process does to a training run. Run by `make test`.
#
#   scripts/fault-tests.sh [LOUPE] [ROUNDS]      (ROUNDS of random kill -9, default 6)
#
# 1. kill -9 at random moments, and inside the k-th atomic write (LOUPE_FAULT_KILL_AT_WRITE=k: a
#    checkpoint, the log, config.json), then `--resume` until the run ends: its checkpoints,
#    best checkpoint and metrics log (less timings) must be those of an uninterrupted run, and no
#    temporary file may be left.
# 2. A disk that fills up (a small tmpfs): the run fails naming the file and the reason, the last
#    checkpoint stays loadable; with room again, --resume ends as an uninterrupted run.
# 3. Read-only folders (a read-only tmpfs): a clear error, nothing changed.
# 4. Two processes: two fresh runs of one name train side by side in two folders; a second
#    --resume of a run in progress is refused, naming the first.
# Mounts need a private mount namespace: the script re-runs itself under `unshare -m` (as root) or
# `unshare -rm` (a user namespace); where neither is allowed, parts 2 and 3 are skipped, saying so.
set -euo pipefail
LOUPE=$(readlink -f "${1:-.build/release/loupe}")
ROUNDS=${2:-6}
self=$(readlink -f "$0")
cd "$(dirname "$self")/.."
root=$(pwd)

if [[ -z ${LOUPE_FAULT_NAMESPACE:-} ]]; then
    export LOUPE_FAULT_NAMESPACE=1
    if [[ $(id -u) == 0 ]] && unshare -m true 2>/dev/null; then exec unshare -m "$self" "$LOUPE" "$ROUNDS"; fi
    if unshare -rm true 2>/dev/null; then exec unshare -rm "$self" "$LOUPE" "$ROUNDS"; fi
    export LOUPE_FAULT_NAMESPACE=none
fi

work=$(mktemp -d)
trap 'umount "$work/full" "$work/ro" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "fault: $*" >&2; exit 1; }
export NO_COLOR=1 LOUPE_STORE="$work/store.sqlite"

# A run with state in every corner (dropout, a cosine schedule with warm-up, early stopping): the
# one the resume tests use too.
run_file=$work/fault.toml
cp Tests/LoupeTrainTests/Fixtures/resume.toml "$run_file"

# The files two runs must agree on: checkpoints byte for byte, the log without its timings.
fingerprint() {
    local dir=$1
    sha256sum "$dir/checkpoints/last.safetensors" "$dir/checkpoints/best.safetensors" | awk '{print $1}'
    sed -E 's/"seconds":[0-9.e+-]+,?//' "$dir/metrics.jsonl" | sha256sum | awk '{print $1}'
}
no_leftovers() {
    local found
    found=$(find "$1" -name '*.tmp' | head -3)
    [[ -z $found ]] || fail "temporary files left behind: $found"
}

started=$(date +%s%N)
# A command-line mistake leaves no folder behind.
if "$LOUPE" train "$run_file" --runs-dir "$work/none" --override train.lr > /dev/null 2>&1; then fail "--override without --resume was accepted"; fi
[[ ! -e $work/none ]] || fail "a refused command left $(find "$work/none" | head -3)"
"$LOUPE" train "$run_file" --runs-dir "$work/reference" --no-record --json > /dev/null
# Random kills land anywhere in the time a whole run takes here (start-up included), a window
# that widens with each attempt so that the run ends.
reference_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expected=$(fingerprint "$work/reference/resume/latest")
echo "fault: reference run done ($(wc -l < "$work/reference/resume/latest/metrics.jsonl") epochs, ${reference_ms} ms)"

# Runs the run to its end under faults: `$1` is a command that starts one attempt in the
# background with its pid in $!; the attempt is then killed after a random delay, or dies on
# its own at an injected fault, until one attempt exits 0.
attempts=0
run_to_end() {
    local runs=$1 mode=$2 first=1 status
    attempts=0
    while true; do
        attempts=$((attempts + 1))
        (( attempts <= 80 )) || fail "$mode: the run did not finish in 80 attempts"
        local args=(train "$run_file" --runs-dir "$runs" --json)
        (( first )) || args+=(--resume)
        if [[ $mode == random ]]; then
            "$LOUPE" "${args[@]}" > /dev/null 2>"$work/err" &
            local pid=$!
            local delay=$(( RANDOM % (reference_ms * (4 + attempts) / 4 + 1) + 5 ))
            sleep "$(( delay / 1000 )).$(printf %03d $(( delay % 1000 )))"
            kill -9 "$pid" 2>/dev/null || true
            set +e; wait "$pid" 2>/dev/null; status=$?; set -e
        else
            # The k-th atomic write of this attempt kills it (k from 1 to 8, at random; a resumed
            # attempt writes config.json first, an improving epoch best and last).
            LOUPE_FAULT_KILL_AT_WRITE=$(( RANDOM % 8 + 1 )) "$LOUPE" "${args[@]}" > /dev/null 2>"$work/err" &
            set +e; wait $! 2>/dev/null; status=$?; set -e
        fi
        if [[ $status == 0 ]]; then return; fi
        # Killed (137) is the fault; anything else is a failure to report.
        [[ $status == 137 ]] || { cat "$work/err" >&2; fail "$mode: attempt $attempts exited $status"; }
        # Killed before the first checkpoint: the next attempt starts afresh.
        if compgen -G "$runs/resume/*/checkpoints/last.safetensors" > /dev/null; then first=0; fi
    done
}

for mode in random write; do
    for round in $(seq 1 "$ROUNDS"); do
        runs=$work/$mode-$round
        run_to_end "$runs" "$mode"
        folder=$(readlink -f "$runs/resume/latest")
        [[ $(fingerprint "$folder") == "$expected" ]] \
            || fail "$mode kill, round $round: after $attempts attempts the run differs from the uninterrupted one ($folder)"
        # (A fresh attempt killed before its first checkpoint leaves a folder that is never
        # resumed; only the run's own folder must be clean.)
        no_leftovers "$folder"
        echo "fault: kill -9 ($mode), round $round: identical to the uninterrupted run after $attempts attempt(s)"
    done
done

# 4. Two processes. Two fresh runs of one name at once: two folders, each the reference run.
"$LOUPE" train "$run_file" --runs-dir "$work/twice" --json > /dev/null &
first=$!
"$LOUPE" train "$run_file" --runs-dir "$work/twice" --json > /dev/null
wait "$first"
folders=("$work"/twice/resume/[0-9a-f]*)
[[ ${#folders[@]} == 2 ]] || fail "two fresh runs made ${#folders[@]} folder(s)"
for f in "${folders[@]}"; do [[ $(fingerprint "$f") == "$expected" ]] || fail "concurrent fresh runs mixed their files ($f)"; done
echo "fault: two fresh runs of one name at once: two folders, both as the uninterrupted run"
# A --resume while the run it would continue is still training is refused, naming that process.
cat > "$work/long.toml" <<'EOF'
[run]
name = "long"
[data]
dataset = "digits"
[model]
input = [64]
layers = [{ type = "linear", units = 512, activation = "relu" }, { type = "linear", units = 10 }]
[train]
epochs = 400
batch_size = 16
EOF
"$LOUPE" train "$work/long.toml" --runs-dir "$work/busy" --json > /dev/null 2>&1 &
busy=$!
for _ in $(seq 1 200); do [[ -e $work/busy/long/latest/checkpoints/last.safetensors ]] && break; sleep 0.1; done
set +e; out=$("$LOUPE" train "$work/long.toml" --runs-dir "$work/busy" --resume 2>&1); status=$?; set -e
# Nor can it be deleted from under the process.
set +e; deleted=$("$LOUPE" runs delete long --yes 2>&1); delete_status=$?; set -e
kill -9 "$busy" 2>/dev/null || true
wait "$busy" 2>/dev/null || true
[[ $status != 0 && $out == *"is in use by process $busy"* ]] || fail "a second --resume of a busy run said ($status): $out"
[[ $delete_status != 0 && $deleted == *"still running"* ]] || fail "deleting a run still training said ($delete_status): $deleted"
echo "fault: deleting a run still training is refused: $(grep -m1 '^Error' <<<"$deleted")"
echo "fault: a --resume of a run still training is refused: $(grep -m1 '^Error' <<<"$out" | cut -d';' -f1)"
# With the holder gone (killed), its lock went with it: the run can be resumed (here for one more epoch).
"$LOUPE" train "$work/long.toml" --runs-dir "$work/busy" --resume --epochs 1 --json > /dev/null \
    || fail "the lock of a killed process was left behind"
echo "fault: the lock of a killed process goes with it"

if [[ $LOUPE_FAULT_NAMESPACE == none ]] || ! mkdir -p "$work/full" "$work/ro" || ! mount -t tmpfs -o size=600k tmpfs "$work/full" 2>/dev/null; then
    echo "fault: SKIPPED disk-full and read-only tests: no private mount namespace here (unshare -m / -rm not allowed)"
    exit 0
fi

# 2. A disk that fills up: room for the last and best checkpoints but not for a third file, so
#    the first write of a new best checkpoint (while last and best exist) runs out of space.
#    tmpfs counts whole pages: two checkpoints, config.json, metrics.jsonl, .lock and one spare.
pages=$(( ($(stat -c %s "$work/reference/resume/latest/checkpoints/last.safetensors") + 4095) / 4096 ))
umount "$work/full"
mount -t tmpfs -o size=$(( (2 * pages + 4) * 4096 )) tmpfs "$work/full"
set +e; out=$("$LOUPE" train "$run_file" --runs-dir "$work/full/runs" --no-record 2>&1); status=$?; set -e
[[ $status != 0 ]] || fail "a run on a full disk succeeded"
[[ ${out,,} == *"no space left on device"* && $out == *"$work/full/runs/resume/"* ]] || fail "a full disk said: $(tail -n 3 <<<"$out")"
[[ $out != *"Domain="* ]] || fail "a full disk's error is a Foundation dump: $out"
no_leftovers "$work/full"
folder=$(readlink -f "$work/full/runs/resume/latest")
python3 - "$folder/checkpoints/last.safetensors" <<'EOF' || fail "the last checkpoint before the disk filled is not loadable"
import json, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
assert header["__metadata__"]["format"] == "loupe-checkpoint-1"
end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
assert 8 + n + end == len(data), "truncated"
EOF
echo "fault: disk full: \"$(grep -m1 -i 'no space left' <<<"$out" | cut -c1-160)…\"; the last checkpoint is whole"
mount -o remount,size=8m "$work/full"
"$LOUPE" train "$run_file" --runs-dir "$work/full/runs" --no-record --resume --json > /dev/null
[[ $(fingerprint "$folder") == "$expected" ]] || fail "resumed after the disk filled, the run differs from the uninterrupted one"
echo "fault: disk full, then room again: --resume ends as the uninterrupted run"

# 3. Read-only: a runs folder on a read-only file system, and a finished run's folder made read-only.
mount -t tmpfs -o size=4m tmpfs "$work/ro"
"$LOUPE" train "$run_file" --runs-dir "$work/ro/runs" --no-record --json > /dev/null
before=$(fingerprint "$work/ro/runs/resume/latest")
mount -o remount,ro "$work/ro"
set +e; out=$("$LOUPE" train "$run_file" --runs-dir "$work/ro/runs" --no-record 2>&1); status=$?; set -e
[[ $status != 0 && ${out,,} == *"read-only file system"* && $out == *"$work/ro/runs"* && $out != *"Domain="* ]] \
    || fail "a read-only runs folder said ($status): $out"
echo "fault: read-only runs folder: \"$(grep -m1 '^Error' <<<"$out" | cut -c1-160)\""
set +e; out=$("$LOUPE" train "$run_file" --runs-dir "$work/ro/runs" --no-record --resume 2>&1); status=$?; set -e
[[ $status != 0 && ${out,,} == *"read-only file system"* ]] || fail "resuming in a read-only folder said ($status): $out"
[[ $(fingerprint "$work/ro/runs/resume/latest") == "$before" ]] || fail "a failed resume changed the read-only run"
echo "fault: resume in a read-only folder: \"$(grep -m1 '^Error' <<<"$out" | cut -c1-160)\"; nothing changed"
echo "fault: all fault tests passed"
