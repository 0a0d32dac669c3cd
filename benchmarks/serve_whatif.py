"""What-if latency through HTTP on loopback: one facility added at a random home, every indicator recomputed by the
incremental scenario engine and returned, as the map page asks for it.

    python benchmarks/serve_whatif.py --results RUN_DIR [--n 40] [--category health_station]

Without ``--results`` the demo run (embedded Helsinki extract) is made first. Reports p50/p95/max of the whole
request (client side) and of the server's own evaluation time, with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
from serve_common import (
    Server,
    load_average,
    percentiles,
    prepare_store,
    results_or_demo,
    sign_in,
)

from lifecircle.results.folder import ResultsFolder


def home_points(results: Path, n: int, seed: int = 7) -> list[tuple[float, float]]:
    homes = ResultsFolder(results).homes()
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(homes), size=n, replace=len(homes) < n)
    pts = gpd.GeoSeries(homes.geometry.iloc[rows].representative_point().to_numpy(), crs=homes.crs).to_crs(4326)
    return [(round(p.x, 6), round(p.y, 6)) for p in pts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path)
    ap.add_argument("--n", type=int, default=40, help="What-if requests timed (after 3 warm-up requests).")
    ap.add_argument("--category", default="health_station")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = results_or_demo(args.results, Path(tmp))
        store, accounts = prepare_store(Path(tmp), results)
        server = Server(store, [results])
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                csrf = sign_in(client, "viewer", accounts["viewer"])
                key = client.get("/api/runs").json()[0]["key"]
                points = home_points(results, args.n + 3)
                total, inside, changed = [], [], []
                for k, (lon, lat) in enumerate(points):
                    t0 = time.perf_counter()
                    res = client.post(f"/api/runs/{key}/whatif", headers={"X-CSRF-Token": csrf},
                                      json={"add": [{"category": args.category, "lon": lon, "lat": lat}]})
                    dt = time.perf_counter() - t0
                    if res.status_code != 200:
                        print("refused:", res.json().get("error"))
                        continue
                    if k < 3:
                        continue  # warm-up: the run is loaded and compiled on the first requests
                    total.append(dt)
                    inside.append(res.json()["elapsed_ms"] / 1000.0)
                    changed.append(sum(v["n"] for v in res.json()["changed_homes"].values()))
            rss = server.rss_mb()
        finally:
            server.stop()
    out = {"results": str(results), "category": args.category, "http": percentiles(total),
           "server_evaluation": percentiles(inside), "homes_changed_median": float(np.median(changed)),
           "server_rss_mb": round(rss[0], 1), "server_peak_rss_mb": round(rss[1], 1), "load_average": load_average()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
