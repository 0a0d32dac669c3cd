"""Sparse coverage and cost structures for facility siting: who each candidate site covers, and in how many seconds.

A siting problem is held as a :class:`CoverageProblem`: a boolean candidate × demand *sparse* matrix (candidate ``j``
covers demand ``i`` when the walk from ``i`` to ``j`` is within the threshold), the demand weights (people), who is
already covered by existing facilities, and optionally walking times and capacities. Nothing here ever holds a dense
origin × candidate matrix: a 100 000-home × 10 000-candidate district only stores the pairs within the walking
threshold (the bounded searches' output).

Builders:

* :func:`coverage_from_times` — a sparse time matrix (seconds) → the cover within a threshold.
* :func:`times_from_graph` — bounded Dijkstra (``scipy.sparse.csgraph.dijkstra(limit=...)``) from candidate nodes on
  a node graph, in batches so memory stays ``batch × n_nodes``; demand either at nodes or snapped on edges
  (:class:`lifecircle.network.model.SnappedPoints` convention: the walk leaves a home along its edge to either end).
* :func:`coverage_from_network` — the same on a :class:`lifecircle.network.model.WalkNetwork` with snapped homes.
* :func:`coverage_from_engine` — the accessibility engine's graph and points, one compiled bounded search per
  candidate emitting the pairs (the recommended builder; O(nodes + homes) memory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from lifecircle.errors import LifecircleInputError

#: Candidate rows searched per Dijkstra batch: memory is ``_BATCH × n_nodes`` float64 (8 MB per 10 000 nodes).
_BATCH = 64


@dataclass
class CoverageProblem:
    """A siting instance in sparse form.

    Attributes
    ----------
    demand_weight
        ``(n_demand,)`` float, people (or any non-negative weight) at each demand point (home).
    cover
        ``(n_candidates, n_demand)`` sparse bool: ``cover[j, i]`` is True when candidate ``j`` covers demand ``i``
        (walking time within the threshold). Stored as CSR with sorted indices.
    already_covered
        ``(n_demand,)`` bool: demand already covered by existing facilities (these people cannot be newly covered).
        Default: nobody.
    cost
        Optional ``(n_candidates, n_demand)`` sparse float, walking time in seconds from demand ``i`` to candidate
        ``j``; *stored* entries are the reachable pairs (explicit zeros are kept: a home at the site), absent pairs
        are beyond the search limit. Needed by :func:`~lifecircle.planning.siting.solve_pmedian`.
    capacity
        Optional ``(n_candidates,)`` float, the weight (people) a site may serve at most.
    existing_cost
        Optional ``(n_demand,)`` float, seconds from each demand to its nearest existing facility (``inf`` when none
        is reachable); used by the p-median so that new sites only count where they are nearer. Default: all ``inf``.
    cost_limit_s
        Optional, the search limit (seconds) the ``cost`` matrix was computed with; the p-median charges this time
        to demand that no site or existing facility reaches within the limit.
    """

    demand_weight: np.ndarray
    cover: sp.csr_matrix
    already_covered: np.ndarray | None = None
    cost: sp.csr_matrix | None = None
    capacity: np.ndarray | None = None
    existing_cost: np.ndarray | None = None
    cost_limit_s: float | None = None

    def __post_init__(self) -> None:
        w = np.asarray(self.demand_weight, dtype=np.float64)
        if w.ndim != 1:
            raise LifecircleInputError(f"demand_weight must be a 1-D array (people per home), got shape {w.shape}.")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise LifecircleInputError(
                "demand_weight must be finite and >= 0 (people per home); fill missing populations (e.g. "
                "homes['population'].fillna(0)) before building the problem.")
        self.demand_weight = w
        n = len(w)
        if not sp.issparse(self.cover):
            raise LifecircleInputError(
                "cover must be a scipy.sparse matrix (n_candidates x n_demand); build it with coverage_from_times "
                "or coverage_from_network, never as a dense origin x candidate array.")
        cover = sp.csr_matrix(self.cover, dtype=bool)
        if cover.shape[1] != n:
            raise LifecircleInputError(
                f"cover has {cover.shape[1]} demand columns but demand_weight has {n} entries; cover must be "
                "(n_candidates x n_demand).")
        cover.eliminate_zeros()
        cover.sum_duplicates()
        cover.sort_indices()
        self.cover = cover
        if self.already_covered is None:
            self.already_covered = np.zeros(n, dtype=bool)
        else:
            ac = np.asarray(self.already_covered)
            if ac.shape != (n,):
                raise LifecircleInputError(f"already_covered must have shape ({n},), got {ac.shape}.")
            self.already_covered = ac.astype(bool)
        if self.cost is not None:
            if not sp.issparse(self.cost):
                raise LifecircleInputError("cost must be a scipy.sparse matrix of seconds (n_candidates x n_demand).")
            cost = sp.csr_matrix(self.cost, dtype=np.float64)
            if cost.shape != cover.shape:
                raise LifecircleInputError(f"cost has shape {cost.shape} but cover has {cover.shape}; they must match.")
            if cost.nnz and (np.any(cost.data < 0) or not np.all(np.isfinite(cost.data))):
                raise LifecircleInputError("cost must hold finite walking times >= 0 seconds; leave unreachable "
                                           "pairs out of the sparse matrix instead of storing inf.")
            cost.sum_duplicates()
            cost.sort_indices()
            self.cost = cost
        if self.capacity is not None:
            cap = np.asarray(self.capacity, dtype=np.float64)
            if cap.shape != (cover.shape[0],) or np.any(~np.isfinite(cap)) or np.any(cap < 0):
                raise LifecircleInputError(
                    f"capacity must be {cover.shape[0]} finite values >= 0 (people a site can serve), one per "
                    f"candidate; got shape {cap.shape}.")
            self.capacity = cap
        if self.existing_cost is not None:
            ec = np.asarray(self.existing_cost, dtype=np.float64)
            if ec.shape != (n,) or np.any(ec < 0) or np.any(np.isnan(ec)):
                raise LifecircleInputError(f"existing_cost must be {n} times >= 0 seconds (inf = no existing "
                                           "facility reachable); got shape {ec.shape} or negative/NaN values.")
            self.existing_cost = ec
        if self.cost_limit_s is not None and not (np.isfinite(self.cost_limit_s) and self.cost_limit_s > 0):
            raise LifecircleInputError(f"cost_limit_s must be a positive number of seconds, got {self.cost_limit_s}.")

    @property
    def n_demand(self) -> int:
        """Number of demand points (homes)."""
        return len(self.demand_weight)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return self.cover.shape[0]

    @property
    def total_weight(self) -> float:
        """Total demand weight (people)."""
        return float(self.demand_weight.sum())

    @property
    def covered_weight(self) -> float:
        """Weight (people) already covered by existing facilities."""
        return float(self.demand_weight[self.already_covered].sum())


def coverage_from_times(times: sp.spmatrix, threshold_s: float) -> sp.csr_matrix:
    """The cover matrix of a sparse time matrix: stored pairs with a time within ``threshold_s``.

    Parameters
    ----------
    times
        ``(n_candidates, n_demand)`` sparse, seconds; stored entries (explicit zeros included) are reachable pairs.
    threshold_s
        Walking-time threshold in seconds (e.g. 900 for the 15-minute circle, SOURCE: GB 50180-2018 §2.0.3).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n_candidates, n_demand)`` bool.
    """
    if not sp.issparse(times):
        raise LifecircleInputError("times must be a scipy.sparse matrix of seconds (n_candidates x n_demand).")
    if not (threshold_s >= 0 and np.isfinite(threshold_s)):
        raise LifecircleInputError(f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}.")
    t = sp.coo_matrix(times)
    keep = t.data <= threshold_s
    out = sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (t.row[keep], t.col[keep])), shape=t.shape)
    out.sum_duplicates()
    out.sort_indices()
    return out


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


def _node_points(g, nodes: np.ndarray):
    """Engine points standing exactly on the given nodes: at fraction 0 of an edge leaving each node (or, for a node
    nothing leaves, at fraction 1 of an edge entering it)."""
    from lifecircle.engine import Points

    nodes = np.asarray(nodes, dtype=np.int64)
    if np.any((nodes < 0) | (nodes >= g.n_nodes)):
        raise LifecircleInputError(f"candidate node ids must lie in 0..{g.n_nodes - 1}.")
    first_out = np.full(g.n_nodes, -1, np.int64)
    first_out[g.u[::-1]] = np.arange(g.n_edges)[::-1]
    first_in = np.full(g.n_nodes, -1, np.int64)
    first_in[g.v[::-1]] = np.arange(g.n_edges)[::-1]
    edge = np.where(first_out[nodes] >= 0, first_out[nodes], first_in[nodes])
    if np.any(edge < 0):
        bad = nodes[edge < 0][:5].tolist()
        raise LifecircleInputError(f"candidate nodes {bad} have no edge; pick nodes of the walking network.")
    frac = np.where(first_out[nodes] >= 0, 0.0, 1.0)
    return Points(edge, frac, np.zeros(len(nodes)))


def coverage_from_engine(graph, homes, candidates, threshold_s: float) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Times and cover from the accessibility engine's bounded searches (:mod:`lifecircle.engine`).

    One bounded search per candidate on the engine's reversed CSR graph (numba), emitting every home within
    ``threshold_s`` with its exact walking time under the :mod:`lifecircle.network.model` definition (leave/enter legs,
    access legs, same-edge straight walks) — the times behind the indicators' ``t_<c>`` columns. Memory is
    O(nodes + homes) plus the pairs found.

    Parameters
    ----------
    graph
        :class:`lifecircle.engine.Graph` (``Graph.from_network(net)``; seconds on a ``time_s`` graph).
    homes
        :class:`lifecircle.engine.Points` of the demand points (``Points.from_snapped(snapped)``).
    candidates
        :class:`lifecircle.engine.Points` of candidate parcels, or an int array of candidate node ids.
    threshold_s
        Walking-time threshold (seconds; metres on a ``length_m`` graph), also the search bound.

    Returns
    -------
    (times, cover)
        ``(n_candidates, n_homes)`` sparse seconds within the threshold (explicit zeros kept) and the bool cover.
    """
    from lifecircle.engine import Graph, Points
    from lifecircle.engine.graph import enter_legs
    from lifecircle.engine.prepare import by_row, origin_attachments, same_edge_legs
    from lifecircle.engine.pairs import bounded_pairs

    if not isinstance(graph, Graph):
        raise LifecircleInputError("graph must be a lifecircle.engine.Graph (Graph.from_network(net)).")
    if not isinstance(homes, Points):
        raise LifecircleInputError("homes must be lifecircle.engine.Points (Points.from_snapped(snapped_homes)).")
    if not (np.isfinite(threshold_s) and threshold_s >= 0):
        raise LifecircleInputError(f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}.")
    cand = candidates if isinstance(candidates, Points) else _node_points(graph, candidates)
    homes.check_on(graph, "homes")
    cand.check_on(graph, "candidates")
    n_c, n_h = len(cand), len(homes)
    if n_c == 0 or n_h == 0:
        empty = sp.csr_matrix((n_c, n_h), dtype=np.float64)
        return empty, coverage_from_times(empty, threshold_s)
    f_na, f_ca, f_nb, f_cb = enter_legs(graph, cand)
    att_ptr, att_o, att_cost = origin_attachments(graph, homes)
    d_o, d_f, d_t = same_edge_legs(graph, homes, cand)
    d_ptr, d_org, d_cost = by_row(n_c, d_f, d_o, d_t)
    rows, cols, vals = bounded_pairs(graph.in_indptr, graph.in_from, graph.in_cost, graph.n_nodes, n_h,
                                     f_na, f_ca, f_nb, f_cb, att_ptr, att_o, att_cost, d_ptr, d_org, d_cost,
                                     float(threshold_s))
    times = sp.csr_matrix((vals, (rows, cols)), shape=(n_c, n_h))
    times.sort_indices()
    return times, coverage_from_times(times, threshold_s)
