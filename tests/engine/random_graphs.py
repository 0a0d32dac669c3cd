"""Random directed graphs in CSR form and a plain Dijkstra (``heapq``), the reference of the search tests."""

from __future__ import annotations

import heapq

import numpy as np


def csr(n, frm, to, cost):
    order = np.argsort(frm, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(frm, minlength=n), out=indptr[1:])
    return indptr, to[order].astype(np.int32), cost[order].astype(np.float64)


def dijkstra(n, indptr, nbr, cost, seed_node, seed_cost):
    """Plain Dijkstra with a binary heap (``heapq``): the reference."""
    dist = np.full(n, np.inf)
    heap = []
    for x, d in zip(seed_node, seed_cost):
        if x >= 0 and d < dist[x]:
            dist[x] = d
            heapq.heappush(heap, (d, x))
    while heap:
        d, x = heapq.heappop(heap)
        if d > dist[x]:
            continue
        for k in range(indptr[x], indptr[x + 1]):
            y = nbr[k]
            nd = d + cost[k]
            if nd < dist[y]:
                dist[y] = nd
                heapq.heappush(heap, (nd, y))
    return dist


def random_graph(rng, n, integer_costs):
    """Edges between nearby ids (like a renumbered street graph) and a few long ones, some parallel, some loops."""
    m = 3 * n
    frm = rng.integers(0, n, m)
    to = np.clip(frm + rng.integers(-40, 41, m), 0, n - 1)
    far = rng.random(m) < 0.02
    to[far] = rng.integers(0, n, far.sum())
    to[:5] = frm[:5]  # self-loops
    frm = np.concatenate([frm, frm[:50]])  # parallel edges
    to = np.concatenate([to, to[:50]])
    if integer_costs:
        cost = rng.integers(0, 6, len(frm)).astype(float)
    else:
        cost = rng.uniform(0, 60, len(frm))
        cost[rng.random(len(frm)) < 0.05] = 0.0
    return csr(n, frm, to, cost)
