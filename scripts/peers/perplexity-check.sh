#!/usr/bin/env bash
# Loupe's perplexity against llama.cpp's on the same file, model and context: `loupe eval-lm`
# (llama.cpp's method: chunks of CTX tokens, the second half of each scored) and the llama.cpp
# peer (scripts/peers/llamacpp_perplexity.py, llama-cpp-python 0.3.36 built from source into
# ~/.cache/loupe/llamacpp-venv: see scripts/bench/llamacpp_bench.py for the install). Prints both
# figures and their ratio as JSON and fails when they differ by more than 0.5%.
#
#   scripts/peers/perplexity-check.sh [CTX] [CHUNKS]      (default 512 20: about 2 minutes)
#
# MODEL=FILE.gguf checks another model than the default (a merged fine-tune, say).
set -euo pipefail
ctx="${1:-512}"
chunks="${2:-20}"
LOUPE="${LOUPE:-.build/release/loupe}"
python="$HOME/.cache/loupe/llamacpp-venv/bin/python"
[ -x "$python" ] || { echo "the llama.cpp peer is not installed: see scripts/bench/llamacpp_bench.py" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model_args=()
[ -n "${MODEL:-}" ] && model_args=(--model "$MODEL")
"$LOUPE" eval-lm "${model_args[@]}" --context "$ctx" --chunks "$chunks" --no-speed --no-record --json --html "$work/r.html" > "$work/loupe.json"
"$python" scripts/peers/llamacpp_perplexity.py "${model_args[@]}" --ctx "$ctx" --chunks "$chunks" > "$work/llamacpp.json"
python3 - "$work/loupe.json" "$work/llamacpp.json" <<'PY'
import json, sys
loupe = json.load(open(sys.argv[1]))["languageModel"]["perplexity"]
peer = json.load(open(sys.argv[2]))
assert loupe["tokens"] == peer["tokens"] and loupe["scoredTokens"] == peer["scored_tokens"], (loupe["tokens"], peer["tokens"])
ratio = loupe["perplexity"] / peer["perplexity"]
print(json.dumps({"context": loupe["context"], "chunks": loupe["windows"], "tokens": loupe["tokens"], "scored_tokens": loupe["scoredTokens"],
                  "loupe": loupe["perplexity"], "llama.cpp": peer["perplexity"], "ratio": ratio,
                  "llama.cpp_uncertainty": peer["perplexity_uncertainty"]}))
if abs(ratio - 1) > 0.005:
    sys.exit(f"Loupe's perplexity differs from llama.cpp's by {100 * (ratio - 1):+.3f}% (more than 0.5%)")
PY
