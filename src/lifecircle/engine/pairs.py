"""Compiled bounded searches that *emit* the (candidate, home, seconds) pairs within a limit (numba).

The search is the engine's (:func:`lifecircle.engine.kernels.facility_catchment`): one per candidate on the
reversed graph (the direction the user walks), bounded by the limit, resetting only the nodes it touched; the output
grows by doubling. Memory: O(n_nodes + n_homes) scratch plus the pairs found —
never a homes × candidates matrix.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lifecircle.engine.kernels import facility_catchment


@njit(cache=True)
def bounded_pairs(in_indptr, in_from, in_cost, n_nodes, n_o, f_na, f_ca, f_nb, f_cb, att_ptr, att_o, att_cost,
                  d_ptr, d_org, d_cost, bound):
    """``(facility, origin, cost)`` for every pair with cost ≤ ``bound``, ordered by facility.

    ``f_*``: how each facility is reached from the network (node, cost; node −1 = none), access included;
    ``att_*``: CSR node → (origin, leave-leg cost incl. access); ``d_*``: CSR facility → (origin, same-edge cost).
    """
    n_f = len(f_na)
    dist = np.full(n_nodes, np.inf)
    touched = np.empty(n_nodes, np.int64)
    best = np.full(n_o, np.inf)
    o_touched = np.empty(n_o, np.int64)
    cap = len(in_from) + 3
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int32)
    size_out = 1024
    out_f = np.empty(size_out, np.int64)
    out_o = np.empty(size_out, np.int64)
    out_t = np.empty(size_out, np.float64)
    n_out = 0
    for f in range(n_f):
        no = facility_catchment(in_indptr, in_from, in_cost, f_na[f], f_ca[f], f_nb[f], f_cb[f], att_ptr, att_o,
                                att_cost, d_ptr[f], d_ptr[f + 1], d_org, d_cost, bound, dist, touched, best,
                                o_touched, hk, hv)
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
            best[o] = np.inf
    return out_f[:n_out], out_o[:n_out], out_t[:n_out]
