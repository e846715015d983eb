"""A `loupe serve` process for the peer scripts (openai_check.py, serve_faults.py): started on a
free port, its port read from the line it prints, /health waited on, its log kept, killed at the end."""
from __future__ import annotations

import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

STARTUP_TIMEOUT = 180.0


class Server:
    def __init__(self, loupe: str, args: list[str]):
        self.log = tempfile.NamedTemporaryFile(prefix="loupe-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([loupe, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=self.log, stdin=subprocess.DEVNULL)
        self.port: int | None = None
        self._port_seen = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.log.write(b"[stdout] " + raw)
            self.log.flush()
            if self.port is None:
                m = re.search(r"http://[^\s/]+:(\d+)", raw.decode("utf-8", "replace"))
                if m:
                    self.port = int(m.group(1))
                    self._port_seen.set()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._port_seen.wait(0.2):
            if self.proc.poll() is not None:
                raise RuntimeError(f"loupe serve exited with {self.proc.returncode} before listening\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no http://HOST:PORT line on stdout within {STARTUP_TIMEOUT:.0f} s")
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError as e:
                if e.code != 503:
                    raise RuntimeError(f"GET /health answered {e.code}") from e
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"loupe serve exited with {self.proc.returncode}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"/health not 200 within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.25)

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log.name, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def rss_kib(self, field: str = "VmRSS") -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"no {field} in /proc/{self.proc.pid}/status")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


# ---------------------------------------------------------------------------------------- HTTP
