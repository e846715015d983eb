#!/usr/bin/env bash
# The GGUF files `loupe quantize` writes, read by llama.cpp itself: for each type, the default
# model is quantized, then llama.cpp (scripts/peers/llamacpp_perplexity.py, llama-cpp-python
# 0.3.36 built from source into ~/.cache/loupe/llamacpp-venv: see scripts/bench/llamacpp_bench.py)
# loads the file and measures its perplexity and its KL divergence from the source model, and
# `loupe eval-lm` measures the same. Prints one JSON line per type and fails when llama.cpp
# cannot load a file or the two perplexities differ by more than 1.5%. (Not 0.5% as for the source
# model in perplexity-check.sh: llama.cpp rounds activations to 8 bits for its Q8_0 and Q4_0 dot
# products, Loupe to 16 bits, so on these types the two compute slightly different models; measured
# at 2 chunks: q4_0 −0.35%, q8_0 −0.86%.)
#
#   scripts/peers/quantize-check.sh [CHUNKS] [TYPES...]      (default 4 q8_0 q4_0 q4_1: about 4 minutes)
set -euo pipefail
chunks="${1:-4}"
shift || true
[ $# -gt 0 ] && types=("$@") || types=(q8_0 q4_0 q4_1)
LOUPE="${LOUPE:-.build/release/loupe}"
python="$HOME/.cache/loupe/llamacpp-venv/bin/python"
[ -x "$python" ] || { echo "the llama.cpp peer is not installed: see scripts/bench/llamacpp_bench.py" >&2; exit 2; }
source_model="${LOUPE_MODEL_DIR:-$HOME/.cache/loupe/models}/SmolLM2-135M-Instruct.Q4_1.gguf"
text="Sources/LoupeData/Builtin/shakespeare.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for type in "${types[@]}"; do
    out="$work/smollm2-$type.gguf"
    "$LOUPE" quantize "$source_model" "$out" --type "$type" --no-report > /dev/null
    "$LOUPE" eval-lm --model "$out" --base "$source_model" --context 512 --chunks "$chunks" --no-speed --no-record --json --html "$work/r.html" > "$work/loupe.json"
    "$python" scripts/peers/llamacpp_perplexity.py --model "$out" --base-model "$source_model" --file "$text" --ctx 512 --chunks "$chunks" > "$work/llamacpp.json"
    python3 - "$type" "$work/loupe.json" "$work/llamacpp.json" <<'PY'
import json, sys
kind, loupe, peer = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ppl = loupe["languageModel"]["perplexity"]["perplexity"]
kld = loupe["languageModel"]["klDivergence"]["meanKLD"]
ratio = ppl / peer["perplexity"]
print(json.dumps({"type": kind, "loupe_ppl": round(ppl, 4), "llama.cpp_ppl": round(peer["perplexity"], 4), "ratio": round(ratio, 5),
                  "loupe_mean_kld": round(kld, 6), "llama.cpp_mean_kld": round(peer["kld"]["kld_mean"], 6) if "kld" in peer else None}))
if abs(ratio - 1) > 0.015:
    sys.exit(f"{kind}: Loupe's perplexity differs from llama.cpp's by {100 * (ratio - 1):+.3f}% (more than 1.5%)")
PY
done
