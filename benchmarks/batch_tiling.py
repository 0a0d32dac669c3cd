"""Tiling of one big area: the synthetic city (``benchmarks/batch_city_pbf.py``) run untiled and with
``--tile-km``: equality of the walking times within the largest threshold and of the indicators, wall time, and
peak RSS per worker against the untiled process's peak RSS.

The untiled run and each worker are measured by ``ru_maxrss`` (the untiled job runs in a child process of its own,
so its peak is its own; so does the tiled run's driver, whose peak is reported too). With ``--work DIR`` the city
file, the untiled results and their measurement are kept there and reused by a later call (``--phase untiled``
then ``--phase tiled`` measure the two runs one at a time). Usage:
``python benchmarks/batch_tiling.py --n 1000 --tile-km 5 [--workers 2] [--work DIR] [--phase all|untiled|tiled]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from batch_city_pbf import write_city  # noqa: E402


def _rss_mb() -> float:
    """This process's peak resident set size, MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _untiled(cfg, queue) -> None:
    from lifecircle.jobs.assess import run

    start = time.perf_counter()
    run(cfg, quiet=True)
    queue.put({"wall_s": time.perf_counter() - start, "peak_rss_mb": _rss_mb()})


def _tiled(cfg, tile_km: float, workers: int, queue) -> None:
    from distributed import Client, LocalCluster

    from lifecircle.batch.tiling import run_tiled

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=50, env={"NUMBA_NUM_THREADS": "1"})
    client = Client(cluster)
    try:
        client.run(lambda: __import__("lifecircle.batch.tiling"))  # workers up before the clock starts
        start = time.perf_counter()
        run_tiled(cfg, tile_km, quiet=True, client=client)
        wall = time.perf_counter() - start
        rss = client.run(_rss_mb)
    finally:
        client.close()
        cluster.close()
    queue.put({"wall_s": wall, "peak_rss_mb_per_worker": max(rss.values()), "peak_rss_mb_driver": _rss_mb()})


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    out = q.get()
    p.join()
    return out


def compare(untiled: Path, tiled: Path, limit_s: float) -> dict:
    """Every time ≤ ``limit_s`` equal (largest absolute difference, s), every longer one +inf, indicators equal."""
    from lifecircle.results import ResultsFolder
    from lifecircle.results.columns import TIME_PREFIX, categories_in

    a, b = ResultsFolder(untiled), ResultsFolder(tiled)
    ha, hb = a.homes(), b.homes()
    assert list(ha["id"]) == list(hb["id"])
    worst, compared = 0.0, 0
    for c in categories_in(ha.columns, TIME_PREFIX):
        x, y = ha[TIME_PREFIX + c].to_numpy(), hb[TIME_PREFIX + c].to_numpy()
        m = x <= limit_s
        compared += int(m.sum())
        if m.any():
            worst = max(worst, float(np.abs(x[m] - y[m]).max()))
        assert np.isinf(y[~m]).all(), c
    cols = ["profile", "indicator", "area", "value"]
    pd.testing.assert_frame_equal(a.indicators()[cols], b.indicators()[cols], check_exact=False, rtol=1e-12, atol=1e-12)
    return {"times_compared": compared, "max_abs_diff_s": worst, "indicators_equal": True, "homes": len(ha),
            "network_nodes": a.run.counts["nodes"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--tile-km", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path,
                    help="keep the city, results and measurements here (default: a temporary folder)")
    ap.add_argument("--phase", choices=("all", "untiled", "tiled"), default="all")
    a = ap.parse_args()
    from lifecircle.batch.halo import halo_for
    from lifecircle.jobs.assess import AssessConfig

    work = a.work or Path(tempfile.mkdtemp(prefix="lc-tiling-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    pbf = work / f"city-{a.n}.osm.pbf"
    city_json = work / f"city-{a.n}.json"
    if not city_json.exists():
        city_json.write_text(json.dumps(write_city(pbf, n=a.n)))
    base = AssessConfig(out=work / f"untiled-{a.n}", osm=pbf, profiles=("cn-health-check",))
    record: dict = {"city": json.loads(city_json.read_text()), "tile_km": a.tile_km, "workers": a.workers,
                    "cores": os.cpu_count()}
    untiled_json = work / f"untiled-{a.n}.json"
    if a.phase in ("all", "untiled") and not untiled_json.exists():
        load = os.getloadavg()
        m = _in_child(_untiled, base)
        untiled_json.write_text(json.dumps(m | {"load_before": load, "load_after": os.getloadavg()}))
    if untiled_json.exists():
        record["untiled"] = json.loads(untiled_json.read_text())
    if a.phase in ("all", "tiled"):
        tiled_out = work / f"tiled-{a.n}-{a.tile_km:g}km"
        shutil.rmtree(tiled_out, ignore_errors=True)
        load = os.getloadavg()
        m = _in_child(_tiled, replace(base, out=tiled_out), a.tile_km, a.workers)
        record["tiled"] = m | {"load_before": load, "load_after": os.getloadavg()}
        if "untiled" in record:
            record["rss_ratio_worker_vs_untiled"] = m["peak_rss_mb_per_worker"] / record["untiled"]["peak_rss_mb"]
            limit = halo_for(base.profiles, base.walk_profile, False, base.snap_max_m).limits["walk_time_s"]
            record["equality"] = compare(base.out, tiled_out, limit)
    print(json.dumps(record, indent=2))
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
