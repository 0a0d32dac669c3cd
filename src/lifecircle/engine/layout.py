"""Compiled graph construction (numba): input checks, the internal node order, and CSR arrays by counting sort.

The searches read, for every node they settle, its edge list and the labels of its neighbours. When neighbours have
nearby ids those reads stay in the same cache lines and pages; OSM node ids carry no such order. The graph is
therefore renumbered once, when it is built, in breadth-first order of its undirected adjacency (the level
structure of Cuthill–McKee: every edge joins nodes of the same or adjacent levels, so a node's neighbours sit in a
window about one level wide). Callers never see these internal ids: the :class:`~lifecircle.engine.Graph` keeps the
map both ways (``rank``: caller id → internal id, ``node_of``: internal id → caller id).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

#: Chunks the edge checks are cut into (run in parallel; each finds the first bad edge of its own).
CHECK_CHUNKS = 16


@njit(cache=True, parallel=True)
def check_edges(n_nodes, u, v, cost, rev):
    """The first problem with the edge arrays as ``(code, edge)``: 0 none, 1 end id out of range, 2 cost negative
    or not finite, 3 ``rev`` out of range, 4 ``rev`` not a consistent pairing; ``edge`` is the first bad edge."""
    m = len(u)
    first = np.full((CHECK_CHUNKS, 4), m, np.int64)  # per chunk, the first edge with each problem
    for ch in prange(CHECK_CHUNKS):  # the body is a function of its own: numba compiles it apart, much faster
        _check_chunk(np.int64(ch), n_nodes, u, v, cost, rev, first[ch])
    for code in range(4):
        e = first[:, code].min()
        if e < m:
            return code + 1, e
    return 0, -1


@njit(cache=True)
def _check_chunk(ch, n_nodes, u, v, cost, rev, first):
    """Chunk ``ch`` of :func:`check_edges`: ``first[code − 1]`` lowered to each problem's first edge in it."""
    m = len(u)
    for e in range(ch * m // CHECK_CHUNKS, (ch + 1) * m // CHECK_CHUNKS):
        a = u[e]
        b = v[e]
        if a < 0 or b < 0 or a >= n_nodes or b >= n_nodes:
            first[0] = min(first[0], e)
        c = cost[e]
        if not (c >= 0.0 and c < np.inf):
            first[1] = min(first[1], e)
        r = rev[e]
        if r < -1 or r >= m:
            first[2] = min(first[2], e)
        elif r >= 0 and (r == e or rev[r] != e or u[r] != b or v[r] != a):
            first[3] = min(first[3], e)


@njit(cache=True, parallel=True)
def pair_ids(rev):
    """``pair[e]`` (int32): the lower id of ``e`` and ``rev[e]`` (``e`` itself for a one-way edge)."""
    m = len(rev)
    pair = np.empty(m, np.int32)
    for e in prange(m):
        r = rev[e]
        pair[e] = r if 0 <= r < e else e
    return pair


@njit(cache=True, inline="always")
def _cumulate(counts):
    """Counts at ``[i + 1]`` become starts at ``[i]``: in place, ``counts[i + 1] += counts[i]``."""
    for i in range(len(counts) - 1):
        counts[i + 1] += counts[i]


@njit(cache=True, inline="always")
def _restore_starts(indptr):
    """After a fill in which ``indptr[r]`` walked from the start of row ``r`` to that of row ``r + 1``: shift it
    back, so ``indptr`` holds the row starts again (no copy of the positions is needed for the fill)."""
    for i in range(len(indptr) - 1, 0, -1):
        indptr[i] = indptr[i - 1]
    indptr[0] = 0


@njit(cache=True)
def breadth_first_rank(n_nodes, u, v):
    """``(rank, node_of)`` (int32): nodes numbered in breadth-first order over the undirected adjacency.

    Each connected piece is numbered from its lowest caller id, pieces in the order of those ids; isolated nodes
    keep their relative order. ``rank[node]`` is the internal id, ``node_of`` its inverse.
    """
    m = len(u)
    ptr = np.zeros(n_nodes + 1, np.int64)
    for e in range(m):
        if u[e] != v[e]:
            ptr[u[e] + 1] += 1
            ptr[v[e] + 1] += 1
    _cumulate(ptr)
    adj = np.empty(ptr[n_nodes], np.int32)
    fill = ptr[:-1].copy()
    for e in range(m):
        a = u[e]
        b = v[e]
        if a != b:
            adj[fill[a]] = b
            fill[a] += 1
            adj[fill[b]] = a
            fill[b] += 1
    rank = np.full(n_nodes, -1, np.int32)
    node_of = np.empty(n_nodes, np.int32)
    nxt = 0
    for s in range(n_nodes):
        if rank[s] >= 0:
            continue
        rank[s] = nxt
        node_of[nxt] = s
        head = nxt
        nxt += 1
        while head < nxt:
            x = node_of[head]
            head += 1
            for k in range(ptr[x], ptr[x + 1]):
                y = adj[k]
                if rank[y] < 0:
                    rank[y] = nxt
                    node_of[nxt] = y
                    nxt += 1
    return rank, node_of


def csr_ranked(n_rows, rows, cols, vals, rank):
    """CSR of edges ``rows[e] → cols[e]`` with value ``vals[e]`` in internal ids (``rank``), by a stable counting sort.

    Returns ``(indptr int64 (n_rows + 1), cols int32, vals)``; within a row, edges keep their input order.
    """
    return _csr_ranked(n_rows, rows, cols, vals, rank, numba.get_num_threads())


@njit(cache=True, parallel=True)
def _csr_ranked(n_rows, rows, cols, vals, rank, n_parts):
    """:func:`csr_ranked` on ``n_parts`` threads. Each owns a range of rows: it reads every edge and writes only
    its own rows' (so the outputs are written once, in parallel, with no per-thread counts or copy of the
    positions)."""
    m = len(rows)
    indptr = np.zeros(n_rows + 1, np.int64)
    out_c = np.empty(0, np.int32)
    out_v = np.empty(0, vals.dtype)
    for filling in (False, True):
        if filling:
            _cumulate(indptr)
            out_c = np.empty(m, np.int32)
            out_v = np.empty(m, vals.dtype)
        for t in prange(n_parts):
            lo = t * n_rows // n_parts
            hi = (t + 1) * n_rows // n_parts
            for e in range(m):
                r = rank[rows[e]]
                if lo <= r < hi:
                    if filling:  # indptr[r] walks along row r
                        p = indptr[r]
                        out_c[p] = rank[cols[e]]
                        out_v[p] = vals[e]
                        indptr[r] = p + 1
                    else:
                        indptr[r + 1] += 1
    _restore_starts(indptr)
    return indptr, out_c, out_v


@njit(cache=True)
def csr(n_rows, rows, cols, vals):
    """CSR of ``(cols, vals)`` by ``rows`` (ids 0..n_rows−1), stable counting sort; dtypes are kept."""
    m = len(rows)
    indptr = np.zeros(n_rows + 1, np.int64)
    for e in range(m):
        indptr[rows[e] + 1] += 1
    _cumulate(indptr)
    out_c = np.empty(m, cols.dtype)
    out_v = np.empty(m, vals.dtype)
    for e in range(m):
        r = rows[e]
        p = indptr[r]
        out_c[p] = cols[e]
        out_v[p] = vals[e]
        indptr[r] = p + 1
    _restore_starts(indptr)
    return indptr, out_c, out_v


@njit(cache=True, parallel=True)
def hilbert_rank(x, y):
    """``(rank, node_of)`` (int32): nodes numbered along a Hilbert curve over their coordinates (any planar unit).

    The bounding box is cut into 4^k square cells (k the smallest with 4^k ≥ number of nodes, at most 4^12), cells
    are taken in Hilbert-curve order and the nodes of one cell in caller order (a stable counting sort on the cell's
    curve index). Nodes close on the ground get close ids, whatever the order of the caller's ids.
    """
    n = len(x)
    k = 1
    while (1 << (2 * k)) < n and k < 12:
        k += 1
    side = 1 << k
    x0 = x.min() if n else 0.0
    y0 = y.min() if n else 0.0
    span = max(x.max() - x0, y.max() - y0) if n else 0.0
    scale = (side - 1) / span if span > 0 else 0.0
    key = np.empty(n, np.int32)
    for i in prange(n):
        xi = np.int64((x[i] - x0) * scale)
        yi = np.int64((y[i] - y0) * scale)
        # the cell's index along the curve, two bits a level from the top; the curve's orientation in the current
        # quadrant is (swap x and y, complement both), kept as bits so the loop has no data-dependent branch
        d = np.int64(0)
        swap = np.int64(0)
        flip = np.int64(0)
        for level in range(k - 1, -1, -1):
            bx = (xi >> level) & 1
            by = (yi >> level) & 1
            t = (bx ^ by) & swap
            ex = bx ^ t ^ flip
            ey = by ^ t ^ flip
            d = (d << 2) | ((3 * ex) ^ ey)
            turn = 1 - ey
            flip ^= ex & turn
            swap ^= turn
        key[i] = np.int32(d)
    count = np.zeros(side * side + 1, np.int32)
    for i in range(n):
        count[key[i] + 1] += 1
    _cumulate(count)
    rank = np.empty(n, np.int32)
    node_of = np.empty(n, np.int32)
    for i in range(n):
        r = count[key[i]]
        count[key[i]] = r + 1
        rank[i] = r
        node_of[r] = i
    return rank, node_of


@njit(cache=True, parallel=True)
def point_legs(edge, frac, access, near, far, cost, rev, rank, leaving):
    """The two legs between points on edges and the network: ``(node_a, cost_a, node_b, cost_b)``, node −1 = none.

    A point at fraction ``t`` of edge ``e`` with access leg ``access`` joins ``near[e]`` over the part of ``e``
    towards it and ``far[e]`` over the part of ``rev[e]`` towards that (none on a one-way edge): the part after
    the point, ``(1 − t)·cost[e]``, when ``leaving``, the part before it, ``t·cost[e]``, otherwise (and the
    complementary part of ``rev[e]``). Nodes in internal ids (``rank``); costs include the access leg.
    """
    n = len(edge)
    node_a = np.empty(n, np.int64)
    cost_a = np.empty(n)
    node_b = np.empty(n, np.int64)
    cost_b = np.empty(n)
    for i in prange(n):
        e = edge[i]
        t = frac[i]
        r = rev[e]
        node_a[i] = rank[near[e]]
        cost_a[i] = ((1.0 - t) if leaving else t) * cost[e] + access[i]
        if r >= 0:
            node_b[i] = rank[far[e]]
            cost_b[i] = (t if leaving else (1.0 - t)) * cost[r] + access[i]
        else:
            node_b[i] = -1
            cost_b[i] = np.inf
    return node_a, cost_a, node_b, cost_b


@njit(cache=True)
def counting_order(key, n_keys):
    """The stable order of ``key`` (ints in 0..n_keys−1) by a counting sort, as int64: ``np.argsort(key,
    kind="stable")`` in O(n + n_keys)."""
    start = np.zeros(n_keys + 1, np.int64)
    for i in range(len(key)):
        start[key[i] + 1] += 1
    _cumulate(start)
    order = np.empty(len(key), np.int64)
    for i in range(len(key)):
        k = key[i]
        order[start[k]] = i
        start[k] += 1
    return order


def leg_csr(n_nodes, node_a, cost_a, node_b, cost_b, ids):
    """CSR node → (``ids[i]``, leg cost) over both legs of every point (``node_b`` −1: none), by a counting sort:
    within a node, the ``a`` legs in point order, then the ``b`` legs."""
    return _leg_csr(n_nodes, node_a, cost_a, node_b, cost_b, ids, numba.get_num_threads())


@njit(cache=True, parallel=True)
def _leg_csr(n_nodes, node_a, cost_a, node_b, cost_b, ids, n_parts):
    """:func:`leg_csr` on ``n_parts`` threads, each owning a range of nodes (as :func:`_csr_ranked`)."""
    n = len(node_a)
    indptr = np.zeros(n_nodes + 1, np.int64)
    out_id = np.empty(0, np.int64)
    out_cost = np.empty(0)
    for filling in (False, True):
        if filling:
            _cumulate(indptr)
            out_id = np.empty(indptr[n_nodes], np.int64)
            out_cost = np.empty(indptr[n_nodes])
        for t in prange(n_parts):
            lo = t * n_nodes // n_parts
            hi = (t + 1) * n_nodes // n_parts
            for side in range(2):
                for i in range(n):
                    x = node_a[i] if side == 0 else node_b[i]
                    if lo <= x < hi:
                        if filling:
                            p = indptr[x]
                            out_id[p] = ids[i]
                            out_cost[p] = cost_a[i] if side == 0 else cost_b[i]
                            indptr[x] = p + 1
                        else:
                            indptr[x + 1] += 1
    _restore_starts(indptr)
    return indptr, out_id, out_cost
