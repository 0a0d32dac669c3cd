"""Run the bounded facility searches of :func:`lifecircle.engine.kernels.catchments` from Python arrays.

Two rounds: first each thread sweeps its own territory of the city (:mod:`lifecircle.engine.territory`), then the
facilities near a border are searched with the threads split by whole categories.

Memory: per thread, scratch of 20 bytes per node and 16 per origin (:func:`lifecircle.engine.bounded.scratch`), plus
the outputs, once: filled category by category in the origins' node order, one plane up, then each plane moved
down into the one before it in the caller's order (:func:`lifecircle.engine.kernels.thresholds_summed`) and
returned as views (n_origins, C, ...) of those planes (one spare plane per output); with ``node_planes``, 12 bytes
per node and category. Never an origins × facilities matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from lifecircle.engine.bounded import graph_queue_shape
from lifecircle.engine.graph import Graph, Points, kernel_array
from lifecircle.engine.kernels import MODE_COUNTS, MODE_FCA, catchments, fresh_planes, thresholds_summed
from lifecircle.engine.prepare import Legs, by_row, legs_on, origin_attachments
from lifecircle.engine.territory import territories


def _sites(pts: Points) -> np.ndarray:
    """An id per distinct point (same edge, fraction and access leg, bit for bit): such points share a search."""
    n = len(pts)
    if n == 0:
        return np.zeros(0, np.int64)
    frac, acc = pts.frac.view(np.int64), pts.access.view(np.int64)
    order = np.lexsort((acc, frac, pts.edge))
    new = np.ones(n, bool)
    new[1:] = (np.diff(pts.edge[order]) != 0) | (np.diff(frac[order]) != 0) | (np.diff(acc[order]) != 0)
    site = np.empty(n, np.int64)
    site[order] = np.cumsum(new) - 1
    return site


def _category_groups(cat: np.ndarray, site: np.ndarray, n_categories: int,
                     n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Facilities split into ``n_groups`` sets of whole categories, balanced by the searches each runs.

    A group searches once from each distinct point among its facilities, so its work is its number of distinct
    points. Categories are placed largest first, each in the group where the larger of the groups' loads stays
    smallest, and among those where it adds the fewest new points: categories whose facilities stand at the same
    points (a bus stop and a kiosk at one entrance) share their searches when the balance allows.
    """
    n_sites = int(site.max()) + 1 if len(site) else 0
    owned = np.zeros((n_groups, n_sites), bool)
    load = np.zeros(n_groups, np.int64)
    owner = np.zeros(n_categories, np.int64)
    sites_of = [np.unique(site[cat == c]) for c in range(n_categories)]
    for c in sorted(range(n_categories), key=lambda c: -len(sites_of[c])):
        added = np.array([int((~owned[gi, sites_of[c]]).sum()) for gi in range(n_groups)])
        after = np.maximum(load + added, np.array([np.delete(load, gi).max(initial=0) for gi in range(n_groups)]))
        gi = int(np.lexsort((added, after))[0])
        owner[c] = gi
        owned[gi, sites_of[c]] = True
        load[gi] += added[gi]
    grp = owner[cat]
    order = np.argsort(grp, kind="stable").astype(np.int64)
    ptr = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.bincount(grp, minlength=n_groups), out=ptr[1:])
    return ptr, order


def _search_order(fac: np.ndarray, ptr: np.ndarray, site: np.ndarray, f_na: np.ndarray) -> np.ndarray:
    """The facilities ``fac`` of each group ``[ptr[g], ptr[g + 1])`` in node order (consecutive searches then share
    the cached part of the graph), facilities at the same point one after the other (they share a search)."""
    grp = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    return fac[np.lexsort((site[fac], f_na[fac], grp))]


def _territory_groups(g: Graph, f_na: np.ndarray, f_nb: np.ndarray, site: np.ndarray, row_node: np.ndarray,
                      n_threads: int, bound: float):
    """One group per territory (:mod:`lifecircle.engine.territory`): ``(ptr, order, lo, hi, first, end, border)``,
    group ``t``'s facilities ``order[ptr[t]:ptr[t + 1]]`` in search order, its rows ``[lo[t], hi[t])``
    (``row_node``: the node each row's origin leaves by, ascending) and its nodes ``[first[t], end[t])``;
    ``border`` marks the facilities left to the second round."""
    cuts, part = territories(g.in_indptr, g.in_from, g.in_cost, f_na, f_nb, site, n_threads, bound)
    inner = np.flatnonzero(part >= 0)
    ptr = np.zeros(len(cuts) + 2, np.int64)
    np.cumsum(np.bincount(part[inner], minlength=len(cuts) + 1), out=ptr[1:])
    order = _search_order(inner[np.argsort(part[inner], kind="stable")], ptr, site, f_na)
    row_cut = np.searchsorted(row_node, cuts)
    return (ptr, order, np.concatenate([[0], row_cut]), np.concatenate([row_cut, [len(row_node)]]),
            np.concatenate([[0], cuts]).astype(np.int64), np.concatenate([cuts, [g.n_nodes]]).astype(np.int64), part < 0)


@dataclass
class Catchments:
    """What :func:`run_catchments` reduced, rows in the caller's origin order (None: not asked for this mode).

    ``count``/``capacity`` (n_origins, C, T): facilities and their weights within each threshold (counts);
    ``sums`` (n_origins, C): the decay-weighted sums, or the 2SFCA access; ``demand`` (n_facilities,): the
    2SFCA's weighted population per facility; ``node_cost``/``node_fac`` (C, n_nodes), internal node ids: the
    least cost from each node to a facility of each category within the searches' ``bound`` (the largest cost
    asked for), and that facility (+inf / −1 beyond it; see :func:`lifecircle.engine.kernels.catchments`)."""

    count: np.ndarray | None = None
    capacity: np.ndarray | None = None
    sums: np.ndarray | None = None
    demand: np.ndarray | None = None
    node_cost: np.ndarray | None = None
    node_fac: np.ndarray | None = None
    bound: float = 0.0


def run_catchments(g: Graph, origins: Points, facilities: Points, cat: np.ndarray, n_categories: int,
                   f_weight: np.ndarray, thresholds: np.ndarray | None = None, with_capacity: bool = False,
                   sums: int = 0, kind: int = 0, scale: float = 1.0, cutoff: float = 0.0,
                   o_weight: np.ndarray | None = None, node_planes: bool = False,
                   legs: Legs | None = None) -> Catchments:
    """Run the bounded searches of :func:`lifecircle.engine.kernels.catchments` once per facility point and return
    what they reduce.

    ``thresholds`` (checked, any order): count the facilities within each (and sum their ``f_weight`` when
    ``with_capacity``); ``sums`` (``MODE_ORIGIN_SUM`` or ``MODE_FCA``, 0: none): decayed sums or the 2SFCA with
    decay ``kind``/``scale`` cut at ``cutoff``, ``o_weight`` the origins' population. The searches are bounded by
    the largest cost asked for, so counts and sums asked together share their searches. ``node_planes``: also
    record, per category, each node's least cost within that bound and its facility (``node_cost``/``node_fac``),
    from which :func:`lifecircle.engine.nearest.nearest_resumed` finishes the searches it would otherwise run
    whole. ``legs``: :func:`~lifecircle.engine.prepare.legs_on` of these points, when the caller has them already.
    """
    legs = legs_on(g, origins, facilities) if legs is None else legs
    n_o, n_f, C = len(origins), len(facilities), int(n_categories)
    counting = thresholds is not None
    mode = (MODE_COUNTS if counting else 0) | sums
    # thresholds ascending for the kernel (it files each pair under the first threshold that holds)
    thr_given = np.zeros(1) if thresholds is None else thresholds
    thr_order = np.argsort(thr_given, kind="stable")
    thr = kernel_array(thr_given[thr_order], np.float64)
    bound = max(float(thr.max()) if counting else 0.0, float(cutoff) if sums else 0.0)
    # outputs start at zero, category-major and in the origins' search order (below), one plane up: the searches
    # file into planes 1..C, and each plane is then moved down into the one before it in the caller's order
    count_planes = np.zeros((C + 1, n_o, len(thr)) if counting else (2, 1, 1), np.int32)
    cap_planes = np.zeros((C + 1, n_o, len(thr)) if counting and with_capacity else (1, 0, 0))
    sum_planes = np.zeros((C + 1, n_o) if sums else (2, 1))
    count, cap, sum_out = count_planes[1:], cap_planes[1:], sum_planes[1:]
    demand = np.zeros(n_f if sums == MODE_FCA else 1)
    node_cost, node_fac = fresh_planes(C, g.n_nodes) if node_planes else (np.zeros((0, 0)), np.zeros((0, 0), np.int32))
    perm = np.arange(n_o)  # the caller's index of the origin in each row of the search order
    if n_o and n_f and C:
        f_na, f_ca, f_nb, f_cb = legs.enter
        d_o, d_f, d_t = legs.same_edge
        d_ptr, d_org, d_cost = by_row(n_f, d_f, d_o, d_t)
        site = _sites(facilities)
        # origins renumbered by the internal node they leave by: the origins one search reaches then sit together
        # in the per-origin arrays, which it reads and adds to (the outputs come back in the caller's order)
        perm, inv = legs.rows, legs.row_of
        att_ptr, att_o, att_cost = origin_attachments(g, origins, legs.leave, row_of=inv)
        d_org = inv[d_org]
        o_w = np.zeros(1) if o_weight is None else o_weight[perm]
        width, n_buckets = graph_queue_shape(g, bound)
        put_off = np.zeros(n_f, bool)

        def run(group_ptr: np.ndarray, group_fac: np.ndarray, lo: np.ndarray, hi: np.ndarray, first: np.ndarray,
                end: np.ndarray) -> None:
            catchments(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, n_o, f_na, f_ca, f_nb, f_cb, site, cat,
                       group_ptr, group_fac, lo, hi, first, end, att_ptr, att_o, att_cost, d_ptr, d_org, d_cost, bound,
                       width, n_buckets, mode, thr, f_weight, int(kind), float(scale), float(cutoff), o_w, count, cap,
                       sum_out, demand, node_cost, node_fac, put_off)

        # first each thread sweeps its territory; then the facilities near a border, threads split by category
        n_threads = max(1, numba.get_num_threads())
        ptr, order, lo, hi, first, end, border = _territory_groups(g, f_na, f_nb, site, legs.leave[0][perm], n_threads,
                                                                  bound)
        run(ptr, order, lo, hi, first, end)
        rest = np.flatnonzero(border | put_off)
        if len(rest):
            put_off[:] = False
            ptr, order = _category_groups(cat[rest], site[rest], C, n_threads)
            order = _search_order(rest[order], ptr, site, f_na)
            every = np.zeros(len(ptr) - 1, np.int64)
            run(ptr, order, every, np.full(len(ptr) - 1, n_o), every, np.full(len(ptr) - 1, g.n_nodes))
    # each pair was filed under its first threshold: sum them up, back in the caller's order, one plane down; the
    # results are views (n_origins, C, ...) of the category-major planes
    if counting:
        thresholds_summed(count_planes, perm, thr_order)
        count = count_planes[:C].transpose(1, 0, 2)
        if with_capacity:
            thresholds_summed(cap_planes, perm, thr_order)
            cap = cap_planes[:C].transpose(1, 0, 2)
    if sums:
        thresholds_summed(sum_planes[:, :, np.newaxis], perm, np.zeros(1, np.int64))
        sum_out = sum_planes[:C].T
    return Catchments(count=count if counting else None, capacity=cap if counting and with_capacity else None,
                      sums=sum_out if sums else None, demand=demand if sums == MODE_FCA else None,
                      node_cost=node_cost if node_planes else None, node_fac=node_fac if node_planes else None,
                      bound=bound)
