"""A real ``lifecircle serve`` process on a free loopback port, for the tests that need HTTP and process death."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``lifecircle serve --store STORE --results RUN`` in a child process; stops itself on exit (``with``)."""

    def __init__(self, store: Path, results: Path, env: dict[str, str] | None = None, timeout_s: float = 120.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lifecircle.cli", "serve", "--store", str(store), "--results", str(results),
             "--port", str(self.port), "-q"], env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.proc.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start in time")

    def client(self, user: str | None = None, password: str | None = None) -> tuple[httpx.Client, str]:
        """An HTTP client, signed in when ``user`` is given; returns it and the session's CSRF token."""
        c = httpx.Client(base_url=self.url, timeout=60)
        if user is None:
            return c, ""
        token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text).group(1)
        res = c.post("/api/login", json={"user_name": user, "password": password}, headers={"X-CSRF-Token": token})
        res.raise_for_status()
        return c, res.json()["csrf"]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
