#!/usr/bin/env python3
"""Writes the fixtures Loupe's GGUF quantizer and writer are checked against (Tests/LoupeGGUFTests/Fixtures/):

- gguf_quantize.json: float32 tensors (as hex of their little-endian bytes) and the bytes gguf-py's
  reference `gguf.quants.quantize` makes of them for Q8_0, Q4_0 and Q4_1 (ggml's own reference
  quantizers, ported bit-exactly). The inputs include the awkward cases: all-zero and constant
  blocks, a block whose largest magnitude is tied between +x and −x, tiny and huge values.
- gguf_writer.gguf: a small GGUF written by gguf-py's GGUFWriter (metadata of every value type,
  arrays, an F32 and a Q8_0 tensor). Loupe's writer must reproduce it byte for byte from what its
  reader parsed.

The Swift tests need no Python. Regenerate with
`python3 -m venv /tmp/ggvenv && /tmp/ggvenv/bin/pip install gguf==0.17.1 numpy==2.4.6 &&
/tmp/ggvenv/bin/python scripts/golden/make_gguf_quantize_fixtures.py`.
"""
import json
import pathlib

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize

out = pathlib.Path(__file__).resolve().parents[2] / "Tests/LoupeGGUFTests/Fixtures"
rng = np.random.default_rng(18)


def inputs():
    yield "normal", rng.standard_normal(32 * 64).astype(np.float32)
    yield "uniform_small", (rng.uniform(-1e-3, 1e-3, 32 * 16)).astype(np.float32)
    yield "heavy_tails", (rng.standard_t(2, 32 * 32) * 10).astype(np.float32)
    yield "positive", rng.uniform(0.5, 2.0, 32 * 8).astype(np.float32)
    special = np.zeros(32 * 6, dtype=np.float32)
    special[32:64] = 0.75                      # a constant block
    special[64:96] = rng.standard_normal(32)
    special[70], special[80] = 3.0, -3.0       # the largest magnitude tied, + first
    special[96:128] = rng.standard_normal(32)
    special[100], special[101] = -2.5, 2.5     # tied, − first
    special[128:160] = rng.standard_normal(32) * 60000   # near f16's largest value
    special[160:192] = np.arange(32, dtype=np.float32) / 31 - 0.5   # exact grid points and halves
    yield "special", special
    # Values a Q4_1/Q4_0 model already holds (a requantization, as `loupe quantize` does from a Q4_1 file).
    grid = (rng.integers(0, 16, 32 * 16) * np.repeat(rng.uniform(0.01, 0.05, 16), 32)
            + np.repeat(rng.uniform(-0.3, 0.0, 16), 32)).astype(np.float32)
    yield "requantized_grid", grid


cases = []
for name, values in inputs():
    case = {"name": name, "floats": values.view(np.uint8).tobytes().hex()}
    for qtype in (T.Q8_0, T.Q4_0, T.Q4_1):
        case[qtype.name] = quantize(values.reshape(-1, 32 * 2) if values.size % 64 == 0 else values, qtype).tobytes().hex()
    cases.append(case)
(out / "gguf_quantize.json").write_text(json.dumps({"generator": f"gguf-py {gguf.__version__ if hasattr(gguf, '__version__') else '0.17.1'}", "cases": cases}, indent=1) + "\n")

writer = gguf.GGUFWriter(str(out / "gguf_writer.gguf"), arch="llama")
writer.add_name("fixture")
writer.add_uint32("llama.block_count", 2)
writer.add_float32("llama.rope.freq_base", 10000.0)
writer.add_bool("tokenizer.ggml.add_bos_token", True)
writer.add_int8("test.int8", -5)
writer.add_uint8("test.uint8", 200)
writer.add_int16("test.int16", -300)
writer.add_uint16("test.uint16", 60000)
writer.add_int32("test.int32", -70000)
writer.add_uint64("test.uint64", 1 << 40)
writer.add_int64("test.int64", -(1 << 40))
writer.add_float64("test.float64", 2.5)
writer.add_string("test.unicode", "héllo ✓")
writer.add_array("test.strings", ["a", "bc", ""])
writer.add_array("test.ints", [1, -2, 3])
writer.add_array("test.floats", [0.5, 1.5])
matrix = rng.standard_normal((4, 64)).astype(np.float32)
writer.add_tensor("blk.0.attn_q.weight", matrix)
writer.add_tensor("blk.0.attn_norm.weight", rng.standard_normal(64).astype(np.float32))
q = quantize(matrix, T.Q8_0)
writer.add_tensor("token_embd.weight", q, raw_shape=q.shape, raw_dtype=T.Q8_0)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
print("wrote", out / "gguf_quantize.json", "and", out / "gguf_writer.gguf")
