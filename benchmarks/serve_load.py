"""Read endpoints under load: simulated viewers (default 50) on loopback for a bounded time (default 60 s), each
signed in with its own session and asking, one request after the other, for a random page's data.

    python benchmarks/serve_load.py --results RUN_DIR [--viewers 50] [--seconds 60]

Reports per endpoint the requests, errors, p50/p95/max latency, and the server's resident memory (now and peak).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path

import httpx
from serve_common import (
    Server,
    load_average,
    percentiles,
    prepare_store,
    results_or_demo,
    sign_in,
)


def endpoints(key: str) -> list[str]:
    return ["/api/overview", "/api/projects", "/api/units", "/api/runs", "/api/me", "/api/scenarios",
            f"/api/runs/{key}/map", "/static/app.js"]


async def viewer(url: str, cookies: httpx.Cookies, paths: list[str], until: float, seed: int,
                 lat: dict[str, list[float]], errors: dict[str, int]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=60) as client:
        while time.monotonic() < until:
            path = rng.choice(paths)
            t0 = time.perf_counter()
            try:
                res = await client.get(path)
                ok = res.status_code == 200
            except httpx.HTTPError:
                ok = False
            lat.setdefault(path, []).append(time.perf_counter() - t0)
            if not ok:
                errors[path] = errors.get(path, 0) + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path)
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = results_or_demo(args.results, Path(tmp))
        store, accounts = prepare_store(Path(tmp), results)
        server = Server(store, [results])
        try:
            jars = []
            for _ in range(args.viewers):
                with httpx.Client(base_url=server.url, timeout=60) as c:
                    sign_in(c, "viewer", accounts["viewer"])
                    jars.append(httpx.Cookies(c.cookies))
            with httpx.Client(base_url=server.url, cookies=jars[0], timeout=300) as c:
                key = c.get("/api/runs").json()[0]["key"]
                c.get(f"/api/runs/{key}/map")  # the map layers are made on first use
            paths = endpoints(key)
            lat: dict[str, list[float]] = {}
            errors: dict[str, int] = {}
            until = time.monotonic() + args.seconds

            async def run_all() -> None:
                await asyncio.gather(*(viewer(server.url, jars[i], paths, until, i, lat, errors)
                                       for i in range(args.viewers)))

            asyncio.run(run_all())
            rss = server.rss_mb()
        finally:
            server.stop()
    report = {"viewers": args.viewers, "seconds": args.seconds, "load_average": load_average(),
              "server_rss_mb": round(rss[0], 1), "server_peak_rss_mb": round(rss[1], 1),
              "total_requests": sum(len(v) for v in lat.values()), "total_errors": sum(errors.values()),
              "endpoints": {p: {**percentiles(v), "errors": errors.get(p, 0)} for p, v in sorted(lat.items())}}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
