#!/usr/bin/env bash
# llama.cpp loads what `loupe merge` writes: a fine-tune's adapter merged into SmolLM2 as F16 and
# as Q8_0, each scored by Loupe (`loupe eval-lm`) and by llama.cpp (llama-cpp-python 0.3.36, see
# scripts/bench/llamacpp_bench.py for the install) on the same chunks of the built-in Shakespeare
# (scripts/peers/perplexity-check.sh): the two perplexities must agree within 0.5%, and the merged
# models must differ from the base (the adapter is in them).
#
#   scripts/peers/merged-llamacpp-check.sh [ADAPTER_DIR]
#
# Without ADAPTER_DIR it trains examples/finetune/quillhaven.toml first (about a minute).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOUPE="${LOUPE:-.build/release/loupe}"
export LOUPE
base=${LOUPE_MODEL_DIR:-$HOME/.cache/loupe/models}/SmolLM2-135M-Instruct.Q4_1.gguf
adapter=${1:-}
if [ -z "$adapter" ]; then
    "$LOUPE" train examples/finetune/quillhaven.toml --no-record > /dev/null
    adapter=runs/quillhaven/latest/adapter
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for type in f16 q8_0; do
    "$LOUPE" merge "$base" "$adapter" "$work/merged-$type.gguf" --type "$type"
    echo "merged $type:"
    MODEL="$work/merged-$type.gguf" scripts/peers/perplexity-check.sh 256 8
done
echo "base:"
scripts/peers/perplexity-check.sh 256 8
