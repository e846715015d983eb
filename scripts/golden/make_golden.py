#!/usr/bin/env python3
"""Generate PyTorch golden fixtures for Loupe's engine tests.

Writes Tests/LoupeCoreTests/Fixtures/golden_ops.json: for every op case, the float32 inputs, the
PyTorch output, an upstream gradient, and PyTorch's gradient for each differentiable input; plus an
MLP and a CNN training run (weights, data, per-step losses, gradients and updated weights).

Needs torch (CPU build: pip install "torch==2.13.0+cpu"). The Swift tests read the committed JSON
and need no Python. Run from the repository root:  python3 scripts/golden/make_golden.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(20261122)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LoupeCoreTests", "Fixtures", "golden_ops.json")


def t2j(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"shape": list(t.shape), "ints": t.reshape(-1).tolist()}
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).to(torch.float32).tolist()]}


def randn(*shape, scale=1.0):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32) * scale)


def positive(*shape):
    return torch.tensor(rng.uniform(0.2, 2.0, size=shape).astype(np.float32))


def case(name, op, inputs, args=None, differentiable=None):
    """Runs op(*inputs, **args) in PyTorch and records output and input gradients."""
    args = args or {}
    leaves = []
    for i, x in enumerate(inputs):
        x = x.clone()
        if x.is_floating_point() and (differentiable is None or differentiable[i]):
            x.requires_grad_(True)
        leaves.append(x)
    out = OPS[op](*leaves, **args)
    entry = {"name": name, "op": op, "args": args, "inputs": [t2j(x) for x in leaves], "output": t2j(out)}
    if out.requires_grad:
        upstream = randn(*out.shape)
        (out * upstream).sum().backward()
        entry["upstream"] = t2j(upstream)
        entry["grads"] = [t2j(x.grad) if x.grad is not None else None for x in leaves]
    CASES.append(entry)


OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "abs": torch.abs,
    "pow_scalar": lambda a, exponent: a ** exponent,
    "pow": lambda a, b: a ** b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "clamp": lambda a, min, max: torch.clamp(a, min, max),
    "where": lambda c, a, b: torch.where(c > 0, a, b),
    "gt": lambda a, b: (a > b).float(),
    "relu": F.relu,
    "leaky_relu": lambda a, slope: F.leaky_relu(a, slope),
    "gelu": lambda a: F.gelu(a),
    "gelu_tanh": lambda a: F.gelu(a, approximate="tanh"),
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda a, axis: torch.softmax(a, axis),
    "log_softmax": lambda a, axis: torch.log_softmax(a, axis),
    "sum": lambda a, axes, keepdims: a.sum(dim=axes, keepdim=keepdims) if axes is not None else a.sum(),
    "mean": lambda a, axes, keepdims: a.mean(dim=axes, keepdim=keepdims) if axes is not None else a.mean(),
    "max": lambda a, axis, keepdims: a.max(dim=axis, keepdim=keepdims).values,
    "argmax": lambda a, axis: a.argmax(dim=axis),
    "var": lambda a, axes, keepdims: a.var(dim=axes, keepdim=keepdims),
    "std": lambda a, axes, keepdims: a.std(dim=axes, keepdim=keepdims),
    "matmul": torch.matmul,
    "concat": lambda a, b, axis: torch.cat([a, b], axis),
    "stack": lambda a, b, axis: torch.stack([a, b], axis),
    "gather": lambda a, index, axis: torch.gather(a, axis, index),
    "index_select": lambda a, index, axis: torch.index_select(a, axis, index),
    "embedding": lambda w, index: F.embedding(index, w),
    "one_hot": lambda index, classes: F.one_hot(index, classes).float(),
    "conv2d": lambda x, w, b, stride, padding: F.conv2d(x, w, b, stride=stride, padding=padding),
    "max_pool2d": lambda x, kernel, stride, padding: F.max_pool2d(x, kernel, stride, padding),
    "avg_pool2d": lambda x, kernel, stride, padding: F.avg_pool2d(x, kernel, stride, padding),
    "transpose_matmul": lambda a, b: a.transpose(0, 1) @ b,
    "slice": lambda a, axis, start, end, step: a.narrow(axis, start, end - start)[::step] if axis == 0 else a[:, start:end:step],
    "permute": lambda a, dims: a.permute(*dims) * 1.0,
    "expand": lambda a, shape: a.expand(*shape) * 1.0,
}

CASES = []
case("add", "add", [randn(3, 4), randn(3, 4)])
case("add broadcast row", "add", [randn(5, 4), randn(4)])
case("add broadcast both", "add", [randn(3, 1, 4), randn(2, 1)])
case("sub broadcast column", "sub", [randn(4, 3), randn(4, 1)])
case("mul broadcast", "mul", [randn(2, 3, 4), randn(3, 1)])
case("div", "div", [randn(3, 5), positive(3, 5)])
case("div broadcast", "div", [randn(2, 17), positive(17)])
case("neg", "neg", [randn(33)])
case("exp", "exp", [randn(40, scale=3)])
case("log", "log", [positive(37)])
case("sqrt", "sqrt", [positive(37)])
case("rsqrt", "rsqrt", [positive(37)])
case("abs", "abs", [randn(37)])
case("pow scalar 2", "pow_scalar", [randn(19)], {"exponent": 2.0})
case("pow scalar 3 negative base", "pow_scalar", [randn(19)], {"exponent": 3.0})
case("pow scalar 1.5", "pow_scalar", [positive(19)], {"exponent": 1.5})
case("pow tensor", "pow", [positive(4, 5), randn(4, 5)])
case("maximum", "maximum", [randn(6, 7), randn(7)])
case("minimum", "minimum", [randn(6, 7), randn(6, 1)])
case("clamp", "clamp", [randn(50)], {"min": -0.5, "max": 0.7})
case("where", "where", [randn(4, 6), randn(4, 6), randn(6)], differentiable=[False, True, True])
case("gt", "gt", [randn(4, 6), randn(6)])
for act in ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"]:
    case(act, act, [randn(5, 37, scale=3)])
case("tanh small", "tanh", [randn(50, scale=0.1)])
case("gelu small", "gelu", [randn(50, scale=0.1)])
case("leaky_relu", "leaky_relu", [randn(45)], {"slope": 0.1})
case("softmax last", "softmax", [randn(6, 21, scale=3)], {"axis": -1})
case("softmax axis 0", "softmax", [randn(6, 5)], {"axis": 0})
case("log_softmax last", "log_softmax", [randn(6, 21, scale=3)], {"axis": -1})
case("log_softmax middle", "log_softmax", [randn(3, 4, 5)], {"axis": 1})
case("sum all", "sum", [randn(4, 5, 6)], {"axes": None, "keepdims": False})
case("sum axis 1", "sum", [randn(4, 5, 6)], {"axes": [1], "keepdims": False})
case("sum axes 0 2 keepdims", "sum", [randn(4, 5, 6)], {"axes": [0, 2], "keepdims": True})
case("mean axis -1", "mean", [randn(4, 5, 6)], {"axes": [-1], "keepdims": False})
case("mean all", "mean", [randn(3, 33)], {"axes": None, "keepdims": False})
case("max axis 1", "max", [randn(4, 7, 3)], {"axis": 1, "keepdims": False})
case("max axis -1 keepdims", "max", [randn(4, 7)], {"axis": -1, "keepdims": True})
case("argmax", "argmax", [randn(5, 9)], {"axis": 1})
case("var axis 1", "var", [randn(4, 9)], {"axes": [1], "keepdims": False})
case("var axes 0 1", "var", [randn(3, 4, 5)], {"axes": [0, 1], "keepdims": True})
case("std axis 0", "std", [randn(6, 3)], {"axes": [0], "keepdims": False})
case("matmul 2d", "matmul", [randn(7, 5), randn(5, 3)])
case("matmul batched", "matmul", [randn(2, 3, 4), randn(2, 4, 5)])
case("matmul batch broadcast", "matmul", [randn(2, 3, 4), randn(4, 6)])
case("matmul broadcast batch dims", "matmul", [randn(2, 1, 3, 4), randn(3, 4, 2)])
case("matmul vector", "matmul", [randn(4), randn(4, 3)])
case("matmul transposed operand", "transpose_matmul", [randn(5, 3), randn(5, 4)])
case("concat axis 1", "concat", [randn(2, 3), randn(2, 4)], {"axis": 1})
case("stack axis 0", "stack", [randn(2, 3), randn(2, 3)], {"axis": 0})
case("gather axis 1", "gather", [randn(3, 5), torch.tensor([[0, 4], [1, 1], [3, 2]])], {"axis": 1})
case("index_select axis 0", "index_select", [randn(5, 3), torch.tensor([4, 0, 4, 2])], {"axis": 0})
case("embedding", "embedding", [randn(10, 4), torch.tensor([[1, 3, 3], [9, 0, 1]])])
case("one_hot", "one_hot", [torch.tensor([0, 2, 1, 3])], {"classes": 5})
case("conv2d", "conv2d", [randn(2, 3, 7, 6), randn(4, 3, 3, 3), randn(4)], {"stride": 1, "padding": 0})
case("conv2d stride 2 padding 1", "conv2d", [randn(2, 2, 8, 7), randn(3, 2, 3, 3), randn(3)], {"stride": 2, "padding": 1})
case("conv2d 5x5 padding 2", "conv2d", [randn(1, 2, 6, 6), randn(2, 2, 5, 5), randn(2)], {"stride": 1, "padding": 2})
case("max_pool2d", "max_pool2d", [randn(2, 3, 6, 6)], {"kernel": 2, "stride": 2, "padding": 0})
case("max_pool2d overlapping padded", "max_pool2d", [randn(1, 2, 7, 7)], {"kernel": 3, "stride": 2, "padding": 1})
case("avg_pool2d", "avg_pool2d", [randn(2, 3, 6, 6)], {"kernel": 2, "stride": 2, "padding": 0})
case("avg_pool2d padded", "avg_pool2d", [randn(1, 2, 5, 5)], {"kernel": 3, "stride": 2, "padding": 1})
case("slice step", "slice", [randn(4, 9)], {"axis": 1, "start": 1, "end": 8, "step": 3})
case("permute", "permute", [randn(2, 3, 4)], {"dims": [2, 0, 1]})
case("expand", "expand", [randn(3, 1)], {"shape": [2, 3, 4]})


def training_run(name, model, x, y, lr, steps):
    """SGD on mean cross-entropy; records initial weights, data, and per-step loss/grads/weights."""
    params = dict(model.named_parameters())
    record = {"name": name, "lr": lr, "x": t2j(x), "y": t2j(y),
              "initial": {k: t2j(v) for k, v in params.items()}, "steps": []}
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        grads = {k: t2j(v.grad) for k, v in params.items()}
        opt.step()
        record["steps"].append({"loss": float(loss.detach()), "grads": grads,
                                "weights": {k: t2j(v) for k, v in params.items()}})
    return record


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(20, 16)
        self.fc2 = torch.nn.Linear(16, 8)
        self.fc3 = torch.nn.Linear(8, 4)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 6, 3, stride=1, padding=1)
        self.fc = torch.nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):                                   # [N, 1, 8, 8]
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)          # [N, 4, 4, 4]
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)          # [N, 6, 2, 2]
        return self.fc(x.flatten(1))                        # [N, 3]


torch.manual_seed(1)
mlp = MLP()
mlp_run = training_run("mlp", mlp, randn(8, 20), torch.tensor(rng.integers(0, 4, 8)), 0.1, 3)
torch.manual_seed(2)
cnn = CNN()
cnn_run = training_run("cnn", cnn, randn(4, 1, 8, 8), torch.tensor(rng.integers(0, 3, 4)), 0.05, 3)


def xoshiro_reference(seed, count):
    """xoshiro256** seeded by SplitMix64, written from the published reference C code."""
    mask = (1 << 64) - 1
    state, s = [], seed
    for _ in range(4):
        s = (s + 0x9E3779B97F4A7C15) & mask
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        state.append(z ^ (z >> 31))
    rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & mask
    out = []
    for _ in range(count):
        result = (rotl((state[1] * 5) & mask, 7) * 9) & mask
        t = (state[1] << 17) & mask
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        out.append(str(result))
    return out


with open(OUT, "w") as f:
    json.dump({"generator": "scripts/golden/make_golden.py", "torch": torch.__version__,
               "cases": CASES, "training": [mlp_run, cnn_run],
               "xoshiro256starstar": {"seed": 42, "values": xoshiro_reference(42, 8)}}, f, separators=(",", ":"))
print(f"wrote {len(CASES)} op cases and 2 training runs to {os.path.normpath(OUT)}")
