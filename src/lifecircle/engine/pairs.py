"""Every (facility, origin, cost) pair within a limit: what siting models need from the engine.

:func:`bounded_pairs` runs the engine's bounded search (:func:`lifecircle.engine.bounded.catchment_search`) once
per facility on the reversed graph (the direction the user walks), bounded by the limit, resetting only the nodes it
touched, and *emits* every origin reached with its exact cost under the :mod:`lifecircle.network.model` definition
(leave and enter legs, access legs, same-edge straight walks) — the costs behind the indicators' ``t_<c>`` columns.
The output grows by doubling. Memory: O(n_nodes + n_origins) scratch plus the pairs found — never an origins ×
facilities matrix.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lifecircle.engine.bounded import catchment_search, forget, graph_queue_shape, scratch
from lifecircle.engine.graph import Graph, Points, enter_legs
from lifecircle.engine.prepare import by_row, origin_attachments, same_edge_legs
from lifecircle.errors import LifecircleInputError


def bounded_pairs(g: Graph, origins: Points, facilities: Points, limit: float) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
    """Every (facility, origin) pair whose walking cost is within ``limit``, with the cost.

    Parameters
    ----------
    g
        The engine's graph (``Graph.from_network(net)``): costs in seconds on a ``time_s`` graph, metres on a
        ``length_m`` one.
    origins
        Where people walk from (homes), :class:`Points` on ``g``.
    facilities
        Where they walk to (e.g. candidate sites), :class:`Points` on ``g``.
    limit
        Largest cost kept (seconds or metres, the graph's unit), inclusive; also the bound of every search.

    Returns
    -------
    (facility, origin, cost)
        Three arrays of equal length: facility index (int64, ascending), origin index (int64) and cost (float64,
        the graph's unit; zeros kept: an origin standing at the facility).
    """
    if not isinstance(g, Graph):
        raise LifecircleInputError("g must be a lifecircle.engine.Graph (Graph.from_network(net) or "
                                   "Graph.from_arrays).")
    if not isinstance(origins, Points) or not isinstance(facilities, Points):
        raise LifecircleInputError("origins and facilities must be lifecircle.engine.Points "
                                   "(Points.from_snapped(...)).")
    if not (np.isfinite(limit) and limit >= 0):
        raise LifecircleInputError(f"limit must be a finite cost >= 0 (seconds or metres), got {limit}.")
    origins.check_on(g, "origins")
    facilities.check_on(g, "facilities")
    n_o, n_f = len(origins), len(facilities)
    if n_o == 0 or n_f == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    f_na, f_ca, f_nb, f_cb = enter_legs(g, facilities)
    att_ptr, att_o, att_cost = origin_attachments(g, origins)
    d_o, d_f, d_t = same_edge_legs(g, origins, facilities)
    d_ptr, d_org, d_cost = by_row(n_f, d_f, d_o, d_t)
    return _pairs_kernel(g.in_indptr, g.in_from, g.in_cost, g.n_nodes, n_o, f_na, f_ca, f_nb, f_cb, att_ptr, att_o,
                         att_cost, d_ptr, d_org, d_cost, float(limit), *graph_queue_shape(g, limit))


@njit(cache=True)
def _pairs_kernel(in_indptr, in_from, in_cost, n_nodes, n_o, f_na, f_ca, f_nb, f_cb, att_ptr, att_o, att_cost,
                  d_ptr, d_org, d_cost, bound, width, n_buckets):
    """``(facility, origin, cost)`` for every pair with cost ≤ ``bound``, ordered by facility.

    ``f_*``: how each facility is reached from the network (node, cost; node −1 = none), access included;
    ``att_*``: CSR node → (origin, leave-leg cost incl. access); ``d_*``: CSR facility → (origin, same-edge cost).
    """
    n_f = len(f_na)
    dist, touched, best, o_touched, stack, top, where = scratch(n_nodes, n_o, n_buckets)
    size_out = 1024
    out_f = np.empty(size_out, np.int64)
    out_o = np.empty(size_out, np.int64)
    out_t = np.empty(size_out, np.float64)
    n_out = 0
    for f in range(n_f):
        no, nt, stack = catchment_search(in_indptr, in_from, in_cost, f_na[f], f_ca[f], f_nb[f], f_cb[f], att_ptr,
                                         att_o, att_cost, d_ptr[f], d_ptr[f + 1], d_org, d_cost, bound, width, dist,
                                         touched, best, o_touched, stack, top, where)
        if n_out + no > size_out:
            while n_out + no > size_out:
                size_out *= 2
            nf = np.empty(size_out, np.int64)
            nf[:n_out] = out_f[:n_out]
            out_f = nf
            no_ = np.empty(size_out, np.int64)
            no_[:n_out] = out_o[:n_out]
            out_o = no_
            nt_ = np.empty(size_out, np.float64)
            nt_[:n_out] = out_t[:n_out]
            out_t = nt_
        for j in range(no):
            o = o_touched[j]
            out_f[n_out] = f
            out_o[n_out] = o
            out_t[n_out] = best[o]
            n_out += 1
        forget(dist, touched, nt, best, o_touched, no)
    return out_f[:n_out], out_o[:n_out], out_t[:n_out]
