#!/usr/bin/env bash
# Loupe's LLM runtime against llama.cpp, interleaved: for each round and each thread count,
# llama.cpp's cases (scripts/bench/llamacpp_bench.py) then Loupe's (`loupe bench llm`), one timed
# round each after a warm-up, so the machine's noise falls on both sides alike. Cases: pp512,
# tg128, tg128@d1024 (after 1,024 tokens in the cache) and peak_rss. Prints every JSON line, then
# per case and thread count the median ratio Loupe / llama.cpp and its range over the rounds,
# and each side's long-context slowdown (tg128@d1024 over tg128, tokens/s).
#
#   scripts/bench/llm_vs_llamacpp.sh [ROUNDS] [THREADS...]      (default 3 rounds, 1 and 2 threads)
# llama.cpp: llama-cpp-python built from source in $LLAMACPP_PYTHON's venv
# (default ~/.cache/loupe/llamacpp-venv/bin/python; see scripts/bench/llamacpp_bench.py).
set -euo pipefail
rounds="${1:-3}"
shift || true
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
LOUPE="${LOUPE:-.build/release/loupe}"
python="${LLAMACPP_PYTHON:-$HOME/.cache/loupe/llamacpp-venv/bin/python}"
"$python" -c "import llama_cpp" 2>/dev/null || { echo "llama-cpp-python is not installed for $python (see scripts/bench/llamacpp_bench.py)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq "$rounds"); do
    for t in "${threads[@]}"; do
        "$python" scripts/bench/llamacpp_bench.py --threads "$t" --rounds 1 | sed "s/}\$/, \"round\": $round}/" | tee -a "$out"
        "$LOUPE" bench llm --threads "$t" --rounds 1 --no-peer --no-record | sed "s/}\$/, \"round\": $round}/" | tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows:
    value = r.get("tokens_per_s", r.get("mib"))
    by.setdefault((r["case"], r["threads"]), {}).setdefault(r["round"], {})[r["peer"]] = value
def summary(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}
for (case, threads), rounds in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    pairs = [v for v in rounds.values() if "loupe" in v and "llama.cpp" in v]
    ratios = [v["loupe"] / v["llama.cpp"] for v in pairs]
    print(json.dumps({"case": case, "threads": threads, "rounds": len(ratios),
                      "ratio_loupe_over_llama_cpp": summary(ratios),
                      "loupe": [v["loupe"] for v in pairs], "llama.cpp": [v["llama.cpp"] for v in pairs]}))
# Long context: each side's tokens/s at depth 1024 over its own tg128, per round.
for threads in sorted({t for (_, t) in by}):
    shallow, deep = by.get(("tg128", threads), {}), by.get(("tg128@d1024", threads), {})
    for peer in ("loupe", "llama.cpp"):
        kept = [deep[r][peer] / shallow[r][peer] for r in deep if r in shallow and peer in deep[r] and peer in shallow[r]]
        if kept:
            print(json.dumps({"case": "tg128@d1024 / tg128", "threads": threads, "peer": peer, "speed_kept": summary(kept)}))
PY
