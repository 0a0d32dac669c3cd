"""What the serve benchmarks share: a workspace (store with an admin and a viewer, results folders) served by a real
``lifecircle serve`` process on a loopback port, and percentiles."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

SRC = Path(__file__).resolve().parents[1] / "src"


def results_or_demo(results: Path | None, tmp: Path) -> Path:
    """``results``, or the demo run (embedded Helsinki extract) made in ``tmp`` when None."""
    if results is not None:
        return results
    from lifecircle.jobs.assess import demo_config, run

    return Path(run(demo_config(tmp / "run"), quiet=True))


def prepare_store(folder: Path, results: Path) -> tuple[Path, dict[str, str]]:
    """A store in ``folder`` with ``results`` recorded and one admin and one viewer; returns it and the passwords."""
    from lifecircle.monitor.record import record_run
    from lifecircle.monitor.store import init_store
    from lifecircle.serve.accounts import add_user

    store = folder / "lifecircle.duckdb"
    accounts = {"admin": secrets.token_urlsafe(12), "viewer": secrets.token_urlsafe(12)}
    with init_store(store) as s:
        record_run(s, results)
        add_user(s, "admin", "admin", accounts["admin"], by="benchmark")
        add_user(s, "viewer", "viewer", accounts["viewer"], by="benchmark")
    return store, accounts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``lifecircle serve`` in a child process on a free loopback port."""

    def __init__(self, store: Path, results: list[Path]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        args = [sys.executable, "-m", "lifecircle.cli", "serve", "--store", str(store), "--port", str(self.port), "-q"]
        for r in results:
            args += ["--results", str(r)]
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the server did not start")

    def rss_mb(self) -> tuple[float, float]:
        """Resident memory now and at its peak (VmRSS, VmHWM), MB."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        now = int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024
        peak = int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024
        return now, peak

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def sign_in(client: httpx.Client, user: str, password: str) -> str:
    """Sign ``client`` in; returns the session's CSRF token."""
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    res = client.post("/api/login", json={"user_name": user, "password": password}, headers={"X-CSRF-Token": token})
    res.raise_for_status()
    return str(res.json()["csrf"])


def percentiles(values_s: list[float]) -> dict[str, float]:
    """Median, p95 and max of latencies, milliseconds."""
    a = np.asarray(values_s) * 1000.0
    return {"n": len(a), "p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95)),
            "max_ms": float(a.max())}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
