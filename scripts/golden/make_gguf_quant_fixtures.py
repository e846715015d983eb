#!/usr/bin/env python3
"""Writes Tests/LoupeGGUFTests/Fixtures/gguf_dequant.json: random blocks of each GGML type Loupe reads,
as raw bytes (hex), with the values gguf-py's reference `gguf.quants.dequantize` gives for them.

The tests check Loupe's dequantization against these; they need no Python. Regenerate with
`pip install gguf numpy && python3 scripts/golden/make_gguf_quant_fixtures.py`.
"""
import json
import pathlib

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGML_QUANT_SIZES
from gguf.quants import dequantize

rng = np.random.default_rng(7)
cases = []
for name in ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"]:
    qtype = T[name]
    block, size = GGML_QUANT_SIZES[qtype]
    blocks = 3
    if name == "F32":
        raw = rng.standard_normal(block * blocks).astype(np.float32).view(np.uint8)
    elif name == "F16":
        raw = (rng.standard_normal(block * blocks) * 3).astype(np.float16).view(np.uint8)
    elif name == "BF16":
        raw = (rng.standard_normal(block * blocks).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    else:
        raw = rng.integers(0, 256, size * blocks, dtype=np.uint8)
        # Keep the f16 scales finite and modest: a random f16 can be NaN/inf or enormous.
        for b in range(blocks):
            base = b * size
            if name in ("Q8_0", "Q4_0"):
                raw[base:base + 2] = np.array([rng.uniform(0.01, 0.1)], dtype=np.float16).view(np.uint8)
            elif name == "Q4_1":
                raw[base:base + 4] = np.array([rng.uniform(0.01, 0.1), rng.uniform(-1, 1)], dtype=np.float16).view(np.uint8)
            elif name == "Q4_K":
                raw[base:base + 4] = np.array([rng.uniform(0.001, 0.01), rng.uniform(0.001, 0.01)], dtype=np.float16).view(np.uint8)
            elif name == "Q6_K":
                raw[base + size - 2:base + size] = np.array([rng.uniform(0.001, 0.01)], dtype=np.float16).view(np.uint8)
    values = dequantize(raw, qtype).astype(np.float32).reshape(-1)
    cases.append({"type": name, "elements": int(values.size), "hex": raw.tobytes().hex(),
                  "values": [float(v) for v in values]})

out = pathlib.Path(__file__).resolve().parents[2] / "Tests/LoupeGGUFTests/Fixtures/gguf_dequant.json"
out.write_text(json.dumps({"producer": "gguf-py " + __import__("gguf").__version__ if hasattr(__import__("gguf"), "__version__") else "gguf-py",
                           "cases": cases}, indent=None))
print(f"wrote {out} ({len(cases)} cases)")
