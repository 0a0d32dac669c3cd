"""Benchmark of the accessibility engine against SciPy, pandana and cityseer on the same graphs and facilities.

Usage::

    python benchmarks/engine.py                 # full series: 10k / 100k / 1M synthetic + Helsinki, writes docs
    python benchmarks/engine.py --sizes 10000   # a quick run (docs untouched unless --write)

Every (contender, size, run) is a fresh subprocess (``--worker``) so peak RSS (``ru_maxrss``) belongs to that
contender alone; walls are medians of ``--runs`` (≥ 3) runs. Data generation is outside the timed region; for the
engine, numba compilation is outside it too (a warm-up call on a tiny graph; cached compile loads and the cold
compile are reported separately).

Tasks (15 facility categories):

* ``nearest``: cost from every node to the nearest facility of each category. Engine: :func:`nearest_nodes`;
  SciPy: ``dijkstra(A.T, indices=<facility nodes>, min_only=True)`` per category; pandana: CH build + ``set_pois`` +
  ``nearest_pois`` (pandana needs a search radius: 3,000 m, more than any nearest distance here).
* ``nearest+counts``: the nearest (as above, per node) plus counts within 300/600/900 for every node. Engine:
  :func:`nearest` and :func:`counts_within` with one origin per node; pandana: CH build + ``precompute(900)`` +
  ``nearest_pois`` + ``aggregate(type="count")`` per category and distance; cityseer: network structure build (from a
  networkx MultiGraph, included) + ``compute_accessibilities(distances=[300, 600, 900])``.
* ``full``: engine only, on the directed, slope-dependent walking-time graph with homes (half as many as nodes):
  nearest + counts within 5/10/15 min + 2SFCA (10 min catchment).

The anchors only know undirected weights, so the comparison graph is the synthetic city's links, undirected, weighted
by length in metres (thresholds 300/600/900 m = 5/10/15 min at 1 m/s). Every engine result is checked against
SciPy in the same run (nearest per node, to 1e-6).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DOCS = HERE.parent / "docs" / "benchmarks.md"
THRESHOLDS = [300.0, 600.0, 900.0]


# ------------------------------------------------------------------------------------------------------------ data


def _scene(size: str):
    """(nodes x, y; undirected links a, b, length; facilities: u-node, edge, frac, category, x, y; names)."""
    import synthetic as S

    if size == "helsinki":
        return _helsinki_scene()
    c = S.city(int(size))
    fe, ff, fa, fc, names = S.facilities(c)
    und = (c.rev < 0) | (np.arange(len(c.u)) < c.rev)
    a, b, length = c.u[und], c.v[und], c.length_m[und]
    return dict(city=c, n=c.n_nodes, x=c.x, y=c.y, a=a, b=b, length=length, f_edge_dir=fe, f_frac=ff, f_cat=fc,
                names=names)


def _helsinki_scene():
    from lifecircle.network.osm import read_walk_network
    from lifecircle.points.features import read_facilities
    from lifecircle.points.snapping import snap_points
    from lifecircle.sample_data import helsinki_pbf

    net = read_walk_network(helsinki_pbf())
    fac = snap_points(net, read_facilities(helsinki_pbf(), crs=net.crs)).frame
    names = sorted(fac["category"].unique())
    u, v, length, rev = net.edge_arrays("length_m")
    und = (rev < 0) | (np.arange(len(u)) < rev)
    return dict(net=net, n=net.n_nodes, x=net.nodes["x"].to_numpy(), y=net.nodes["y"].to_numpy(), a=u[und], b=v[und],
                length=length[und], f_edge_dir=fac["edge_id"].to_numpy(np.int64), f_frac=fac["edge_frac"].to_numpy(),
                f_cat=fac["category"].map({c: i for i, c in enumerate(names)}).to_numpy(np.int64), names=names,
                u_dir=u, v_dir=v, crs=net.crs)


def _length_graph(s):
    """The undirected length graph as the engine's directed graph (each link both ways) + facilities on it."""
    from lifecircle.engine import Graph, Points

    L = len(s["a"])
    u = np.empty(2 * L, np.int64)
    v = np.empty(2 * L, np.int64)
    u[0::2], v[0::2], u[1::2], v[1::2] = s["a"], s["b"], s["b"], s["a"]
    cost = np.repeat(s["length"], 2)
    rev = np.arange(2 * L, dtype=np.int64) ^ 1
    g = Graph.from_arrays(s["n"], u, v, cost, rev)
    # each facility sits at the u node of its directed edge in the source data: frac 0 of a link from that node
    fnode = _facility_nodes(s)
    first_out = np.full(s["n"], -1, np.int64)
    first_out[u[::-1]] = np.arange(2 * L - 1, -1, -1)
    fpts = Points(first_out[fnode], np.zeros(len(fnode)), np.zeros(len(fnode)))
    return g, fpts, first_out


def _facility_nodes(s) -> np.ndarray:
    if "city" in s:
        return s["city"].u[s["f_edge_dir"]]
    return s["u_dir"][s["f_edge_dir"]]


# --------------------------------------------------------------------------------------------------------- workers


def _warm_engine() -> float:
    """Compile (or load from the numba cache) every kernel on a tiny graph; returns seconds."""
    from lifecircle.engine import (
        Decay,
        Graph,
        Points,
        blocks,
        counts_within,
        decay_access,
        k_nearest,
        nearest,
        nearest_nodes,
        two_step_fca,
    )

    t = time.perf_counter()
    g = Graph.from_arrays(3, [0, 1, 1, 2], [1, 0, 2, 1], [1.0, 1.0, 2.0, 2.0], [1, 0, 3, 2])
    o, f = Points([0, 2], [0.5, 0.1]), Points([2, 1], [0.5, 0.3])
    nearest(g, o, f, [0, 1], 2)
    nearest_nodes(g, f, [0, 1], 2)
    with mock.patch.object(blocks, "MIN_BLOCKS_PER_PART", 0):  # the kernel splitting each search across the threads
        nearest(g, o, f, [0, 1], 2)
        nearest_nodes(g, f, [0, 1], 2)
    k_nearest(g, o, f, [0, 1], 2, k=2)
    counts_within(g, o, f, [0, 1], 2, capacity=[1.0, 2.0])
    counts_within(g, o, f, [0, 1], 2)
    decay_access(g, o, f, [0, 1], 2, Decay("gaussian", scale=1.0, cutoff=5.0))
    two_step_fca(g, o, [1.0, 2.0], f, [1.0, 1.0], [0, 1], 2, 5.0)
    return time.perf_counter() - t


def _scipy_nearest(s, fnode, C):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    t0 = time.perf_counter()
    r, c, w = (np.concatenate([s["a"], s["b"]]), np.concatenate([s["b"], s["a"]]),
               np.concatenate([s["length"], s["length"]]))
    o = np.lexsort((w, c, r))  # parallel links: keep the shortest (a sparse matrix would add them up)
    first = np.ones(len(o), bool)
    first[1:] = (r[o][1:] != r[o][:-1]) | (c[o][1:] != c[o][:-1])
    o = o[first]
    A = sp.csr_matrix((w[o], (r[o], c[o])), shape=(s["n"], s["n"]))
    out = np.full((s["n"], C), np.inf)
    for c in range(C):
        idx = np.unique(fnode[s["f_cat"] == c])
        if len(idx):
            out[:, c] = dijkstra(A.T.tocsr(), indices=idx, min_only=True)
    return {"total": time.perf_counter() - t0}, out


def worker(contender: str, size: str) -> dict:
    s = _scene(size)
    C = len(s["names"])
    fnode = _facility_nodes(s)
    res: dict = {"contender": contender, "size": size, "nodes": int(s["n"]), "links": int(len(s["a"])),
                 "facilities": int(len(fnode))}
    if contender.startswith("engine"):
        res["warm_s"] = _warm_engine()
        from lifecircle.engine import Points, counts_within, nearest, nearest_nodes, two_step_fca

        g, fpts, first_out = _length_graph(s)
        if contender == "engine_nearest":
            t0 = time.perf_counter()
            t, _ = nearest_nodes(g, fpts, s["f_cat"], C)
            res["times"] = {"total": time.perf_counter() - t0}
            _, ref = _scipy_nearest(s, fnode, C)
            with np.errstate(invalid="ignore"):
                res["max_abs_diff_vs_scipy"] = float(np.abs(np.where(np.isfinite(ref), t - ref, 0.0)).max())
            res["same_inf_as_scipy"] = bool((np.isinf(t) == np.isinf(ref)).all())
        elif contender == "engine_counts":
            has = first_out >= 0
            nodes = np.flatnonzero(has)
            o = Points(first_out[nodes], np.zeros(len(nodes)), np.zeros(len(nodes)))
            t0 = time.perf_counter()
            r = nearest(g, o, fpts, s["f_cat"], C)
            t1 = time.perf_counter()
            cnt = counts_within(g, o, fpts, s["f_cat"], C, thresholds=THRESHOLDS)
            t2 = time.perf_counter()
            res["times"] = {"nearest": t1 - t0, "counts": t2 - t1, "total": t2 - t0}
            res["mean_count_900"] = float(cnt.count[:, :, 2].sum(axis=1).mean())
            _, ref = _scipy_nearest(s, fnode, C)
            with np.errstate(invalid="ignore"):
                res["max_abs_diff_vs_scipy"] = float(np.abs(np.where(np.isfinite(ref[nodes]), r.time - ref[nodes],
                                                                     0.0)).max())
        elif contender == "engine_full":
            import synthetic as S

            from lifecircle.engine import Graph

            c = s["city"]
            g = Graph.from_arrays(c.n_nodes, c.u, c.v, c.cost, c.rev)
            fe, ff, fa, fc, _ = S.facilities(c)
            he, hf, ha, hp = S.homes(c, c.n_nodes // 2)
            o, f = Points(he, hf, ha), Points(fe, ff, fa)
            cap = np.random.default_rng(4).integers(20, 200, len(fe)).astype(float)
            t0 = time.perf_counter()
            nearest(g, o, f, fc, C)
            t1 = time.perf_counter()
            counts_within(g, o, f, fc, C, thresholds=THRESHOLDS, capacity=cap)
            t2 = time.perf_counter()
            two_step_fca(g, o, hp, f, cap, fc, C, 600.0)
            t3 = time.perf_counter()
            res["homes"] = int(len(he))
            res["times"] = {"nearest": t1 - t0, "counts": t2 - t1, "2sfca": t3 - t2, "total": t3 - t0}
    elif contender == "scipy_nearest":
        res["times"], _ = _scipy_nearest(s, fnode, C)
    elif contender.startswith("pandana"):
        res["times"] = _pandana(s, fnode, C, counts=contender == "pandana_counts")
    elif contender == "cityseer_counts":
        res["times"] = _cityseer(s, C)
    else:
        raise SystemExit(f"unknown contender {contender}")
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res["load1_end"] = os.getloadavg()[0]
    return res


def _pandana(s, fnode, C, counts: bool) -> dict:
    import pandana
    import pandas as pd

    t0 = time.perf_counter()
    net = pandana.Network(pd.Series(s["x"]), pd.Series(s["y"]), pd.Series(s["a"]), pd.Series(s["b"]),
                          pd.DataFrame({"length": s["length"]}), twoway=True)
    if counts:
        net.precompute(max(THRESHOLDS))
    t1 = time.perf_counter()
    fx, fy = pd.Series(s["x"][fnode]), pd.Series(s["y"][fnode])
    for c in range(C):
        m = s["f_cat"] == c
        net.set_pois(f"c{c}", 3000.0, 1, fx[m], fy[m])
        net.nearest_pois(3000.0, f"c{c}", num_pois=1)
    t2 = time.perf_counter()
    out = {"build": t1 - t0, "nearest": t2 - t1}
    if counts:
        node_ids = net.get_node_ids(fx, fy)
        for c in range(C):
            m = s["f_cat"] == c
            net.set(node_ids[m], variable=pd.Series(np.ones(int(m.sum())), index=node_ids[m].index), name=f"n{c}")
            for d in THRESHOLDS:
                net.aggregate(d, type="count", name=f"n{c}")
        out["counts"] = time.perf_counter() - t2
    out["total"] = time.perf_counter() - t0
    return out


def _cityseer(s, C) -> dict:
    import geopandas as gpd
    import networkx as nx
    from cityseer.metrics import layers
    from cityseer.tools import io
    from shapely.geometry import LineString

    t0 = time.perf_counter()
    G = nx.MultiGraph(crs=s.get("crs", "EPSG:32648"))  # synthetic metres: any metric CRS
    G.add_nodes_from((str(i), {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(zip(s["x"], s["y"])))
    x, y = s["x"], s["y"]
    G.add_edges_from((str(a), str(b), {"geom": LineString([(x[a], y[a]), (x[b], y[b])])}) for a, b in zip(s["a"], s["b"]))
    nodes_gdf, _, structure = io.network_structure_from_nx(G)
    t1 = time.perf_counter()
    fnode = _facility_nodes(s)
    data = gpd.GeoDataFrame({"cat": [f"c{c}" for c in s["f_cat"]]},
                            geometry=gpd.points_from_xy(x[fnode] + 0.01, y[fnode] + 0.01))
    layers.compute_accessibilities(data, "cat", [f"c{c}" for c in range(C)], nodes_gdf, structure,
                                   distances=[int(d) for d in THRESHOLDS])
    t2 = time.perf_counter()
    return {"build": t1 - t0, "compute": t2 - t1, "total": t2 - t0}


# ---------------------------------------------------------------------------------------------------------- driver


def _run(contender: str, size: str, env=None) -> dict | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", contender, size]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print(f"  {contender} {size} failed: {p.stderr[-800:]}", file=sys.stderr)
        return None
    return json.loads(p.stdout[p.stdout.rindex("RESULT ") + len("RESULT "):].strip())


def _runs(contender: str, size: str, n: int, cache: Path | None) -> list[dict]:
    """``n`` results of a contender, reusing those recorded in ``cache`` (a JSON-lines file) by earlier runs."""
    done = []
    if cache is not None and cache.exists():
        for line in cache.read_text().splitlines():
            r = json.loads(line)
            if r["contender"] == contender and r["size"] == size:
                done.append(r)
    while len(done) < n:
        r = _run(contender, size)
        if r is None:
            break
        done.append(r)
        if cache is not None:
            with cache.open("a") as fh:
                fh.write(json.dumps(r) + "\n")
    return done[:n]


def _cold_compile_s() -> float:
    """Seconds of a cold numba compile of every kernel (empty cache directory)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import engine; print(engine._warm_engine())"
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        return float(p.stdout.strip().splitlines()[-1])


PLAN = {
    "nearest": ["engine_nearest", "scipy_nearest", "pandana_nearest"],
    "nearest+counts": ["engine_counts", "pandana_counts", "cityseer_counts"],
}
#: Sizes at which the slow anchors run (they take minutes beyond).
ANCHOR_SIZES = {"pandana_nearest": {"10000", "100000", "helsinki"}, "pandana_counts": {"10000", "100000", "helsinki"},
                "cityseer_counts": {"10000", "100000", "helsinki"}}


def _load(runs: list[dict]) -> str:
    """Median 1-minute load average at the end of the runs (2 cores: above 2 means contention)."""
    vals = [r["load1_end"] for r in runs if "load1_end" in r]
    return f"{statistics.median(vals):.1f}" if vals else ""


def _machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    keep = [ln for ln in lscpu.splitlines() if ln.split(":")[0].strip() in
            ("Architecture", "CPU(s)", "Model name", "Thread(s) per core", "Core(s) per socket", "L2 cache", "L3 cache",
             "Hypervisor vendor")]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numba

    return "\n".join(["```", *keep, f"Memory: {mem:.1f} GiB", f"Python {platform.python_version()}, numba "
                      f"{numba.__version__}, numba threads {numba.get_num_threads()}", "```"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=2, metavar=("CONTENDER", "SIZE"))
    ap.add_argument("--sizes", nargs="+", default=["10000", "100000", "1000000", "helsinki"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slow-anchor-runs", type=int, default=1,
                    help="runs of pandana at 100k nodes and more (minutes each; default 1)")
    ap.add_argument("--skip", nargs="*", default=[], metavar="CONTENDER:SIZE",
                    help="leave these out (e.g. pandana_counts:100000 when there is no time for it)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/lifecircle_engine_bench.jsonl"),
                    help="JSON-lines file of worker results reused across invocations")
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks.md (default when all sizes run)")
    args = ap.parse_args(argv)
    if args.worker:
        print("\nRESULT " + json.dumps(worker(*args.worker)))
        return
    rows = []
    for size in args.sizes:
        for task, contenders in PLAN.items():
            base = None
            for cont in contenders:
                if cont in ANCHOR_SIZES and size not in ANCHOR_SIZES[cont] or f"{cont}:{size}" in args.skip:
                    continue
                slow = cont.startswith("pandana") and size not in ("10000", "helsinki")
                runs = _runs(cont, size, args.slow_anchor_runs if slow else args.runs, args.cache)
                if not runs:
                    continue
                wall = statistics.median(r["times"]["total"] for r in runs)
                rss = max(r["peak_rss_mb"] for r in runs)
                base = wall if cont.startswith("engine") else base
                rows.append(dict(size=size, task=task, contender=cont, wall=wall, rss=rss, runs=len(runs), load=_load(runs),
                                 parts={k: statistics.median(r["times"][k] for r in runs) for k in runs[0]["times"]},
                                 info={k: runs[0][k] for k in runs[0] if k not in ("times", "peak_rss_mb")},
                                 ratio=(wall / base) if base else None))
                print(f"{size:>9} {task:<15} {cont:<16} {wall:9.3f} s  {rss:8.0f} MB  x{rows[-1]['ratio'] or 0:.1f}",
                      flush=True)
        if size not in ("helsinki",):
            runs = _runs("engine_full", size, args.runs, args.cache)
            if runs:
                rows.append(dict(size=size, task="full", contender="engine_full",
                                 wall=statistics.median(r["times"]["total"] for r in runs),
                                 rss=max(r["peak_rss_mb"] for r in runs), runs=len(runs), load=_load(runs),
                                 parts={k: statistics.median(r["times"][k] for r in runs) for k in runs[0]["times"]},
                                 info={k: runs[0][k] for k in runs[0] if k not in ("times", "peak_rss_mb")}, ratio=1.0))
                print(f"{size:>9} full            engine_full      {rows[-1]['wall']:9.3f} s  {rows[-1]['rss']:8.0f} MB",
                      flush=True)
    cold = _cold_compile_s()
    table = _table(rows, cold)
    print(table)
    if args.write or set(args.sizes) >= {"10000", "100000", "1000000", "helsinki"}:
        _write_docs(table)


def _table(rows, cold: float) -> str:
    load = os.getloadavg()
    lines = [
        "| size | task | contender | nodes | facilities | wall median (s) | parts (s) | peak RSS (MB) | × engine | runs "
        "| load |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r["parts"].items() if k != "total")
        ratio = "—" if r["contender"].startswith("engine") else (f"{r['ratio']:.1f}" if r["ratio"] else "")
        lines.append(f"| {r['size']} | {r['task']} | {r['contender']} | {r['info'].get('nodes', '')} | "
                     f"{r['info'].get('facilities', '')} | {r['wall']:.3f} | {parts} | {r['rss']:.0f} | {ratio} | "
                     f"{r['runs']} | {r.get('load', '')} |")
    checks = [f"{r['size']} {r['contender']}: max |engine − SciPy| = {r['info']['max_abs_diff_vs_scipy']:.2e} m"
              for r in rows if "max_abs_diff_vs_scipy" in r["info"]]
    warm = [r["info"]["warm_s"] for r in rows if "warm_s" in r["info"]]
    lines += ["", f"Numba: cold compile of all kernels {cold:.1f} s (empty cache); loading from the on-disk cache "
              f"{statistics.median(warm):.2f} s (median) — both excluded from the walls above." if warm else "",
              "", "Exactness checked in the same runs: " + "; ".join(checks) if checks else "",
              "", f"Load average at the end of the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (other jobs share "
              "the 2 cores, so walls are upper bounds)."]
    return "\n".join(lines)


NOTES = """What is compared (same process tree, same graph, same facilities; each contender in a fresh subprocess):

* **nearest** — walking distance from every node to the nearest facility of each of 15 categories. The engine runs
  one multi-source Dijkstra per category on the reversed graph (categories split over the 2 cores); SciPy runs
  `dijkstra(A.T, indices=<facility nodes>, min_only=True)` once per category (C, one core); pandana builds its
  contraction hierarchy then `set_pois` + `nearest_pois` (search radius 3 km).
* **nearest+counts** — the nearest per node plus the number of facilities of each category within 300 / 600 /
  900 m of every node. Engine: `nearest` + `counts_within` (one origin per node; one search per facility bounded at
  900 m, reduced on the fly); pandana: CH build + `precompute(900)` + `nearest_pois` + `aggregate(type="count")`
  (45 calls); cityseer: networkx MultiGraph → `network_structure_from_nx` + `compute_accessibilities`
  (distances 300/600/900). The `load` column is the median 1-minute load average when the runs ended: other
  other processes shared the 2 cores, so above 2 every contender ran slower than on an idle machine.
* **full** — engine only, on the directed walking-time graph (Tobler slope times, one-way links), homes = half the
  node count with 0–60 s access legs, facilities with 0–30 s access legs on partial edges: `nearest` +
  `counts_within` (5/10/15 min, with capacities) + `two_step_fca` (10-min catchment).

The anchors only handle undirected weights, so the comparison graph is the synthetic city's links, undirected,
weighted by length (metres). The synthetic city (`benchmarks/synthetic.py`) is a jittered 40 m grid with 12 % of
links missing, 2 % one-way, hilly terrain, and 38 facilities per km² over 15 categories. pandana and cityseer run
at 10 k and 100 k nodes and on Helsinki only; at 100 k a single pandana run takes minutes, so pandana there is one
run (the others are medians of 3).
"""


def _write_docs(table: str) -> None:
    head = "## Accessibility engine (`benchmarks/engine.py`)"
    body = "\n".join([head, "", "Machine:", "", _machine(), "", NOTES, table, ""])
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        text = text[:start] + body + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text)
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
