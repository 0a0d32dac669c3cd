"""Test references for the planning builders: bounded Dijkstra with SciPy (``scipy.sparse.csgraph.dijkstra`` with
``limit=``), independent of the compiled engine, giving the candidate × home walking times that
:func:`lifecircle.planning.coverage_from_engine` must reproduce.

* :func:`times_from_graph` — from candidate nodes (or candidates on edges) on a node graph, in batches so memory
  stays ``batch × n_nodes``; demand at nodes or snapped on edges (the walk leaves a home along its edge to either end,
  the :class:`lifecircle.network.model.SnappedPoints` convention);
* :func:`coverage_from_network` — the same on a :class:`lifecircle.network.model.WalkNetwork` with snapped homes,
  adding the straight walks between a home and a candidate on the same edge.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from lifecircle.errors import LifecircleInputError
from lifecircle.planning import coverage_from_times

#: Candidate rows searched per Dijkstra batch: memory is ``_BATCH × n_nodes`` float64 (8 MB per 10 000 nodes).
_BATCH = 64


def _node_graph(n_nodes: int, u: np.ndarray, v: np.ndarray, cost: np.ndarray) -> sp.csr_matrix:
    """CSR adjacency of a directed graph keeping the cheapest of parallel edges (csgraph would add them)."""
    order = np.lexsort((cost, v, u))
    u, v, cost = u[order], v[order], cost[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, cost = u[first], v[first], cost[first]
    # csgraph treats explicit zeros as edges only in some paths; a tiny positive floor keeps zero-cost edges.
    cost = np.where(cost > 0, cost, 1e-9)
    return sp.csr_matrix((cost, (u, v)), shape=(n_nodes, n_nodes))


def times_from_graph(n_nodes: int, u: np.ndarray, v: np.ndarray, cost: np.ndarray, candidate_nodes: np.ndarray | None,
                     limit_s: float, demand_nodes: np.ndarray | None = None,
                     demand_exits: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
                     demand_access_s: np.ndarray | None = None,
                     candidate_entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
                     ) -> sp.csr_matrix:
    """Walking times from demand to candidates within ``limit_s``, as a sparse candidate × demand matrix.

    Runs a bounded Dijkstra (``scipy.sparse.csgraph.dijkstra`` with ``limit=``) from each candidate on the
    *reversed* graph, so ``dist[v]`` is the time of the walk ``v → candidate``; candidates are processed in batches of
    64 so memory is ``64 × n_nodes`` floats, never ``n_demand × n_candidates``.

    Parameters
    ----------
    n_nodes, u, v, cost
        The directed graph: edge ``k`` goes ``u[k] → v[k]`` in ``cost[k]`` seconds.
    candidate_nodes
        ``(n_candidates,)`` node ids of the candidate sites, or None with
    candidate_entries
        ``(node_a, cost_a, node_b, cost_b)`` per candidate: the nodes it is reached from and the seconds from each
        (``node_b = -1`` when none), access leg included — candidates on edges, e.g. parcels.
    limit_s
        Search limit in seconds; pairs farther apart are not stored.
    demand_nodes
        ``(n_demand,)`` node id of each demand point, or
    demand_exits
        ``(node_a, cost_a, node_b, cost_b)`` per demand: the two ends of its edge and the seconds to walk to each
        (``node_b = -1`` when the edge is one-way), as for :class:`~lifecircle.network.model.SnappedPoints`.
    demand_access_s
        ``(n_demand,)`` seconds of the straight leg from the home to the network, added to every time. Default 0.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n_candidates, n_demand)`` float seconds, only pairs within ``limit_s`` stored (explicit zeros kept).
        Walks along the network only: two points on the same edge may be closer directly (see
        :func:`coverage_from_network`, which adds that case).
    """
    if (demand_nodes is None) == (demand_exits is None):
        raise LifecircleInputError("give exactly one of demand_nodes (homes at nodes) or demand_exits (snapped homes).")
    if (candidate_nodes is None) == (candidate_entries is None):
        raise LifecircleInputError("give exactly one of candidate_nodes or candidate_entries (candidates on edges).")
    u, v, cost = np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(cost, np.float64)
    if candidate_nodes is not None:
        sources = np.asarray(candidate_nodes, dtype=np.int64)
        if np.any((sources < 0) | (sources >= n_nodes)):
            raise LifecircleInputError(f"candidate_nodes must be node ids in 0..{n_nodes - 1}.")
        n_graph = n_nodes
    else:
        # one virtual node per candidate, entered from its edge's ends; nothing leaves it, so no walk passes through
        na, ca_, nb, cb_ = (np.asarray(x) for x in candidate_entries)
        n_c = len(na)
        virt = n_nodes + np.arange(n_c)
        has = np.asarray(nb) >= 0
        u = np.concatenate([u, na.astype(np.int64), nb[has].astype(np.int64)])
        v = np.concatenate([v, virt, virt[has]])
        cost = np.concatenate([cost, ca_.astype(np.float64), cb_[has].astype(np.float64)])
        sources = virt
        n_graph = n_nodes + n_c
    if demand_nodes is not None:
        a = np.asarray(demand_nodes, dtype=np.int64)
        ca = np.zeros(len(a))
        b = np.full(len(a), -1, dtype=np.int64)
        cb = np.full(len(a), np.inf)
    else:
        a, ca, b, cb = (np.asarray(x) for x in demand_exits)
        a, b = a.astype(np.int64), b.astype(np.int64)
        ca, cb = ca.astype(np.float64), cb.astype(np.float64)
    n_demand = len(a)
    acc = np.zeros(n_demand) if demand_access_s is None else np.asarray(demand_access_s, dtype=np.float64)
    if np.any((a < 0) | (a >= n_nodes)) or np.any(b >= n_nodes):
        raise LifecircleInputError(f"demand nodes must be node ids in 0..{n_nodes - 1}.")
    rev_graph = _node_graph(n_graph, v, u, cost)
    has_b = b >= 0
    b_safe = np.where(has_b, b, 0)
    rows, cols, vals = [], [], []
    budget = limit_s - acc  # the network part of the walk may use what the access leg leaves
    for start in range(0, len(sources), _BATCH):
        batch = sources[start:start + _BATCH]
        dist = dijkstra(rev_graph, directed=True, indices=batch, limit=limit_s)
        t = np.minimum(dist[:, a] + ca, np.where(has_b, dist[:, b_safe] + cb, np.inf))
        r, c = np.nonzero(t <= budget)
        rows.append(r + start)
        cols.append(c)
        vals.append(t[r, c] + acc[c])
    if rows:
        r, c, x = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    else:
        r = c = np.zeros(0, dtype=np.int64)
        x = np.zeros(0)
    out = sp.csr_matrix((x, (r, c)), shape=(len(sources), n_demand))
    out.sort_indices()
    return out


def _same_edge_times(cost: np.ndarray, rev: np.ndarray, h_edge, h_frac, h_acc, c_edge, c_frac, c_acc):
    """(candidate, home, seconds) for pairs on the same undirected edge walking straight along it."""
    def pair_pos(e, t):
        r = rev[e]
        low = np.where((r >= 0) & (r < e), r, e)
        return low, np.where(low == e, t, 1.0 - t)

    hp, hpos = pair_pos(h_edge, h_frac)
    cp, cpos = pair_pos(c_edge, c_frac)
    order = np.argsort(hp, kind="stable")
    hp_sorted = hp[order]
    lo = np.searchsorted(hp_sorted, cp, side="left")
    hi = np.searchsorted(hp_sorted, cp, side="right")
    n_per = hi - lo
    if n_per.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    cj = np.repeat(np.arange(len(cp)), n_per)
    hi_idx = order[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi) if b > a])]
    e0 = cp[cj]
    r0 = rev[e0]
    d = cpos[cj] - hpos[hi_idx]
    fwd = np.where(d >= 0, d * cost[e0], np.inf)  # along the low edge u→v
    bwd = np.where((d <= 0) & (r0 >= 0), -d * cost[np.where(r0 >= 0, r0, 0)], np.inf)
    t = np.minimum(fwd, bwd) + h_acc[hi_idx] + c_acc[cj]
    return cj, hi_idx, t


def coverage_from_network(network, homes, candidates, threshold_s: float,
                          weight: str = "time_s") -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Times and cover from snapped homes to candidates on a :class:`~lifecircle.network.model.WalkNetwork`.

    A home at fraction ``t`` of directed edge ``e = u→v`` reaches ``v`` in ``(1 − t)·time_s[e]`` and ``u`` in
    ``t·time_s[rev[e]]`` seconds (when the reverse edge exists), plus its ``access_s`` leg; a candidate on an edge is
    reached from ``u`` in ``t·time_s[e]`` and from ``v`` in ``(1 − t)·time_s[rev[e]]`` plus its access leg; a home
    and a candidate on the same edge may also walk straight along it — the walking-time definition of
    :mod:`lifecircle.network.model`. Uses :func:`times_from_graph` (scipy bounded Dijkstra).

    Parameters
    ----------
    network
        :class:`~lifecircle.network.model.WalkNetwork`.
    homes
        :class:`~lifecircle.network.model.SnappedPoints` of the demand points.
    candidates
        Node ids (int array) of candidate sites, or :class:`~lifecircle.network.model.SnappedPoints` of candidate
        parcels.
    threshold_s
        Walking-time threshold in seconds (also the search limit).
    weight
        Edge column: ``"time_s"`` (seconds, default) or ``"length_m"`` (then everything is in metres).

    Returns
    -------
    (times, cover)
        ``(n_candidates, n_homes)`` sparse seconds within the threshold, and the matching bool cover.
    """
    u, v, cost, rev = network.edge_arrays(weight)
    access_col = "access_s" if weight == "time_s" else "access_m"
    e, frac, access = homes.arrays(access_col)
    rev_e = rev[e]
    cb = np.where(rev_e >= 0, frac * cost[np.where(rev_e >= 0, rev_e, 0)], np.inf)
    exits = (v[e], (1.0 - frac) * cost[e], np.where(rev_e >= 0, u[e], -1), cb)
    if hasattr(candidates, "arrays"):
        ce, cfrac, cacc = candidates.arrays(access_col)
        crev = rev[ce]
        entries = (u[ce], cfrac * cost[ce] + cacc, np.where(crev >= 0, v[ce], -1),
                   np.where(crev >= 0, (1.0 - cfrac) * cost[np.where(crev >= 0, crev, 0)] + cacc, np.inf))
        times = times_from_graph(network.n_nodes, u, v, cost, None, threshold_s, demand_exits=exits,
                                 demand_access_s=access, candidate_entries=entries)
        cj, hi, t = _same_edge_times(cost, rev, e, frac, access, ce, cfrac, cacc)
        keep = t <= threshold_s
        if keep.any():
            direct = sp.csr_matrix((t[keep], (cj[keep], hi[keep])), shape=times.shape)
            coo = sp.coo_matrix(times)
            r = np.concatenate([coo.row, cj[keep]])
            c = np.concatenate([coo.col, hi[keep]])
            x = np.concatenate([coo.data, t[keep]])
            order = np.lexsort((x, c, r))  # keep the smaller time of duplicate pairs
            r, c, x = r[order], c[order], x[order]
            first = np.ones(len(r), bool)
            first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
            times = sp.csr_matrix((x[first], (r[first], c[first])), shape=direct.shape)
            times.sort_indices()
    else:
        times = times_from_graph(network.n_nodes, u, v, cost, np.asarray(candidates, np.int64), threshold_s,
                                 demand_exits=exits, demand_access_s=access)
    return times, coverage_from_times(times, threshold_s)
