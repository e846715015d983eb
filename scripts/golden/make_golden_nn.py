#!/usr/bin/env python3
"""PyTorch golden fixtures for LoupeNN: layers, losses, optimizers, schedules, clipping.

Writes Tests/LoupeNNTests/Fixtures/golden_nn.json. Each layer case holds the parameters (PyTorch
names), the input, the output, an upstream gradient and the gradients of the input and of every
parameter. Run from the repository root: python3 scripts/golden/make_golden_nn.py (needs torch).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(7)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LoupeNNTests", "Fixtures", "golden_nn.json")


def t2j(t):
    t = t.detach()
    if t.dtype == torch.int64:
        return {"shape": list(t.shape), "ints": t.reshape(-1).tolist()}
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).float().tolist()]}


def randn(*shape, scale=1.0):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32) * scale)


LAYERS = []


def layer_case(name, module, x, train=True, extra=None):
    module.train(train)
    params = dict(module.named_parameters())
    before = {k: t2j(v) for k, v in module.state_dict().items()}
    x = x.clone()
    if x.is_floating_point():
        x.requires_grad_(True)
    out = module(x)
    if isinstance(out, tuple):
        out = out[0]
    upstream = randn(*out.shape)
    (out * upstream).sum().backward()
    entry = {"name": name, "train": train, "state": before, "input": t2j(x), "output": t2j(out),
             "upstream": t2j(upstream), "input_grad": t2j(x.grad) if x.grad is not None else None,
             "param_grads": {k: t2j(v.grad) for k, v in params.items()},
             "state_after": {k: t2j(v) for k, v in module.state_dict().items()}}
    if extra:
        entry.update(extra)
    LAYERS.append(entry)


class CausalSelfAttention(nn.Module):
    """nanoGPT's attention: one qkv projection, causal softmax, output projection."""

    def __init__(self, dim, heads):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.heads = heads

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
        y = att.softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, 4 * dim)
        self.proj = nn.Linear(4 * dim, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


torch.manual_seed(0)
layer_case("linear", nn.Linear(5, 3), randn(4, 5))
layer_case("linear 3d input", nn.Linear(4, 2), randn(2, 3, 4))
layer_case("conv2d", nn.Conv2d(2, 3, 3, stride=1, padding=1), randn(2, 2, 5, 5))
layer_case("layernorm", nn.LayerNorm(6), randn(3, 6, scale=2))
ln = nn.LayerNorm(6)
with torch.no_grad():
    ln.weight.copy_(randn(6)); ln.bias.copy_(randn(6))
layer_case("layernorm affine", ln, randn(2, 3, 6))
rms = nn.RMSNorm(6, eps=1e-5)
with torch.no_grad():
    rms.weight.copy_(randn(6))
layer_case("rmsnorm", rms, randn(3, 6))
layer_case("batchnorm1d train", nn.BatchNorm1d(4), randn(8, 4, scale=3))
bn = nn.BatchNorm1d(4)
with torch.no_grad():
    bn.running_mean.copy_(randn(4)); bn.running_var.copy_(torch.rand(4) + 0.5)
layer_case("batchnorm1d eval", bn, randn(5, 4), train=False)
layer_case("batchnorm2d train", nn.BatchNorm2d(3), randn(4, 3, 3, 3))
layer_case("embedding", nn.Embedding(7, 3), torch.tensor([[1, 3, 3], [6, 0, 1]]))
layer_case("lstm 2 layers", nn.LSTM(3, 4, num_layers=2, batch_first=True), randn(2, 5, 3))
layer_case("gru", nn.GRU(3, 4, batch_first=True), randn(2, 5, 3))
layer_case("rnn", nn.RNN(3, 4, batch_first=True), randn(2, 5, 3))
layer_case("causal attention", CausalSelfAttention(8, 2), randn(2, 5, 8))
layer_case("gpt block", Block(8, 2), randn(2, 4, 8))

LOSSES = []
logits = randn(6, 5)
labels = torch.tensor(rng.integers(0, 5, 6))


def loss_case(name, fn, pred, target):
    pred = pred.clone().requires_grad_(True)
    value = fn(pred, target)
    value.backward()
    LOSSES.append({"name": name, "prediction": t2j(pred), "target": t2j(target), "value": float(value.detach()),
                   "grad": t2j(pred.grad)})


loss_case("cross_entropy", lambda p, t: F.cross_entropy(p, t), logits, labels)
loss_case("cross_entropy smoothing 0.1", lambda p, t: F.cross_entropy(p, t, label_smoothing=0.1), logits, labels)
loss_case("nll", lambda p, t: F.nll_loss(p, t), torch.log_softmax(logits, 1), labels)
loss_case("bce_with_logits", F.binary_cross_entropy_with_logits, randn(7, scale=4), torch.tensor(rng.integers(0, 2, 7)).float())
loss_case("mse", F.mse_loss, randn(3, 4), randn(3, 4))
loss_case("l1", F.l1_loss, randn(3, 4), randn(3, 4))
loss_case("huber", lambda p, t: F.huber_loss(p, t, delta=0.7), randn(3, 4), randn(3, 4))

OPTIMIZERS = []
grads = [randn(3, 2) for _ in range(4)]
start = randn(3, 2)


def optimizer_case(name, make):
    p = nn.Parameter(start.clone())
    opt = make([p])
    history = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        history.append(t2j(p))
    OPTIMIZERS.append({"name": name, "start": t2j(start), "grads": [t2j(g) for g in grads], "after_each_step": history})


optimizer_case("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1))
optimizer_case("sgd momentum weight_decay", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))
optimizer_case("sgd nesterov", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True))
optimizer_case("adam", lambda ps: torch.optim.Adam(ps, lr=0.01))
optimizer_case("adam weight_decay", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1))
optimizer_case("adamw", lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1))
optimizer_case("rmsprop", lambda ps: torch.optim.RMSprop(ps, lr=0.01))
optimizer_case("adagrad", lambda ps: torch.optim.Adagrad(ps, lr=0.1))

SCHEDULES = []


def schedule_case(name, make, steps, metrics=None):
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(opt)
    lrs = []
    for i in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(metrics[i]) if metrics else sched.step()
    SCHEDULES.append({"name": name, "base_lr": 0.5, "lrs": lrs, "metrics": metrics})


schedule_case("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10)
schedule_case("exponential", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 10)
schedule_case("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.05), 11)
schedule_case("plateau", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, threshold=1e-4),
              12, metrics=[1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6])

a, b = nn.Parameter(torch.zeros(3)), nn.Parameter(torch.zeros(2, 2))
a.grad, b.grad = randn(3, scale=3), randn(2, 2, scale=3)
ga, gb = a.grad.clone(), b.grad.clone()
norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.5)
CLIP = {"grads": [t2j(ga), t2j(gb)], "max_norm": 1.5, "norm": float(norm), "clipped": [t2j(a.grad), t2j(b.grad)]}

with open(OUT, "w") as f:
    json.dump({"generator": "scripts/golden/make_golden_nn.py", "torch": torch.__version__, "layers": LAYERS,
               "losses": LOSSES, "optimizers": OPTIMIZERS, "schedules": SCHEDULES, "clip": CLIP}, f, separators=(",", ":"))
print(f"wrote {len(LAYERS)} layers, {len(LOSSES)} losses, {len(OPTIMIZERS)} optimizers, {len(SCHEDULES)} schedules")
