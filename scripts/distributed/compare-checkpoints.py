#!/usr/bin/env python3
"""Compares the model tensors of two Loupe checkpoints (safetensors): the largest relative
difference ‖a − b‖ / ‖b‖ over tensors, and whether they are bit-identical.

    compare-checkpoints.py A.safetensors B.safetensors [--max-relative 1e-6] [--identical]

Exits 1 when a bound is not met. Reads the format directly (8-byte header length, JSON header,
raw little-endian data), so it needs only the standard library.
"""
import json, math, struct, sys

def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or not name.startswith("model."):
            continue
        start, end = info["data_offsets"]
        raw = body[start:end]
        fmt = {"F32": "f", "F64": "d", "I64": "q"}.get(info["dtype"])
        if fmt is None:
            continue
        count = len(raw) // struct.calcsize(fmt)
        tensors[name] = (raw, struct.unpack("<%d%s" % (count, fmt), raw))
    return tensors

def main():
    args = sys.argv[1:]
    bound = None
    identical = "--identical" in args
    if "--max-relative" in args:
        bound = float(args[args.index("--max-relative") + 1])
    paths = [a for a in args if a.endswith(".safetensors")]
    a, b = read(paths[0]), read(paths[1])
    if set(a) != set(b):
        print("different tensors: %s" % sorted(set(a) ^ set(b)))
        return 1
    worst, worst_name, same = 0.0, None, True
    for name in sorted(a):
        ra, va = a[name]
        rb, vb = b[name]
        same = same and ra == rb
        diff = math.sqrt(sum((x - y) ** 2 for x, y in zip(va, vb)))
        norm = math.sqrt(sum(y * y for y in vb)) or 1.0
        if diff / norm > worst:
            worst, worst_name = diff / norm, name
    print(json.dumps({"max_relative_difference": worst, "tensor": worst_name, "bit_identical": same, "tensors": len(a)}))
    if bound is not None and worst > bound:
        return 1
    if identical and not same:
        return 1
    return 0

sys.exit(main())
