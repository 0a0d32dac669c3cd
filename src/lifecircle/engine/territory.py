"""The facilities' bounded searches shared among threads by territory: each thread sweeps one piece of the city.

The searches of :func:`lifecircle.engine.kernels.catchments` add into per-origin outputs, so two threads must never
add to the same origin at once. Splitting the facilities by category keeps them apart, but then each thread's
facilities are half as dense and consecutive searches share less of the graph in the cache: at 1 M nodes one
thread ran the same searches in 5.2 s when they were split by category against 4.4 s in one sweep of the node
order.

So the internal node order (a Hilbert curve, :mod:`lifecircle.engine.layout`) is cut into ``n_parts`` territories,
contiguous ranges of node ids holding about as many search points each. A territory owns the origins that leave
by one of its nodes (their rows sit together: :func:`lifecircle.engine.prepare.rows_by_node`). A facility whose
search stays among its territory's origins is searched by that territory's thread. The others, near a border,
are searched afterwards with the threads split by category. Which facilities are near a border is first
estimated by one search from the nodes on a border edge (an estimate, reversed edges, bound ×1.25); the kernel
then checks every search's origins and puts off any facility that strays, so the estimate decides speed only,
never a result.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lifecircle.engine.kernels import reach_from

#: Margin on the bound for the border estimate: walking costs differ by direction (slopes, one-way links).
BORDER_MARGIN = 1.25


@njit(cache=True)
def border_nodes(in_indptr, in_from, cuts):
    """The nodes at either end of an edge whose two ends lie in different territories (territory of node ``x``:
    the number of ``cuts`` ≤ ``x``)."""
    n_nodes = len(in_indptr) - 1
    mark = np.zeros(n_nodes, np.bool_)
    for x in range(n_nodes):
        px = np.searchsorted(cuts, x, side="right")
        for k in range(in_indptr[x], in_indptr[x + 1]):
            y = in_from[k]
            if np.searchsorted(cuts, y, side="right") != px:
                mark[x] = True
                mark[y] = True
    return np.flatnonzero(mark)


def territories(in_indptr: np.ndarray, in_from: np.ndarray, in_cost: np.ndarray, f_na: np.ndarray, f_nb: np.ndarray,
                site: np.ndarray, n_parts: int, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut the node order into ``n_parts`` territories holding about as many distinct search points (``site``)
    each, and place each facility: ``(cuts, part)``, ``part[f]`` its territory, or −1 when its search (bounded by
    ``bound``) likely reaches origins across a border.

    ``f_na``/``f_nb``: the nodes a facility is reached from (internal ids, −1 = none); ``cuts``: the first node id
    of territories 1..n_parts−1, ascending.
    """
    n_f = len(f_na)
    if n_parts <= 1 or n_f == 0:
        return np.zeros(0, np.int64), np.zeros(n_f, np.int64)
    first = np.unique(site, return_index=True)[1]  # one facility per search point
    nodes = np.sort(f_na[first])
    cuts = np.unique(nodes[(np.arange(1, n_parts) * len(nodes)) // n_parts])
    cuts = cuts[cuts > 0]
    part = np.searchsorted(cuts, f_na, side="right").astype(np.int64)
    if len(cuts) == 0:
        return cuts, part
    seeds = border_nodes(in_indptr, in_from, cuts)
    near = np.full(len(in_indptr) - 1, np.inf)
    reach_from(in_indptr, in_from, in_cost, len(near), seeds, np.zeros(len(seeds)), bound * BORDER_MARGIN, near)
    border = np.isfinite(near[f_na]) | ((f_nb >= 0) & np.isfinite(near[np.maximum(f_nb, 0)]))
    part[border] = -1
    return cuts, part
