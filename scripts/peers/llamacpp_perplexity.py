#!/usr/bin/env python3
"""llama.cpp peer for perplexity and KL divergence: mirrors `llama-perplexity` (default method) exactly.

Computes the perplexity of a text file the way llama.cpp's `tools/perplexity/perplexity.cpp`
`perplexity()` does (its default method: not --ppl-stride / perplexity_v2, not hellaswag, winogrande
or multiple-choice), through llama-cpp-python's low-level ctypes API, so Loupe's own implementation
can be compared with it figure for figure. Prints ONE JSON object on stdout:

    {"peer": "llama.cpp", "method": "chunks", "n_ctx": 512, "chunks": 4, "tokens": 293734,
     "scored_tokens": 1020, "perplexity": 37.2067, "perplexity_uncertainty": 2.96, "nll_mean": 3.616,
     "chunk_perplexities": [..running PPL after each chunk..], ...}

and, with --base-model, a "kld" object holding what `llama-perplexity --kl-divergence` prints.

Method (perplexity.cpp at llama.cpp commit 0c1e570, the one llama-cpp-python 0.3.36 vendors):
  text      the file's bytes, with ONE trailing "\\n" removed if there is one (common/arg.cpp `-f`
            does that; no escape processing: perplexity sets params.escape = false).
  tokens    common_tokenize(ctx, text, add_special=true, parse_special=false): llama_tokenize over
            the whole text at once; a BOS is prepended iff llama_vocab_get_add_bos(vocab) (an EOS
            model, llama_vocab_get_add_eos, is refused as perplexity.cpp asserts). Fewer than 2*n_ctx
            tokens is an error.
  chunks    n_chunk = min(--chunks, n_tokens // n_ctx); chunk c is tokens[c*n_ctx : (c+1)*n_ctx]; the
            tail that does not fill a chunk is never evaluated. Each chunk is decoded from an EMPTY KV
            cache (llama_memory_clear) at positions 0..n_ctx-1. When add_bos, the chunk's FIRST input
            token is replaced by BOS for the decode (the scored targets are unaffected).
  scoring   first = n_ctx // 2. Logits are requested only for positions >= first; the logits at
            positions first .. n_ctx-2 predict tokens first+1 .. n_ctx-1, so each chunk scores
            n_ctx - 1 - first tokens (255 for n_ctx 512, 63 for 128; the last position's logits are
            computed but unused). Per scored position, with float32 logits l and target t:
                m   = max_i l_i                                   (float)
                S   = sum_i (double) expf(l_i - m)                (double, sequential)
                v   = -( (double)(float)(l_t - m) - log(S) )      (double)
            nll += v; nll2 += v*v (double).
  result    running PPL after chunk c = exp(nll / count) (the "[c]x.xxxx," line; chunk_perplexities).
            Final: mean = nll/count; var = nll2/count - mean^2; PPL = exp(mean);
            PPL uncertainty = PPL * sqrt(var / (count - 1))  ("Final estimate: PPL = x +/- y").
  batches   llama-perplexity sets n_seq = max(1, n_batch // n_ctx) sequences (chunks) per decode, a
            context of n_seq*n_ctx cells with n_seq_max = n_seq (non-unified KV), n_batch =
            min(n_batch, n_seq*n_ctx); n_batch must be < n_ctx or a multiple of it. With n_batch <
            n_ctx a chunk is decoded in ceil(n_ctx/n_batch) llama_decode calls whose outputs are
            concatenated. All of that is mirrored here. NOTE: llama-perplexity's own default is
            -b 2048 (so 4 chunks per decode at -c 512); this script defaults to --batch = --ctx (one
            chunk per decode). Pass --batch 2048 to run exactly what a bare `llama-perplexity -c N`
            runs; on the CPU backend the figures came out bit-identical either way (checked at
            -c 128 with -b 32..512 and at -c 512 with -b 256, 512, 2048).
  context   llama_context_default_params() plus what common_context_params_to_llama sets from
            common defaults: n_ctx, n_seq_max, n_batch, n_ubatch (512), threads, swa_full = false,
            flash attention "auto" (on for the CPU backend), f16 K/V. llama.cpp pads the KV size to
            a multiple of 256 internally (irrelevant to the figures). A warm-up decode of [BOS, EOS]
            followed by a memory clear is run, as common_init_from_params does.

  llama.cpp's own numerics depend on the kernels the settings select, far beyond last bits: on this
  CPU build (AVX512, Q4_1 SmolLM2-135M, -c 128, 4 chunks) flash attention with ubatches of >= 64
  tokens gives PPL 15.5780, with ubatches < 64 tokens (e.g. -b 32) 15.7109, flash attention off
  15.6476 (f16 K/V) / 15.6384 (f32 K/V; with flash attention on, f32 K/V changes nothing). A Loupe
  implementation computing in float32 should expect agreement to ~1% in PPL, not to the last digit,
  unless it reproduces llama.cpp's kernels (q8 activations, f16 K/V, flash-attention tiling).
  --flash-attn and --kv-type are there to explore that; their defaults are llama-perplexity's.

  Differences between this script and the C++ tool, all at the last-bit level: expf is evaluated
  as the float64 exp rounded to float32 (correctly rounded; glibc's expf is within 0.502 ulp, so a
  rare 1-ulp difference in a term; other libms differ likewise), and
  the double sums run in order on one thread (perplexity.cpp adds each worker thread's partial sums
  in a scheduling-dependent order). Checked against perplexity.cpp's own log_softmax functions
  compiled with g++ (x86-64 defaults, no FMA) on real SmolLM2 logits: per-token NLL within 6e-10,
  per-token KLD within 3e-10, the uint16 codes, scales, NLL/base-NLL/dp sums bit-identical.

KL divergence (--base-model BASE; --model is the model under test, "Q"). llama.cpp does this in two
runs: `llama-perplexity -m BASE -f text --kl-divergence-base F` stores, per scored position, the
base model's log-probabilities quantized to uint16, then `llama-perplexity -m Q --kl-divergence-base
F --kl-divergence` evaluates Q on the SAME tokens (the base run's tokenization) and compares. This
script keeps both models loaded and does it chunk by chunk; tokens come from BASE's tokenizer (as in
llama.cpp; the JSON says if Q's would differ). The quantization of one row of base logits l
(perplexity.cpp log_softmax(..., uint16_t*)):
    M = max l; mn = max(min l, M - 16); S = sum (double) expf(l_i - M); lse = (float) log(S)
    min_log_prob = (mn - M) - lse; scale = (M - mn) / 65535          (float)
    q_i = l_i > mn ? round_half_even((1/scale) * (l_i - mn)) : 0     (uint16; all 0 if scale == 0)
    base log-prob  lb_i = scale * q_i + min_log_prob                 (float, no FMA)
so log-probs more than 16 below the top one are floored, and the rest carry an error <= scale/2
<= 16/131070 = 1.2e-4 nats. Per scored position, with Q's float logits l, target t (all float
arithmetic unless marked double):
    m, imax = max l, first argmax;  S = sum (double) expf(l_i - m);  lse = (float) log(S)
    nll      = (m + lse) - l_t                  nll_base = -(lb_t)
    KLD      = sum over i with lb_i > -16 of (double)( expf(lb_i) * ((lb_i - l_i) + (m + lse)) )
             = KL(P_base || Q) = sum P_base * (log P_base - log Q)      (P = base, Q = model)
    same_top = imax == first argmax of lb
    dp       = expf(-nll) - expf(-nll_base)     (p_Q(t) - p_base(t), float)
  sums (double): nll, nll*nll (float product), nll_base, nll_base^2 (float product), nll*nll_base
  (float product), KLD, KLD^2, dp, dp^2 (float product widened), dp^4 (double), count.
  mean_and_uncertainty(s, s2, n): f = s/n; d = s2/n - f^2; u = (d > 0 and n > 10) ? sqrt(d/(n-1)) : 0
  covariance(a, b, ab, n) = n < 10 ? 0 : (ab/n - (a/n)*(b/n)) / (n - 1)
  Mean PPL(Q) = exp(f_nll) +/- exp(f_nll)*u_nll;  PPL(base) likewise from nll_base
  Cor = cov / (u_nll*u_base);  ln(PPL(Q)/PPL(base)) = f_nll - f_base +/- sqrt(u_nll^2 + u_base^2 - 2 cov)
  PPL ratio = exp(ln ratio) +/- ratio * u_ln;  PPL(Q)-PPL(base) +/- sqrt(ppl_unc^2 + base_unc^2
        - 2*PPL*PPL_base*cov)   (a negative radicand gives NaN in llama.cpp; null here)
  Mean KLD +/- from (KLD, KLD^2); RMS dp = sqrt(f) +/- 0.5/sqrt(f) * u from (dp^2, dp^4);
  Mean dp +/- from (dp, dp^2); same top = n_same/n +/- sqrt(p(1-p)/(n-1)).
  Percentiles (KLD values stored as float, sorted ascending; also for dp): fraction f as float,
  p = f*(n-1) (float), i = floor(p), p -= i, value = (1-p)*v[i] + p*v[min(i+1, n-1)] (float);
  f <= 0 -> min, f >= 1 -> max. The median is NOT that: n even -> 0.5f*(v[n/2] + v[n/2-1]), odd ->
  v[n/2]. KLD: max, 99.9, 99, 95, 90, median, 10, 5, 1, 0.1, min. dp: max, 99.9, 99, 95, 90, 75,
  median, 25, 10, 5, 1, 0.1, min. llama.cpp prints dp figures and same-top as percentages; this JSON
  keeps fractions. llama.cpp prints no final statistics when count < 100 (the JSON still has them
  and says "enough_for_llamacpp_stats": false).
  --kld-base float64 replaces the uint16 base by the exact float64 log-softmax of the base logits,
  and all the per-token arithmetic by float64 (KL over the whole vocabulary, no -16 cut-off); it
  shows how much llama.cpp's storage format moves the figures. Measured with the same model as Q and
  base (-c 128, 4 chunks, 252 tokens): float64 gives exactly KLD 0, dp 0, same top 100%; the uint16
  storage gives mean KLD 1.3e-6 +/- 0.7e-6 (per-token values from -4.0e-5 to +4.2e-5: llama.cpp's
  KLD can be negative), ln(PPL(Q)/PPL(base)) 1.7e-7, PPL(base) 2.6e-6 below PPL(Q), RMS dp 3.1e-6,
  |dp| <= 1.8e-5, same top 100%. So the format adds a noise floor of ~1e-6 to the mean KLD and
  ~1e-5 to dp figures; for a real quantized-vs-base comparison (KLD typically 1e-3 and up) it is
  negligible, but a Loupe KLD of two identical models should read 0 where llama.cpp reads ~1e-6.
  Note that Q's PPL inside "kld" (ppl_q, from float nll) differs from the top-level "perplexity"
  (double nll, perplexity()) in the 8th digit, as llama.cpp's two runs do.

Install the peer (builds llama.cpp from source, needs cmake and a C++ compiler: `apt-get install
cmake build-essential`; about 15-20 minutes on 1 core of the 2-core dev machine):

    python3 -m venv ~/.cache/loupe/llamacpp-venv
    CMAKE_BUILD_PARALLEL_LEVEL=1 CMAKE_ARGS="-DGGML_NATIVE=ON" \\
        ~/.cache/loupe/llamacpp-venv/bin/pip install llama-cpp-python==0.3.36

(pip brings numpy along, which this script needs.) Run:

    ~/.cache/loupe/llamacpp-venv/bin/python scripts/peers/llamacpp_perplexity.py [--ctx 512]
        [--chunks N] [--threads 2] [--batch N] [--ubatch 512] [--model PATH] [--file PATH]
        [--flash-attn auto|on|off] [--kv-type f16|f32] [--base-model PATH [--kld-base uint16|float64]]

Timing (2-core dev machine, a Swift build running alongside): -c 128 --chunks 4 takes 3-12 s; -c 512
takes 4-6 s per chunk (--chunks 20: 85 s, --chunks 28: 156 s; --threads 1 was faster than 2 while
the other build ran), so the whole Shakespeare text (293734 tokens, 573 chunks of 512) takes about
40 minutes. Almost all of it is llama_decode; llama.cpp's OpenMP threads degrade badly when a core
is busy with something else.

Only JSON goes to stdout; llama.cpp's own logging is silenced (errors still go to stderr).
"""
import argparse
import ctypes
import json
import math
import os
import sys
import time

import numpy as np

import llama_cpp

DEFAULT_MODEL = os.path.expanduser("~/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "Sources", "LoupeData", "Builtin", "shakespeare.txt")
FLASH_ATTN = {
    "auto": llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO,
    "on": llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED,
    "off": llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED,
}
KV_TYPE = {"f16": llama_cpp.GGML_TYPE_F16, "f32": llama_cpp.GGML_TYPE_F32}
ROW_BLOCK = 32  # logits rows per numpy block (bounds the float64 temporaries to ~12 MiB each)


@llama_cpp.llama_log_callback
def _quiet_log(level, text, user_data):
    if level == 4:  # GGML_LOG_LEVEL_ERROR (ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4)
        sys.stderr.write(text.decode("utf-8", "replace"))


def fail(msg):
    sys.stderr.write(f"llamacpp_perplexity: {msg}\n")
    sys.exit(1)


def load_model(path):
    if not os.path.exists(path):
        fail(f"model not found: {path} (fetch it with scripts/fetch-model.sh)")
    params = llama_cpp.llama_model_default_params()
    model = llama_cpp.llama_model_load_from_file(path.encode(), params)
    if not model:
        fail(f"llama.cpp could not load {path}")
    return model


def read_text(path):
    # common/arg.cpp `-f`: the raw bytes, minus ONE trailing newline.
    with open(path, "rb") as f:
        data = f.read()
    if data.endswith(b"\n"):
        data = data[:-1]
    return data


def tokenize(vocab, data):
    # common_tokenize(ctx, text, add_special = true, parse_special = false)
    n_max = len(data) + 2
    buf = (llama_cpp.llama_token * n_max)()
    n = llama_cpp.llama_tokenize(vocab, data, len(data), buf, n_max, True, False)
    if n < 0:
        n_max = -n
        buf = (llama_cpp.llama_token * n_max)()
        n = llama_cpp.llama_tokenize(vocab, data, len(data), buf, n_max, True, False)
    if n < 0:
        fail("tokenization failed")
    return np.frombuffer(buf, dtype=np.int32, count=n).copy()


class Evaluator:
    """One model + context set up as llama-perplexity sets them; decodes chunks, returns logits rows."""

    def __init__(self, model, n_ctx, n_seq, n_batch, n_ubatch, threads, flash_attn, kv_type):
        self.model = model
        self.vocab = llama_cpp.llama_model_get_vocab(model)
        if llama_cpp.llama_vocab_get_add_eos(self.vocab):
            fail("the model adds EOS; perplexity.cpp refuses such models (GGML_ASSERT)")
        self.add_bos = bool(llama_cpp.llama_vocab_get_add_bos(self.vocab))
        self.bos = llama_cpp.llama_vocab_bos(self.vocab)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self.n_ctx, self.n_seq, self.n_batch = n_ctx, n_seq, n_batch
        self.first = n_ctx // 2
        self.num_batches = (n_ctx + n_batch - 1) // n_batch

        # common_context_params_to_llama(params) with common_params defaults.
        p = llama_cpp.llama_context_default_params()
        p.n_ctx = n_seq * n_ctx
        p.n_seq_max = n_seq
        p.n_batch = n_batch
        p.n_ubatch = n_ubatch
        p.n_threads = threads
        p.n_threads_batch = threads
        p.n_outputs_max = 0
        p.n_outputs_max_per_seq = 1
        p.flash_attn_type = FLASH_ATTN[flash_attn]
        p.swa_full = False
        p.type_k = p.type_v = KV_TYPE[kv_type]
        p.kv_unified = False
        p.no_perf = False
        self.ctx = llama_cpp.llama_init_from_model(model, p)
        if not self.ctx:
            fail("llama.cpp could not create a context")
        self.batch = llama_cpp.llama_batch_init(max(n_batch, 2), 0, 1)
        self._warmup()

    def _clear(self):
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.ctx), True)

    def _decode(self, entries):
        """entries: list of (token, pos, seq, output)."""
        b = self.batch
        for k, (tok, pos, seq, out) in enumerate(entries):
            b.token[k] = int(tok)
            b.pos[k] = pos
            b.n_seq_id[k] = 1
            b.seq_id[k][0] = seq
            b.logits[k] = 1 if out else 0
        b.n_tokens = len(entries)
        rc = llama_cpp.llama_decode(self.ctx, b)
        if rc != 0:
            fail(f"llama_decode failed: {rc}")

    def _warmup(self):
        # common_init_from_params: decode [BOS, EOS] once (last token outputs), then clear.
        toks = [t for t in (self.bos, llama_cpp.llama_vocab_eos(self.vocab)) if t != llama_cpp.LLAMA_TOKEN_NULL]
        toks = (toks or [0])[: self.n_batch]
        self._decode([(t, i, 0, i == len(toks) - 1) for i, t in enumerate(toks)])
        self._clear()
        llama_cpp.llama_synchronize(self.ctx)

    def _rows(self, ptr, n_rows):
        addr = ctypes.cast(ptr, ctypes.c_void_p).value
        arr = np.ctypeslib.as_array((ctypes.c_float * (n_rows * self.n_vocab)).from_address(addr))
        return arr.reshape(n_rows, self.n_vocab).copy()

    def eval_chunks(self, tokens, i, n_seq_batch):
        """Decode chunks i .. i+n_seq_batch-1 (one group, as perplexity() does); returns for each
        chunk its float32 logits rows for positions first .. n_ctx-2 (n_ctx-1-first rows)."""
        n_ctx, n_batch, first = self.n_ctx, self.n_batch, self.first
        start, end = i * n_ctx, (i + 1) * n_ctx
        n_rows = n_ctx - 1 - first
        self._clear()
        collected = []
        for j in range(self.num_batches):
            batch_start = start + j * n_batch
            batch_size = min(end - batch_start, n_batch)
            entries, n_outputs = [], 0
            for seq in range(n_seq_batch):
                seq_start = batch_start + seq * n_ctx
                for k in range(batch_size):
                    pos = j * n_batch + k
                    tok = tokens[seq_start + k]
                    if k == 0 and j == 0 and self.add_bos:
                        tok = self.bos
                    need = pos >= first
                    entries.append((tok, pos, seq, need))
                    n_outputs += need
            self._decode(entries)
            if self.num_batches > 1 and n_outputs > 0:
                collected.append(self._rows(llama_cpp.llama_get_logits(self.ctx), n_outputs))
        if self.num_batches > 1:
            return [np.concatenate(collected)[:n_rows]]
        out = []
        for seq in range(n_seq_batch):
            idx = seq * n_ctx + first
            ptr = llama_cpp.llama_get_logits_ith(self.ctx, idx)
            # perplexity.cpp reads n_rows rows contiguously from this pointer; check that holds.
            base = ctypes.cast(ptr, ctypes.c_void_p).value
            last = ctypes.cast(llama_cpp.llama_get_logits_ith(self.ctx, idx + n_rows - 1), ctypes.c_void_p).value
            if last != base + (n_rows - 1) * self.n_vocab * 4:
                sys.stderr.write("llamacpp_perplexity: warning: output rows are not contiguous; "
                                 "perplexity.cpp would read them as if they were\n")
            out.append(self._rows(ptr, n_rows))
        return out

    def free(self):
        llama_cpp.llama_batch_free(self.batch)
        llama_cpp.llama_free(self.ctx)


# ---------------------------------------------------------------------------------------------
# Per-row arithmetic, vectorised over rows, with perplexity.cpp's float/double types.

def expf(x):
    """float32 exp, correctly rounded (float64 exp rounded to float32), like glibc expf."""
    return np.exp(x.astype(np.float64)).astype(np.float32)


def seq_sum(x):
    """Sequential (left-to-right) double sum along axis 1, as a C `double += ...` loop."""
    return np.cumsum(x.astype(np.float64), axis=1)[:, -1]


def blocks(n):
    for a in range(0, n, ROW_BLOCK):
        yield a, min(n, a + ROW_BLOCK)


def ppl_values(logits, targets):
    """-log_softmax(l)[t] per row, as results_log_softmax log_softmax(n_vocab, logits, tok)."""
    out = np.empty(len(targets), dtype=np.float64)
    for a, b in blocks(len(targets)):
        L = logits[a:b]
        m = L.max(axis=1)
        S = seq_sum(expf(L - m[:, None]))
        lt = (L[np.arange(b - a), targets[a:b]] - m).astype(np.float64)  # float subtraction
        out[a:b] = -(lt - np.log(S))
    return out


def quantize_base(logits):
    """perplexity.cpp log_softmax(n_vocab, logits, uint16_t *log_prob, tok): per row (scale,
    min_log_prob) as float32 and the uint16 codes."""
    n = len(logits)
    scale = np.empty(n, np.float32)
    mlp = np.empty(n, np.float32)
    q = np.empty(logits.shape, np.uint16)
    f16 = np.float32(16)
    for a, b in blocks(n):
        L = logits[a:b]
        M = L.max(axis=1)
        mn = np.maximum(L.min(axis=1), M - f16)
        lse = np.log(seq_sum(expf(L - M[:, None]))).astype(np.float32)
        mlp[a:b] = (mn - M) - lse
        sc = (M - mn) / np.float32(65535)
        scale[a:b] = sc
        with np.errstate(divide="ignore"):
            inv = np.float32(1) / sc
        codes = np.rint(inv[:, None] * (L - mn[:, None]))  # nearest_int: round half to even
        codes = np.where((L > mn[:, None]) & (sc[:, None] != 0), codes, 0)
        q[a:b] = (codes.astype(np.int64) & 0xFFFF).astype(np.uint16)
    return scale, mlp, q


class KLD:
    """kl_divergence_result plus the stored per-token KLD and dp values."""

    def __init__(self):
        self.sum_nll = self.sum_nll2 = self.sum_nll_base = self.sum_nll_base2 = 0.0
        self.sum_nll_nll_base = self.sum_kld = self.sum_kld2 = 0.0
        self.sum_p_diff = self.sum_p_diff2 = self.sum_p_diff4 = 0.0
        self.max_p_diff = 0.0
        self.n_same_top = 0
        self.count = 0
        self.kld_values = []
        self.p_diff_values = []

    def add(self, nll, nll_base, kld, p_diff, same_top, f32):
        """Accumulate per-token values in order. f32: products formed in float32 as in the C++."""
        for t in range(len(nll)):
            x, y, k, d = nll[t], nll_base[t], float(kld[t]), p_diff[t]
            if f32:
                x2, y2, xy, d2 = float(x * x), float(y * y), float(x * y), float(d * d)
            else:
                x2, y2, xy, d2 = x * x, y * y, x * y, d * d
            self.sum_nll += float(x)
            self.sum_nll2 += x2
            self.sum_nll_base += float(y)
            self.sum_nll_base2 += y2
            self.sum_nll_nll_base += xy
            self.sum_kld += k
            self.sum_kld2 += k * k
            self.sum_p_diff += float(d)
            self.sum_p_diff2 += d2
            self.sum_p_diff4 += d2 * d2
            self.max_p_diff = max(self.max_p_diff, abs(float(d)))
            self.count += 1
        self.n_same_top += int(np.count_nonzero(same_top))
        self.kld_values.append(np.asarray(kld, dtype=np.float32))
        self.p_diff_values.append(np.asarray(p_diff, dtype=np.float32))


def kld_rows_uint16(logits, targets, base):
    """perplexity.cpp log_softmax(n_vocab, logits, base_log_prob, tok, kld) per row."""
    scale, mlp, q = base
    n = len(targets)
    nll = np.empty(n, np.float32)
    nll_base = np.empty(n, np.float32)
    kld = np.empty(n, np.float64)
    same = np.empty(n, bool)
    f16 = np.float32(-16)
    for a, b in blocks(n):
        L = logits[a:b]
        r = np.arange(b - a)
        t = targets[a:b]
        m = L.max(axis=1)
        imax = L.argmax(axis=1)
        lse = np.log(seq_sum(expf(L - m[:, None]))).astype(np.float32)
        nll[a:b] = (m + lse) - L[r, t]
        lb = scale[a:b, None] * q[a:b].astype(np.float32) + mlp[a:b, None]  # float, two roundings
        nll_base[a:b] = -lb[r, t]
        same[a:b] = imax == lb.argmax(axis=1)
        mq = m + lse
        term = expf(lb) * ((lb - L) + mq[:, None])
        kld[a:b] = seq_sum(np.where(lb > f16, term, np.float32(0)))
    p_diff = expf(-nll) - expf(-nll_base)
    return nll, nll_base, kld, p_diff, same


def log_softmax64(L):
    L = L.astype(np.float64)
    m = L.max(axis=1, keepdims=True)
    return L - (m + np.log(np.exp(L - m).sum(axis=1, keepdims=True)))


def kld_rows_float64(logits, targets, base_logits):
    n = len(targets)
    nll = np.empty(n)
    nll_base = np.empty(n)
    kld = np.empty(n)
    same = np.empty(n, bool)
    for a, b in blocks(n):
        r = np.arange(b - a)
        t = targets[a:b]
        lq = log_softmax64(logits[a:b])
        lb = log_softmax64(base_logits[a:b])
        nll[a:b] = -lq[r, t]
        nll_base[a:b] = -lb[r, t]
        kld[a:b] = (np.exp(lb) * (lb - lq)).sum(axis=1)
        same[a:b] = logits[a:b].argmax(axis=1) == base_logits[a:b].argmax(axis=1)
    p_diff = np.exp(-nll) - np.exp(-nll_base)
    return nll, nll_base, kld, p_diff, same


def mean_and_uncertainty(s, s2, n):
    if n < 1:
        return 0.0, 0.0
    f = s / n
    d = s2 / n - f * f
    return f, (math.sqrt(d / (n - 1)) if d > 0 and n > 10 else 0.0)


def covariance(a, b, ab, n):
    if n < 10:
        return 0.0
    return (ab / n - (a / n) * (b / n)) / (n - 1)


def sqrt_or_none(x):
    return math.sqrt(x) if x >= 0 else None


def percentile(v, fraction):
    """perplexity.cpp's percentile lambda, in float32, on sorted float32 values."""
    fraction = np.float32(fraction)
    if fraction <= 0:
        return float(v[0])
    if fraction >= 1:
        return float(v[-1])
    p = fraction * np.float32(len(v) - 1)
    ip = int(p)
    p = p - np.float32(ip)
    return float((np.float32(1) - p) * v[ip] + p * v[min(ip + 1, len(v) - 1)])


def median(v):
    n = len(v)
    return float(np.float32(0.5) * (v[n // 2] + v[n // 2 - 1])) if n % 2 == 0 else float(v[n // 2])


def running_kld(k):
    lp = mean_and_uncertainty(k.sum_nll, k.sum_nll2, k.count)
    lb = mean_and_uncertainty(k.sum_nll_base, k.sum_nll_base2, k.count)
    cov = covariance(k.sum_nll, k.sum_nll_base, k.sum_nll_nll_base, k.count)
    kl = mean_and_uncertainty(k.sum_kld, k.sum_kld2, k.count)
    mse = mean_and_uncertainty(k.sum_p_diff2, k.sum_p_diff4, k.count)
    rms = math.sqrt(mse[0])
    top = k.n_same_top / k.count
    return {"ppl": math.exp(lp[0]), "ppl_uncertainty": math.exp(lp[0]) * lp[1],
            "ln_ppl_ratio": lp[0] - lb[0],
            "ln_ppl_ratio_uncertainty": sqrt_or_none(lp[1] ** 2 + lb[1] ** 2 - 2 * cov),
            "kld_mean": kl[0], "kld_uncertainty": kl[1],
            "rms_dp": rms, "rms_dp_uncertainty": 0.5 / rms * mse[1] if rms > 0 else None,
            "same_top": top, "same_top_uncertainty": math.sqrt(top * (1 - top) / (k.count - 1))}


def final_kld(k, mode):
    kv = np.sort(np.concatenate(k.kld_values).astype(np.float32))
    pv = np.sort(np.concatenate(k.p_diff_values).astype(np.float32))
    lp = mean_and_uncertainty(k.sum_nll, k.sum_nll2, k.count)
    lb = mean_and_uncertainty(k.sum_nll_base, k.sum_nll_base2, k.count)
    ppl, ppl_unc = math.exp(lp[0]), math.exp(lp[0]) * lp[1]
    ppl_b, ppl_b_unc = math.exp(lb[0]), math.exp(lb[0]) * lb[1]
    cov = covariance(k.sum_nll, k.sum_nll_base, k.sum_nll_nll_base, k.count)
    ln_ratio = lp[0] - lb[0]
    ln_ratio_unc = sqrt_or_none(lp[1] ** 2 + lb[1] ** 2 - 2 * cov)
    ratio = math.exp(ln_ratio)
    kl = mean_and_uncertainty(k.sum_kld, k.sum_kld2, k.count)
    dp = mean_and_uncertainty(k.sum_p_diff, k.sum_p_diff2, k.count)
    mse = mean_and_uncertainty(k.sum_p_diff2, k.sum_p_diff4, k.count)
    rms = math.sqrt(mse[0])
    top = k.n_same_top / k.count
    pct = lambda v, fs: {f"p{round(f * 100, 1):g}": percentile(v, f) for f in fs}
    return {
        "base_log_probs": mode,
        "count": k.count,
        "enough_for_llamacpp_stats": k.count >= 100,
        "ppl_q": ppl, "ppl_q_uncertainty": ppl_unc,
        "ppl_base": ppl_b, "ppl_base_uncertainty": ppl_b_unc,
        "cor_ln_ppl": cov / (lp[1] * lb[1]) if lp[1] * lb[1] > 0 else None,
        "ln_ppl_ratio": ln_ratio, "ln_ppl_ratio_uncertainty": ln_ratio_unc,
        "ppl_ratio": ratio, "ppl_ratio_uncertainty": ratio * ln_ratio_unc if ln_ratio_unc is not None else None,
        "ppl_diff": ppl - ppl_b,
        "ppl_diff_uncertainty": sqrt_or_none(ppl_unc ** 2 + ppl_b_unc ** 2 - 2 * ppl * ppl_b * cov),
        "kld_mean": kl[0], "kld_uncertainty": kl[1],
        "kld_max": float(kv[-1]),
        "kld_percentiles": {**pct(kv, (0.999, 0.99, 0.95, 0.90)), "median": median(kv),
                            **pct(kv, (0.10, 0.05, 0.01, 0.001))},
        "kld_min": float(kv[0]),
        "dp_mean": dp[0], "dp_uncertainty": dp[1],
        "dp_max": float(pv[-1]),
        "dp_percentiles": {**pct(pv, (0.999, 0.99, 0.95, 0.90, 0.75)), "median": median(pv),
                           **pct(pv, (0.25, 0.10, 0.05, 0.01, 0.001))},
        "dp_min": float(pv[0]),
        "dp_max_abs": k.max_p_diff,
        "rms_dp": rms, "rms_dp_uncertainty": 0.5 / rms * mse[1] if rms > 0 else None,
        "same_top": top, "same_top_uncertainty": math.sqrt(top * (1 - top) / (k.count - 1)),
    }


def nan_to_none(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [nan_to_none(v) for v in x]
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL, help="GGUF file (the model under test, Q) (default: %(default)s)")
    ap.add_argument("--file", default=os.path.normpath(DEFAULT_FILE), help="text file (default: %(default)s)")
    ap.add_argument("--ctx", type=int, default=512, help="n_ctx, tokens per chunk (default: 512)")
    ap.add_argument("--chunks", type=int, default=-1, help="max chunks (default: all)")
    ap.add_argument("--threads", type=int, default=2, help="n_threads = n_threads_batch (default: 2)")
    ap.add_argument("--batch", type=int, default=None,
                    help="n_batch (default: --ctx; llama-perplexity's own default is 2048)")
    ap.add_argument("--ubatch", type=int, default=512, help="n_ubatch (default: 512, as llama-perplexity)")
    ap.add_argument("--flash-attn", choices=sorted(FLASH_ATTN), default="auto",
                    help="flash attention (default: auto, llama-perplexity's default; on for the CPU backend)")
    ap.add_argument("--kv-type", choices=sorted(KV_TYPE), default="f16",
                    help="K/V cache type (default: f16, llama-perplexity's default)")
    ap.add_argument("--base-model", default=None, help="base GGUF for the --kl-divergence statistics")
    ap.add_argument("--kld-base", choices=("uint16", "float64"), default="uint16",
                    help="base log-probs as llama.cpp stores them (uint16, default) or exact float64")
    args = ap.parse_args()

    n_ctx = args.ctx
    if n_ctx <= 0:
        fail("--ctx must be > 0")
    n_batch = args.batch if args.batch is not None else n_ctx
    # llama_perplexity(): n_parallel = max(1, n_batch / n_ctx); n_ctx *= n_parallel; n_batch = min(...)
    n_seq = max(1, n_batch // n_ctx)
    n_batch = min(n_batch, n_seq * n_ctx)
    if not (n_batch < n_ctx or n_batch % n_ctx == 0):
        fail(f"n_batch {n_batch} must be < n_ctx or a multiple of it (perplexity.cpp asserts this)")

    llama_cpp.llama_log_set(_quiet_log, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()
    data = read_text(args.file)

    model = load_model(args.model)
    ev = Evaluator(model, n_ctx, n_seq, n_batch, args.ubatch, args.threads, args.flash_attn, args.kv_type)
    base_ev = None
    extra = {}
    if args.base_model:
        base_model = load_model(args.base_model)
        base_ev = Evaluator(base_model, n_ctx, n_seq, n_batch, args.ubatch, args.threads, args.flash_attn, args.kv_type)
        if base_ev.n_vocab != ev.n_vocab:
            fail(f"inconsistent vocabulary ({ev.n_vocab} vs {base_ev.n_vocab})")
        # kl_divergence() evaluates Q on the tokens the base run stored, BOS replacement by Q's vocab.
        tokens = tokenize(base_ev.vocab, data)
        q_tokens = tokenize(ev.vocab, data)
        extra["q_tokenization_matches_base"] = bool(np.array_equal(tokens, q_tokens))
    else:
        tokens = tokenize(ev.vocab, data)

    n_tokens = len(tokens)
    if n_tokens < 2 * n_ctx:
        fail(f"you need at least {2 * n_ctx} tokens to evaluate perplexity with a context of {n_ctx}; "
             f"{args.file} tokenizes to only {n_tokens}")
    n_chunk_max = n_tokens // n_ctx
    n_chunk = n_chunk_max if args.chunks < 0 else min(args.chunks, n_chunk_max)
    first = n_ctx // 2
    n_rows = n_ctx - 1 - first

    nll = nll2 = 0.0
    count = 0
    running = []
    kld = KLD() if base_ev else None
    kld_running = []
    t0 = time.perf_counter()
    for i in range(0, n_chunk, n_seq):
        n_seq_batch = min(n_seq, n_chunk - i)
        rows = ev.eval_chunks(tokens, i, n_seq_batch)
        base_rows = base_ev.eval_chunks(tokens, i, n_seq_batch) if base_ev else None
        for seq in range(n_seq_batch):
            s = (i + seq) * n_ctx + first
            targets = tokens[s + 1: s + 1 + n_rows]
            for v in ppl_values(rows[seq], targets):
                nll += v
                nll2 += v * v
            count += n_rows
            running.append(math.exp(nll / count))
            if base_ev:
                if args.kld_base == "uint16":
                    res = kld_rows_uint16(rows[seq], targets, quantize_base(base_rows[seq]))
                    kld.add(*res, f32=True)
                else:
                    res = kld_rows_float64(rows[seq], targets, base_rows[seq])
                    kld.add(*res, f32=False)
                kld_running.append(running_kld(kld))
    seconds = time.perf_counter() - t0

    mean = nll / count
    var = nll2 / count - mean * mean
    ppl = math.exp(mean)
    out = {
        "peer": "llama.cpp", "method": "chunks", "n_ctx": n_ctx, "chunks": n_chunk,
        "tokens": n_tokens, "scored_tokens": count, "perplexity": ppl,
        "perplexity_uncertainty": ppl * math.sqrt(var / (count - 1)) if var > 0 else None,
        "nll_mean": mean, "chunk_perplexities": running,
        "n_batch": n_batch, "n_ubatch": min(args.ubatch, n_batch), "n_seq": n_seq, "threads": args.threads,
        "add_bos": ev.add_bos, "model": os.path.basename(args.model), "file": os.path.basename(args.file),
        "seconds": round(seconds, 2),
        "llama_cpp_python": llama_cpp.__version__,
    }
    if base_ev:
        out["kld"] = {"base_model": os.path.basename(args.base_model), **extra, **final_kld(kld, args.kld_base),
                      "chunks": kld_running}
        base_ev.free()
    ev.free()
    print(json.dumps(nan_to_none(out)), flush=True)


if __name__ == "__main__":
    main()
