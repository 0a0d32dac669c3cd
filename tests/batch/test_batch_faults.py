"""Faults on a real LocalCluster: a worker process killed in the middle of an area, and the driver killed in the
middle of a batch. Either way the batch finishes with results equal to an undisturbed run's, and no half-written
area folder is left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from batch_helpers import SHORT_WALK, helsinki_config, local_cluster

from lifecircle.batch import run_batch
from lifecircle.results import ResultsFolder
from lifecircle.results.columns import TIME_PREFIX

AREAS = ("a0", "a1", "a2", "a3")


def assert_same_batch(got: Path, want: Path) -> None:
    for aid in AREAS:
        a, b = ResultsFolder(got / "areas" / aid), ResultsFolder(want / "areas" / aid)
        ha, hb = a.homes(), b.homes()
        assert list(ha["id"]) == list(hb["id"])
        for c in [c for c in ha.columns if c.startswith(TIME_PREFIX)]:
            np.testing.assert_array_equal(ha[c].to_numpy(), hb[c].to_numpy())
        pd.testing.assert_frame_equal(a.indicators()[["profile", "indicator", "area", "value"]],
                                      b.indicators()[["profile", "indicator", "area", "value"]])
    assert not list((got / "areas").glob(".*partial*"))
    pd.testing.assert_frame_equal(pd.read_csv(got / "summary.csv").sort_values(["area_id", "indicator"]).reset_index(drop=True),
                                  pd.read_csv(want / "summary.csv").sort_values(["area_id", "indicator"]).reset_index(drop=True))


def _kill_a_busy_worker(client, killed: list[int], stop: threading.Event) -> None:
    """Wait until a worker has been running an area for a while, then SIGKILL its process."""
    pids = client.run(os.getpid)
    busy_since: dict[str, float] = {}
    while not stop.is_set():
        for addr, keys in client.processing().items():
            if any(str(k).startswith("lifecircle-area-") for k in keys):
                busy_since.setdefault(addr, time.monotonic())
                if time.monotonic() - busy_since[addr] > 3.0 and addr in pids:
                    os.kill(pids[addr], signal.SIGKILL)
                    killed.append(pids[addr])
                    return
            else:
                busy_since.pop(addr, None)
        time.sleep(0.2)


def test_worker_killed_mid_task(tmp_path, helsinki_areas, helsinki_path, helsinki_batch):
    killed: list[int] = []
    stop = threading.Event()
    with local_cluster(2) as client:
        killer = threading.Thread(target=_kill_a_busy_worker, args=(client, killed, stop), daemon=True)
        killer.start()
        try:
            result = run_batch(helsinki_config(helsinki_areas, tmp_path / "run", osm=helsinki_path, retries=2),
                               quiet=True, client=client)
        finally:
            stop.set()
            killer.join(timeout=10)
    assert killed, "no worker was killed: the test did not exercise the fault"
    assert sorted(result.finished) == list(AREAS) and not result.failed
    assert_same_batch(tmp_path / "run", helsinki_batch)


@pytest.mark.slow
def test_driver_killed_then_rerun_finishes(tmp_path, helsinki_areas, helsinki_path, helsinki_batch):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "lifecircle.cli", "batch", str(helsinki_areas), "--osm", str(helsinki_path),
           "--out", str(out), "--profile", SHORT_WALK, "--snap-max", "50", "--unspecified-buildings-as-homes",
           "--m2-per-person", "fi-uusimaa", "--workers", "1", "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and len(list((out / "state").glob("*.json"))) < 1:
            assert proc.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the LocalCluster processes it started
        proc.wait(timeout=30)
    done_before = sorted(p.stem for p in (out / "state").glob("*.json"))
    assert 1 <= len(done_before) < len(AREAS)
    with local_cluster(2) as client:
        result = run_batch(helsinki_config(helsinki_areas, out, osm=helsinki_path), quiet=True, client=client)
    assert sorted(result.skipped) == done_before
    assert sorted(result.finished + result.skipped) == list(AREAS) and not result.failed
    assert_same_batch(out, helsinki_batch)
