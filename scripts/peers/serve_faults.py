#!/usr/bin/env python3
"""Fault checks for `loupe serve`: clients that go away, oversized and malformed requests, prompts
over the context, many idle connections, and SIGTERM while requests are streaming. Standard library
only, so it runs with any python3 (3.9+):

    python3 scripts/peers/serve_faults.py .build/release/loupe

Starts `loupe serve --port 0 --parallel 2 --idle-timeout 5 --drain-timeout 20` (plus `--context 512`
when `loupe serve --help` lists --context), waits for /health, runs the checks (each bounded in time),
prints ✓ or ✗ per check with its figures, always kills the server, and exits 1 if any check failed.
The SIGTERM check comes last: it ends the server. Linux only (reads /proc/PID/status for VmRSS).
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

IDLE_TIMEOUT = 5
DRAIN_TIMEOUT = 20
TOTAL_TIMEOUT = 600.0  # a watchdog kills the server and exits 1 past this
BIG_BODY = 100 * 1024 * 1024
IDLE_CONNECTIONS = 1000

failures: list[str] = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    print(f"{'✓' if ok else '✗'} {what}" + (f" — {detail}" if detail else ""), flush=True)
    if not ok:
        failures.append(what)
    return ok


def run_check(what: str, fn) -> None:
    print(f"--- {what}", flush=True)
    try:
        fn()
    except Exception as e:  # noqa: BLE001 — report and go on to the next check
        check(False, what, f"{type(e).__name__}: {str(e)[:400]}")


# ---------------------------------------------------------------------------------------- server

from loupe_server import Server  # noqa: E402  (scripts/peers/ is the script's folder)


def request(port: int, method: str, path: str, body: bytes | dict | None = None,
            headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def chat_body(content: str, max_tokens: int, stream: bool = False, **kw) -> dict:
    return {"model": "default", "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens,
            "temperature": 0, "stream": stream, **kw}


def chat_ok(port: int, what: str) -> bool:
    status, _, data = request(port, "POST", "/v1/chat/completions", chat_body("Say hello.", 8), timeout=60)
    text = ""
    if status == 200:
        text = json.loads(data)["choices"][0]["message"]["content"]
    return check(status == 200 and text != "", what, f"{status} {text!r}" if status == 200 else f"{status} {data[:200]!r}")


def stream_chat(port: int, body: dict, first_chunk: threading.Event | None = None,
                timeout: float = 120, out: dict | None = None) -> dict:
    """A streaming request read with http.client: status, the data payloads, the text, finish_reason
    (filled into `out` as they come)."""
    out = {} if out is None else out
    out.update({"status": None, "data": [], "text": "", "finish": None, "error": None})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=json.dumps(body),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        r = conn.getresponse()
        out["status"] = r.status
        while True:
            line = r.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\r\n")
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            out["data"].append(payload)
            if first_chunk is not None:
                first_chunk.set()
            if payload == "[DONE]":
                continue
            chunk = json.loads(payload)
            if chunk.get("usage"):
                out["usage"] = chunk["usage"]
            for c in chunk.get("choices", []):
                out["text"] += (c.get("delta") or {}).get("content") or ""
                out["finish"] = c.get("finish_reason") or out["finish"]
    except Exception as e:  # noqa: BLE001
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
        if first_chunk is not None:
            first_chunk.set()
    return out


def metrics(port: int) -> dict[str, float]:
    """GET /metrics, Prometheus text: each metric name (with _bucket/_sum/_count) summed over its labels."""
    status, _, data = request(port, "GET", "/metrics", timeout=10)
    if status != 200:
        raise RuntimeError(f"GET /metrics → {status}")
    values: dict[str, float] = {}
    for line in data.decode("utf-8").splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m and not line.startswith("#"):
            values[m.group(1)] = values.get(m.group(1), 0.0) + float(m.group(3))
    return values


def error_of(data: bytes) -> dict:
    try:
        err = json.loads(data).get("error")
    except (ValueError, AttributeError):
        return {}
    return err if isinstance(err, dict) else {}


def describe_error(status: int, data: bytes) -> str:
    err = error_of(data)
    if not err:
        return f"{status} {data[:200]!r}"
    return f"{status} type={err.get('type')!r} param={err.get('param')!r} code={err.get('code')!r}: {err.get('message')!r}"


# ---------------------------------------------------------------------------------------- checks

def check_client_disconnect(srv: Server) -> None:
    port = srv.port
    body = chat_body("Count from 1 to 300, separated by commas.", 200, stream=True,
                     stream_options={"include_usage": True})
    t = time.monotonic()
    ref = stream_chat(port, body)
    full_s = time.monotonic() - t
    full_tokens = (ref.get("usage") or {}).get("completion_tokens")
    print(f"  a full run of the request: {full_tokens} tokens in {full_s:.1f} s ({ref['finish']})")
    before = metrics(port)
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    payload = json.dumps(body).encode()
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Accept: text/event-stream\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
    got = b""
    deadline = time.monotonic() + 30
    while got.count(b"data:") < 2 and time.monotonic() < deadline:
        part = s.recv(65536)
        if not part:
            break
        got += part
    s.close()
    closed_at = time.monotonic()
    if not check(got.count(b"data:") >= 2, "client read 2 chunks, then closed its socket", f"{len(got)} bytes read"):
        return
    busy, waited = None, 0.0
    while time.monotonic() - closed_at < 5:
        busy = metrics(port).get("loupe_slots_busy")
        waited = time.monotonic() - closed_at
        if busy == 0:
            break
        time.sleep(0.1)
    note = "" if full_s > 5 else f" (a full run takes only {full_s:.1f} s, so this alone does not prove cancellation)"
    check(busy == 0, "loupe_slots_busy is 0 within 5 s of the client going away",
          f"{busy} after {waited:.2f} s{note}")
    after = metrics(port)
    if "loupe_generated_tokens_total" in before and "loupe_generated_tokens_total" in after:
        generated = after["loupe_generated_tokens_total"] - before["loupe_generated_tokens_total"]
        if full_tokens and full_tokens >= 100:
            check(generated < full_tokens, "generation stopped early for the gone client (loupe_generated_tokens_total)",
                  f"{generated:.0f} tokens generated vs {full_tokens} for the full run")
        else:
            print(f"  (not judged: {generated:.0f} tokens generated; the full run made only {full_tokens})")
    else:
        check(False, "loupe_generated_tokens_total in /metrics", "missing")
    chat_ok(port, "a following request succeeds")


def check_big_body(srv: Server, chunked: bool) -> None:
    port = srv.port
    rss0 = srv.rss_kib()
    hwm0 = srv.rss_kib("VmHWM")
    peak = [rss0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            try:
                peak[0] = max(peak[0], srv.rss_kib())
            except (OSError, RuntimeError):
                return
            time.sleep(0.02)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % BIG_BODY
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + framing + b"\r\n")
    # The body: garbage that starts like JSON, in 64 KiB pieces (each a chunk when chunked), then the
    # terminating chunk. `sent` counts the bytes that went out after the head.
    piece = b'{"messages": [{"role": "user", "content": "' + b"x" * (64 * 1024 - 44)

    def frames():
        left = BIG_BODY
        while left > 0:
            part = piece[:left]
            left -= len(part)
            yield (b"%x\r\n" % len(part) + part + b"\r\n") if chunked else part
        if chunked:
            yield b"0\r\n\r\n"
    body_frames = frames()
    outgoing, sent, answer, closed, how, finished = b"", 0, b"", False, "", False
    s.setblocking(False)
    poller = select.poll()
    t0 = time.monotonic()
    deadline = t0 + 60
    try:
        while time.monotonic() < deadline:
            if not outgoing and not finished:
                outgoing = next(body_frames, b"")
                finished = not outgoing
            poller.register(s, select.POLLIN | (select.POLLOUT if outgoing else 0))
            ready = poller.poll(1000)
            poller.unregister(s)
            events = ready[0][1] if ready else 0
            if events & (select.POLLIN | select.POLLHUP | select.POLLERR):
                part = s.recv(65536)
                if not part:
                    closed, how = True, "closed by the server"
                    break
                answer += part
                if b"\r\n\r\n" in answer:
                    break
                continue
            if events & select.POLLOUT:
                try:
                    n = s.send(outgoing)
                    sent += n
                    outgoing = outgoing[n:]
                except BlockingIOError:
                    pass
    except (BrokenPipeError, ConnectionResetError) as e:
        closed, how = True, type(e).__name__
    # Read whatever answer arrived (the server may answer and close while the body is still coming).
    s.setblocking(True)
    s.settimeout(5)
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            answer += part
            head, sep, rest = answer.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
    except OSError:
        pass
    s.close()
    elapsed = time.monotonic() - t0
    time.sleep(0.3)
    sampling.set()
    sampler.join(2)
    rss1, hwm1 = srv.rss_kib(), srv.rss_kib("VmHWM")

    status, body = None, b""
    head, sep, rest = answer.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if m:
        status, body = int(m.group(1)), rest
        if re.search(rb"(?i)transfer-encoding:\s*chunked", head):
            body = dechunk(rest)
    kind = "chunked" if chunked else "Content-Length: 104857600"
    figures = (f"{status or how or 'no answer'} after {sent / 1e6:.1f} MB sent in {elapsed:.1f} s; "
               f"VmRSS {rss0 / 1024:.0f} → peak {peak[0] / 1024:.0f} → {rss1 / 1024:.0f} MiB, "
               f"VmHWM {hwm0 / 1024:.0f} → {hwm1 / 1024:.0f} MiB")
    if status is not None:
        err = error_of(body)
        check(status == 413 and bool(err.get("message")) and not finished,
              f"100 MB body ({kind}) → 413 with an OpenAI error object, before the whole body is sent",
              figures + (f"; {describe_error(status, body)}" if status != 413 or not err else f"; {err.get('message')!r}"))
    else:
        check(closed and not finished, f"100 MB body ({kind}) → connection closed early", figures)
    check((peak[0] - rss0) < 50 * 1024 and (hwm1 - hwm0) < 50 * 1024,
          f"100 MB body ({kind}): server memory did not grow by ~100 MB",
          f"peak VmRSS +{(peak[0] - rss0) / 1024:.1f} MiB, VmHWM +{(hwm1 - hwm0) / 1024:.1f} MiB")
    chat_ok(port, "a following request succeeds")


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, sep, data = data.partition(b"\r\n")
        try:
            n = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if n == 0 or not sep:
            break
        out, data = out + data[:n], data[n + 2:]
    return out


def check_malformed(srv: Server) -> None:
    port = srv.port
    status, headers, data = request(port, "POST", "/v1/chat/completions", b'{"messages": [{"role": "user", ', timeout=30)
    err = error_of(data)
    check(status == 400 and headers.get("content-type", "").startswith("application/json")
          and "json" in str(err.get("message", "")).lower() and {"message", "type", "param", "code"} <= set(err),
          "invalid JSON → 400, error.message names the problem (mentions JSON)", describe_error(status, data))
    status, _, data = request(port, "POST", "/v1/chat/completions", {"model": "default", "max_tokens": 4}, timeout=30)
    err = error_of(data)
    check(status == 400 and err.get("param") == "messages", "missing messages → 400, error.param == \"messages\"",
          describe_error(status, data))
    status, _, data = request(port, "POST", "/v1/chat/completions", {"messages": "hello", "max_tokens": 4}, timeout=30)
    err = error_of(data)
    check(status == 400 and err.get("param") == "messages", "messages of the wrong type → 400, error.param == \"messages\"",
          describe_error(status, data))
    status, _, data = request(port, "POST", "/v1/completions", {"max_tokens": 4}, timeout=30)
    err = error_of(data)
    check(status == 400 and err.get("param") == "prompt", "completions without prompt → 400, error.param == \"prompt\"",
          describe_error(status, data))
    chat_ok(port, "the server still serves")


def check_context(srv: Server) -> None:
    port = srv.port
    long_text = "hello " * 10_000
    for path, body in (("/v1/chat/completions", chat_body(long_text, 4)),
                       ("/v1/completions", {"model": "default", "prompt": long_text, "max_tokens": 4, "temperature": 0})):
        t = time.monotonic()
        status, _, data = request(port, "POST", path, body, timeout=60)
        took = time.monotonic() - t
        err = error_of(data)
        check(status == 400 and err.get("code") == "context_length_exceeded" and took < 30,
              f"{path}: 10,000 × 'hello ' → 400 context_length_exceeded",
              f"{describe_error(status, data)} in {took:.2f} s")
    chat_ok(port, "the server still serves")


def check_idle_connections(srv: Server) -> None:
    port = srv.port
    socks: list[socket.socket] = []
    opened_at: dict[int, float] = {}
    failed = 0
    t0 = time.monotonic()
    try:
        # Connect in batches of 100, non-blocking: a burst of 1,000 at once would overflow a usual
        # accept backlog (e.g. 256), and the kernel then leaves the excess half-open until SYN-ACK
        # retries, which is not what this check is about.
        for batch in range(0, IDLE_CONNECTIONS, 100):
            connecting: dict[int, socket.socket] = {}
            for _ in range(min(100, IDLE_CONNECTIONS - batch)):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                if s.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS):
                    connecting[s.fileno()] = s
                else:
                    s.close()
                    failed += 1
            poller = select.poll()
            for fd in connecting:
                poller.register(fd, select.POLLOUT)
            batch_deadline = time.monotonic() + 10
            while connecting and time.monotonic() < batch_deadline:
                for fd, _ in poller.poll(250):
                    s = connecting.pop(fd, None)
                    if s is None:
                        continue
                    poller.unregister(fd)
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                        socks.append(s)
                        opened_at[fd] = time.monotonic()
                    else:
                        s.close()
                        failed += 1
            for s in connecting.values():
                s.close()
                failed += 1
            time.sleep(0.05)
        opened = time.monotonic() - t0
        check(failed == 0, f"{IDLE_CONNECTIONS} idle TCP connections open", f"{len(socks)} opened in {opened:.1f} s, {failed} failed")
        t = time.monotonic()
        chat_ok(port, f"a chat request succeeds while {len(socks)} idle connections are open")
        status, _, _ = request(port, "GET", "/health", timeout=10)
        check(status == 200, "GET /health while they are open", f"{status} ({time.monotonic() - t:.2f} s for both)")

        # Wait for the server to close them: idle timeout + a margin after the last one opened.
        pending = {s.fileno(): s for s in socks}
        closed_after: list[float] = []
        deadline = max(opened_at.values(), default=time.monotonic()) + IDLE_TIMEOUT + 10
        poller = select.poll()  # not select(): descriptors above 1,024 are out of its range
        for fd in pending:
            poller.register(fd, select.POLLIN)
        while pending and time.monotonic() < deadline:
            for fd, _ in poller.poll(250):
                s = pending.get(fd)
                if s is None:
                    continue
                try:
                    data = s.recv(1024)
                except OSError:
                    data = b""
                if not data:  # EOF or reset: closed by the server (anything else it sent is ignored)
                    closed_after.append(time.monotonic() - opened_at[fd])
                    del pending[fd]
                    poller.unregister(fd)
        closed_after.sort()
        n = len(closed_after)
        early = sum(1 for x in closed_after if x < IDLE_TIMEOUT * 0.8)
        figures = (f"{n}/{len(socks)} closed by the server" +
                   (f", after {closed_after[0]:.1f}–{closed_after[-1]:.1f} s (median {closed_after[n // 2]:.1f} s); "
                    f"{early} before {IDLE_TIMEOUT * 0.8:.0f} s" if n else ""))
        check(n >= 0.9 * len(socks) and len(socks) > 0, f"the server closed the idle connections after --idle-timeout {IDLE_TIMEOUT}",
              figures)
    finally:
        for s in socks:
            s.close()
    chat_ok(port, "the server still serves")


def check_sigterm(srv: Server) -> None:
    port = srv.port
    prompt = "Write a long story about a dragon who learns to read."
    status, _, data = request(port, "POST", "/v1/chat/completions", chat_body(prompt, 64), timeout=120)
    if not check(status == 200, "reference (non-streaming) run of the request", describe_error(status, data) if status != 200 else ""):
        return
    ref = json.loads(data)["choices"][0]
    expected, expected_finish = ref["message"]["content"], ref["finish_reason"]
    print(f"  expected: {len(expected)} characters, finish_reason {expected_finish}")

    events = [threading.Event(), threading.Event()]
    results: list[dict] = [{}, {}]

    def client(i: int) -> None:
        stream_chat(port, chat_body(prompt, 64, stream=True), first_chunk=events[i], timeout=DRAIN_TIMEOUT + 30,
                    out=results[i])
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    for e in events:
        e.wait(60)
    started = [len(r.get("data", [])) for r in results]
    if not check(all(n > 0 for n in started) and not any(r.get("error") for r in results),
                 "2 streams started (first chunks arrived)", f"{started} events so far"):
        return
    still_streaming = sum(1 for t in threads if t.is_alive())
    srv.proc.send_signal(signal.SIGTERM)
    term_at = time.monotonic()
    print(f"  SIGTERM sent with {still_streaming} stream(s) still running")

    time.sleep(0.5)
    try:
        status, _, data = request(port, "POST", "/v1/chat/completions", chat_body("Say hello.", 4), timeout=10)
        outcome = describe_error(status, data)
        ok = status == 503
    except ConnectionRefusedError:
        outcome, ok = "connection refused", True
    except OSError as e:
        outcome, ok = f"{type(e).__name__}: {e}", False
    check(ok, "a new request after SIGTERM is refused or answered 503", outcome)

    for t in threads:
        t.join(DRAIN_TIMEOUT + 30)
    for i, r in enumerate(results):
        done = r.get("data", [])[-1:] == ["[DONE]"]
        check(r.get("status") == 200 and done and r.get("error") is None and r.get("text") == expected
              and r.get("finish") == expected_finish,
              f"stream {i + 1} completed during the drain: [DONE], the full text",
              f"{len(r.get('data', []))} events, {len(r.get('text', ''))} characters, finish {r.get('finish')}"
              + ("" if r.get("text") == expected else f"; got {r.get('text')!r} vs {expected!r}")
              + (f"; {r['error']}" if r.get("error") else ""))
    try:
        code = srv.proc.wait(max(1.0, term_at + DRAIN_TIMEOUT + 2 - time.monotonic()))
        took = time.monotonic() - term_at
        check(code == 0 and took <= DRAIN_TIMEOUT + 2, f"the server exits with code 0 within --drain-timeout {DRAIN_TIMEOUT}",
              f"code {code} after {took:.1f} s")
    except subprocess.TimeoutExpired:
        check(False, f"the server exits with code 0 within --drain-timeout {DRAIN_TIMEOUT}",
              f"still running {time.monotonic() - term_at:.1f} s after SIGTERM")


# ---------------------------------------------------------------------------------------- main

def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    loupe = sys.argv[1]

    # 1,000 client sockets (+ the server's, which inherits this limit) need more than the usual 1,024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * IDLE_CONNECTIONS if hard == resource.RLIM_INFINITY else min(hard, 4 * IDLE_CONNECTIONS)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    print(f"RLIMIT_NOFILE {soft} → {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")

    help_text = subprocess.run([loupe, "serve", "--help"], capture_output=True, text=True, timeout=60).stdout
    args = ["--parallel", "2", "--idle-timeout", str(IDLE_TIMEOUT), "--drain-timeout", str(DRAIN_TIMEOUT)]
    if "--context" in help_text:
        args += ["--context", "512"]
    srv: Server | None = None

    def watchdog() -> None:
        print(f"✗ watchdog: the checks ran past {TOTAL_TIMEOUT:.0f} s; killing the server", flush=True)
        if srv is not None:
            srv.kill()
        os._exit(1)
    timer = threading.Timer(TOTAL_TIMEOUT, watchdog)
    timer.daemon = True
    timer.start()
    try:
        srv = Server(loupe, args)
        srv.wait_ready()
        check(True, f"loupe serve {' '.join(args)} is up on port {srv.port} (pid {srv.proc.pid})")
        run_check("a. client goes away mid-stream", lambda: check_client_disconnect(srv))
        run_check("b. 100 MB body (Content-Length)", lambda: check_big_body(srv, chunked=False))
        run_check("b. 100 MB body (chunked)", lambda: check_big_body(srv, chunked=True))
        run_check("c. malformed requests", lambda: check_malformed(srv))
        run_check("d. prompt over the context", lambda: check_context(srv))
        run_check("e. 1,000 idle connections", lambda: check_idle_connections(srv))
        run_check("f. SIGTERM while streaming", lambda: check_sigterm(srv))
    except Exception as e:  # noqa: BLE001
        check(False, "set-up", f"{type(e).__name__}: {e}")
    finally:
        timer.cancel()
        if srv is not None:
            srv.kill()
            if failures:
                print(f"server log ({srv.log.name}), last lines:\n{srv.log_tail()}")
    print(f"FAILED: {len(failures)} check(s) failed" if failures else "OK: all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
