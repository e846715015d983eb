#!/usr/bin/env bash
# llama.cpp peer for the `loupe serve` load test: llama-cpp-python's OpenAI-compatible server
# on 127.0.0.1, serving the same GGUF as Loupe, so scripts/bench/serve_load.py can drive both.
#
# Usage:
#     scripts/bench/llamacpp_server.sh PORT            # runs in the foreground (exec: $$ is the server)
#     scripts/bench/llamacpp_server.sh PORT & PID=$!   # background it; `kill $PID` stops the server
#
#     python3 scripts/bench/serve_load.py --url http://127.0.0.1:PORT --health-wait \
#         --clients 8 --seconds 60 --max-tokens 32 --pid $PID
#
# Environment (all optional):
#     MODEL       GGUF to serve       (default ~/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf)
#     VENV        llama-cpp-python venv (default ~/.cache/loupe/llamacpp-venv)
#     THREADS     n_threads = n_threads_batch (default 2)
#     N_CTX       context size in tokens (default 2048: the server's default; ample for the
#                 short prompts + 32 generated tokens of the load test)
#     VERBOSE     1 to let llama.cpp log the load and per-request timings to stderr (default 0)
#     API_KEY     if set, every request must carry `Authorization: Bearer $API_KEY`
#
# Settings passed, and why:
#   --n_threads/--n_threads_batch 2   both cores of the dev machine (the server's defaults are 1/2).
#   --n_ctx 2048                      one context (one KV cache) shared by all requests.
#   --logits_all False                the server defaults to True, which computes and copies logits
#                                     for every prompt token (only needed for `logprobs`); llama.cpp
#                                     itself, `Llama(...)` and llama-server default to off.
#   --use_mlock False                 the server defaults to mlock where supported; llama.cpp and
#                                     llama-server default to off (mmap only), as Loupe does.
#   --interrupt_requests False        see Concurrency below (the server's default is True).
#   chat format                       none given: llama-cpp-python reads `tokenizer.chat_template`
#                                     from the GGUF and, as it matches no built-in format, renders
#                                     that Jinja template itself ("chat_template.default"; VERBOSE=1
#                                     logs "Using gguf chat template: ..."). For SmolLM2 that is
#                                     ChatML (<|im_start|>user ... <|im_end|>, stop at <|im_end|>),
#                                     with a default system message ("You are a helpful AI
#                                     assistant named SmolLM, ...") added when none is sent.
#
# Concurrency: llama-cpp-python's server runs ONE request at a time. Every completion takes a
# process-wide lock (app.py get_llama_proxy: llama_outer_lock/llama_inner_lock) for its whole
# duration, streaming included; concurrent clients queue on it (FIFO-ish, in the asyncio loop).
# There is no parallel/slots/continuous-batching option (unlike llama.cpp's own llama-server
# --parallel N). The only related switch, --interrupt_requests, is ON by default: a request that
# arrives while another is streaming CANCELS that stream (it gets a premature `data: [DONE]` after
# the chunks so far, then the server drops the response without the final chunked-encoding
# terminator: "ASGI callable returned without completing response"). Under concurrent load that
# turns most requests into truncated ones, so this script passes --interrupt_requests False and
# requests queue on the lock instead.
#
# Other differences a client sees (llama-cpp-python 0.3.36):
#   - no GET /health and no GET /metrics (404); serve_load.py --health-wait falls back to
#     GET /v1/models. Ready about 1-2 s after start; SIGTERM shuts down gracefully in ~1-2 s.
#   - streams never carry `usage`: `stream_options` is silently ignored (unknown fields are
#     dropped), so tokens are counted as content chunks (one per token, except that bytes of an
#     incomplete UTF-8 character are held back and merged into the next chunk).
#   - SSE frames are `data: {json}\n\n`, the first chunk is `{"delta": {"role": "assistant"}}`,
#     the last has `"delta": {}` and the finish_reason, then `data: [DONE]`; a request waiting on
#     the lock gets its 200 headers at once and `: ping - <date>` comments every 15 s.
#   - one KV cache: each request reuses the longest prompt prefix of the previous one (the system
#     message), so temperature-0 output can differ slightly with the previous request.
#
# Install the server's extra dependencies into the existing venv (llama-cpp-python itself is
# built from source, see llamacpp_bench.py; do not reinstall it):
#     ~/.cache/loupe/llamacpp-venv/bin/pip install uvicorn==0.54.0 fastapi==0.165.0 \
#         pydantic-settings==2.16.3 sse-starlette==3.7.0 starlette-context==0.3.6 PyYAML==6.0.4
set -euo pipefail

if [[ $# -ne 1 || ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 PORT   (env: MODEL VENV THREADS N_CTX VERBOSE API_KEY)" >&2
    exit 2
fi
PORT=$1
MODEL=${MODEL:-$HOME/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf}
VENV=${VENV:-$HOME/.cache/loupe/llamacpp-venv}
THREADS=${THREADS:-2}
N_CTX=${N_CTX:-2048}
if [[ ${VERBOSE:-0} == 1 ]]; then VERBOSE=True; else VERBOSE=False; fi

if [[ ! -f $MODEL ]]; then echo "$0: no model at $MODEL (scripts/fetch-model.sh)" >&2; exit 1; fi
if [[ ! -x $VENV/bin/python ]]; then echo "$0: no venv at $VENV" >&2; exit 1; fi

args=(
    --model "$MODEL"
    --host 127.0.0.1 --port "$PORT"
    --n_threads "$THREADS" --n_threads_batch "$THREADS"
    --n_ctx "$N_CTX"
    --logits_all False
    --use_mlock False
    --interrupt_requests False
    --verbose "$VERBOSE"
)
if [[ -n ${API_KEY:-} ]]; then args+=(--api_key "$API_KEY"); fi

echo "llamacpp_server.sh: pid $$ serving $MODEL on http://127.0.0.1:$PORT (threads $THREADS, n_ctx $N_CTX)" >&2
# exec: the server process keeps this shell's pid, so `$!` of the caller is the server's pid
# (the one to kill, and the one whose /proc/PID/status serve_load.py --pid samples).
exec "$VENV/bin/python" -m llama_cpp.server "${args[@]}"
