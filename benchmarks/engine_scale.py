"""City-scale nearest search: the engine per core against SciPy's Dijkstra, graph build, and the full set at 1 M nodes.

Usage::

    python benchmarks/engine_scale.py --nodes 1000000 --runs 5            # all contenders, grid and shuffled order
    python benchmarks/engine_scale.py --nodes 100000 --runs 3 --no-full   # a quicker series

The graph is the synthetic city of :mod:`synthetic` (directed walking times in seconds, one-way links), in two node
orders: ``grid`` (row-major, neighbours close in id) and ``shuffled`` (the same graph with node ids permuted at
random, like OSM ids). 15 facility categories; the nearest facility of every category for every node.

Contenders, each in a fresh subprocess, alternated within every run (so all see the same machine load), every
other run in the reverse order (so that no contender always runs right after the same one, or first):

* ``scipy``: ``csr_matrix`` of the reversed graph, then ``dijkstra(indices=<facility nodes>, min_only=True)`` per
  category (C, one core);
* ``engine1`` / ``engine2``: ``Graph.from_arrays`` with the node coordinates (Hilbert order, as
  ``Graph.from_network`` builds it) then :func:`lifecircle.engine.nearest_nodes` with
  ``NUMBA_NUM_THREADS`` 1 / 2 (numba compilation excluded: a warm-up call on a tiny graph first);
* ``before1`` / ``before2`` / ``full_before``: ``engine1`` / ``engine2`` / ``full`` run on another source tree of
  the package (``--before-src``, e.g. a ``git archive`` of an earlier commit), for before/after ratios measured in
  the same run;
* ``full`` (2 threads, grid order): nearest + counts within 5/10/15 min with capacities + 2SFCA (10 min) for homes
  on half as many edges as nodes, all three from one set of searches (``nearest_counts_and_fca``; an older engine
  without it runs ``nearest`` and ``counts_and_fca``, or ``nearest``, ``counts_within`` and ``two_step_fca``);
  peak RSS.

``--thread-pairs N`` instead times the engine's search on 1 and on 2 threads for every order in one process, N
rounds alternated (``numba.set_num_threads``) after one untimed call per order: on a virtual machine whose speed
drifts by ±15 % between minutes, calls seconds apart in one process compare the threads (and the orders) far better
than fresh processes minutes apart (the first call of a fresh process also pays for its fresh memory, which this
leaves out). ``--scipy-pairs N`` likewise times, per order, SciPy's search and the engine's on one thread in one
process, N rounds alternated (which goes first alternating), after one untimed call of each: the per-core ratio
from the same minutes of the machine (SciPy's search swings the most with the host: over one day's fresh-process
runs it took from 6.6 to 11.6 s).

Reported per contender: median wall and CPU seconds (user + system of the process, which counts the time the
process ran, not the time it waited for a core), the machine's 1-minute load average, and for the searches the CPU
nanoseconds per settled node-category (settled = a finite result). Engine results are checked against SciPy's in
the same run (max |difference| in seconds).
"""

from __future__ import annotations

import argparse
import json
import os
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


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _scene(n: int, order: str):
    import synthetic as S

    c = S.city(n)
    fe, _, _, fc, names = S.facilities(c)
    u, v, x, y = c.u, c.v, c.x, c.y
    if order == "shuffled":
        p = np.random.default_rng(5).permutation(c.n_nodes)
        u, v = p[u], p[v]
        x, y = np.empty_like(c.x), np.empty_like(c.y)
        x[p], y[p] = c.x, c.y
    c.xy = (x, y)  # node coordinates in the ids of u, v
    return c, u, v, fe, fc, len(names)


def _scipy_graph(c, u, v):
    """SciPy's CSR of the reversed graph (no parallel links in the synthetic city)."""
    import scipy.sparse as sp

    return sp.csr_matrix((c.cost, (v, u)), shape=(c.n_nodes, c.n_nodes))


def _scipy_search(A, fnode, fc, C) -> np.ndarray:
    """SciPy's nearest facility node of every category for every node: (n_nodes, C) seconds."""
    from scipy.sparse.csgraph import dijkstra

    out = np.empty((A.shape[0], C))
    for k in range(C):
        out[:, k] = dijkstra(A, indices=np.unique(fnode[fc == k]), min_only=True)
    return out


def _scipy(c, u, v, fe, fc, C):
    import scipy.sparse  # noqa: F401  (the imports before the clock starts)
    import scipy.sparse.csgraph  # noqa: F401

    w0, c0 = time.perf_counter(), _cpu()
    A = _scipy_graph(c, u, v)
    w1, c1 = time.perf_counter(), _cpu()
    out = _scipy_search(A, u[fe], fc, C)
    w2, c2 = time.perf_counter(), _cpu()
    return dict(build_wall=w1 - w0, build_cpu=c1 - c0, search_wall=w2 - w1, search_cpu=c2 - c1), out


def _engine(c, u, v, fe, fc, C):
    from lifecircle.engine import Graph, Points, nearest_nodes

    try:  # compile / load the kernels, the build's with node coordinates too (an older engine takes none)
        g = Graph.from_arrays(3, [0, 1], [1, 2], [1.0, 1.0], xy=([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]))
    except TypeError:
        g = Graph.from_arrays(3, [0, 1], [1, 2], [1.0, 1.0])
    nearest_nodes(g, Points([0], [0.0]), [0], 1)
    try:  # and the kernel that splits each search across the threads, where the engine has one
        from lifecircle.engine import blocks

        with mock.patch.object(blocks, "MIN_BLOCKS_PER_PART", 0):
            nearest_nodes(g, Points([0], [0.0]), [0], 1)
    except (ImportError, AttributeError):
        pass
    w0, c0 = time.perf_counter(), _cpu()
    try:  # with node coordinates, as Graph.from_network passes them (an older engine takes none)
        g = Graph.from_arrays(c.n_nodes, u, v, c.cost, c.rev, xy=c.xy)
    except TypeError:
        g = Graph.from_arrays(c.n_nodes, u, v, c.cost, c.rev)
    w1, c1 = time.perf_counter(), _cpu()
    # facilities at the start of their edge: the same seeds as SciPy's (the far end adds nothing)
    t, _ = nearest_nodes(g, Points(fe, np.zeros(len(fe))), fc, C)
    w2, c2 = time.perf_counter(), _cpu()
    return dict(build_wall=w1 - w0, build_cpu=c1 - c0, search_wall=w2 - w1, search_cpu=c2 - c1), t


def _full(c, fe, fc, C):
    import synthetic as S

    from lifecircle import engine
    from lifecircle.engine import Graph, Points, counts_within, nearest, two_step_fca

    shared = getattr(engine, "counts_and_fca", None)  # an older engine has only the two separate calls
    together = getattr(engine, "nearest_counts_and_fca", None)  # all three from one set of searches
    try:  # the build's kernels with node coordinates too (an older engine takes none)
        g0 = Graph.from_arrays(3, [0, 1], [1, 2], [1.0, 1.0], xy=([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]))
    except TypeError:
        g0 = Graph.from_arrays(3, [0, 1], [1, 2], [1.0, 1.0])
    p0 = Points([0, 1], [0.5, 0.5])
    nearest(g0, p0, p0, [0, 0], 1)
    try:  # the kernel that splits a search across the threads, where the engine has one
        from lifecircle.engine import blocks

        with mock.patch.object(blocks, "MIN_BLOCKS_PER_PART", 0):
            nearest(g0, p0, p0, [0, 0], 1)
    except (ImportError, AttributeError):
        pass
    counts_within(g0, p0, p0, [0, 0], 1, capacity=[1.0, 1.0])
    two_step_fca(g0, p0, [1.0, 1.0], p0, [1.0, 1.0], [0, 0], 1, 5.0)
    if shared is not None:
        shared(g0, p0, [1.0, 1.0], p0, [1.0, 1.0], [0, 0], 1, [5.0], 5.0)
    if together is not None:
        together(g0, p0, [1.0, 1.0], p0, [1.0, 1.0], [0, 0], 1, [5.0], 5.0)
        with mock.patch.object(blocks, "MIN_BLOCKS_PER_PART", 0):
            together(g0, p0, [1.0, 1.0], p0, [1.0, 1.0], [0, 0], 1, [5.0], 5.0)
    fe, ff, fa, fc, _ = S.facilities(c)
    he, hf, ha, hp = S.homes(c, c.n_nodes // 2)
    cap = np.random.default_rng(4).integers(20, 200, len(fe)).astype(float)
    w0, c0 = time.perf_counter(), _cpu()
    try:
        g = Graph.from_arrays(c.n_nodes, c.u, c.v, c.cost, c.rev, xy=(c.x, c.y))
    except TypeError:
        g = Graph.from_arrays(c.n_nodes, c.u, c.v, c.cost, c.rev)
    o, f = Points(he, hf, ha), Points(fe, ff, fa)
    w1 = time.perf_counter()
    if together is not None:  # nearest, counts and 2SFCA from one set of searches
        together(g, o, hp, f, cap, fc, C, [300.0, 600.0, 900.0], 600.0)
        w4, c4 = time.perf_counter(), _cpu()
        return dict(total_wall=w4 - w0, total_cpu=c4 - c0, build=w1 - w0, nearest=w4 - w1, counts=w4 - w1,
                    fca=w4 - w1, shared="all", homes=len(he))
    nearest(g, o, f, fc, C)
    w2 = time.perf_counter()
    if shared is not None:  # counts and 2SFCA from one set of searches
        shared(g, o, hp, f, cap, fc, C, [300.0, 600.0, 900.0], 600.0)
        w3 = w2
    else:
        counts_within(g, o, f, fc, C, thresholds=[300.0, 600.0, 900.0], capacity=cap)
        w3 = time.perf_counter()
        two_step_fca(g, o, hp, f, cap, fc, C, 600.0)
    w4, c4 = time.perf_counter(), _cpu()
    return dict(total_wall=w4 - w0, total_cpu=c4 - c0, build=w1 - w0, nearest=w2 - w1, counts=w3 - w2,
                fca=w4 - w3, shared=shared is not None, homes=len(he))


def thread_pairs(n: int, orders: list[str], n_pairs: int) -> list[dict]:
    """The engine's search on 1 and 2 threads for each node order, in this process: ``n_pairs`` rounds after one
    untimed call per order, each round timing every order on 1 and on 2 threads (which goes first alternates), so
    the orders and the thread counts see the same minutes of the machine. Per order, the wall seconds of each call
    and each round's ratio."""
    import numba

    from lifecircle.engine import Graph, Points, nearest_nodes

    scenes = {}
    for order in orders:
        c, u, v, fe, fc, C = _scene(n, order)
        scenes[order] = (Graph.from_arrays(c.n_nodes, u, v, c.cost, c.rev, xy=c.xy), Points(fe, np.zeros(len(fe))),
                         fc, C)
    numba.set_num_threads(2)
    for g, f, fc, C in scenes.values():
        nearest_nodes(g, f, fc, C)
    walls: dict[tuple[str, int], list[float]] = {(o, t): [] for o in orders for t in (1, 2)}
    for k in range(n_pairs):
        for threads in (1, 2) if k % 2 == 0 else (2, 1):
            numba.set_num_threads(threads)
            for order in orders if k % 2 == 0 else orders[::-1]:
                g, f, fc, C = scenes[order]
                t0 = time.perf_counter()
                nearest_nodes(g, f, fc, C)
                walls[order, threads].append(time.perf_counter() - t0)
    return [dict(order=o, one=walls[o, 1], two=walls[o, 2], ratios=[a / b for a, b in zip(walls[o, 1], walls[o, 2])],
                 load1=os.getloadavg()[0]) for o in orders]


def scipy_pairs(n: int, orders: list[str], n_pairs: int) -> list[dict]:
    """SciPy's search and the engine's on one thread, for each node order, in this process: ``n_pairs`` rounds after
    one untimed call of each, which goes first alternating; per order, the CPU seconds of each call, each round's
    ratio (SciPy / engine) and the largest difference of their results (seconds)."""
    import numba

    from lifecircle.engine import Graph, Points, nearest_nodes

    numba.set_num_threads(1)
    out = []
    for order in orders:
        c, u, v, fe, fc, C = _scene(n, order)
        A = _scipy_graph(c, u, v)
        g = Graph.from_arrays(c.n_nodes, u, v, c.cost, c.rev, xy=c.xy)
        f = Points(fe, np.zeros(len(fe)))
        ref = _scipy_search(A, u[fe], fc, C)
        t, _ = nearest_nodes(g, f, fc, C)
        with np.errstate(invalid="ignore"):
            diff = float(np.abs(np.where(np.isfinite(ref), t - ref, 0.0)).max())
        cpu: dict[str, list[float]] = {"scipy": [], "engine": []}
        for k in range(n_pairs):
            for who in ("scipy", "engine") if k % 2 == 0 else ("engine", "scipy"):
                c0 = _cpu()
                if who == "scipy":
                    _scipy_search(A, u[fe], fc, C)
                else:
                    nearest_nodes(g, f, fc, C)
                cpu[who].append(_cpu() - c0)
        out.append(dict(order=order, scipy=cpu["scipy"], engine=cpu["engine"],
                        ratios=[a / b for a, b in zip(cpu["scipy"], cpu["engine"])], max_abs_diff_vs_scipy=diff,
                        load1=os.getloadavg()[0]))
    return out


def worker(contender: str, n: int, order: str, check: bool) -> dict:
    c, u, v, fe, fc, C = _scene(n, order)
    res = dict(contender=contender, order=order, nodes=int(c.n_nodes), edges=int(len(c.u)), facilities=int(len(fe)))
    if contender.startswith("full"):
        res.update(_full(c, fe, fc, C))
    else:
        times, t = (_scipy if contender == "scipy" else _engine)(c, u, v, fe, fc, C)
        res.update(times)
        res["settled"] = int(np.isfinite(t).sum())
        if contender != "scipy" and check:
            _, ref = _scipy(c, u, v, fe, fc, C)
            with np.errstate(invalid="ignore"):
                res["max_abs_diff_vs_scipy"] = float(np.abs(np.where(np.isfinite(ref), t - ref, 0.0)).max())
            res["same_unreachable"] = bool((np.isinf(t) == np.isinf(ref)).all())
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res["load1"] = os.getloadavg()[0]
    return res


def _run(contender: str, n: int, order: str, check: bool, before_src: Path | None) -> dict | None:
    threads = {"engine1": "1", "before1": "1", "engine2": "2", "before2": "2", "full": "2", "full_before": "2",
               "scipy": "1"}[contender]
    env = dict(os.environ, NUMBA_NUM_THREADS=threads, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if contender in ("before1", "before2", "full_before"):
        env["PYTHONPATH"] = str(before_src)
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", contender, str(n), order,
                        "1" if check else "0"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print(f"  {contender} {order} failed: {p.stderr[-800:]}", file=sys.stderr)
        return None
    return json.loads(p.stdout[p.stdout.rindex("RESULT ") + len("RESULT "):].strip())


def _med(runs, key):
    return statistics.median(r[key] for r in runs)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=4, metavar=("CONTENDER", "NODES", "ORDER", "CHECK"))
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--orders", nargs="+", default=["grid", "shuffled"])
    ap.add_argument("--contenders", nargs="+", default=None, help="a subset of scipy before1 engine1 before2 engine2")
    ap.add_argument("--no-full", action="store_true")
    ap.add_argument("--before-src", type=Path, default=None,
                    help="a src/ folder of another version of the package: adds before1, before2 and full_before")
    ap.add_argument("--out", type=Path, default=Path("/tmp/lifecircle_engine_scale.jsonl"))
    ap.add_argument("--thread-pairs", type=int, default=0, metavar="N",
                    help="time 1 against 2 threads, N rounds of every order in one process (nothing else runs)")
    ap.add_argument("--scipy-pairs", type=int, default=0, metavar="N",
                    help="time SciPy against the engine on one thread, N rounds of every order in one process")
    ap.add_argument("--pairs-worker", nargs=4, metavar=("KIND", "NODES", "ORDERS", "PAIRS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.pairs_worker:
        kind, n, orders, pairs = args.pairs_worker
        timed = thread_pairs if kind == "threads" else scipy_pairs
        print("\nRESULT " + json.dumps(timed(int(n), orders.split(","), int(pairs))))
        return
    if args.thread_pairs or args.scipy_pairs:
        kind, n_pairs = ("threads", args.thread_pairs) if args.thread_pairs else ("scipy", args.scipy_pairs)
        env = dict(os.environ, NUMBA_NUM_THREADS="2", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--pairs-worker", kind, str(args.nodes),
                            ",".join(args.orders), str(n_pairs)], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(f"  {kind} pairs failed: {p.stderr[-800:]}", file=sys.stderr)
            return
        for r in json.loads(p.stdout[p.stdout.rindex("RESULT ") + len("RESULT "):].strip()):
            with args.out.open("a") as fh:
                fh.write(json.dumps(r) + "\n")
            a, b = ("one", "two") if kind == "threads" else ("scipy", "engine")
            names = ("1 thread", "2 threads") if kind == "threads" else ("SciPy", "engine, 1 thread")
            print(f"{r['order']}: {names[0]} {statistics.median(r[a]):.2f} s ({min(r[a]):.2f}–{max(r[a]):.2f}), "
                  f"{names[1]} {statistics.median(r[b]):.2f} s ({min(r[b]):.2f}–{max(r[b]):.2f}); "
                  f"ratio of the medians {statistics.median(r[a]) / statistics.median(r[b]):.2f}, pairs "
                  f"{min(r['ratios']):.2f}–{max(r['ratios']):.2f} (median {statistics.median(r['ratios']):.2f}); "
                  + (f"max abs diff {r['max_abs_diff_vs_scipy']:.1e} s; " if kind == "scipy" else "")
                  + f"load {r['load1']:.1f}", flush=True)
        return
    if args.worker:
        print("\nRESULT " + json.dumps(worker(args.worker[0], int(args.worker[1]), args.worker[2],
                                              args.worker[3] == "1")))
        return
    engines = (("scipy", "before1", "engine1", "before2", "engine2") if args.before_src
               else ("scipy", "engine1", "engine2"))
    if args.contenders:
        engines = tuple(c for c in engines if c in args.contenders)
    plan = [(cont, order) for order in args.orders for cont in engines]
    if not args.no_full:
        plan += [("full_before", "grid"), ("full", "grid")] if args.before_src else [("full", "grid")]
    results: dict = {}
    for rep in range(args.runs):
        for cont, order in plan if rep % 2 == 0 else plan[::-1]:  # alternate contenders, each run reversing
            r = _run(cont, args.nodes, order, rep == 0, args.before_src)
            if r is None:
                continue
            r["rep"] = rep
            results.setdefault((cont, order), []).append(r)
            with args.out.open("a") as fh:
                fh.write(json.dumps(r) + "\n")
            print(json.dumps(r), flush=True)
    print()
    print("| order | contender | build wall / CPU (s) | search wall / CPU (s) | CPU ns per settled node-category "
          "| × SciPy (search CPU) | × SciPy (build CPU) | max abs diff (s) | peak RSS (MB) | load | runs |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for order in args.orders:
        sc = results.get(("scipy", order))
        for cont in engines:
            runs = results.get((cont, order))
            if not runs:
                continue
            ns = _med(runs, "search_cpu") / statistics.median(r["settled"] for r in runs) * 1e9
            x_s = _med(sc, "search_cpu") / _med(runs, "search_cpu") if sc else float("nan")
            x_b = _med(sc, "build_cpu") / _med(runs, "build_cpu") if sc else float("nan")
            diff = max((r.get("max_abs_diff_vs_scipy", 0.0) for r in runs), default=0.0)
            print(f"| {order} | {cont} | {_med(runs, 'build_wall'):.3f} / {_med(runs, 'build_cpu'):.3f} | "
                  f"{_med(runs, 'search_wall'):.2f} / {_med(runs, 'search_cpu'):.2f} | {ns:.0f} | {x_s:.2f} | "
                  f"{x_b:.2f} | {diff:.1e} | {max(r['peak_rss_mb'] for r in runs):.0f} | "
                  f"{_med(runs, 'load1'):.1f} | {len(runs)} |")
    for name in ("full_before", "full"):
        full = results.get((name, "grid"))
        if not full:
            continue
        print()
        print(f"{name}, {full[0]['nodes']} nodes, {full[0]['homes']} homes, {full[0]['facilities']} facilities: "
              f"wall {_med(full, 'total_wall'):.2f} s (build {_med(full, 'build'):.2f}, "
              + (f"nearest + counts + 2SFCA {_med(full, 'fca'):.2f} shared), " if full[0].get("shared") == "all"
                 else f"nearest {_med(full, 'nearest'):.2f}, counts + 2SFCA {_med(full, 'fca'):.2f} shared), "
                 if full[0].get("shared") else
                 f"nearest {_med(full, 'nearest'):.2f}, counts {_med(full, 'counts'):.2f}, 2SFCA "
                 f"{_med(full, 'fca'):.2f}), ") +
              f"CPU {_med(full, 'total_cpu'):.2f} s, peak RSS {max(r['peak_rss_mb'] for r in full):.0f} MB, "
              f"load {_med(full, 'load1'):.1f}, runs {len(full)}")


if __name__ == "__main__":
    main()
