#!/usr/bin/env python3
"""Load on `loupe serve RUN`'s /v1/predict (stdlib only), for BENCHMARKS.md's predict-server figures.

    python3 scripts/bench/predict_load.py --url http://127.0.0.1:PORT --clients 8 --seconds 20 --examples 1 --size 64

Each client thread keeps one HTTP/1.1 connection and sends requests of --examples random examples
(--size numbers each, in [0, 1]; 8 bodies made in advance and cycled, so the client spends its
CPU on HTTP, not on making JSON) back to back until --seconds have passed. Prints one JSON object:
requests/s, examples/s, latency p50/p95 (ms), the mean batch the server ran them in, and errors.
"""
import argparse
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--url", required=True)
parser.add_argument("--clients", type=int, default=8)
parser.add_argument("--seconds", type=float, default=20)
parser.add_argument("--examples", type=int, default=1, help="examples per request")
parser.add_argument("--size", type=int, default=64, help="numbers per example")
args = parser.parse_args()
target = urllib.parse.urlparse(args.url)

latencies, batches, errors = [], [], []
lock = threading.Lock()
deadline = time.monotonic() + args.seconds


def client(seed):
    rng = random.Random(seed)
    bodies = [json.dumps({"inputs": [[round(rng.random(), 4) for _ in range(args.size)] for _ in range(args.examples)]}).encode()
              for _ in range(8)]
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    sent = 0
    while time.monotonic() < deadline:
        body = bodies[sent % len(bodies)]
        sent += 1
        start = time.monotonic()
        try:
            connection.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            reply = json.loads(response.read())
            if response.status != 200 or len(reply["predictions"]) != args.examples:
                raise RuntimeError(f"{response.status}: {str(reply)[:200]}")
            with lock:
                latencies.append(time.monotonic() - start)
                batches.append(reply["batch_size"])
        except Exception as error:  # noqa: BLE001 — counted and reported
            with lock:
                errors.append(str(error)[:200])
            connection.close()
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    connection.close()


started = time.monotonic()
threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - started
ordered = sorted(latencies)


def percentile(p):
    return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2) if ordered else None


print(json.dumps({
    "clients": args.clients, "examples_per_request": args.examples, "requests": len(latencies), "errors": len(errors),
    "requests_per_s": round(len(latencies) / wall, 1), "examples_per_s": round(len(latencies) * args.examples / wall, 1),
    "latency_ms": {"p50": percentile(50), "p95": percentile(95)},
    "mean_server_batch": round(statistics.mean(batches), 1) if batches else None, "first_errors": errors[:3],
}))
