"""The nearest (and k nearest) facility of every category for every origin: one multi-source search per category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from lifecircle.engine import blocks, kernels
from lifecircle.engine.graph import Graph, Points
from lifecircle.engine.prepare import Legs, by_row, check_categories, facility_seeds, legs_on
from lifecircle.errors import LifecircleInputError

#: The compiled searches, called with many array arguments (numba's dispatcher has no typed signature).
nearest_all: Callable[..., None] = kernels.nearest_all
nearest_split: Callable[..., None] = kernels.nearest_split
k_nearest_all: Callable[..., None] = kernels.k_nearest_all


@dataclass
class NearestResult:
    """``time`` (n_origins, C) float64: cost (seconds, or metres) of the walk from each origin to the nearest facility
    of each category, +inf when none is reachable; ``facility`` (n_origins, C) int64: its index in the facilities,
    −1 when none. From :func:`nearest` both are column-major (each category's column contiguous, as the searches
    fill them). With :func:`k_nearest` both have a last axis of length k, sorted by time."""

    time: np.ndarray
    facility: np.ndarray


def _threads(n_tasks: int) -> int:
    """How many threads to deal ``n_tasks`` categories to (numba's thread count, at most one per task)."""
    return max(1, min(numba.get_num_threads(), n_tasks))


def _parts(g: Graph) -> int:
    """Into how many parts a search may be split: numba's thread count when ``g`` has at least
    :data:`lifecircle.engine.blocks.MIN_BLOCKS_PER_PART` blocks per thread, else 1 (whole categories dealt)."""
    n = numba.get_num_threads()
    n_blocks = -(-g.n_nodes // (1 << blocks.BLOCK_SHIFT))
    return n if n > 1 and n_blocks >= blocks.MIN_BLOCKS_PER_PART * n else 1


#: Node planes of a search that starts from the facilities (none to resume from): costs, facilities, their bound.
NO_PLANES = (np.zeros((0, 0)), np.zeros((0, 0), np.int32), np.inf)


def deal(work: np.ndarray, n_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Categories dealt to ``n_threads`` threads by their ``work``: ``(deal_ptr, cats)``, thread ``th`` searching
    ``cats[deal_ptr[th]:deal_ptr[th + 1]]``.

    The largest first, each to the thread with the least so far; then, while it lowers the larger of the two loads,
    one category of the most loaded thread moves to the least loaded, or the two swap one each. Dealing alone
    leaves 15 resumed searches at 1 M nodes 10 % apart on 2 threads (the last, smallest categories cannot even
    them out); the moves bring them within 1 %.
    """
    work = np.asarray(work, np.float64)
    load = np.zeros(n_threads)
    owner = np.zeros(len(work), np.int64)
    for c in np.argsort(-work, kind="stable"):
        th = int(np.argmin(load))
        owner[c] = th
        load[th] += work[c]
    while n_threads > 1:
        a, b = int(np.argmax(load)), int(np.argmin(load))
        ia, ib = np.flatnonzero(owner == a), np.flatnonzero(owner == b)
        if a == b or not len(ia):
            break
        # what each move takes from a to b: category i alone (last column), or i for j
        give = np.concatenate([work[ia][:, None] - work[ib][None, :], work[ia][:, None]], axis=1)
        after = np.maximum(load[a] - give, load[b] + give)
        k = int(np.argmin(after))
        if not after.flat[k] < load[a] * (1.0 - 1e-9):
            break
        i, j = divmod(k, len(ib) + 1)
        owner[ia[i]] = b
        if j < len(ib):
            owner[ib[j]] = a
        load[a], load[b] = load[a] - give.flat[k], load[b] + give.flat[k]
    cats = np.argsort(owner, kind="stable").astype(np.int64)
    ptr = np.zeros(n_threads + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=n_threads), out=ptr[1:])
    return ptr, cats


def _nearest_kernel(g: Graph, n_categories: int, seeds, planes, rest, work=None) -> None:
    """Run the nearest kernels on ``g``: ``seeds`` (:func:`~lifecircle.engine.prepare.facility_seeds`), ``planes``
    (node costs and facilities to resume from, or empty: see :func:`lifecircle.engine.kernels.nearest_all`),
    ``rest`` the rows, legs and outputs; ``work`` each category's share of the searching (default: equal).

    Whole categories are dealt to the threads, the most work first, each to the thread with the least so far. On a
    city-sized graph (:func:`_parts` > 1) a category that cannot be dealt evenly is searched by all threads at
    once, the search split into pieces of the city: with equal work, those left over once every thread has as
    many (1 of 15 on 2 threads); with unequal work (searches resumed) dealing balances them, and only categories
    fewer than the threads (the only one of a what-if) are split. So the threads stay evenly loaded whatever the
    number of categories.
    """
    shift = blocks.BLOCK_SHIFT
    slack, width, n_ring = blocks.graph_queue_shape(g)
    n_parts = _parts(g)
    if n_parts == 1:
        n_dealt = n_categories
    elif work is None:
        n_dealt = n_categories - n_categories % n_parts
    else:
        n_dealt = n_categories if n_categories >= n_parts else 0
    work = np.ones(n_categories) if work is None else np.asarray(work, np.float64)
    by_work = np.argsort(-work, kind="stable").astype(np.int64)
    dealt, left = by_work[:n_dealt], by_work[n_dealt:]
    if len(dealt):
        deal_ptr, order = deal(work[dealt], _threads(len(dealt)))
        nearest_all(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, deal_ptr, dealt[order], *seeds, *planes, *rest,
                    shift, slack, width, n_ring)
    if len(left):
        nearest_split(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, n_parts, np.sort(left), *seeds, *planes, *rest,
                      shift, slack, width, n_ring, blocks.WINDOW_SLACKS * slack)


def _prepare(g: Graph, origins: Points, facilities: Points, category, n_categories, by_node: bool = False,
             legs: Legs | None = None):
    """Checked categories, the seeds, and the origins' leave legs and same-edge direct legs (CSR by row), with the
    rows: origin ``rows[r]`` is in row ``r``, in the caller's order or, ``by_node``, by the node it leaves by (the
    kernels then read the search's results in memory order). ``legs``: :func:`~lifecircle.engine.prepare.legs_on`
    of these points, when the caller has them already."""
    legs = legs_on(g, origins, facilities) if legs is None else legs
    cat = check_categories(category, len(facilities), n_categories)
    seeds = facility_seeds(g, facilities, cat, int(n_categories), legs.enter)
    leave = legs.leave
    d_o, d_f, d_t = legs.same_edge
    rows = np.arange(len(origins), dtype=np.int64)
    if by_node:
        rows = legs.rows
        na, ca, nb, cb = leave
        leave = (na[rows], ca[rows], nb[rows], cb[rows])
        d_o = legs.row_of[d_o]
    return cat, seeds, leave, by_row(len(origins), d_o, d_f, d_t), rows


def nearest(g: Graph, origins: Points, facilities: Points, category, n_categories: int) -> NearestResult:
    """Walking cost from every origin to the nearest facility of each category.

    One multi-source Dijkstra per category on the reversed graph, seeded at both ends of each facility's edge with
    its partial-edge cost plus access, carries the facility's index; each origin then takes the best of its two
    leave legs and any facility on its own edge (direct walk). Whole categories run in parallel (numba ``prange``);
    on a city-sized graph a category left over once every thread has one is searched by all threads at once, the
    search split into pieces of the city (:func:`lifecircle.engine.blocks.split_search`).

    Parameters
    ----------
    g
        The graph (costs in seconds, or metres for network distance).
    origins, facilities
        Points on ``g``'s edges; access legs in the unit of the costs.
    category
        int array, one per facility, 0..n_categories−1.
    n_categories
        Number of categories C (empty categories give +inf / −1).

    Returns
    -------
    NearestResult
        ``time`` (n_origins, C) and ``facility`` (n_origins, C). Ties: any nearest facility; the time is exact.
    """
    return _nearest_rows(g, origins, facilities, category, n_categories)


def nearest_resumed(g: Graph, origins: Points, facilities: Points, category, n_categories: int,
                    node_cost: np.ndarray, node_fac: np.ndarray, bound: float,
                    legs: Legs | None = None) -> NearestResult:
    """:func:`nearest`, its searches resumed from what bounded searches from the facilities found.

    ``node_cost``/``node_fac`` (C, n_nodes), internal node ids: for every node within ``bound`` of a facility of
    category ``c``, its exact least cost and that facility, +inf / −1 elsewhere
    (:func:`lifecircle.engine.catchment.run_catchments` with ``node_planes``). Each category's search then starts
    from the edge of what is known (:func:`lifecircle.engine.kernels.frontier`) and settles only the nodes beyond
    it: where facilities are dense, next to nothing. The planes are searched in place (they end as the whole
    searches' costs). The result is :func:`nearest`'s, times bit for bit. ``legs``: as for :func:`_prepare`.
    """
    uncovered = kernels.unreached(node_cost)
    # each category's search work: the nodes it settles, plus a pass over the nodes (frontier, rows)
    return _nearest_rows(g, origins, facilities, category, n_categories, (node_cost, node_fac, float(bound)),
                         uncovered + g.n_nodes / 8, legs)


def _nearest_rows(g: Graph, origins: Points, facilities: Points, category, n_categories: int, planes=NO_PLANES,
                  work=None, legs: Legs | None = None) -> NearestResult:
    """:func:`nearest`, from the facilities or resumed from ``planes`` (:func:`nearest_resumed`)."""
    cat, seeds, leave, direct, rows = _prepare(g, origins, facilities, category, n_categories, True, legs)
    n_o, C = len(origins), int(n_categories)
    time = np.empty((C, n_o))  # category-major: the kernels fill one plane per category
    fac = np.empty((C, n_o), np.int64)
    if n_o and C:
        _nearest_kernel(g, C, seeds, planes, (rows, *leave, *direct, cat, time, fac), work)
    return NearestResult(time.T, fac.T)


def nearest_nodes(g: Graph, facilities: Points, category, n_categories: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost from every *node* to the nearest facility of each category, and that facility.

    Returns ``(time, facility)``, each (n_nodes, C), column-major: seconds (or metres), +inf / −1 when unreachable.
    This is what ``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` computes per category on the transposed
    graph.
    """
    if not isinstance(g, Graph):
        raise LifecircleInputError("g must be a lifecircle.engine.Graph.")
    facilities.check_on(g, "facilities")
    cat = check_categories(category, len(facilities), n_categories)
    cat_ptr, s_node, s_cost, s_label = facility_seeds(g, facilities, cat, int(n_categories))
    C = int(n_categories)
    time = np.empty((C, g.n_nodes))  # category-major: the kernels fill one plane per category
    fac = np.empty((C, g.n_nodes), np.int64)
    z_i = np.zeros(0, np.int64)
    z_f = np.zeros(0, np.float64)
    if g.n_nodes and C:  # column i is the caller's node i, internal node rank[i]
        rows = g.derived("rank int64", lambda: g.rank.astype(np.int64))
        _nearest_kernel(g, C, (cat_ptr, s_node, s_cost, s_label), NO_PLANES,
                        (rows, z_i, z_f, z_i, z_f, np.zeros(1, np.int64), z_i, z_f, cat, time, fac))
    return time.T, fac.T


def k_nearest(g: Graph, origins: Points, facilities: Points, category, n_categories: int, k: int = 3) -> NearestResult:
    """The ``k`` nearest distinct facilities of each category for every origin, sorted by walking cost.

    A k-label multi-source search per category (each node keeps its first k distinct facilities). Returns a
    :class:`NearestResult` with ``time``/``facility`` of shape (n_origins, C, k); missing entries are +inf / −1.
    """
    try:
        k = int(k)
    except (TypeError, ValueError) as exc:
        raise LifecircleInputError(f"k must be a positive integer, got {k!r}.") from exc
    if k < 1:
        raise LifecircleInputError(f"k must be >= 1, got {k}.")
    cat, (cat_ptr, s_node, s_cost, s_label), leave, direct, _ = _prepare(g, origins, facilities, category,
                                                                         n_categories)
    n_o, C = len(origins), int(n_categories)
    time = np.full((n_o, C, k), np.inf)
    fac = np.full((n_o, C, k), -1, np.int64)
    if n_o and C:
        k_nearest_all(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, k, cat_ptr, s_node, s_cost, s_label, *leave,
                      *direct, cat, time, fac)
    return NearestResult(time, fac)
