"""Run the bounded facility searches of :func:`lifecircle.engine.kernels.catchments` from Python arrays.

Memory: per thread, scratch of 24 bytes per node and 16 per origin (:func:`lifecircle.engine.bounded.scratch`), plus
the caller's outputs, gathered into the origins' node order; never an origins × facilities matrix.
"""

from __future__ import annotations

import numba
import numpy as np

from lifecircle.engine.bounded import queue_shape
from lifecircle.engine.graph import Graph, Points, enter_legs, leave_legs
from lifecircle.engine.kernels import catchments
from lifecircle.engine.prepare import by_row, origin_attachments, same_edge_legs
from lifecircle.errors import LifecircleInputError


def _category_groups(cat: np.ndarray, n_categories: int, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Facilities split into ``n_groups`` sets of whole categories, balanced by facility count (longest first)."""
    counts = np.bincount(cat, minlength=n_categories)
    load = np.zeros(n_groups, np.int64)
    owner = np.zeros(n_categories, np.int64)
    for c in np.argsort(-counts, kind="stable"):
        gi = int(np.argmin(load))
        owner[c] = gi
        load[gi] += counts[c]
    grp = owner[cat]
    order = np.argsort(grp, kind="stable").astype(np.int64)
    ptr = np.zeros(n_groups + 1, np.int64)
    np.cumsum(np.bincount(grp, minlength=n_groups), out=ptr[1:])
    return ptr, order


def _sites(pts: Points) -> np.ndarray:
    """An id per distinct point (same edge, fraction and access leg, bit for bit): such points share a search."""
    key = np.stack([pts.edge, pts.frac.view(np.int64), pts.access.view(np.int64)], axis=1)
    return np.unique(key, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def run_catchments(g: Graph, origins: Points, facilities: Points, cat: np.ndarray, n_categories: int, bound: float,
                   mode: int, thresholds=None, f_weight=None, kind: int = 0, scale: float = 1.0, o_weight=None,
                   out_count=None, out_cap=None, out_sum=None, out_fac=None) -> None:
    """Fill the given outputs in place (see :func:`lifecircle.engine.kernels.catchments` for the modes)."""
    if not isinstance(g, Graph):
        raise LifecircleInputError("g must be a lifecircle.engine.Graph (Graph.from_network(net) or Graph.from_arrays).")
    origins.check_on(g, "origins")
    facilities.check_on(g, "facilities")
    n_o, n_f = len(origins), len(facilities)
    if n_o == 0 or n_f == 0:
        return
    f_na, f_ca, f_nb, f_cb = enter_legs(g, facilities)
    legs = leave_legs(g, origins)
    att_ptr, att_o, att_cost = origin_attachments(g, origins, legs)
    d_o, d_f, d_t = same_edge_legs(g, origins, facilities)
    d_ptr, d_org, d_cost = by_row(n_f, d_f, d_o, d_t)
    n_threads = max(1, numba.get_num_threads())
    # no two groups share a category, so no two threads write the same output cell
    group_ptr, group_fac = _category_groups(cat, n_categories, n_threads)
    # within a group, run the searches in node order (consecutive searches then share the cached part of the graph),
    # facilities at the same point one after the other (they share a search)
    site = _sites(facilities)
    grp = np.repeat(np.arange(len(group_ptr) - 1), np.diff(group_ptr))
    group_fac = group_fac[np.lexsort((site[group_fac], f_na[group_fac], grp))]
    # origins renumbered by the internal node they leave by: the origins one search reaches then sit together in
    # the per-origin arrays, which it reads and adds to (outputs are gathered into that order and scattered back)
    perm = np.argsort(legs[0], kind="stable")
    inv = np.empty_like(perm)
    inv[perm] = np.arange(n_o)
    att_o, d_org = inv[att_o], inv[d_org]
    z1 = np.zeros(1, np.float64)
    thresholds = z1 if thresholds is None else np.ascontiguousarray(thresholds, np.float64)
    f_weight = np.zeros(n_f) if f_weight is None else f_weight
    o_weight = z1 if o_weight is None else o_weight[perm]
    count = np.zeros((1, 1, 1), np.int32) if out_count is None else out_count[perm]
    cap = np.zeros((0, 0, 0), np.float64) if out_cap is None else out_cap[perm]
    sums = np.zeros((1, 1), np.float64) if out_sum is None else out_sum[perm]
    out_fac = z1 if out_fac is None else out_fac
    catchments(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, n_o, f_na, f_ca, f_nb, f_cb, site, cat, group_ptr, group_fac,
               att_ptr, att_o, att_cost, d_ptr, d_org, d_cost, float(bound), *queue_shape(g.in_cost, bound), int(mode),
               thresholds, f_weight,
               int(kind), float(scale), o_weight, count, cap, sums, out_fac)
    for out, got in ((out_count, count), (out_cap, cap), (out_sum, sums)):
        if out is not None:
            out[perm] = got
