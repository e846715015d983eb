#!/usr/bin/env python3
"""Generate the safetensors fixtures for LoupeSafeTensors's tests, written by the reference `safetensors`.

Writes into Tests/LoupeSafeTensorsTests/Fixtures/:

- read_dtypes.safetensors (safetensors.torch) and read_numpy.safetensors (safetensors.numpy):
  every dtype Loupe reads (F32 F64 I64 F16 BF16 I32 I16 I8 U32 U16 U8 BOOL), special values (inf,
  -0, NaN, subnormals, int64 extremes), a scalar (shape []), empty tensors, metadata.
- writer_*.safetensors: files written by safetensors.numpy.save_file from F32/F64/I64 arrays.
  The Swift tests rebuild the same tensors from the JSON and check that LoupeSafeTensors's writer produces
  these exact bytes, which proves "Python reads what Loupe writes": this script loads every file
  it writes back with the reference reader and checks the values.
- safetensors_expected.json: per file, its metadata and per tensor the stored dtype, shape and
  values as Loupe should read them. Values are strings so nothing is lost in JSON: float32 and
  float64 values as hex bit patterns ("0x3f800000"), integers in decimal.

Needs: pip install safetensors numpy torch. The Swift tests read the committed files and need no
Python. Run from the repository root:  python3 scripts/golden/make_safetensors_fixtures.py
"""
import json
import os

import numpy as np
import safetensors
import safetensors.numpy
import safetensors.torch
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LoupeSafeTensorsTests", "Fixtures")
STORED = {
    np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("float16"): "F16",
    np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("int16"): "I16", np.dtype("int8"): "I8",
    np.dtype("uint32"): "U32", np.dtype("uint16"): "U16", np.dtype("uint8"): "U8", np.dtype("bool"): "BOOL",
}


def loupe_values(stored, array):
    """What Loupe reads: F16/BF16/BOOL as float32, F64 as float64, every integer type as int64."""
    if stored in ("F32", "F16", "BF16", "BOOL"):
        return "float32", ["0x%08x" % b for b in array.astype(np.float32).reshape(-1).view(np.uint32)]
    if stored == "F64":
        return "float64", ["0x%016x" % b for b in array.reshape(-1).view(np.uint64)]
    return "int64", [str(int(v)) for v in array.reshape(-1)]


def describe(tensors_np, stored_dtypes, metadata):
    return {
        "metadata": metadata or {},
        "tensors": {
            name: dict(zip(("loupe_dtype", "values"), loupe_values(stored_dtypes[name], a)),
                       dtype=stored_dtypes[name], shape=list(a.shape))
            for name, a in tensors_np.items()
        },
    }


def write_torch(filename, tensors, metadata):
    path = os.path.join(OUT, filename)
    safetensors.torch.save_file(tensors, path, metadata=metadata)
    loaded = safetensors.torch.load_file(path)
    assert loaded.keys() == tensors.keys()
    for k, t in tensors.items():
        assert loaded[k].dtype == t.dtype and torch.equal(loaded[k].reshape(-1).view(torch.uint8), t.reshape(-1).view(torch.uint8)), k
    stored = {k: str(t.dtype).replace("torch.", "") for k, t in tensors.items()}
    names = {"float32": "F32", "float64": "F64", "float16": "F16", "bfloat16": "BF16", "int64": "I64",
             "int32": "I32", "int16": "I16", "int8": "I8", "uint32": "U32", "uint16": "U16", "uint8": "U8", "bool": "BOOL"}
    stored = {k: names[v] for k, v in stored.items()}
    # numpy has no bfloat16: widen it to float32 exactly (bf16 is the top half of an f32).
    as_np = {k: (t.float() if t.dtype == torch.bfloat16 else t).numpy() for k, t in tensors.items()}
    return describe(as_np, stored, metadata)


def write_numpy(filename, tensors, metadata):
    path = os.path.join(OUT, filename)
    safetensors.numpy.save_file(tensors, path, metadata=metadata)
    with open(path, "rb") as f:
        data = f.read()
    # The writer must be deterministic for a byte comparison to mean anything.
    assert safetensors.numpy.save(tensors, metadata=metadata) == data, filename
    loaded = safetensors.numpy.load(data)
    assert loaded.keys() == tensors.keys()
    for k, a in tensors.items():
        assert loaded[k].dtype == a.dtype and loaded[k].shape == a.shape and loaded[k].tobytes() == a.tobytes(), k
    return describe(tensors, {k: STORED[a.dtype] for k, a in tensors.items()}, metadata)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260501)
    expected = {"safetensors_version": safetensors.__version__}

    # Reading: every dtype, written by the torch front end (the only one with bfloat16).
    f16 = np.array([1.0, -0.0, np.inf, -np.inf, 2.0 ** -24, 65504.0, np.nan, 0.333], dtype=np.float16)
    expected["read_dtypes.safetensors"] = write_torch("read_dtypes.safetensors", {
        "f32": torch.tensor(rng.standard_normal((2, 3)).astype(np.float32)),
        "f64": torch.tensor([1.0 / 3.0, -1e300, 5e-324], dtype=torch.float64),
        "i64": torch.tensor([[-(2 ** 63), 2 ** 63 - 1], [0, -7]], dtype=torch.int64),
        "f16": torch.from_numpy(f16),
        "bf16": torch.tensor([1.0, -3.140625, 1e30, float("-inf"), 2.0 ** -130], dtype=torch.bfloat16),
        "i32": torch.tensor([-(2 ** 31), 2 ** 31 - 1, 5], dtype=torch.int32),
        "i16": torch.tensor([-(2 ** 15), 2 ** 15 - 1], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "u16": torch.tensor([0, 65535], dtype=torch.uint16),
        "u32": torch.tensor([0, 2 ** 32 - 1], dtype=torch.uint32),
        "mask": torch.tensor([[True, False], [False, True]]),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
        "model.layers.0.attn.q_proj.weight": torch.tensor(rng.standard_normal((4, 4)).astype(np.float32)),
    }, {"format": "pt"})

    # Reading: the numpy front end, a metadata block with escapes, non-ASCII names, an empty int tensor.
    expected["read_numpy.safetensors"] = write_numpy("read_numpy.safetensors", {
        "weights/é": rng.standard_normal((3, 2)).astype(np.float32),
        "ids": np.array([3, 1, 4, 1, 5], dtype=np.int64),
        "none": np.zeros((2, 0), dtype=np.int64),
        "half": np.array([[0.5, -2.0]], dtype=np.float16),
    }, {"note": "line\nbreak \"quoted\" \\ é"})

    # Writing: F32/F64/I64 only (what Loupe writes). Names chosen to exercise the ordering (dtype
    # first, then UTF-8 bytes: "Z" < "a" < "é") and JSON escaping; one metadata key, because the
    # reference writes several keys in hash-map order, which changes between runs.
    expected["writer_mixed.safetensors"] = write_numpy("writer_mixed.safetensors", {
        "b": rng.standard_normal((2, 3)).astype(np.float32),
        "a": np.array([1.5, -0.0], dtype=np.float32),
        "Z": np.array([np.pi], dtype=np.float64),
        "z": np.array([-(2 ** 63), 2 ** 63 - 1, 42], dtype=np.int64),
        "c": rng.standard_normal((2, 2)),
        "é": np.array([7.0], dtype=np.float32),
        "tab\tquote\"back\\slash\u0001": np.array([1], dtype=np.int64),
        "scalar": np.array(3.25, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "odd": np.array([1.0, 2.0, 3.0], dtype=np.float32),
        "layers.10.w": rng.standard_normal((3, 1, 2)).astype(np.float32),
        "layers.2.w": rng.standard_normal((1,)).astype(np.float32),
    }, {"format": "np \"x\"\n\\ é"})
    expected["writer_empty.safetensors"] = write_numpy("writer_empty.safetensors", {}, None)
    expected["writer_metadata_only.safetensors"] = write_numpy("writer_metadata_only.safetensors", {}, {"k": "v"})
    expected["writer_single.safetensors"] = write_numpy(
        "writer_single.safetensors", {"attn.0": np.arange(6, dtype=np.float32).reshape(1, 2, 3)}, None)

    with open(os.path.join(OUT, "safetensors_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(expected) - 1} safetensors files and safetensors_expected.json to {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
