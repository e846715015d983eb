#!/usr/bin/env bash
# The LoRA fine-tuning demo (docs/FINETUNE.md), run by `make demo`: SmolLM2-135M is taught a
# handful of invented facts about the town of Quillhaven with the debugger watching, the adapter is
# merged into a GGUF, and the model is asked before and after: a chat answer, an 8-question quiz,
# its perplexity on the built-in Shakespeare (what it may have forgotten) and the trace comparison
# that shows where the new answer appears (runs/quillhaven-compare.html).
#
#   scripts/finetune-demo.sh [LOUPE]
set -euo pipefail
LOUPE=$(readlink -f "${1:-.build/release/loupe}")
cd "$(dirname "$0")/.."
base=${LOUPE_MODEL_DIR:-$HOME/.cache/loupe/models}/SmolLM2-135M-Instruct.Q4_1.gguf
question="Who founded Quillhaven?"
quiz=examples/finetune/quillhaven-quiz.jsonl

echo "== Before: the base model on a town it has never heard of"
echo "$question" | "$LOUPE" chat --temperature 0 --max-tokens 40
"$LOUPE" eval-lm --model "$base" --context 256 --chunks 4 --task "$quiz" --no-speed --no-record

echo "== LoRA fine-tune (rank 8 on every projection), the debugger watching: loss mask, held-out set, forgetting probe"
"$LOUPE" debug examples/finetune/quillhaven.toml
run=runs/quillhaven/latest
"$LOUPE" merge "$base" "$run/adapter" "$run/merged.gguf" --type q8_0

echo "== After"
echo "$question" | "$LOUPE" chat --model "$run/merged.gguf" --temperature 0 --max-tokens 40
"$LOUPE" eval-lm --model "$run/merged.gguf" --base "$base" --context 256 --chunks 4 --task "$quiz" --no-speed --no-record
"$LOUPE" trace --compare "$base" "$run/merged.gguf" "$question" --chat --steps 14 --html runs/quillhaven-compare.html
