"""Tiling of one big area: the synthetic city (``benchmarks/batch_city_pbf.py``) run untiled and with
``--tile-km``: equality of the walking times within the largest threshold, wall time, and peak RSS per worker
against the untiled process's peak RSS.

The untiled run and each worker are measured by ``ru_maxrss`` (the untiled job runs in a child process of its own,
so its peak is its own). Usage: ``python benchmarks/batch_tiling.py --n 1000 --tile-km 5 [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from batch_city_pbf import write_city  # noqa: E402


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _untiled(cfg, queue) -> None:
    from lifecircle.jobs.assess import run

    start = time.perf_counter()
    run(cfg, quiet=True)
    queue.put({"wall_s": time.perf_counter() - start, "peak_rss_mb": _rss_mb()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--tile-km", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    from distributed import Client, LocalCluster

    from lifecircle.batch.tiling import run_tiled
    from lifecircle.jobs.assess import AssessConfig
    from lifecircle.results import ResultsFolder

    work = Path(tempfile.mkdtemp(prefix="lc-tiling-bench-"))
    pbf = work / "city.osm.pbf"
    counts = write_city(pbf, n=a.n)
    base = AssessConfig(out=work / "untiled", osm=pbf, profiles=("cn-health-check",))
    load_before = os.getloadavg()
    untiled, tiled = [], []
    for _ in range(a.repeats):
        q: mp.Queue = mp.get_context("spawn").Queue()
        p = mp.get_context("spawn").Process(target=_untiled, args=(base, q))
        p.start()
        untiled.append(q.get())
        p.join()
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=50, env={"NUMBA_NUM_THREADS": "1"})
        client = Client(cluster)
        try:
            start = time.perf_counter()
            run_tiled(replace(base, out=work / "tiled"), a.tile_km, quiet=True, client=client)
            wall = time.perf_counter() - start
            rss = client.run(_rss_mb)
        finally:
            client.close()
            cluster.close()
        tiled.append({"wall_s": wall, "peak_rss_mb_per_worker": max(rss.values())})
    ha, hb = ResultsFolder(work / "untiled").homes(), ResultsFolder(work / "tiled").homes()
    worst, compared = 0.0, 0
    for c in [c for c in ha.columns if c.startswith("t_")]:
        x, y = ha[c].to_numpy(), hb[c].to_numpy()
        m = x <= 900.0
        compared += int(m.sum())
        if m.any():
            worst = max(worst, float(np.abs(x[m] - y[m]).max()))
        assert np.isinf(y[~m]).all()
    nodes = ResultsFolder(work / "untiled").run.counts["nodes"]
    med_u = {k: statistics.median(r[k] for r in untiled) for k in untiled[0]}
    med_t = {k: statistics.median(r[k] for r in tiled) for k in tiled[0]}
    print(json.dumps({"city": counts, "network_nodes": nodes, "tile_km": a.tile_km, "workers": a.workers,
                      "untiled": med_u, "tiled": med_t, "rss_ratio_worker_vs_untiled":
                      med_t["peak_rss_mb_per_worker"] / med_u["peak_rss_mb"], "times_compared": compared,
                      "max_abs_diff_s": worst, "repeats": a.repeats, "load_before": load_before,
                      "load_after": os.getloadavg()}, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
