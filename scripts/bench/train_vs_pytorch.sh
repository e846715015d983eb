#!/usr/bin/env bash
# Loupe's training steps against PyTorch eager's, interleaved: for each round and each workload
# W1–W5, PyTorch's step (scripts/bench/pytorch_train.py) then Loupe's (`loupe bench train`), so
# the machine's noise falls on both sides alike. Prints every JSON line, then per workload the
# median ratio Loupe / PyTorch (2 threads) and its range over the rounds.
#
#   scripts/bench/train_vs_pytorch.sh [ROUNDS] [WORKLOAD...]     (default 3 rounds, W1–W5)
# PyTorch: a venv with torch 2.13.0+cpu, $TORCH_PYTHON (default ~/.cache/loupe/torch-venv/bin/python).
set -euo pipefail
rounds="${1:-3}"
shift || true
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(W1 W2 W3 W4 W5)
LOUPE="${LOUPE:-.build/release/loupe}"
python="${TORCH_PYTHON:-$HOME/.cache/loupe/torch-venv/bin/python}"
"$python" -c "import torch" 2>/dev/null || { echo "PyTorch is not installed for $python (pip install torch==2.13.0+cpu)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq "$rounds"); do
    for w in "${workloads[@]}"; do
        "$python" scripts/bench/pytorch_train.py --threads 2 --workload "$w" | sed "s/}\$/, \"round\": $round}/" | tee -a "$out"
        "$LOUPE" bench train --workload "$w" --no-record | grep '"threads": 2' | sed "s/}\$/, \"round\": $round}/" | tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows:
    by.setdefault(r["workload"], {}).setdefault(r["round"], {})[r["impl"]] = r["ms"]
for w, rounds in sorted(by.items()):
    ratios = [v["loupe"] / v["pytorch"] for v in rounds.values() if "loupe" in v and "pytorch" in v]
    print(json.dumps({"case": "train_vs_pytorch", "workload": w, "rounds": len(ratios),
                      "median_ratio": round(statistics.median(ratios), 3), "min_ratio": round(min(ratios), 3), "max_ratio": round(max(ratios), 3),
                      "loupe_ms": [round(v["loupe"], 2) for v in rounds.values()], "pytorch_ms": [round(v["pytorch"], 2) for v in rounds.values()]}))
PY
