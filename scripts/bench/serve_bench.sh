#!/usr/bin/env bash
# The serving benchmark in BENCHMARKS.md: `loupe serve` beside llama.cpp's server
# (llama-cpp-python[server], scripts/bench/llamacpp_server.sh) under the same load, in
# interleaved rounds, both on 2 threads with the same GGUF.
#
#   scripts/bench/serve_bench.sh [LOUPE] [ROUNDS] [SECONDS]     (defaults: .build/release/loupe 2 60)
#
# Each round: 8 streaming clients for SECONDS against Loupe (--parallel 4), then against llama.cpp;
# then, for Loupe alone, 1 client and 4 clients for 20 s (what continuous batching adds).
# serve_load.py reports requests/s, generated tokens/s, latency and TTFT percentiles, errors and
# the server's RSS over the run (memory flat); /metrics shows no slot left busy afterwards.
# Results: one JSON line per run in $OUT (default runs/serve-bench.jsonl).
set -euo pipefail
loupe="${1:-.build/release/loupe}"
rounds="${2:-2}"
seconds="${3:-60}"
out="${OUT:-runs/serve-bench.jsonl}"
mkdir -p "$(dirname "$out")"
: > "$out"
here="$(cd "$(dirname "$0")" && pwd)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_load() { # label url pid clients seconds
    local label="$1" url="$2" pid="$3" clients="$4" secs="$5"
    python3 "$here/serve_load.py" --url "$url" --health-wait --clients "$clients" --seconds "$secs" --max-tokens 32 \
        --pid "$pid" --metrics --json | python3 -c "import json,sys; d=json.load(sys.stdin); d['server']='$label'; d['clients']=$clients; print(json.dumps(d))" >> "$out"
    tail -1 "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['server'], d['clients'], 'clients:', {k: d.get(k) for k in ('requests', 'errors', 'requests_per_s', 'tokens_per_s')})"
}

start_loupe() {
    port=$(free_port)
    "$loupe" serve --port "$port" --parallel 4 --threads 2 > /tmp/loupe-serve-bench.log 2>&1 &
    pid=$!
}

for round in $(seq 1 "$rounds"); do
    start_loupe
    run_load loupe "http://127.0.0.1:$port" "$pid" 8 "$seconds"
    kill "$pid"; wait "$pid" 2>/dev/null || true

    port=$(free_port)
    "$here/llamacpp_server.sh" "$port" > /tmp/llamacpp-serve-bench.log 2>&1 &
    pid=$!
    run_load llama.cpp "http://127.0.0.1:$port" "$pid" 8 "$seconds"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done

start_loupe
run_load loupe "http://127.0.0.1:$port" "$pid" 1 20
run_load loupe "http://127.0.0.1:$port" "$pid" 4 20
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "results: $out"
