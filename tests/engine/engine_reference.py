"""A plain reference for the engine: networkx Dijkstra on the graph with every point inserted as its own node.

Each undirected edge (a directed edge and its reverse, or a one-way edge) is split at the points on it into a chain
u = p0, p1, ..., v; the forward links cost Δfraction·cost[e], the backward links Δfraction·cost[rev[e]] (only when
the reverse exists). An origin is a node with one link *into* its chain node (its access), a facility a node with
one link *from* its chain node; two points at the same fraction of a one-way edge are joined both ways at
cost 0 (but a point at fraction 0 of a one-way edge does not reach its u: the contract needs the reverse edge for
that). Time(o → f) is then a single-source Dijkstra from the origin node. Nothing here
calls the engine.
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def build_reference_graph(n_nodes, u, v, cost, rev, o_edge, o_frac, o_acc, f_edge, f_frac, f_acc) -> nx.MultiDiGraph:
    """MultiDiGraph with nodes 0..n−1, ("P", kind, i) chain nodes, ("O", i) origins and ("F", j) facilities."""
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n_nodes))
    m = len(u)
    on_pair: dict[int, list[tuple[float, tuple]]] = {}

    def key_and_pos(e: int, t: float) -> tuple[int, float]:
        r = rev[e]
        if r >= 0 and r < e:  # lives on the reverse of the lower id: flip the fraction
            return int(r), 1.0 - t
        return int(e), t

    for i, (e, t) in enumerate(zip(o_edge, o_frac)):
        k, s = key_and_pos(int(e), float(t))
        on_pair.setdefault(k, []).append((s, ("P", "o", i)))
        G.add_edge(("O", i), ("P", "o", i), weight=float(o_acc[i]))
    for j, (e, t) in enumerate(zip(f_edge, f_frac)):
        k, s = key_and_pos(int(e), float(t))
        on_pair.setdefault(k, []).append((s, ("P", "f", j)))
        G.add_edge(("P", "f", j), ("F", j), weight=float(f_acc[j]))
    for e in range(m):
        r = int(rev[e])
        if r >= 0 and r < e:
            continue  # handled with its lower-id twin
        pts = sorted(on_pair.get(e, []), key=lambda p: p[0])
        chain = [(0.0, int(u[e]))] + pts + [(1.0, int(v[e]))]
        for (sa, a), (sb, b) in zip(chain[:-1], chain[1:]):
            G.add_edge(a, b, weight=(sb - sa) * float(cost[e]))
            if r >= 0:
                G.add_edge(b, a, weight=(sb - sa) * float(cost[r]))
            elif sb == sa and isinstance(a, tuple) and isinstance(b, tuple):
                G.add_edge(b, a, weight=0.0)  # two points at one spot of a one-way edge are at the same place
    return G


def reference_matrix(n_nodes, u, v, cost, rev, o_edge, o_frac, o_acc, f_edge, f_frac, f_acc) -> np.ndarray:
    """(n_origins, n_facilities) walking costs, +inf when unreachable (small inputs only)."""
    G = build_reference_graph(n_nodes, u, v, cost, rev, o_edge, o_frac, o_acc, f_edge, f_frac, f_acc)
    out = np.full((len(o_edge), len(f_edge)), np.inf)
    for i in range(len(o_edge)):
        d = nx.single_source_dijkstra_path_length(G, ("O", i), weight="weight")
        for j in range(len(f_edge)):
            out[i, j] = d.get(("F", j), np.inf)
    return out


def reference_node_matrix(n_nodes, u, v, cost, rev, f_edge, f_frac, f_acc) -> np.ndarray:
    """(n_nodes, n_facilities) costs from each graph node to each facility."""
    G = build_reference_graph(n_nodes, u, v, cost, rev, [], [], [], f_edge, f_frac, f_acc)
    R = G.reverse(copy=True)
    out = np.full((n_nodes, len(f_edge)), np.inf)
    for j in range(len(f_edge)):
        d = nx.single_source_dijkstra_path_length(R, ("F", j), weight="weight")
        for x in range(n_nodes):
            out[x, j] = d.get(x, np.inf)
    return out


def nearest_from_matrix(T: np.ndarray, category: np.ndarray, n_categories: int) -> np.ndarray:
    """(rows, C) minimum over the facilities of each category."""
    out = np.full((T.shape[0], n_categories), np.inf)
    for c in range(n_categories):
        cols = np.flatnonzero(category == c)
        if len(cols):
            out[:, c] = T[:, cols].min(axis=1)
    return out


def k_nearest_from_matrix(T: np.ndarray, category: np.ndarray, n_categories: int, k: int) -> np.ndarray:
    """(rows, C, k) sorted smallest costs per category, +inf padded."""
    out = np.full((T.shape[0], n_categories, k), np.inf)
    for c in range(n_categories):
        cols = np.flatnonzero(category == c)
        if len(cols):
            s = np.sort(T[:, cols], axis=1)[:, :k]
            out[:, c, : s.shape[1]] = s
    return out


def counts_from_matrix(T, category, n_categories, thresholds, capacity):
    """Brute-force counts and capacity sums within each threshold (inclusive)."""
    n = T.shape[0]
    cnt = np.zeros((n, n_categories, len(thresholds)), np.int64)
    cap = np.zeros((n, n_categories, len(thresholds)))
    for c in range(n_categories):
        cols = np.flatnonzero(category == c)
        for q, thr in enumerate(thresholds):
            within = T[:, cols] <= thr
            cnt[:, c, q] = within.sum(axis=1)
            cap[:, c, q] = (within * capacity[cols]).sum(axis=1)
    return cnt, cap


def fca_from_matrix(T, category, n_categories, population, capacity, threshold, weight_fn):
    """Brute-force 2SFCA / E2SFCA over all pairs: (access (n_o, C), ratio (n_f,), demand (n_f,))."""
    W = np.where(T <= threshold, weight_fn(np.where(np.isfinite(T), T, 0.0)), 0.0)
    demand = (W * population[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand > 0, capacity / demand, np.nan)
    contrib = W * np.nan_to_num(ratio)[None, :]
    access = np.zeros((T.shape[0], n_categories))
    for c in range(n_categories):
        access[:, c] = contrib[:, category == c].sum(axis=1)
    return access, ratio, demand
