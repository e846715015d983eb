#!/usr/bin/env bash
# End-to-end checks of the LLM commands as users and other tools call them: the JSON they print
# parses and holds what it should, and bad input fails with a message. Run by `make test`.
set -euo pipefail
LOUPE="${1:-.build/release/loupe}"

check() {   # check NAME PYTHON-EXPRESSION-ON-d  (reads JSON on stdin)
    python3 -c "import json,sys; d=json.load(sys.stdin); assert $2, '$1: ' + json.dumps(d)[:300]" || { echo "smoke: $1 failed" >&2; exit 1; }
    echo "smoke: $1 ok"
}

"$LOUPE" tokenize "Hello world" --json | check tokenize 'd["ids"] == [19556, 905]'
echo -n "<|im_start|>user" | "$LOUPE" tokenize - --json | check "tokenize stdin" 'd["ids"][0] == 1'
"$LOUPE" score --ids 504,3575,282,4649,314 --top 3 --json \
    | check score 'len(d["positions"]) == 5 and len(d["positions"][4]["top"]) == 3 and d["positions"][4]["top"][0]["id"] == 7042 and d["positions"][0]["next"] == 3575'
"$LOUPE" generate "The capital of France is" --temperature 0 --max-tokens 8 --top-logprobs 2 --json \
    | check generate 'd["ids"][:5] == [7042, 30, 198, 198, 504] and d["text"].startswith(" Paris.") and len(d["logprobs"]) == 8 and len(d["top_logprobs"][0]) == 2'
trace_file=$(mktemp)
"$LOUPE" trace "The capital of France is" --steps 2 --logit-lens --json "$trace_file" > /dev/null
check trace 'len(d["cycles"]) == 2 and len(d["cycles"][1]["layers"]) == 30 and d["cycles"][0]["chosen"]["id"] == 7042 and d["cycles"][1]["layers"][29]["logitLens"][0]["id"] == d["cycles"][1]["top"][0]["id"]' < "$trace_file"
rm -f "$trace_file"
work=$(mktemp -d)
"$LOUPE" trace "The capital of France is" --steps 3 --full --target " Paris" --distractor " Berlin" \
    --json "$work/t.json" --html "$work/t.html" --chrome-trace "$work/t.chrome.json" > /dev/null
check "trace --full" 'len(d["cycles"][2]["layers"][5]["heads"][0]["weights"]) == 7 and d["cycles"][0]["contrast"]["logit"] > 3 and len(d["cycles"][0]["attribution"]["heads"]) == 270' < "$work/t.json"
check "chrome trace" 'sum(e["cat"] == "cycle" for e in d["traceEvents"]) == 3 and all(e["ph"] == "X" for e in d["traceEvents"])' < "$work/t.chrome.json"
grep -q "<svg" "$work/t.html" && ! grep -qE "(src|href)=\"https?:" "$work/t.html" || { echo "smoke: the HTML trace is not a self-contained page" >&2; exit 1; }
echo "smoke: html ok"
session=$(printf 'head 5 3\nablate layer 25\npatch 10 3 "The capital of Germany is"\nbogus\nquit\n' \
    | "$LOUPE" trace "The capital of France is" --steps 2 --interactive)
[[ "$session" == *"re-run with ablate layer L25"* && "$session" == *"patch residual L10 @3"* && "$session" == *"unknown command 'bogus'"* ]] \
    || { echo "smoke: interactive session printed: $session" >&2; exit 1; }
echo "smoke: trace --interactive ok"
# loupe eval: the last checkpoint's test accuracy is the one training reported; the evaluation is
# recorded, costed and reported; a requirement gates the exit status; bad input is one clear error.
store="$work/eval.sqlite"
"$LOUPE" train examples/digits-mlp.toml --epochs 3 --runs-dir "$work/eval-runs" --store "$store" --json > "$work/eval-train.json"
"$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --store "$store" --checkpoint last --json > "$work/eval.json"
python3 - "$work/eval-train.json" "$work/eval.json" <<'PY' || { echo "smoke: loupe eval disagrees with training" >&2; exit 1; }
import json, os, sys
trained, evaluated = (json.load(open(p)) for p in sys.argv[1:3])
f = evaluated["figures"]
assert abs(trained["test"]["accuracy"] - f["accuracy"]) < 1e-12, (trained["test"], f["accuracy"])
assert evaluated["intervals"]["accuracy"]["low"] <= f["accuracy"] <= evaluated["intervals"]["accuracy"]["high"]
assert len(evaluated["classifier"]["confusion"]) == 10 and "macro_f1" in f
cost = evaluated["cost"]
assert cost["parameters"] == 9610 and cost["latency"]["p50Ms"] > 0 and cost["bestExamplesPerSecond"] > 0 and f["usd_per_million"] > 0
assert cost["trainingCPUSeconds"] > 0 and f["p95_latency_ms"] >= f["p50_latency_ms"]
PY
ls "$work"/eval-runs/digits-mlp/*/eval/report.html > /dev/null
# RUN may also be a run id prefix from the store, or a checkpoint file.
id=$(basename "$(readlink -f "$work/eval-runs/digits-mlp/latest")")
"$LOUPE" eval "${id:0:12}" --runs-dir "$work/eval-runs" --store "$store" --no-record --no-cost --checkpoint last --json \
    | check "eval by run id" "abs(d['figures']['accuracy'] - $(python3 -c "import json; print(json.load(open('$work/eval.json'))['figures']['accuracy'])")) < 1e-12"
"$LOUPE" eval "$work/eval-runs/digits-mlp/$id/checkpoints/last.safetensors" --no-record --no-cost --json \
    | check "eval of a checkpoint file" "d['checkpoint'].endswith('last.safetensors')"
if "$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --no-record --no-cost --require "accuracy >= 0.9999" > /dev/null; then echo "smoke: an unmet requirement exited 0" >&2; exit 1; fi
"$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --no-record --no-cost --require "accuracy >= 0.5" | grep -q "PASS: every requirement holds" \
    || { echo "smoke: a met requirement did not pass" >&2; exit 1; }
set +e; out=$("$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --require "accuracy => 0.9" 2>&1); status=$?; set -e
[[ $status == 64 && "$out" == *"at character 10, expected a comparison"* ]] || { echo "smoke: a malformed requirement said ($status): $out" >&2; exit 1; }
set +e; out=$("$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --split holdout 2>&1); status=$?; set -e
[[ $status == 64 && "$out" == *"--split must be test, validation or train"* ]] || { echo "smoke: a split that does not exist said ($status): $out" >&2; exit 1; }
printf 'a,b,label\n1,2,0\n3,4,1\n' > "$work/wrong-shape.csv"
set +e; out=$("$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --no-record --data "csv:$work/wrong-shape.csv" 2>&1); status=$?; set -e
[[ $status == 1 && "$out" == *"--data"*"shape [8, 8] like the run"*"are [2]"* ]] || { echo "smoke: data of the wrong shape said ($status): $out" >&2; exit 1; }
# A second model, then loupe compare weighs the two.
sed 's/name = "digits-mlp"/name = "digits-mlp-small"/; s/units = 128/units = 16/' examples/digits-mlp.toml > "$work/small.toml"
"$LOUPE" train "$work/small.toml" --epochs 3 --runs-dir "$work/eval-runs" --store "$store" > /dev/null
"$LOUPE" eval digits-mlp-small --runs-dir "$work/eval-runs" --store "$store" > /dev/null
"$LOUPE" compare digits-mlp digits-mlp-small --store "$store" --html "$work/compare.html" --json \
    | check "compare" 'd["quality"] == "macro_f1" and d["cost"] == "usd_per_million" and len(d["models"]) == 2 and len(d["front"]) >= 1 and d["recommendation"]'
grep -q "Pareto front" "$work/compare.html" || { echo "smoke: no Pareto chart" >&2; exit 1; }
# The predict server over the same run: its accuracy on every digit equals loupe eval's on the same file.
"$LOUPE" eval digits-mlp --runs-dir "$work/eval-runs" --store "$store" --no-cost --data digits --json > "$work/eval-all.json"
python3 scripts/peers/predict_check.py "$LOUPE" "$work/eval-runs" "$store" digits-mlp "$work/eval-all.json"
echo "smoke: loupe eval ok"
# loupe compress: int8 and pruning of the trained digits MLP, each a run, evaluated; the int8 run
# loads in loupe eval like any; bad plans are one clear error.
"$LOUPE" compress digits-mlp --plan int8,prune:0.5 --fine-tune-epochs 1 --no-cost --runs-dir "$work/eval-runs" --store "$store" --json > "$work/compress.json"
check "compress" 'len(d["results"]) == 3 and d["results"][1]["evaluation"]["figures"]["size_mb"] * 3.5 < d["results"][0]["evaluation"]["figures"]["size_mb"] and abs(d["results"][2]["sparsity"] - 0.5) < 0.01 and d["results"][2]["findings"]' < "$work/compress.json"
"$LOUPE" eval digits-mlp-int8 --runs-dir "$work/eval-runs" --no-record --no-cost --json     | check "eval of an int8 run" "abs(d['figures']['accuracy'] - $(python3 -c "import json; print(json.load(open('$work/compress.json'))['results'][1]['evaluation']['figures']['accuracy'])")) < 1e-12"
for bad in "quantize|unknown method 'quantize'" "prune:1.5|must be in [0, 1)" "int8+prune:0.5|must come last"; do
    set +e; out=$("$LOUPE" compress digits-mlp --plan "${bad%%|*}" --runs-dir "$work/eval-runs" 2>&1); status=$?; set -e
    [[ $status == 64 && "$out" == *"${bad#*|}"* ]] || { echo "smoke: --plan ${bad%%|*} said ($status): $out" >&2; exit 1; }
done
# The int8 run behind the predict server: its accuracy on every digit equals loupe eval's.
"$LOUPE" eval digits-mlp-int8 --runs-dir "$work/eval-runs" --store "$store" --no-cost --data digits --json > "$work/eval-int8-all.json"
python3 scripts/peers/predict_check.py "$LOUPE" "$work/eval-runs" "$store" digits-mlp-int8 "$work/eval-int8-all.json"
echo "smoke: loupe compress ok"
# loupe quantize: a GGUF the validating reader (and eval-lm) loads; refusals keep the input intact.
model_file="$HOME/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf"
"$LOUPE" quantize "$model_file" "$work/q8.gguf" --type q8_0 --no-report --json \
    | check "quantize" 'd["type"] == "Q8_0" and d["quantizedTensors"] == 210 and 8.4 < d["bitsPerWeight"] < 8.6'
"$LOUPE" eval-lm --model "$work/q8.gguf" --context 64 --chunks 2 --no-speed --no-record --json \
    | check "eval-lm of the quantized model" '5 < d["figures"]["perplexity"] < 200'
sum_before=$(sha256sum "$model_file")
for bad in "$model_file --type q8_0|is the input model" "$work/q.gguf --type q4_k|Loupe cannot write Q4_K" "$work/q.gguf --type q9|not a GGML type"; do
    set +e; out=$("$LOUPE" quantize "$model_file" ${bad%%|*} --no-report 2>&1); status=$?; set -e
    [[ $status != 0 && "$out" == *"${bad#*|}"* ]] || { echo "smoke: quantize ${bad%%|*} said ($status): $out" >&2; exit 1; }
done
[[ "$(sha256sum "$model_file")" == "$sum_before" ]] || { echo "smoke: quantize changed its input" >&2; exit 1; }
echo "smoke: loupe quantize ok"
# loupe eval-lm: llama.cpp's chunks (2 of 64 tokens: 31 scored each), a task, bad text.
"$LOUPE" eval-lm --context 64 --chunks 2 --no-speed --store "$store" --json \
    | check "eval-lm perplexity" 'd["languageModel"]["perplexity"]["scoredTokens"] == 62 and 5 < d["figures"]["perplexity"] < 200 and 0 < d["figures"]["bits_per_byte"] < 4'
# The model against itself as its base: llama-perplexity --kl-divergence's figures, all zero.
"$LOUPE" eval-lm --context 64 --chunks 2 --no-speed --no-perplexity --base "$HOME/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf" --no-record --json \
    | check "eval-lm KL divergence" 'abs(d["figures"]["mean_kld"]) < 1e-9 and d["figures"]["same_top_token"] == 1 and d["languageModel"]["klDivergence"]["scoredTokens"] == 62'
"$LOUPE" eval-lm --no-perplexity --no-speed --task examples/tasks/everyday-sense.jsonl --no-record --json \
    | check "eval-lm multiple choice" 'len(d["languageModel"]["multipleChoice"]["items"]) == 24 and d["figures"]["acc"] >= 0.5'
: > "$work/empty.txt"
set +e; out=$("$LOUPE" eval-lm --text "$work/empty.txt" --no-record 2>&1); status=$?; set -e
[[ $status == 1 && "$out" == *"empty.txt: the text is empty"* ]] || { echo "smoke: an empty text said ($status): $out" >&2; exit 1; }
echo "short text" > "$work/short.txt"
set +e; out=$("$LOUPE" eval-lm --text "$work/short.txt" --no-speed --no-record 2>&1); status=$?; set -e
[[ $status == 1 && "$out" == *"a context of 512 needs at least 1024"* ]] || { echo "smoke: a short text said ($status): $out" >&2; exit 1; }
"$LOUPE" --help | grep -q "eval-lm" && "$LOUPE" eval --help | grep -q "OVERVIEW" || { echo "smoke: --help does not print the help" >&2; exit 1; }
echo "smoke: loupe eval-lm ok"
# A file error is one sentence: no usage after it, no Foundation error dump.
set +e; out=$("$LOUPE" train "$work/missing.toml" 2>&1); status=$?; set -e
[[ $status == 1 && "$out" == "Error: cannot read $work/missing.toml: no such file" ]] \
    || { echo "smoke: a missing run file said ($status): $out" >&2; exit 1; }
echo "smoke: a missing run file is one sentence"
# A patch prompt longer than the context is that command's error; the session goes on.
long=$(python3 -c "print(' '.join(['word'] * 9000))")
session=$(printf 'patch 10 3 "%s"\nhead 5 3\nquit\n' "$long" | "$LOUPE" trace "The capital of France is" --steps 2 --interactive)
[[ "$session" == *"error: the context holds 8192 tokens and 9000 were asked for"*"the session goes on"* && "$session" == *"> head 5 3"*"> quit"* ]] \
    || { echo "smoke: a too-long patch ended the session: ${session: -300}" >&2; exit 1; }
echo "smoke: trace --interactive survives a too-long patch"
"$LOUPE" profile examples/digits-mlp.toml --chrome-trace "$work/p.json" --json \
    | check profile 'd["step_ms"] > 0 and any(m["module"].startswith("layers.") and m["backward_ms"] > 0 for m in d["modules"])'
# The run store: two recorded runs, listed, shown, compared and deleted; bad references and stores fail clearly.
store="$work/store.sqlite"
LOUPE_STORE="$store" "$LOUPE" train examples/digits-mlp.toml --epochs 1 --json > /dev/null
LOUPE_STORE="$store" "$LOUPE" train examples/digits-mlp.toml --epochs 2 --json > /dev/null
"$LOUPE" runs list --store "$store" --json --sort validation/accuracy \
    | check "runs list" 'len(d) == 2 and all(r["info"]["status"] == "completed" for r in d) and d[0]["summaries"]["validation/accuracy"]["best"] >= d[1]["summaries"]["validation/accuracy"]["best"] and d[0]["params"]["train.lr"] == 0.001'
"$LOUPE" runs show digits-mlp --store "$store" --json \
    | check "runs show" 'd["run"]["params"]["train.epochs"] == 2 and any(a["role"] == "checkpoint" for a in d["artifacts"]) and d["run"]["summaries"]["train/loss"]["count"] > 50'
ids=$("$LOUPE" runs list --store "$store" --json | python3 -c "import json,sys; print(' '.join(r['info']['id'] for r in json.load(sys.stdin)))")
"$LOUPE" runs compare $ids --store "$store" --html "$work/compare.html" > /dev/null
grep -q "<svg" "$work/compare.html" || { echo "smoke: runs compare wrote no charts" >&2; exit 1; }
"$LOUPE" runs delete ${ids%% *} --store "$store" --yes > /dev/null
"$LOUPE" runs list --store "$store" --json | check "runs delete" 'len(d) == 1'
if out=$("$LOUPE" runs show no-such-run --store "$store" 2>&1); then echo "smoke: an unknown run was accepted" >&2; exit 1; fi
[[ "$out" == *"no run with the id"* ]] || { echo "smoke: unknown-run message was '$out'" >&2; exit 1; }
head -c 4096 /dev/urandom > "$work/garbage.sqlite"
if out=$("$LOUPE" runs list --store "$work/garbage.sqlite" 2>&1); then echo "smoke: a corrupt store was accepted" >&2; exit 1; fi
[[ "$out" == *"cannot be read"* ]] || { echo "smoke: corrupt-store message was '$out'" >&2; exit 1; }
echo "smoke: runs ok"
# A folder per run: two runs of one name keep both folders and `latest` names the second; --resume
# continues that run in its folder under its id (one run in the store, its curve continued);
# deleting it removes its folder and the link.
rd="$work/runs"
for _ in 1 2; do LOUPE_STORE="$store" "$LOUPE" train examples/digits-mlp.toml --epochs 1 --runs-dir "$rd" --json > /dev/null; done
[ "$(find "$rd/digits-mlp" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 2 ] || { echo "smoke: two runs of one name did not get two folders" >&2; ls -la "$rd/digits-mlp" >&2; exit 1; }
latest=$(readlink "$rd/digits-mlp/latest")
[ -f "$rd/digits-mlp/$latest/checkpoints/last.safetensors" ] || { echo "smoke: latest ($latest) has no checkpoint" >&2; exit 1; }
LOUPE_STORE="$store" "$LOUPE" train examples/digits-mlp.toml --epochs 2 --runs-dir "$rd" --resume --json > /dev/null
"$LOUPE" runs show "$latest" --store "$store" --json \
    | check "train --resume continues the run" 'd["run"]["info"]["status"] == "completed" and d["run"]["params"]["train.epochs"] == 2 and d["run"]["summaries"]["epoch/train_loss"]["count"] == 2 and d["run"]["summaries"]["train/loss"]["lastStep"] == 90'
[ "$(wc -l < "$rd/digits-mlp/$latest/metrics.jsonl")" = 2 ] || { echo "smoke: the resumed run's metrics.jsonl is not its two epochs" >&2; exit 1; }
"$LOUPE" runs list --store "$store" --json | check "resume adds no run" 'len(d) == 3'
"$LOUPE" runs delete "$latest" --store "$store" --yes > /dev/null
[ ! -e "$rd/digits-mlp/$latest" ] && [ ! -L "$rd/digits-mlp/latest" ] || { echo "smoke: runs delete left the run's folder or link" >&2; exit 1; }
if out=$("$LOUPE" train examples/digits-mlp.toml --runs-dir "$work/empty-runs" --resume --no-record 2>&1); then echo "smoke: --resume without a run was accepted" >&2; exit 1; fi
[[ "$out" == *"has a checkpoint to resume from"* ]] || { echo "smoke: --resume without a run said '$out'" >&2; exit 1; }
echo "smoke: run folders ok"
"$LOUPE" bench engine --quick --case sgemm --store "$store" > /dev/null
"$LOUPE" runs show bench-engine --store "$store" --json \
    | check "bench records a run" 'd["run"]["info"]["kind"] == "bench" and len(d["benchmarks"]) >= 2 and "sgemm/gflops" in d["run"]["summaries"]'
# Two processes recording into one store at once lose nothing.
LOUPE_STORE="$work/two.sqlite" "$LOUPE" train examples/digits-mlp.toml --epochs 3 --json > /dev/null &
first=$!
LOUPE_STORE="$work/two.sqlite" "$LOUPE" train examples/digits-cnn.toml --epochs 1 --json > /dev/null
wait "$first"
"$LOUPE" runs list --store "$work/two.sqlite" --json \
    | check "two writers" 'len(d) == 2 and all(r["info"]["status"] == "completed" for r in d) and sorted(r["summaries"]["train/loss"]["count"] for r in d) == sorted([3 * 45, 45])'
# TensorBoard: the store's runs exported, and a run written live, read back by the real tensorboard package.
peers="$HOME/.cache/loupe/peers-venv/bin/python"
LOUPE_STORE="$work/tb.sqlite" "$LOUPE" debug examples/diverging-mlp.toml --json > /dev/null
LOUPE_STORE="$work/tb.sqlite" "$LOUPE" train examples/digits-mlp.toml --epochs 2 --tensorboard "$work/live" --json > /dev/null
"$LOUPE" runs export --store "$work/tb.sqlite" --tensorboard "$work/tb" > /dev/null
shows=()
for id in $("$LOUPE" runs list --store "$work/tb.sqlite" --json | python3 -c "import json,sys; print(' '.join(r['info']['id'] for r in json.load(sys.stdin)))"); do
    "$LOUPE" runs show "$id" --store "$work/tb.sqlite" --json > "$work/show-$id.json"
    shows+=("$work/show-$id.json")
done
"$peers" scripts/peers/runs_export_check.py "$work/tb" "${shows[@]}"
"$peers" -c "
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator('$work/live/digits-mlp', size_guidance={'scalars': 0}); ea.Reload()
assert len(ea.Scalars('train/loss')) == 90 and len(ea.Scalars('validation/accuracy')) == 2, ea.Tags()
"
# With --watch the monitor's weight and gradient histograms go live too: both parameter layers, at
# every 5th of the 54 sampled steps.
LOUPE_STORE="$work/watch.sqlite" "$LOUPE" train examples/digits-mlp.toml --epochs 2 --watch --tensorboard "$work/watch" --json > /dev/null
"$peers" -c "
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator('$work/watch/digits-mlp', size_guidance={'scalars': 0, 'histograms': 0}); ea.Reload()
tags = ea.Tags()['histograms']
assert len(tags) == 4 and sorted({t.split('/')[0] for t in tags}) == ['gradients', 'weights'], tags
assert all(len(ea.Histograms(t)) == 11 for t in tags), [(t, len(ea.Histograms(t))) for t in tags]
assert len(ea.Scalars('train/loss')) == 90, ea.Tags()
"
echo "smoke: tensorboard export ok"
# The dashboard: it prints its URL and serves the store; a port in use is named; a non-loopback
# address without --token gets a generated token, which every request then needs.
dashboard_url() {   # dashboard_url FILE: waits for the URL the dashboard prints into FILE
    for _ in $(seq 1 100); do
        url=$(grep -o 'http://[0-9.]*:[0-9]*/[^ ]*' "$1" || true)
        [ -n "$url" ] && { echo "$url"; return; }
        sleep 0.1
    done
    echo "smoke: the dashboard printed no URL: $(cat "$1")" >&2; exit 1
}
"$LOUPE" dashboard --port 0 --store "$store" > "$work/dashboard.out" 2>&1 &
dashboard=$!
url=$(dashboard_url "$work/dashboard.out")
python3 - "$url" <<'PY' || { kill "$dashboard"; echo "smoke: dashboard pages failed" >&2; exit 1; }
import sys, urllib.error, urllib.request
url = sys.argv[1]
assert urllib.request.urlopen(url + "health").read() == b"ok"
page = urllib.request.urlopen(url).read().decode()
assert "digits-mlp" in page and 'action="/compare"' in page, page[:300]
try:
    urllib.request.urlopen(url + "runs/no-such-run")
    raise SystemExit("an unknown run was served")
except urllib.error.HTTPError as error:
    assert error.code == 404 and "no-such-run" in error.read().decode()
PY
port=${url#http://127.0.0.1:}; port=${port%/}
if out=$("$LOUPE" dashboard --port "$port" --store "$store" 2>&1); then kill "$dashboard"; echo "smoke: a port in use was accepted" >&2; exit 1; fi
kill "$dashboard"; wait "$dashboard" 2>/dev/null || true
[[ "$out" == *"port $port is already in use"* ]] || { echo "smoke: port-in-use message was '$out'" >&2; exit 1; }
"$LOUPE" dashboard --host 0.0.0.0 --port 0 --store "$store" > "$work/dashboard.out" 2>&1 &
dashboard=$!
url=$(dashboard_url "$work/dashboard.out")
python3 - "$url" <<'PY' || { kill "$dashboard"; echo "smoke: the dashboard's token check failed" >&2; exit 1; }
import sys, urllib.error, urllib.request
url = sys.argv[1].replace("0.0.0.0", "127.0.0.1")
assert "?token=" in url, url
try:
    urllib.request.urlopen(url.split("?")[0] + "health")
    raise SystemExit("a request without the token was served")
except urllib.error.HTTPError as error:
    assert error.code == 401
assert "digits-mlp" in urllib.request.urlopen(url).read().decode()
PY
kill "$dashboard"; wait "$dashboard" 2>/dev/null || true
echo "smoke: dashboard ok"
# A training process killed with SIGKILL: its run reads as crashed, with the steps it had recorded.
LOUPE_STORE="$work/crash.sqlite" "$LOUPE" train examples/digits-cnn.toml --json > /dev/null &
pid=$!
for _ in $(seq 1 60); do
    steps=$("$LOUPE" runs list --store "$work/crash.sqlite" --json 2>/dev/null \
        | python3 -c "import json,sys; d=json.load(sys.stdin); print(d[0]['summaries'].get('train/loss', {}).get('count', 0) if d else 0)" 2>/dev/null || echo 0)
    [ "${steps:-0}" -gt 20 ] && break
    sleep 0.5
done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
"$LOUPE" runs list --store "$work/crash.sqlite" --json \
    | check "crashed run" 'd[0]["info"]["status"] == "crashed" and d[0]["summaries"]["train/loss"]["count"] > 20'
rm -rf "$work"
reply=$(echo "What is the capital of France?" | "$LOUPE" chat --temperature 0 --max-tokens 12)
[[ "$reply" == *Paris* ]] || { echo "smoke: chat replied '$reply'" >&2; exit 1; }
echo "smoke: chat ok"
# A message longer than the context is reported and dropped; the session goes on to the next one.
pipe_check_err=$(mktemp)
reply=$( { python3 -c "print('word ' * 9000)"; echo "What is the capital of France?"; } | "$LOUPE" chat --temperature 0 --max-tokens 12 2> "$pipe_check_err")
[[ "$reply" == *Paris* ]] && grep -q "that message was not added" "$pipe_check_err" \
    || { echo "smoke: chat after a too-long message replied '$reply' ($(cat "$pipe_check_err"))" >&2; exit 1; }
rm -f "$pipe_check_err"
echo "smoke: chat survives a too-long message ok"
if out=$("$LOUPE" score --ids 1,99999 2>&1); then echo "smoke: a bad id was accepted" >&2; exit 1; fi
[[ "$out" == *"outside the vocabulary"* ]] || { echo "smoke: bad-id message was '$out'" >&2; exit 1; }
if out=$("$LOUPE" generate "x" --temperature inf 2>&1); then echo "smoke: --temperature inf was accepted" >&2; exit 1; fi
[[ "$out" == *"finite"* ]] || { echo "smoke: --temperature inf said '$out'" >&2; exit 1; }
pipe_dir=$(mktemp -d); mkfifo "$pipe_dir/pipe"
# A FIFO given as a run file or a model is refused at once (it used to block forever).
if out=$(timeout 20 "$LOUPE" train "$pipe_dir/pipe" --no-record 2>&1); then echo "smoke: a FIFO run file was accepted" >&2; exit 1; fi
[[ "$out" == *"FIFO"* ]] || { echo "smoke: FIFO run file said '$out'" >&2; exit 1; }
if out=$(timeout 20 "$LOUPE" generate "x" --model "$pipe_dir/pipe" 2>&1); then echo "smoke: a FIFO model was accepted" >&2; exit 1; fi
[[ "$out" == *"FIFO"* ]] || { echo "smoke: FIFO model said '$out'" >&2; exit 1; }
rm -rf "$pipe_dir"
echo "smoke: bad input ok"
