#!/usr/bin/env python3
"""The five reference training workloads (W1-W5) in PyTorch eager CPU: median ms per step.

Same models, batch sizes and random data shapes as `loupe bench train`; prints JSON lines in the
same format so the two can be compared in one run:

    pip install "torch==2.13.0+cpu"      # CPU build
    python3 scripts/bench/pytorch_train.py --threads 2
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.qkv, self.proj, self.heads = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim), heads

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in self.qkv(x).split(c, dim=2))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
        return self.proj((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(dim), CausalSelfAttention(dim, heads), nn.LayerNorm(dim)
        self.fc, self.proj = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, vocab=65, block=128, layers=4, heads=4, dim=128):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(block, dim)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        return self.ln(self.blocks(x)) @ self.wte.weight.T


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.l1, self.l2, self.fc = nn.Embedding(10000, 256), nn.LSTM(256, 512, batch_first=True), nn.LSTM(512, 512, batch_first=True), nn.Linear(512, 2)

    def forward(self, x):
        h, _ = self.l1(self.emb(x))
        h, _ = self.l2(h)
        return self.fc(h[:, -1])


def workloads():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    mnist_cnn = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    cifar_cnn = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1024, 64), nn.ReLU(), nn.Linear(64, 10))
    return [
        ("W1", mlp, lambda p: torch.optim.SGD(p, lr=0.01), torch.randn(64, 784), torch.randint(0, 10, (64,))),
        ("W2", mnist_cnn, lambda p: torch.optim.Adam(p, lr=1e-3), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))),
        ("W3", cifar_cnn, lambda p: torch.optim.Adam(p, lr=1e-3), torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))),
        ("W4", LSTMClassifier(), lambda p: torch.optim.Adam(p, lr=1e-3), torch.randint(0, 10000, (32, 32)), torch.randint(0, 2, (32,))),
        ("W5", GPT(), lambda p: torch.optim.AdamW(p, lr=3e-4, weight_decay=0.1), torch.randint(0, 65, (16, 128)), torch.randint(0, 65, (16, 128))),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--workload", action="append", default=[], help="run only these (repeatable): W1 ... W5")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, model, make_opt, x, y in workloads():
        if args.workload and name not in args.workload:
            continue
        opt = make_opt(model.parameters())
        def step():
            opt.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            loss.backward()
            opt.step()
        step()
        times, start = [], time.perf_counter()
        while len(times) < args.steps or time.perf_counter() - start < 1:
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        params = sum(p.numel() for p in model.parameters())
        print(json.dumps({"case": "train_step", "workload": name, "impl": "pytorch", "threads": args.threads,
                          "batch": x.shape[0], "parameters": params, "ms": round(statistics.median(times) * 1000, 3)}), flush=True)


if __name__ == "__main__":
    main()
