#!/usr/bin/env python3
"""Load generator for an OpenAI-compatible chat server (`loupe serve`, llama-cpp-python, ...).

Standard library only (asyncio streams speaking HTTP/1.1 over TCP; no TLS). N clients run
concurrently for a fixed time; each loops:

    POST /v1/chat/completions
    {"model": "x", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": N,
     "temperature": 0, "stream": true, "stream_options": {"include_usage": true}}

and reads the server-sent events (`data: {...}` ... `data: [DONE]`) as they arrive. Each client
keeps one keep-alive connection and reconnects when the server closes it or after an error.

Examples:
    python3 scripts/bench/serve_load.py --url http://127.0.0.1:8080 --health-wait \\
        --clients 8 --seconds 60 --max-tokens 32 --pid "$SERVER_PID" --metrics
    python3 scripts/bench/serve_load.py --url http://127.0.0.1:8080 --clients 2 --seconds 10 --json

What is measured:
  latency     from the first byte of the request written to the end of the response body.
  TTFT        from the same point to the first chunk carrying non-empty `delta.content`
              (stream mode only; a server that serialises requests counts its queue wait in both).
  tokens      per request: `usage.completion_tokens` when the server sends usage (a final chunk,
              as OpenAI does for stream_options.include_usage, or the JSON body when not
              streaming); otherwise the number of chunks with non-empty `delta.content`.
  wall        from the start of the run to the end of the last request; no request starts after
              --seconds, the ones in flight at the deadline are finished and counted.
  requests/s  completed (error-free) requests / wall;  tokens/s  completion tokens / wall.
  percentiles linear interpolation between closest ranks (numpy's default), over error-free
              requests only.
  errors      a non-2xx status, a connection error, a timeout (--timeout, default 120 s per
              request), an SSE payload that is not a JSON chunk, or a stream that ends without
              `data: [DONE]`. The first few are kept with their status and the head of the body.
  --pid PID   VmRSS of /proc/PID/status, sampled once a second from just before the first request
              to just after the last: start / median / max / end, in MiB (flat = no growth).
  --metrics   GET /metrics at the end; its `loupe_slots_busy` and `loupe_queue_depth` lines.

Prompts: a fixed set of 8 short, different user messages (or --prompt-set FILE, one per line);
client i sends prompt (i + k) mod len(set) as its k-th request, so a run is deterministic in what
it asks, whatever the timing. Output: a table, or one JSON object with --json. Exit status 1 when
any request failed, 2 when the server never became ready (--health-wait).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.parse

DEFAULT_PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a CPU cache is in one sentence.",
    "List three primary colours.",
    "How many legs does a spider have?",
    "Give me a short tip for learning to cook.",
    "What does HTTP stand for?",
    "Translate 'good morning' into Spanish.",
]

MAX_ERRORS_KEPT = 5
BODY_HEAD = 300  # bytes of an error body kept in the report
MAX_ERROR_BODY = 64 * 1024  # bytes of an error body read at most


class RequestError(Exception):
    def __init__(self, kind, status=None, body=b""):
        super().__init__(kind)
        self.kind = kind
        self.status = status
        self.body = body

    def record(self):
        head = self.body[:BODY_HEAD].decode("utf-8", "replace") if self.body else ""
        return {"kind": self.kind, "status": self.status, "body_head": head}


# ---------------------------------------------------------------------------------------------
# HTTP/1.1


class Connection:
    """One keep-alive HTTP/1.1 connection (reopened on demand)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def ensure(self):
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=b""):
        """Sends a request; returns (status, response headers dict, body iterator of bytes)."""
        await self.ensure()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()

        status_line = await self.reader.readline()
        if not status_line:
            raise RequestError("connection closed before the status line")
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise RequestError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        resp_headers = {}
        while True:
            line = await self.reader.readline()
            if not line:
                raise RequestError("connection closed in the headers", status)
            if line in (b"\r\n", b"\n"):
                break
            k, _, v = line.decode("latin-1").partition(":")
            resp_headers[k.strip().lower()] = v.strip()
        keep_alive = resp_headers.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
        return status, resp_headers, self._body(resp_headers, keep_alive, method)

    async def _body(self, headers, keep_alive, method):
        r = self.reader
        try:
            if method == "HEAD":
                return
            if "chunked" in headers.get("transfer-encoding", "").lower():
                while True:
                    size_line = await r.readline()
                    if not size_line:
                        raise RequestError("connection closed inside a chunked body")
                    size = int(size_line.split(b";")[0].strip() or b"x", 16)
                    if size == 0:
                        while (await r.readline()) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        break
                    yield await r.readexactly(size)
                    await r.readline()  # CRLF after the chunk
            elif "content-length" in headers:
                left = int(headers["content-length"])
                while left > 0:
                    data = await r.read(min(left, 65536))
                    if not data:
                        raise RequestError("connection closed inside the body")
                    left -= len(data)
                    yield data
            else:
                keep_alive = False
                while data := await r.read(65536):
                    yield data
        except (ValueError, asyncio.IncompleteReadError) as e:
            keep_alive = False
            raise RequestError(f"malformed HTTP body: {e!r}")
        finally:
            if not keep_alive:
                self.close()


async def read_all(body, limit=None):
    out = bytearray()
    async for data in body:
        if limit is None or len(out) < limit:
            out += data
    return bytes(out)


async def simple_get(host, port, path, headers, timeout=5.0):
    conn = Connection(host, port)
    try:
        async def go():
            status, _, body = await conn.request("GET", path, {**headers, "Connection": "close"})
            return status, await read_all(body, MAX_ERROR_BODY)
        return await asyncio.wait_for(go(), timeout)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# One chat completion


def sse_events(buffer, data):
    """Appends `data` to `buffer` (a dict holding partial state); yields complete SSE data payloads."""
    buffer["bytes"] += data
    *lines, buffer["bytes"] = buffer["bytes"].split(b"\n")
    for raw in lines:
        line = raw.rstrip(b"\r")
        if not line:  # blank line: dispatch the event
            if buffer["data"]:
                yield b"\n".join(buffer["data"])
                buffer["data"] = []
        elif line.startswith(b":"):
            continue  # comment (e.g. sse-starlette's `: ping`)
        else:
            field, _, value = line.partition(b":")
            if field == b"data":
                buffer["data"].append(value[1:] if value.startswith(b" ") else value)


async def one_request(conn, args, headers, prompt):
    """Returns a dict {latency, ttft, tokens, usage}; raises RequestError on failure."""
    payload = {
        "model": args.model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "stream": args.stream,
    }
    if args.stream:
        payload["stream_options"] = {"include_usage": True}
    body = json.dumps(payload).encode()
    t0 = time.perf_counter()
    status, resp_headers, resp = await conn.request("POST", args.path, headers, body)
    if not 200 <= status < 300:
        raise RequestError("HTTP status", status, await read_all(resp, MAX_ERROR_BODY))

    ttft = None
    chunks = 0
    usage_tokens = None
    if not args.stream:
        raw = await read_all(resp)
        try:
            obj = json.loads(raw)
            content = obj["choices"][0]["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise RequestError("malformed JSON response", status, raw)
        usage_tokens = (obj.get("usage") or {}).get("completion_tokens")
        chunks = 1 if content else 0
    else:
        state = {"bytes": b"", "data": []}
        done = False
        async for data in resp:
            for event in sse_events(state, data):
                if done:
                    raise RequestError("data after [DONE]", status, event)
                if event.strip() == b"[DONE]":
                    done = True
                    continue
                try:
                    chunk = json.loads(event)
                    choices = chunk.get("choices")
                    if not isinstance(choices, list):
                        raise ValueError("no choices")
                except (ValueError, AttributeError):
                    raise RequestError("malformed SSE chunk", status, event)
                usage = chunk.get("usage")
                if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                    usage_tokens = usage["completion_tokens"]
                for choice in choices:
                    delta = choice.get("delta") or {} if isinstance(choice, dict) else {}
                    if delta.get("content"):
                        chunks += 1
                        if ttft is None:
                            ttft = time.perf_counter() - t0
        # An event not followed by its blank line at the end of the body still counts.
        for event in sse_events(state, b"\n\n"):
            if event.strip() == b"[DONE]":
                done = True
        if not done:
            raise RequestError("stream ended without data: [DONE]", status)
    latency = time.perf_counter() - t0
    return {
        "latency": latency,
        "ttft": ttft,
        "tokens": usage_tokens if usage_tokens is not None else chunks,
        "usage": usage_tokens is not None,
    }


async def client(cid, args, host, port, headers, prompts, deadline, results, errors):
    conn = Connection(host, port)
    k = 0
    try:
        while time.perf_counter() < deadline:
            prompt = prompts[(cid + k) % len(prompts)]
            k += 1
            try:
                results.append(await asyncio.wait_for(one_request(conn, args, headers, prompt), args.timeout))
            except Exception as e:  # noqa: BLE001 -- every failure is an error of the run
                conn.close()
                if isinstance(e, RequestError):
                    errors.append(e.record())
                elif isinstance(e, asyncio.TimeoutError):
                    errors.append({"kind": f"timeout after {args.timeout:g} s", "status": None, "body_head": ""})
                else:
                    errors.append({"kind": f"{type(e).__name__}: {e}", "status": None, "body_head": ""})
                if isinstance(e, (ConnectionError, OSError)):
                    await asyncio.sleep(0.1)  # do not spin on a refused connection
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Memory, health, metrics


def read_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


async def sample_rss(pid, samples, stop):
    while True:
        rss = read_rss_kib(pid)
        if rss is not None:
            samples.append(rss)
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
            return
        except asyncio.TimeoutError:
            pass


async def health_wait(host, port, headers, limit=120.0):
    """Polls GET /health until 200. A 404 there (no such route: llama-cpp-python) falls back to
    GET /v1/models answering 200. Returns seconds waited, or None when not ready within `limit`."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        try:
            status, _ = await simple_get(host, port, "/health", headers)
            if status == 200:
                return time.perf_counter() - t0
            if status == 404:
                status, _ = await simple_get(host, port, "/v1/models", headers)
                if status == 200:
                    return time.perf_counter() - t0
        except (OSError, RequestError, asyncio.TimeoutError):
            pass
        await asyncio.sleep(0.5)
    return None


async def fetch_metrics(host, port, headers):
    names = ("loupe_slots_busy", "loupe_queue_depth")
    try:
        status, body = await simple_get(host, port, "/metrics", headers)
    except (OSError, RequestError, asyncio.TimeoutError) as e:
        return {"status": None, "error": str(e), "lines": []}
    lines = [
        line for line in body.decode("utf-8", "replace").splitlines()
        if line.startswith(names)  # samples, e.g. `loupe_slots_busy 0` or with {labels}
    ]
    return {"status": status, "lines": lines}


# ---------------------------------------------------------------------------------------------
# Report


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    x = (len(s) - 1) * p / 100.0
    lo = int(x)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (x - lo)


def ms(v):
    return None if v is None else round(v * 1000.0, 1)


def mib(kib):
    return None if kib is None else round(kib / 1024.0, 1)


def build_report(args, wall, results, errors, rss, metrics, waited):
    lat = [r["latency"] for r in results]
    ttft = [r["ttft"] for r in results if r["ttft"] is not None]
    tokens = sum(r["tokens"] for r in results)
    with_usage = sum(1 for r in results if r["usage"])
    report = {
        "url": args.url,
        "clients": args.clients,
        "seconds": args.seconds,
        "max_tokens": args.max_tokens,
        "stream": args.stream,
        "temperature": args.temperature,
        "health_wait_s": None if waited is None else round(waited, 2),
        "wall_s": round(wall, 3),
        "requests": len(results),
        "errors": len(errors),
        "requests_per_s": round(len(results) / wall, 3) if wall > 0 else None,
        "completion_tokens": tokens,
        "tokens_per_s": round(tokens / wall, 2) if wall > 0 else None,
        "tokens_per_request": round(tokens / len(results), 2) if results else None,
        "tokens_counted_from": (
            "none" if not results else "usage" if with_usage == len(results)
            else "content chunks" if with_usage == 0 else f"usage ({with_usage}), content chunks (rest)"
        ),
        "latency_ms": {f"p{p}": ms(percentile(lat, p)) for p in (50, 95, 99)},
        "ttft_ms": {f"p{p}": ms(percentile(ttft, p)) for p in (50, 95)},
        "first_errors": errors[:MAX_ERRORS_KEPT],
    }
    if args.pid is not None:
        report["rss_mib"] = {
            "pid": args.pid,
            "samples": len(rss),
            "start": mib(rss[0]) if rss else None,
            "median": mib(statistics.median(rss)) if rss else None,
            "max": mib(max(rss)) if rss else None,
            "end": mib(rss[-1]) if rss else None,
        }
    if metrics is not None:
        report["metrics"] = metrics
    return report


def print_table(rep):
    def fmt(v, unit=""):
        return "-" if v is None else f"{v}{unit}"

    rows = [
        ("url", rep["url"]),
        ("clients / seconds", f"{rep['clients']} / {rep['seconds']:g}"),
        ("max_tokens / stream", f"{rep['max_tokens']} / {'on' if rep['stream'] else 'off'}"),
        ("health wait", fmt(rep["health_wait_s"], " s")),
        ("wall", fmt(rep["wall_s"], " s")),
        ("requests ok", rep["requests"]),
        ("errors", rep["errors"]),
        ("requests/s", fmt(rep["requests_per_s"])),
        ("completion tokens", f"{rep['completion_tokens']} (from {rep['tokens_counted_from']})"),
        ("tokens/s", fmt(rep["tokens_per_s"])),
        ("tokens/request", fmt(rep["tokens_per_request"])),
        ("latency p50/p95/p99", " / ".join(fmt(v) for v in rep["latency_ms"].values()) + " ms"),
        ("TTFT p50/p95", " / ".join(fmt(v) for v in rep["ttft_ms"].values()) + " ms"),
    ]
    if "rss_mib" in rep:
        r = rep["rss_mib"]
        rows.append((f"RSS pid {r['pid']} start/median/max/end",
                     f"{fmt(r['start'])} / {fmt(r['median'])} / {fmt(r['max'])} / {fmt(r['end'])} MiB"
                     f" ({r['samples']} samples)"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if "metrics" in rep:
        m = rep["metrics"]
        print(f"/metrics (status {fmt(m.get('status'))}):")
        for line in m["lines"] or ["  (no loupe_slots_busy / loupe_queue_depth lines)"]:
            print(f"  {line}")
    for e in rep["first_errors"]:
        print(f"error: {e['kind']} (status {fmt(e['status'])}) {e['body_head']!r}")


# ---------------------------------------------------------------------------------------------


async def run(args):
    u = urllib.parse.urlsplit(args.url)
    if u.scheme != "http" or not u.hostname:
        sys.exit(f"serve_load.py: --url must be http://HOST:PORT (got {args.url!r})")
    host, port = u.hostname, u.port or 80
    args.path = (u.path.rstrip("/") or "") + "/v1/chat/completions"
    headers = {"Accept": "text/event-stream" if args.stream else "application/json",
               "Content-Type": "application/json"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"
    get_headers = {k: v for k, v in headers.items() if k == "Authorization"}

    if args.prompt_set == "default":
        prompts = DEFAULT_PROMPTS
    else:
        with open(args.prompt_set, encoding="utf-8") as f:
            prompts = [line.strip() for line in f if line.strip()]
        if not prompts:
            sys.exit(f"serve_load.py: no prompts in {args.prompt_set}")

    waited = None
    if args.health_wait:
        waited = await health_wait(host, port, get_headers)
        if waited is None:
            print("serve_load.py: server not ready after 120 s", file=sys.stderr)
            return 2

    rss, stop = [], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(args.pid, rss, stop)) if args.pid is not None else None
    results, errors = [], []
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    await asyncio.gather(*(
        client(i, args, host, port, headers, prompts, deadline, results, errors)
        for i in range(args.clients)
    ))
    wall = time.perf_counter() - t0
    if sampler is not None:
        stop.set()
        await sampler
        end = read_rss_kib(args.pid)
        if end is not None:
            rss.append(end)
    metrics = await fetch_metrics(host, port, get_headers) if args.metrics else None

    rep = build_report(args, wall, results, errors, rss, metrics, waited)
    if args.json:
        print(json.dumps(rep))
    else:
        print_table(rep)
    return 1 if errors else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:8080", help="server base URL (http only)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--seconds", type=float, default=60.0, help="no request starts after this (default 60)")
    p.add_argument("--max-tokens", type=int, default=32, help="max_tokens per request (default 32)")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature (default 0)")
    p.add_argument("--model", default="x", help='"model" field of each request (default "x")')
    p.add_argument("--api-key", default=os.environ.get("LOUPE_API_KEY"),
                   help="sent as Authorization: Bearer KEY (default $LOUPE_API_KEY, if set)")
    p.add_argument("--stream", action=argparse.BooleanOptionalAction, default=True,
                   help="stream responses as server-sent events (default on; --no-stream for JSON)")
    p.add_argument("--prompt-set", default="default",
                   help="'default' (8 built-in prompts) or a file with one prompt per line")
    p.add_argument("--timeout", type=float, default=120.0, help="per-request timeout in s (default 120)")
    p.add_argument("--pid", type=int, help="sample this process's VmRSS once a second")
    p.add_argument("--metrics", action="store_true", help="GET /metrics at the end; report loupe_* lines")
    p.add_argument("--health-wait", action="store_true", help="poll GET /health (up to 120 s) first")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = p.parse_args()
    if args.clients < 1 or args.seconds <= 0 or args.max_tokens < 1:
        p.error("--clients and --max-tokens must be >= 1, --seconds > 0")
    if args.pid is not None and read_rss_kib(args.pid) is None:
        p.error(f"no VmRSS in /proc/{args.pid}/status")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
