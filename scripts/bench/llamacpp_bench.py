#!/usr/bin/env python3
"""llama.cpp peer for `loupe bench llm`: pp512, tg128 and peak RSS, measured the way llama-bench does.

Loads the same GGUF (SmolLM2-135M-Instruct Q4_1 by default) through llama-cpp-python's bindings and
prints JSON lines in the same format as `loupe bench llm`, so the two can be compared in one run:

    {"peer": "llama.cpp", "case": "pp512", "threads": 1, "tokens_per_s": 148.0, "median_tokens_per_s": 147.5, "rounds": 5}
    {"peer": "llama.cpp", "case": "tg128", "threads": 2, "tokens_per_s": 110.2, "median_tokens_per_s": 110.0, "rounds": 5}
    {"peer": "llama.cpp", "case": "peak_rss", "threads": 1, "mib": 126.0}

What is measured, for each thread count (n_threads = n_threads_batch = 1, then 2):
  pp512     a 512-token prompt (seeded random ids, BOS first when the model adds one) decoded in ONE
            llama_decode (n_batch = n_ubatch = 512) from an empty KV cache; logits only for the last
            token (llama_batch_get_one). tokens/s = 512 / seconds.
  tg128     128 tokens, one llama_decode of a single token each, from an empty KV cache; the tokens
            fed are fixed seeded random ids (no sampling), as llama-bench does. tokens/s = 128 / s.
  Each is run once as a warm-up, then --rounds times (default 5); the KV cache is cleared before
  every round (not timed). Reported: mean and median tokens/s over the rounds.
  peak_rss  in a fresh subprocess per thread count: load the model, create the context, generate 128
            tokens as in tg128; ru_maxrss of that process, in MiB. It includes the mmapped model pages
            that were touched and about 45 MiB of Python interpreter + llama_cpp import (--info prints
            that baseline). These children run before this process loads the model, because Linux
            carries a parent's RSS high-water mark into the child's ru_maxrss across fork/exec.

Run it on an otherwise idle machine: with 2 threads on 2 cores, any other busy process makes the
OpenMP threads wait on each other and tg128 can drop 10-30x (--info is no guard against that).

Settings are llama.cpp's defaults (llama_context_default_params) except n_ctx = 2048 (enough for
the 1024-token depth + 128), n_batch = n_ubatch = 512 and the thread counts: flash attention "auto" (resolves to on
for the CPU backend), f16 K/V cache, mmap on. The model and context are created with the low-level
API rather than the high-level `llama_cpp.Llama`, because `Llama` forces flash attention off unless
told on, and allocates its own logits buffers; llama-bench does neither.

Install the peer (builds llama.cpp from source, needs cmake and a C++ compiler: `apt-get install
cmake build-essential`; about 15 minutes on 1 core of the 2-core dev machine):

    python3 -m venv ~/.cache/loupe/llamacpp-venv
    CMAKE_BUILD_PARALLEL_LEVEL=1 CMAKE_ARGS="-DGGML_NATIVE=ON" \\
        ~/.cache/loupe/llamacpp-venv/bin/pip install llama-cpp-python==0.3.36

0.3.36 vendors llama.cpp commit 0c1e570, the commit that produced the SmolLM2 test fixtures.

Run:

    ~/.cache/loupe/llamacpp-venv/bin/python scripts/bench/llamacpp_bench.py [--quick] [--rounds N]
        [--threads 1,2] [--model PATH] [--flash-attn auto|on|off] [--info]

Only JSON goes to stdout; llama.cpp's own logging is silenced (errors still go to stderr).
"""
import argparse
import ctypes
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

import llama_cpp

DEFAULT_MODEL = os.path.expanduser("~/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf")
# N_DEPTH: the "tg128 @ d1024" case (llama-bench -d 1024) fills the cache with that many tokens first.
N_PROMPT, N_GEN, N_DEPTH, N_CTX, N_BATCH = 512, 128, 1024, 2048, 512
# peak_rss: a 1024-token context, as Loupe's probe uses (llama.cpp allocates its whole KV cache).
N_CTX_RSS = 1024
FLASH_ATTN = {
    "auto": llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO,
    "on": llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED,
    "off": llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED,
}


@llama_cpp.llama_log_callback
def _quiet_log(level, text, user_data):
    if level == 3:  # GGML_LOG_LEVEL_ERROR
        sys.stderr.write(text.decode("utf-8", "replace"))


def init_backend():
    llama_cpp.llama_log_set(_quiet_log, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()


def load_model(path):
    if not os.path.exists(path):
        sys.exit(f"model not found: {path} (fetch it with scripts/fetch-model.sh)")
    params = llama_cpp.llama_model_default_params()
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    if not model:
        sys.exit(f"llama.cpp could not load {path}")
    return model


def new_context(model, threads, flash_attn, n_ctx=N_CTX):
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = N_BATCH
    params.n_ubatch = N_BATCH
    params.n_threads = threads
    params.n_threads_batch = threads
    params.flash_attn_type = FLASH_ATTN[flash_attn]
    ctx = llama_cpp.llama_init_from_model(model, params)
    if not ctx:
        sys.exit("llama.cpp could not create a context")
    return ctx


class Bench:
    """One context plus the fixed token ids fed to it (seeded, like llama-bench's std::rand ids)."""

    def __init__(self, model, threads, flash_attn, seed=1234, n_ctx=N_CTX):
        self.ctx = new_context(model, threads, flash_attn, n_ctx)
        vocab = llama_cpp.llama_model_get_vocab(model)
        n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
        rng = random.Random(seed)
        bos = llama_cpp.llama_vocab_bos(vocab) if llama_cpp.llama_vocab_get_add_bos(vocab) else None
        prompt = [rng.randrange(n_vocab) for _ in range(N_PROMPT)]
        gen = [rng.randrange(n_vocab) for _ in range(N_GEN)]
        if bos is not None:
            prompt[0] = gen[0] = bos
        self.prompt = (llama_cpp.llama_token * N_PROMPT)(*prompt)
        # One 1-element array per step, built up front so the timed loop only decodes.
        self.gen = [(llama_cpp.llama_token * 1)(t) for t in gen]
        depth = [rng.randrange(n_vocab) for _ in range(N_DEPTH)]
        self.depth = [(llama_cpp.llama_token * N_BATCH)(*depth[i:i + N_BATCH]) for i in range(0, N_DEPTH, N_BATCH)]

    def clear(self):
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.ctx), False)

    def decode(self, tokens, n):
        # llama_batch_get_one: positions continue from the cache, logits for the last token only.
        rc = llama_cpp.llama_decode(self.ctx, llama_cpp.llama_batch_get_one(tokens, n))
        if rc != 0:
            sys.exit(f"llama_decode failed: {rc}")

    def pp(self):
        self.clear()
        t0 = time.perf_counter()
        self.decode(self.prompt, N_PROMPT)
        llama_cpp.llama_synchronize(self.ctx)
        return N_PROMPT / (time.perf_counter() - t0)

    def generate(self):
        """Tokens/s of N_GEN single-token decodes from whatever the cache holds."""
        ctx, decode, sync = self.ctx, self.decode, llama_cpp.llama_synchronize
        t0 = time.perf_counter()
        for tok in self.gen:
            decode(tok, 1)
            sync(ctx)
        return N_GEN / (time.perf_counter() - t0)

    def tg(self):
        self.clear()
        return self.generate()

    def tg_deep(self):
        """tg128 after N_DEPTH tokens already in the cache (filled untimed, in batches)."""
        self.clear()
        for chunk in self.depth:
            self.decode(chunk, N_BATCH)
        llama_cpp.llama_synchronize(self.ctx)
        return self.generate()

    def free(self):
        llama_cpp.llama_free(self.ctx)


def emit(obj):
    print(json.dumps(obj), flush=True)


def vm_hwm_kib():
    """This process's own peak RSS (VmHWM, KiB), which, unlike ru_maxrss, starts afresh at exec."""
    with open("/proc/self/status") as f:
        return int(next(line.split()[1] for line in f if line.startswith("VmHWM:")))


def rss_child(args):
    """Runs in a fresh process: load, generate 128 tokens, report ru_maxrss (KiB on Linux)."""
    init_backend()
    baseline_kib = vm_hwm_kib()
    model = load_model(args.model)
    bench = Bench(model, args.threads[0], args.flash_attn, n_ctx=N_CTX_RSS)
    bench.tg()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kib": peak_kib, "hwm_kib": vm_hwm_kib(), "baseline_kib": baseline_kib}), flush=True)


def peak_rss(args, threads):
    # Linux carries the parent's RSS high-water mark into a child's ru_maxrss across fork/exec, so
    # this must run while the parent is still small: before it loads the model (see main).
    cmd = [sys.executable, os.path.abspath(__file__), "--rss-child", "--model", args.model,
           "--threads", str(threads), "--flash-attn", args.flash_attn]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    if args.info:
        print(f"# peak_rss threads={threads}: ru_maxrss {res['peak_kib'] / 1024:.1f} MiB, VmHWM "
              f"{res['hwm_kib'] / 1024:.1f} MiB, of which {res['baseline_kib'] / 1024:.1f} MiB is the "
              f"interpreter + llama_cpp before loading", file=sys.stderr)
    return res["peak_kib"] / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL, help="GGUF file (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds per case, after one warm-up")
    ap.add_argument("--quick", action="store_true", help="one timed round per case")
    ap.add_argument("--threads", default="1,2", type=lambda s: [int(x) for x in s.split(",")],
                    help="comma-separated thread counts (default: 1,2)")
    ap.add_argument("--flash-attn", choices=sorted(FLASH_ATTN), default="auto",
                    help="llama.cpp flash attention (default: auto, llama.cpp's and llama-bench's default)")
    ap.add_argument("--info", action="store_true",
                    help="print the llama-cpp-python version, llama.cpp system info and RSS detail to stderr")
    ap.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        return rss_child(args)
    rounds = 1 if args.quick else args.rounds

    # Peak RSS first, in fresh processes, while this one has not loaded the model yet.
    rss = {threads: peak_rss(args, threads) for threads in args.threads}
    init_backend()
    if args.info:
        print(f"# llama-cpp-python {llama_cpp.__version__}; "
              f"{llama_cpp.llama_print_system_info().decode().strip()}", file=sys.stderr)
    model = load_model(args.model)
    for threads in args.threads:
        bench = Bench(model, threads, args.flash_attn)
        for case, fn in (("pp512", bench.pp), ("tg128", bench.tg), (f"tg128@d{N_DEPTH}", bench.tg_deep)):
            fn()  # warm-up
            rates = [fn() for _ in range(rounds)]
            emit({"peer": "llama.cpp", "case": case, "threads": threads,
                  "tokens_per_s": round(statistics.mean(rates), 1),
                  "median_tokens_per_s": round(statistics.median(rates), 1), "rounds": rounds})
        bench.free()
    llama_cpp.llama_model_free(model)
    for threads in args.threads:
        emit({"peer": "llama.cpp", "case": "peak_rss", "threads": threads, "mib": round(rss[threads], 1)})


if __name__ == "__main__":
    main()
