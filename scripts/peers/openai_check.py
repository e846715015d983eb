#!/usr/bin/env python3
"""Drives `loupe serve` with the official OpenAI Python client (the `openai` package, pinned in
setup-python-peers.sh) and checks that what it gets back is what an OpenAI-compatible server gives.

    ~/.cache/loupe/peers-venv/bin/python scripts/peers/openai_check.py .build/release/loupe

Starts `loupe serve --port 0 --parallel 2 --api-key KEY` (a random key), waits for /health, runs the
checks below, prints one line per check (✓ or ✗), always kills the server, and exits 1 if any check
failed. Checks: models.list; non-streaming and streaming chat (greedy; the streamed deltas must add up
to the non-streaming text); completions, non-streaming and streaming, equal to `loupe generate` for the
same prompt; stop strings; seeds; two concurrent requests (--parallel 2); logprobs/top_logprobs;
BadRequestError and AuthenticationError; traces (body field and header), the trace JSON and HTML page.

For trying the client logic against another OpenAI-compatible server (no server is started):
    ... openai_check.py LOUPE --base-url http://127.0.0.1:8000/v1 [--api-key KEY]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

try:
    import openai
    from openai import OpenAI
except ImportError:
    sys.exit("error: the openai package is missing; run scripts/peers/setup-python-peers.sh and use "
             "~/.cache/loupe/peers-venv/bin/python")

PROMPT = "The three primary colors are"
CHAT = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
REQUEST_TIMEOUT = 120.0

failures: list[str] = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    mark = "✓" if ok else "✗"
    print(f"{mark} {what}" + (f" — {detail}" if detail else ""), flush=True)
    if not ok:
        failures.append(what)
    return ok


def run_check(what: str, fn) -> None:
    """Runs one check function; an exception is a failure of that check, not of the script."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 — report and go on to the next check
        check(False, what, f"{type(e).__name__}: {str(e)[:400]}")


# ---------------------------------------------------------------------------------------- server

from loupe_server import Server  # noqa: E402  (scripts/peers/ is the script's folder)


# ---------------------------------------------------------------------------------------- helpers

def loupe_generate(loupe: str, prompt: str, max_tokens: int) -> dict:
    """`loupe generate PROMPT --temperature 0 --max-tokens N --json`: {"text", "ids", "stop", ...}."""
    out = subprocess.run([loupe, "generate", prompt, "--temperature", "0", "--max-tokens", str(max_tokens), "--json"],
                         capture_output=True, timeout=300, check=True)
    return json.loads(out.stdout)


def http_get(url: str, key: str | None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def raw_sse(base: str, path: str, key: str | None, body: dict) -> tuple[int, str, list[str]]:
    """POSTs a streaming request with http.client; returns (status, content-type, the `data:` payloads)."""
    m = re.match(r"http://([^/:]+):(\d+)(/.*)?$", base)
    assert m, base
    conn = http.client.HTTPConnection(m.group(1), int(m.group(2)), timeout=REQUEST_TIMEOUT)
    try:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        conn.request("POST", (m.group(3) or "").rstrip("/") + path, body=json.dumps(body), headers=headers)
        r = conn.getresponse()
        data: list[str] = []
        for line in r.read().decode("utf-8").splitlines():
            if line.startswith("data:"):
                data.append(line[5:].strip())
        return r.status, r.getheader("Content-Type") or "", data
    finally:
        conn.close()


def error_body(e: openai.APIStatusError) -> dict:
    body = e.body if isinstance(e.body, dict) else {}
    # The client hands over the inner {"message", "type", "param", "code"} object as .body.
    return body.get("error", body) if isinstance(body.get("error"), dict) else body


# ---------------------------------------------------------------------------------------- checks

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("loupe", help="path of the loupe binary (e.g. .build/release/loupe)")
    ap.add_argument("--base-url", help="check an already running server at this URL (…/v1) instead of starting one")
    ap.add_argument("--api-key", help="with --base-url: its key")
    opts = ap.parse_args()

    server: Server | None = None
    try:
        if opts.base_url:
            base_url, key = opts.base_url.rstrip("/"), opts.api_key
        else:
            key = secrets.token_hex(16)
            server = Server(opts.loupe, ["--parallel", "2", "--api-key", key])
            server.wait_ready()
            base_url = f"http://127.0.0.1:{server.port}/v1"
            check(True, f"loupe serve is up on port {server.port} (pid {server.proc.pid})")
        origin = re.sub(r"/v1$", "", base_url)
        run_checks(opts.loupe, base_url, origin, key, server)
    except Exception as e:  # noqa: BLE001
        check(False, "set-up", f"{type(e).__name__}: {e}")
    finally:
        if server is not None:
            server.kill()
            if failures:
                print(f"server log ({server.log.name}), last lines:\n{server.log_tail()}")
    print(f"FAILED: {len(failures)} check(s) failed" if failures else "OK: all checks passed")
    return 1 if failures else 0


def run_checks(loupe: str, base_url: str, origin: str, key: str | None, server: Server | None) -> None:
    # Strict: the client validates every response against its pydantic models (required fields, literal
    # values such as object == "chat.completion"), instead of building them leniently. Streamed
    # completions are read with the lenient client: the Completion model has a non-optional
    # finish_reason, and OpenAI itself sends null in all but the last chunk.
    client = OpenAI(base_url=base_url, api_key=key or "none", max_retries=0, timeout=REQUEST_TIMEOUT,
                    _strict_response_validation=True)
    lenient = OpenAI(base_url=base_url, api_key=key or "none", max_retries=0, timeout=REQUEST_TIMEOUT)
    state: dict = {}

    # ---- GET /v1/models
    def models():
        ms = client.models.list().data
        check(len(ms) == 1 and bool(ms[0].id), "models.list() has one model", ", ".join(m.id for m in ms))
        state["model"] = ms[0].id if ms else "model"
    run_check("models.list()", models)
    model = state.get("model", "model")

    # ---- non-streaming chat
    def chat():
        r = client.chat.completions.create(model=model, messages=CHAT, temperature=0, max_tokens=24)
        c = r.choices[0]
        text = c.message.content or ""
        state["chat"] = r
        check(len(r.choices) == 1 and c.message.role == "assistant" and text.strip() != "",
              "chat (non-streaming): one choice, an assistant message", repr(text))
        check(c.finish_reason in ("stop", "length"), "chat: finish_reason is stop or length", str(c.finish_reason))
        u = r.usage
        check(u is not None and u.prompt_tokens > 0 and 0 < u.completion_tokens <= 24
              and u.total_tokens == u.prompt_tokens + u.completion_tokens,
              "chat: usage counts", f"{u.prompt_tokens if u else None} + {u.completion_tokens if u else None} = {u.total_tokens if u else None}")
        check(r.model == model and r.id != "" and r.created > 0, "chat: id, created, model", f"{r.id} {r.created} {r.model}")
    run_check("chat (non-streaming)", chat)

    # ---- streaming chat, same request: deltas add up to the same text
    def chat_stream():
        ref = state.get("chat")
        chunks = list(client.chat.completions.create(model=model, messages=CHAT, temperature=0, max_tokens=24,
                                                     stream=True, stream_options={"include_usage": True}))
        with_choices = [c for c in chunks if c.choices]
        text = "".join(c.choices[0].delta.content or "" for c in with_choices)
        finishes = [c.choices[0].finish_reason for c in with_choices if c.choices[0].finish_reason]
        usage = [c.usage for c in chunks if c.usage is not None]
        check(len(with_choices) >= 2 and with_choices[0].choices[0].delta.role == "assistant",
              "chat (streaming): chunks, the first delta has role assistant", f"{len(chunks)} chunks")
        if ref is not None:
            check(text == ref.choices[0].message.content, "chat: streamed deltas == non-streaming text (greedy)",
                  repr(text) if text == ref.choices[0].message.content
                  else f"stream {text!r} vs {ref.choices[0].message.content!r}")
        check(len(finishes) == 1 and with_choices[-1].choices[0].finish_reason == finishes[0]
              and (ref is None or finishes[0] == ref.choices[0].finish_reason),
              "chat stream: exactly one finish_reason, on the last choice chunk", str(finishes))
        check(len(usage) == 1 and chunks[-1].usage is not None and not chunks[-1].choices
              and (ref is None or ref.usage is None or usage[0].completion_tokens == ref.usage.completion_tokens),
              "chat stream: include_usage → a final chunk with usage and no choices",
              str(usage[0].model_dump(exclude_none=True)) if usage else "none")
        ids = {c.id for c in chunks}
        check(len(ids) == 1, "chat stream: every chunk has the same id", str(ids))
        status, ctype, data = raw_sse(base_url, "/chat/completions", key,
                                      {"model": model, "messages": CHAT, "temperature": 0, "max_tokens": 8, "stream": True})
        check(status == 200 and ctype.startswith("text/event-stream") and data and data[-1] == "[DONE]"
              and data.count("[DONE]") == 1,
              "chat stream (raw): text/event-stream, ends with data: [DONE]", f"{status} {ctype!r}, {len(data)} events")
    run_check("chat (streaming)", chat_stream)

    # ---- completions == loupe generate
    def completions():
        gen = loupe_generate(loupe, PROMPT, 24)
        expected = gen["text"]
        expected_finish = "length" if gen.get("stop") == "limit" else "stop"
        state["gen"] = gen
        r = client.completions.create(model=model, prompt=PROMPT, temperature=0, max_tokens=24)
        c = r.choices[0]
        check(c.text == expected, "completions (non-streaming) == `loupe generate` continuation",
              repr(c.text) if c.text == expected else f"{c.text!r} vs generate {expected!r}")
        check(c.finish_reason == expected_finish, "completions: finish_reason", f"{c.finish_reason} (generate: {gen.get('stop')})")
        check(r.usage is not None and r.usage.prompt_tokens == len(gen["prompt_ids"])
              and r.usage.completion_tokens == len(gen["ids"]),
              "completions: usage == generate's prompt/generated token counts",
              f"{r.usage.prompt_tokens if r.usage else None}/{r.usage.completion_tokens if r.usage else None} "
              f"vs {len(gen['prompt_ids'])}/{len(gen['ids'])}")
        chunks = list(lenient.completions.create(model=model, prompt=PROMPT, temperature=0, max_tokens=24, stream=True))
        text = "".join(ch.choices[0].text for ch in chunks if ch.choices)
        finishes = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
        check(text == expected, "completions (streaming) == `loupe generate` continuation",
              f"{len(chunks)} chunks" if text == expected else f"{text!r} vs generate {expected!r}")
        check(finishes == [expected_finish] and all(ch.object == "text_completion" for ch in chunks),
              "completions stream: object text_completion, one finish_reason at the end", str(finishes))
        status, ctype, data = raw_sse(base_url, "/completions", key,
                                      {"model": model, "prompt": PROMPT, "temperature": 0, "max_tokens": 4, "stream": True})
        check(status == 200 and data and data[-1] == "[DONE]", "completions stream (raw): ends with data: [DONE]",
              f"{status} {ctype!r}, {len(data)} events")
    run_check("completions", completions)

    # ---- stop strings: the text ends just before the stop string, which is not included
    def stop():
        gen = state.get("gen") or loupe_generate(loupe, PROMPT, 24)
        words = gen["text"].split(" ")
        if len(words) < 6:
            check(False, "stop", f"generate's text too short to pick a stop string: {gen['text']!r}")
            return
        stop_str = " " + words[len(words) // 2]
        expected = gen["text"][:gen["text"].index(stop_str)]
        r = client.completions.create(model=model, prompt=PROMPT, temperature=0, max_tokens=24, stop=[stop_str])
        c = r.choices[0]
        check(c.text == expected and c.finish_reason == "stop", f"completions: stop={stop_str!r} cuts the text before it",
              f"{c.text!r} ({c.finish_reason})" + ("" if c.text == expected else f" vs {expected!r}"))
        chunks = list(lenient.completions.create(model=model, prompt=PROMPT, temperature=0, max_tokens=24,
                                                 stop=stop_str, stream=True))
        text = "".join(ch.choices[0].text for ch in chunks if ch.choices)
        check(text == expected, "completions stream: the stop string is held back, never streamed",
              repr(text) if text == expected else f"{text!r} vs {expected!r}")
    run_check("stop", stop)

    # ---- seeds: sampling (temperature 0.9) with one seed twice gives the same text
    def seed():
        kw = dict(model=model, messages=[{"role": "user", "content": "Tell me a short story."}],
                  temperature=0.9, top_p=0.95, max_tokens=24)
        a = client.chat.completions.create(seed=1234, **kw).choices[0].message.content
        b = client.chat.completions.create(seed=1234, **kw).choices[0].message.content
        check(a == b and bool(a), "chat: the same seed gives the same sampled text", repr(a))
    run_check("seed", seed)

    # ---- --parallel 2: two concurrent greedy completions both equal generate's text
    def parallel():
        gen = state.get("gen") or loupe_generate(loupe, PROMPT, 24)
        results: list = [None, None]

        def one(i: int) -> None:
            try:
                results[i] = client.completions.create(model=model, prompt=PROMPT, temperature=0, max_tokens=24).choices[0].text
            except Exception as e:  # noqa: BLE001
                results[i] = e
        threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(REQUEST_TIMEOUT)
        check(all(r == gen["text"] for r in results), "two concurrent greedy completions == `loupe generate`",
              "both equal" if all(r == gen["text"] for r in results) else repr(results))
    run_check("parallel", parallel)

    # ---- logprobs
    def logprobs():
        r = client.chat.completions.create(model=model, messages=CHAT, temperature=0, max_tokens=8,
                                           logprobs=True, top_logprobs=3)
        c = r.choices[0]
        content = (c.logprobs.content if c.logprobs else None) or []
        n = r.usage.completion_tokens if r.usage else None
        check(len(content) > 0 and (n is None or len(content) in (n, n - 1)),
              "chat logprobs: one entry per generated token", f"{len(content)} entries, {n} completion tokens")
        ok3 = all(len(t.top_logprobs) == 3 for t in content)
        check(ok3, "chat logprobs: top_logprobs has 3 alternatives per token",
              str([len(t.top_logprobs) for t in content]))
        sane = all(t.logprob <= 1e-6 and all(a.logprob <= 1e-6 for a in t.top_logprobs)
                   and all(x.logprob >= y.logprob - 1e-6 for x, y in zip(t.top_logprobs, t.top_logprobs[1:]))
                   for t in content)
        check(sane, "chat logprobs: values ≤ 0, alternatives sorted most likely first")
        greedy = all(t.top_logprobs and t.top_logprobs[0].token == t.token
                     and abs(t.top_logprobs[0].logprob - t.logprob) < 1e-4 for t in content)
        check(greedy, "chat logprobs: at temperature 0 each token is its own top alternative",
              " ".join(f"{t.token!r}:{t.logprob:.3f}" for t in content[:8]))
        joined = "".join(t.token for t in content)
        check(joined == (c.message.content or ""), "chat logprobs: the tokens spell the message",
              repr(joined) if joined == c.message.content else f"{joined!r} vs {c.message.content!r}")
    run_check("logprobs", logprobs)

    # ---- errors
    def bad_requests():
        for what, kw in (("temperature=5", dict(messages=CHAT, temperature=5)),
                         ("messages=[]", dict(messages=[])),
                         ("max_tokens=-1", dict(messages=CHAT, max_tokens=-1))):
            try:
                client.chat.completions.create(model=model, **kw)
                check(False, f"chat {what} → openai.BadRequestError", "no error")
            except openai.BadRequestError as e:
                err = error_body(e)
                check(e.status_code == 400 and isinstance(err.get("message"), str) and err["message"] != ""
                      and {"message", "type", "param", "code"} <= set(err),
                      f"chat {what} → openai.BadRequestError (400, error object)",
                      f"type={err.get('type')!r} param={err.get('param')!r} code={err.get('code')!r}: {err.get('message')!r}")
    run_check("bad requests", bad_requests)

    def auth():
        if not key:
            check(True, "authentication", "skipped: no API key")
            return
        wrong = OpenAI(base_url=base_url, api_key=secrets.token_hex(16), max_retries=0, timeout=REQUEST_TIMEOUT)
        for what, call in (("chat", lambda: wrong.chat.completions.create(model=model, messages=CHAT, max_tokens=4)),
                           ("models.list", lambda: wrong.models.list())):
            try:
                call()
                check(False, f"wrong key: {what} → openai.AuthenticationError", "no error")
            except openai.AuthenticationError as e:
                err = error_body(e)
                check(e.status_code == 401 and err.get("code") == "invalid_api_key",
                      f"wrong key: {what} → openai.AuthenticationError (401, code invalid_api_key)",
                      f"code={err.get('code')!r}: {err.get('message')!r}")
        status, _, _ = http_get(f"{base_url}/models", None)
        check(status == 401, "no Authorization header: GET /v1/models → 401", str(status))
        status, _, _ = http_get(f"{origin}/health", None)
        check(status == 200, "no Authorization header: GET /health → 200", str(status))
    run_check("authentication", auth)

    # ---- traces
    def traces():
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=CHAT, temperature=0, max_tokens=8, extra_body={"loupe": {"trace": "default"}})
        body = json.loads(raw.text)
        parsed = raw.parse()
        info = body.get("loupe") or {}
        tid = info.get("trace_id")
        header = raw.headers.get("X-Loupe-Trace-Id")
        check(bool(tid) and header == str(tid) and parsed.choices[0].message.content,
              "trace via body field: loupe.trace_id in the body, the same in X-Loupe-Trace-Id",
              f"body {tid!r}, header {header!r}")
        check(info.get("trace_url") == f"/v1/traces/{tid}" and info.get("html_url") == f"/v1/traces/{tid}/html",
              "trace: trace_url and html_url", f"{info.get('trace_url')} {info.get('html_url')}")
        status, headers, data = http_get(origin + info.get("trace_url", f"/v1/traces/{tid}"), key)
        trace = json.loads(data) if status == 200 else {}
        cycles = trace.get("cycles")
        check(status == 200 and headers.get("content-type", "").startswith("application/json")
              and isinstance(cycles, list) and len(cycles) > 0 and "promptTokens" in trace,
              "GET trace_url → trace JSON with cycles and promptTokens",
              f"{status}, {len(cycles) if isinstance(cycles, list) else cycles!r} cycles, keys {sorted(trace)[:12]}")
        status, headers, data = http_get(origin + info.get("html_url", f"/v1/traces/{tid}/html"), key)
        check(status == 200 and headers.get("content-type", "").startswith("text/html") and b"<html" in data[:4096].lower(),
              "GET html_url → text/html page", f"{status} {headers.get('content-type')!r}, {len(data)} bytes")
        if key:
            status, _, _ = http_get(origin + f"/v1/traces/{tid}", None)
            check(status == 401, "GET trace_url without the key → 401", str(status))
        raw2 = client.chat.completions.with_raw_response.create(
            model=model, messages=CHAT, temperature=0, max_tokens=4, extra_headers={"X-Loupe-Trace": "default"})
        tid2 = (json.loads(raw2.text).get("loupe") or {}).get("trace_id")
        check(bool(tid2) and tid2 != tid and raw2.headers.get("X-Loupe-Trace-Id") == str(tid2),
              "trace via X-Loupe-Trace header: a new trace id", f"{tid2!r}")
        plain = client.chat.completions.with_raw_response.create(model=model, messages=CHAT, temperature=0, max_tokens=4)
        check("loupe" not in json.loads(plain.text) and plain.headers.get("X-Loupe-Trace-Id") is None,
              "no trace asked → no loupe field, no X-Loupe-Trace-Id")
        status, _, _ = http_get(origin + "/v1/traces/does-not-exist", key)
        check(status == 404, "GET /v1/traces/<unknown id> → 404", str(status))
    run_check("traces", traces)

    if server is not None:
        check(server.proc.poll() is None, "the server is still running after all checks")


if __name__ == "__main__":
    sys.exit(main())
