"""Compiled bounded searches that *emit* the (candidate, home, seconds) pairs within a limit (numba).

The engine's heap (:mod:`lifecircle.engine.kernels`). One search per candidate on the reversed graph (the direction the user walks), bounded by the limit, resetting only
the nodes it touched; the output grows by doubling. Memory: O(n_nodes + n_homes) scratch plus the pairs found —
never a homes × candidates matrix.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lifecircle.engine.kernels import _pop as _heap_pop
from lifecircle.engine.kernels import _push as _heap_push


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
    hv = np.empty(cap, np.int64)
    size_out = 1024
    out_f = np.empty(size_out, np.int64)
    out_o = np.empty(size_out, np.int64)
    out_t = np.empty(size_out, np.float64)
    n_out = 0
    for f in range(n_f):
        nt = 0
        no = 0
        size = 0
        for side in range(2):
            x = f_na[f] if side == 0 else f_nb[f]
            d = f_ca[f] if side == 0 else f_cb[f]
            if x >= 0 and d <= bound and d < dist[x]:
                if dist[x] == np.inf:
                    touched[nt] = x
                    nt += 1
                dist[x] = d
                size = _heap_push(hk, hv, size, d, x)
        while size > 0:
            d = hk[0]
            x = hv[0]
            size = _heap_pop(hk, hv, size)
            if d > dist[x]:
                continue
            for j in range(att_ptr[x], att_ptr[x + 1]):
                t = d + att_cost[j]
                o = att_o[j]
                if t <= bound and t < best[o]:
                    if best[o] == np.inf:
                        o_touched[no] = o
                        no += 1
                    best[o] = t
            for e in range(in_indptr[x], in_indptr[x + 1]):
                y = in_from[e]
                nd = d + in_cost[e]
                if nd <= bound and nd < dist[y]:
                    if dist[y] == np.inf:
                        touched[nt] = y
                        nt += 1
                    dist[y] = nd
                    size = _heap_push(hk, hv, size, nd, y)
        for j in range(d_ptr[f], d_ptr[f + 1]):
            t = d_cost[j]
            o = d_org[j]
            if t <= bound and t < best[o]:
                if best[o] == np.inf:
                    o_touched[no] = o
                    no += 1
                best[o] = t
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
        for j in range(nt):
            dist[touched[j]] = np.inf
    return out_f[:n_out], out_o[:n_out], out_t[:n_out]
