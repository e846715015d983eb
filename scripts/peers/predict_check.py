#!/usr/bin/env python3
"""End-to-end check of `loupe serve RUN` (the predict server), stdlib only.

    python3 scripts/peers/predict_check.py LOUPE RUNS_DIR STORE RUN EVAL_JSON

Serves RUN (a digits classifier trained and evaluated by scripts/smoke-cli.sh) and checks:
- /v1/predict on every example of the built-in digits data, sent as batches and as single
  concurrent requests: the accuracy equals `loupe eval --data digits` (EVAL_JSON) to the last digit, and an example gets the same probabilities alone or in a batch;
- concurrent single requests are micro-batched (some ran in batches larger than one);
- /v1/model names the run, its input shape and classes, and its latest evaluation;
- bad bodies are 400s naming the field; /health and /metrics answer.
"""
import concurrent.futures
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

loupe, runs_dir, store, run, eval_json = sys.argv[1:6]
failures = 0


def check(ok, what, detail=""):
    global failures
    print(("✓ " if ok else "✗ ") + what + (f" — {detail}" if detail else ""))
    if not ok:
        failures += 1


def call(port, path, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


rows = [line.split(",") for line in gzip.open("Sources/LoupeData/Builtin/digits.csv.gz", "rt").read().split()]
# As the built-in `digits` dataset yields them (what the run trained on): pixels 0...16 / 16.
examples = [[float(v) / 16 for v in row[:-1]] for row in rows]
labels = [int(row[-1]) for row in rows]

server = subprocess.Popen([loupe, "serve", run, "--runs-dir", runs_dir, "--store", store, "--port", "0", "--max-batch", "32",
                           "--max-wait-ms", "5"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    line = server.stdout.readline()
    match = re.search(r"http://[^\s/]+:(\d+)", line)
    if not match:
        sys.exit(f"predict_check: the server did not say where it listens: {line!r}")
    port = int(match.group(1))
    for _ in range(100):
        try:
            if call(port, "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)

    status, body = call(port, "/v1/model")
    model = json.loads(body)
    check(status == 200 and model["input_shape"] == [8, 8] and model["classes"] == 10 and model["task"] == "classification",
          "GET /v1/model: input shape, classes", f"{model['name']} {model['input_shape']} {model['classes']} classes")
    check(model.get("evaluation") and "accuracy" in model["evaluation"], "GET /v1/model carries the latest evaluation",
          f"accuracy {model.get('evaluation', {}).get('accuracy')}")

    # Every example in batches of 100.
    predicted = []
    for start in range(0, len(examples), 100):
        status, body = call(port, "/v1/predict", {"inputs": examples[start:start + 100]})
        predicted += json.loads(body)["predictions"]
    accuracy = sum(p["class"] == y for p, y in zip(predicted, labels)) / len(labels)
    expected = json.load(open(eval_json))["figures"]["accuracy"]
    check(abs(accuracy - expected) < 1e-12, "accuracy over /v1/predict == loupe eval --data on the same examples",
          f"{accuracy:.6f} vs {expected:.6f} over {len(labels)} examples")
    check(all(abs(sum(p["probabilities"]) - 1) < 1e-6 for p in predicted), "probabilities sum to 1")

    # 64 single requests at once: micro-batched, each the same as in its batch.
    def one(i):
        return json.loads(call(port, "/v1/predict", {"input": examples[i]})[1])
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        singles = list(pool.map(one, range(64)))
    sizes = [s["batch_size"] for s in singles]
    check(max(sizes) > 1, "concurrent single requests share batches", f"batch sizes {sorted(set(sizes))}")
    same = all(s["prediction"]["class"] == predicted[i]["class"]
               and max(abs(a - b) for a, b in zip(s["prediction"]["probabilities"], predicted[i]["probabilities"])) < 1e-5
               for i, s in enumerate(singles))
    check(same, "an example's prediction is the same alone and in a batch")

    for body, param in [({"inputs": [[1, 2, 3]]}, "inputs[0]"), ({"inputs": [[0] * 63 + ["x"]]}, "inputs[0]"),
                        ({"nothing": 1}, "inputs"), (b"{not json", None)]:
        status, reply = call(port, "/v1/predict", body)
        error = json.loads(reply)["error"]
        check(status == 400 and error["param"] == param, f"bad body → 400 naming {param}", error["message"])
    status, body = call(port, "/metrics")
    check(status == 200 and b"loupe_predicted_examples_total" in body and b"loupe_predict_batch_size_bucket" in body, "GET /metrics")
finally:
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = None
    check(code == 0, "SIGTERM: the server exits 0", f"exit {code}")

if failures:
    sys.exit(f"predict_check: {failures} check(s) failed")
print("predict_check: all checks passed")
