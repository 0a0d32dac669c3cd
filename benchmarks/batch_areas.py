"""Many areas cut from one extract, on Dask: wall time with 1 and 2 workers, Dask overhead per task, peak RSS per
worker.

The extract is a file (``helsinki``: the embedded Helsinki extract) or, with ``--synthetic N``, the synthetic city
of N × N junctions (``benchmarks/batch_city_pbf.py``, written into the work folder). The areas are a ``--grid``
(columns × rows) of rectangles over ``--bounds`` (lon/lat; else the bounds of ``--clip``; else the extract's
network bounds, shrunk by a tenth on each side), clipped to the polygons of ``--clip`` when given (cells left empty
are dropped). Each configuration (``--workers``, default 1 then 2) runs ``--repeats`` times into a fresh folder (the
cut is made once per folder, inside the timed run); the script prints medians and the machine's load average before
and after.

* speed-up = median wall(1 worker) / median wall(2 workers);
* overhead per task = (wall × workers − Σ task seconds) / tasks, the time a worker is not running an area (cut,
  scheduling, transfer, start-up), per task;
* peak RSS per worker = the largest ``ru_maxrss`` of the worker processes after the run;
* tasks = areas finished; an area without a home fails (``failed``, with the reasons) and is not counted.

Usage: ``python benchmarks/batch_areas.py EXTRACT.osm.pbf --grid 5x4 [--profile P] [--dem DEM] [--clip POLYGONS]``
or ``python benchmarks/batch_areas.py --synthetic 200 --grid 5x4``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def grid(bounds: tuple[float, float, float, float], nx: int, ny: int, path: Path, clip: Path | None = None) -> Path:
    """A GeoPackage of the ``nx × ny`` rectangles over ``bounds`` (lon/lat), clipped to the polygons of ``clip``
    when given (empty cells dropped)."""
    x0, y0, x1, y1 = bounds
    xs, ys = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
    geoms = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(nx) for j in range(ny)]
    if clip is not None:
        region = gpd.read_file(clip).to_crs("EPSG:4326").union_all()
        geoms = [g.intersection(region) for g in geoms]
        geoms = [g for g in geoms if not g.is_empty and g.area > 0]
    gpd.GeoDataFrame({"id": [f"g{i:03d}" for i in range(len(geoms))], "name": [f"Cell {i}" for i in range(len(geoms))]},
                     geometry=geoms, crs="EPSG:4326").to_file(path)
    return path


def network_bounds(pbf: Path, shrink: float = 0.1) -> tuple[float, float, float, float]:
    """The extract's walking-network bounds (lon/lat), shrunk by ``shrink`` of their width and height on each side."""
    from lifecircle.network.osm import read_walk_network

    n = read_walk_network(pbf).nodes
    x0, x1, y0, y1 = n.lon.min(), n.lon.max(), n.lat.min(), n.lat.max()
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy)


def one_run(areas: Path, pbf: Path, workers: int, work: Path, profile: str, dem: Path | None, extra: dict) -> dict:
    from distributed import Client, LocalCluster

    from lifecircle.batch import BatchConfig, run_batch

    out = work / f"w{workers}-{time.time_ns()}"
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=50, env={"NUMBA_NUM_THREADS": "1"})
    client = Client(cluster)
    try:
        client.run(lambda: __import__("lifecircle.batch.task"))  # workers up and importing before the clock starts
        start = time.perf_counter()
        result = run_batch(BatchConfig(areas=areas, osm=pbf, out=out, profiles=(profile,), dem=dem, **extra),
                           quiet=True, client=client)
        wall = time.perf_counter() - start
        rss = client.run(_rss_mb)
    finally:
        client.close()
        cluster.close()
    task_s = [json.loads(p.read_text())["seconds"] for p in (out / "state").glob("*.json")]
    shutil.rmtree(out, ignore_errors=True)
    n = len(task_s)
    reasons = sorted({m.split(":")[0][:80] for m in result.failed.values()})
    return {"wall_s": wall, "tasks": n, "task_s_sum": sum(task_s), "failed": len(result.failed),
            "overhead_per_task_s": (wall * workers - sum(task_s)) / max(n, 1), "peak_rss_mb": max(rss.values()),
            "failed_because": reasons}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pbf", type=Path, nargs="?", help="the extract (.osm.pbf), or 'helsinki' for the embedded one")
    ap.add_argument("--synthetic", type=int, metavar="N",
                    help="use the synthetic city of N × N junctions instead of a file")
    ap.add_argument("--grid", default="5x4")
    ap.add_argument("--bounds", type=float, nargs=4)
    ap.add_argument("--clip", type=Path, help="polygon file the grid cells are clipped to (empty cells dropped)")
    ap.add_argument("--profile", default="cn-health-check")
    ap.add_argument("--dem", type=Path)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--unspecified-buildings-as-homes", action="store_true")
    a = ap.parse_args()
    if (a.pbf is None) == (a.synthetic is None):
        ap.error("give an extract file or --synthetic N (one of them)")
    nx, ny = (int(v) for v in a.grid.split("x"))
    work = Path(tempfile.mkdtemp(prefix="lc-batch-bench-"))
    pbf = a.pbf
    if pbf is not None and str(pbf) == "helsinki":
        from lifecircle.sample_data import helsinki_pbf

        pbf = helsinki_pbf()
    city = None
    if a.synthetic is not None:
        sys.path.insert(0, str(Path(__file__).parent))
        from batch_city_pbf import write_city

        pbf = work / f"city-{a.synthetic}.osm.pbf"
        city = write_city(pbf, n=a.synthetic)
    if a.bounds:
        bounds = tuple(a.bounds)
    elif a.clip is not None:
        bounds = tuple(gpd.read_file(a.clip).to_crs("EPSG:4326").total_bounds)
    else:
        bounds = network_bounds(pbf)
    areas = grid(bounds, nx, ny, work / "areas.gpkg", a.clip)
    n_areas = len(gpd.read_file(areas))
    extra = {"unspecified_buildings_as_homes": a.unspecified_buildings_as_homes}
    load_before = os.getloadavg()
    runs: dict[int, list[dict]] = {w: [] for w in a.workers}
    for _ in range(a.repeats):
        for w in a.workers:
            runs[w].append(one_run(areas, pbf, w, work, a.profile, a.dem, extra))
            print(w, runs[w][-1], flush=True)
    load_after = os.getloadavg()
    med = {w: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "failed_because"} for w, rs in runs.items()}
    out = {"extract": str(a.pbf) if a.pbf else f"synthetic {a.synthetic}", "city": city,
           "dem": str(a.dem) if a.dem else None, "areas": n_areas, "repeats": a.repeats, "median": med,
           "load_before": load_before, "load_after": load_after, "cores": os.cpu_count()}
    if 1 in med and 2 in med:
        out["speed_up_2_vs_1"] = med[1]["wall_s"] / med[2]["wall_s"]
    print(json.dumps(out, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
