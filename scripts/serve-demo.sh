#!/usr/bin/env bash
# `make demo`'s serving step: starts `loupe serve` on a free port, sends one streamed chat request
# with curl (traced), prints the reply as it streams and the trace's links, then stops the server
# with SIGTERM (it finishes what it has and exits).
set -euo pipefail
LOUPE="${1:-.build/release/loupe}"
log="$(mktemp)"
"$LOUPE" serve --port 0 > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "http://" "$log" && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$log" | head -1)
for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health")" = 200 ] && break; sleep 0.2; done
echo "$ curl -N $base/v1/chat/completions -d '{\"messages\": [{\"role\": \"user\", \"content\": \"Why is the sky blue? One sentence.\"}], \"stream\": true, \"loupe\": {\"trace\": \"default\"}}'"
curl -sN "$base/v1/chat/completions" -H 'Content-Type: application/json' -d '{"model": "smollm2", "stream": true, "temperature": 0, "max_tokens": 60,
     "messages": [{"role": "user", "content": "Why is the sky blue? One sentence."}], "loupe": {"trace": "default"}}' \
  | python3 -c '
import json, sys
trace = None
for line in sys.stdin:
    if not line.startswith("data: ") or line.strip() == "data: [DONE]":
        continue
    chunk = json.loads(line[6:])
    for choice in chunk.get("choices", []):
        print(choice["delta"].get("content") or "", end="", flush=True)
    if "trace_id" in chunk.get("loupe", {}):
        trace = chunk["loupe"]
print()
if trace:
    print("trace, while the server runs: " + sys.argv[1] + trace["html_url"] + "  (JSON: " + sys.argv[1] + trace["trace_url"] + ")")
    print("kept: runs/served-traces/" + trace["trace_id"] + ".html, and in the run store (loupe dashboard lists it)")
' "$base"
curl -s "$base/metrics" | grep -E '^loupe_(generated_tokens_total|requests_total)' || true
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
rm -f "$log"
