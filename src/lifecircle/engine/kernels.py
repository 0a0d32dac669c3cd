"""Compiled search kernels (numba) on CSR arrays, no Python objects inside: the per-category nearest search (on the
block search of :mod:`lifecircle.engine.blocks`), the k-nearest search (a binary heap), the bounded searches from
facilities reduced on the fly (on the bucket ring of :mod:`lifecircle.engine.bounded`) and the forward search of
the isochrones (a 4-ary heap with lazy deletion).

Every kernel but the forward one works on the *reversed* graph (``in_indptr``/``in_from``/``in_cost``): a search
seeded at facilities gives, at every node, the walking cost from that node *to* the facility, which is the direction
the user walks. Units are those of the graph's cost (seconds or metres). Node ids are internal (``Graph.rank``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from lifecircle.engine.blocks import block_search, cross_edges, split_search
from lifecircle.engine.blocks import parts as block_parts
from lifecircle.engine.blocks import scratch as block_scratch
from lifecircle.engine.bounded import catchment_search, forget, scratch
from lifecircle.engine.hints import prefetch

# ----------------------------------------------------------------------------------------------------------- heaps


@njit(cache=True, inline="always")
def _push(hk, hv, size, key, val):
    """Push ``(key, val)`` onto the 4-ary min-heap ``hk``/``hv`` of ``size`` items; returns the new size.

    A 4-ary heap (children of i at 4i+1..4i+4) is shallower than a binary one and its children share a cache line;
    on a 1-M-node grid it runs the multi-source search ~25 % faster.
    """
    i = size
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = val
    return size + 1


@njit(cache=True, inline="always")
def _pop(hk, hv, size):
    """Remove the top of the 4-ary heap (read ``hk[0]``, ``hv[0]`` first); returns the new size."""
    size -= 1
    key = hk[size]
    val = hv[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        m = c
        mk = hk[c]
        end = c + 4 if c + 4 <= size else size
        for j in range(c + 1, end):
            if hk[j] < mk:
                mk = hk[j]
                m = j
        if mk >= key:
            break
        hk[i] = mk
        hv[i] = hv[m]
        i = m
    hk[i] = key
    hv[i] = val
    return size


@njit(cache=True, inline="always")
def _push2(hk, hv, hw, size, key, val, val2):
    """:func:`_push` with two payloads."""
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        hw[i] = hw[p]
        i = p
    hk[i] = key
    hv[i] = val
    hw[i] = val2
    return size + 1


@njit(cache=True, inline="always")
def _pop2(hk, hv, hw, size):
    """:func:`_pop` with two payloads."""
    size -= 1
    key = hk[size]
    val = hv[size]
    val2 = hw[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= key:
            break
        hk[i] = hk[c]
        hv[i] = hv[c]
        hw[i] = hw[c]
        i = c
    hk[i] = key
    hv[i] = val
    hw[i] = val2
    return size


# ------------------------------------------------------------------------------------------- same-edge direct legs


@njit(cache=True)
def direct_pairs(o_pair, o_pos, o_acc, o_lo, o_hi, f_idx, f_pos, f_acc, cost, rev):
    """Every (origin, facility) on the same undirected edge with the straight walk between them, access included.

    The facilities on origin ``o``'s pair are ``f_idx[o_lo[o]:o_hi[o]]``; positions are fractions along the pair's
    lower-id edge. Returns ``(origin, facility, cost)`` arrays ordered by origin.
    """
    n_o = len(o_pair)
    total = 0
    for o in range(n_o):
        total += o_hi[o] - o_lo[o]
    out_o = np.empty(total, np.int64)
    out_f = np.empty(total, np.int64)
    out_t = np.empty(total, np.float64)
    n = 0
    for o in range(n_o):
        k = o_pair[o]
        so = o_pos[o]
        for j in range(o_lo[o], o_hi[o]):
            f = f_idx[j]
            sf = f_pos[f]
            if sf >= so:
                d = (sf - so) * cost[k]
            elif rev[k] >= 0:
                d = (so - sf) * cost[rev[k]]
            else:
                continue
            out_o[n] = o
            out_f[n] = f
            out_t[n] = o_acc[o] + d + f_acc[f]
            n += 1
    return out_o[:n], out_f[:n], out_t[:n]


# ------------------------------------------------------------------------------------- nearest: one search per class


#: How many rows ahead :func:`_category_rows` hints the cells it will read or write into the cache.
ROWS_AHEAD = 16


@njit(cache=True, inline="always")
def _category_rows(c, r0, r1, dist, label, rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time,
                   out_fac):
    """Write category ``c``'s results for rows ``[r0, r1)`` from its search (``dist``/``label``): see
    :func:`nearest_all`."""
    if len(o_na) == 0:  # node rows: column i gathers internal node rows[i] (writes in order)
        for i in range(r0, r1):
            if i + ROWS_AHEAD < r1:  # the nodes a few columns on, scattered over the search's arrays
                prefetch(dist, rows[i + ROWS_AHEAD])
                prefetch(label, rows[i + ROWS_AHEAD])
            x = rows[i]
            out_time[c, i] = dist[x]
            out_fac[c, i] = label[x]
        return
    times = out_time[c]
    facs = out_fac[c]
    for r in range(r0, r1):
        if r + ROWS_AHEAD < r1:  # the cells a few rows on, scattered over the plane: start loading their lines
            prefetch(times, rows[r + ROWS_AHEAD])
            prefetch(facs, rows[r + ROWS_AHEAD])
        # without branches on the legs: which one is shorter is a coin toss the processor would mispredict
        xa = o_na[r]
        xb = o_nb[r]
        xb = xb if xb >= 0 else xa  # one leg only: its missing leg costs +inf, read at a's node
        ta = o_ca[r] + dist[xa]
        tb = o_cb[r] + dist[xb]
        la = label[xa]
        lb = label[xb]
        best = min(ta, tb)
        bf = np.int64(la if ta <= tb else lb)
        for j in range(d_ptr[r], d_ptr[r + 1]):
            f = d_fac[j]
            if fac_cat[f] == c and d_cost[j] < best:
                best = d_cost[j]
                bf = f
        i = rows[r]
        times[i] = best
        facs[i] = bf


@njit(cache=True)
def frontier(in_indptr, in_from, in_cost, dist, bound, x0, x1, out):
    """The nodes of ``[x0, x1)`` with a cost whose search would go on: a neighbour across an edge of the reversed
    graph still at +inf. Written to ``out`` from its start; returns how many.

    When ``dist`` holds the exact least cost of every node within ``bound`` (and +inf beyond), a search seeded at
    these nodes, with their costs, and at the facilities' own seeds (one whose access leg exceeds the bound enters
    beyond it) reaches the same least fixpoint as the search from the facilities alone: every other node with a
    cost has all its neighbours at their exact costs already, which its edges cannot lower. A neighbour beyond
    ``bound`` lies across an edge that leads beyond it, so only those edges are looked across (with ``bound`` +inf
    every node with a cost is known: none is a frontier).
    """
    n = 0
    for x in range(x0, x1):
        d = dist[x]
        if d < np.inf:
            for e in range(in_indptr[x], in_indptr[x + 1]):
                if d + in_cost[e] > bound and dist[in_from[e]] == np.inf:
                    out[n] = x
                    n += 1
                    break
    return n


@njit(cache=True)
def frontier_seeds(nodes, dist, label, seed_node, seed_cost, seed_label):
    """Seeds ``(node, cost, label)`` to resume a search: the :func:`frontier` ``nodes``, taken off ``dist``/``label``
    (reset there to +inf / −1, so the search queues them as it does any seed), then the facilities' own seeds
    (those beyond the bound the planes were filled to enter there; the others change nothing)."""
    n = len(nodes)
    m = len(seed_node)
    s_node = np.empty(n + m, seed_node.dtype)
    s_cost = np.empty(n + m)
    s_label = np.empty(n + m, seed_label.dtype)
    for i in range(n):
        x = nodes[i]
        s_node[i] = x
        s_cost[i] = dist[x]
        s_label[i] = label[x]
        dist[x] = np.inf
        label[x] = -1
    for i in range(m):  # element by element: a slice assignment compiles seconds of shape-error messages
        s_node[n + i] = seed_node[i]
        s_cost[n + i] = seed_cost[i]
        s_label[n + i] = seed_label[i]
    return s_node, s_cost, s_label


@njit(cache=True, parallel=True)
def nearest_all(in_indptr, in_from, in_cost, n_nodes, deal_ptr, cats, cat_ptr, seed_node, seed_cost, seed_label,
                node_cost, node_fac, node_bound, rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time,
                out_fac, shift, slack, width, n_ring):
    """Nearest facility per category: one multi-source search for each category of ``cats``, thread ``th``
    searching ``cats[deal_ptr[th]:deal_ptr[th + 1]]``, :func:`lifecircle.engine.blocks.block_search` with blocks
    of ``2**shift`` nodes, ``slack`` and rings of ``n_ring`` buckets of ``width``
    (:func:`lifecircle.engine.blocks.queue_shape`).

    Seeds are grouped by category (``cat_ptr``). With ``node_cost``/``node_fac`` shaped (C, n_nodes) (else (0, 0))
    the searches resume: category ``c``'s plane holds the exact cost and facility of the nodes within
    ``node_bound`` and +inf / −1 beyond (:func:`catchments` records them), and its search runs in place, from the
    :func:`frontier` of that plane and the seeds (:func:`frontier_seeds`). The outputs are category-major,
    ``out_time[c, i]`` and ``out_fac[c, i]``: a category's results fill one contiguous plane, written by one
    thread, sharing no cache line with another category's. With origins (``o_na`` not empty), row ``r`` (in the
    order the caller chose: by the node it leaves by, so the reads of ``dist`` run through memory in order) is the
    origin whose results go to column ``rows[r]``: the best of its two leave legs (``o_na``/``o_ca``,
    ``o_nb``/``o_cb``, as :func:`lifecircle.engine.graph.leave_legs` gives them: ``o_nb`` −1 with ``o_cb`` +inf on
    a one-way edge) and its same-edge direct legs (``d_ptr`` CSR by row). Without, column ``i`` is internal node
    ``rows[i]`` (the caller's node ``i``). Every cell is written (+inf / −1 when unreachable), so the outputs may come uninitialised. Each thread
    allocates its scratch (labels int32, the block queues) once: fresh pages for every category would cost as much
    as the search. :func:`nearest_split` does the same with each category's search split across the threads.
    """
    for th in prange(len(deal_ptr) - 1):  # the body is a function of its own: numba compiles it apart, much faster
        _nearest_thread(np.int64(th), in_indptr, in_from, in_cost, n_nodes, deal_ptr, cats, cat_ptr, seed_node,
                        seed_cost, seed_label, node_cost, node_fac, node_bound, rows, o_na, o_ca, o_nb, o_cb, d_ptr,
                        d_fac, d_cost, fac_cat, out_time, out_fac, shift, slack, width, n_ring)


@njit(cache=True)
def _nearest_thread(th, in_indptr, in_from, in_cost, n_nodes, deal_ptr, cats, cat_ptr, seed_node, seed_cost,
                    seed_label, node_cost, node_fac, node_bound, rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost,
                    fac_cat, out_time, out_fac, shift, slack, width, n_ring):
    """Thread ``th``'s categories of :func:`nearest_all`."""
    n_rows = len(rows)
    resume = node_cost.shape[0] > 0
    dist = np.empty(0 if resume else n_nodes)
    label = np.empty(0 if resume else n_nodes, np.int32)
    nodes = np.empty(n_nodes if resume else 0, np.int64)
    queue = block_scratch(n_nodes, shift, n_ring)
    for ci in range(deal_ptr[th], deal_ptr[th + 1]):
        c = cats[ci]
        s0 = cat_ptr[c]
        s1 = cat_ptr[c + 1]
        if s0 == s1:
            out_time[c, :] = np.inf
            out_fac[c, :] = -1
            continue
        if resume:
            dist = node_cost[c]
            label = node_fac[c]
            n = frontier(in_indptr, in_from, in_cost, dist, node_bound, 0, n_nodes, nodes)
            s_node, s_cost, s_label = frontier_seeds(nodes[:n], dist, label, seed_node[s0:s1], seed_cost[s0:s1],
                                                     seed_label[s0:s1])
        else:
            dist[:] = np.inf
            label[:] = -1
            s_node, s_cost, s_label = seed_node[s0:s1], seed_cost[s0:s1], seed_label[s0:s1]
        block_search(in_indptr, in_from, in_cost, s_node, s_cost, s_label, dist, label, shift, slack, width, *queue)
        _category_rows(c, 0, n_rows, dist, label, rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat,
                       out_time, out_fac)


@njit(cache=True, parallel=True)
def nearest_split(in_indptr, in_from, in_cost, n_nodes, n_parts, cats, cat_ptr, seed_node, seed_cost, seed_label,
                  node_cost, node_fac, node_bound, rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat,
                  out_time, out_fac, shift, slack, width, n_ring, window):
    """:func:`nearest_all` with the categories of ``cats`` one after the other, each search split into ``n_parts`` pieces of
    the city searched by as many threads (:func:`lifecircle.engine.blocks.split_search`, rounds of ``window``,
    unit of the costs), then its rows written by ``n_parts`` threads: the work balances whatever the number of
    categories, and one set of scratch arrays serves all threads. Arguments and outputs as :func:`nearest_all`.
    """
    n_rows = len(rows)
    bstart, toff = block_parts(n_nodes, shift, n_parts)
    cptr, cx, cy, cc = cross_edges(in_indptr, in_from, in_cost, shift, bstart)
    queue = block_scratch(n_nodes, shift, n_ring, n_parts)
    resume = node_cost.shape[0] > 0
    dist = np.empty(0 if resume else n_nodes)
    label = np.empty(0 if resume else n_nodes, np.int32)
    nodes = np.empty(n_nodes if resume else 0, np.int64)
    found = np.zeros(n_parts, np.int64)
    for c in cats:
        s0 = cat_ptr[c]
        s1 = cat_ptr[c + 1]
        if resume:
            dist = node_cost[c]
            label = node_fac[c]
            for p in prange(n_parts):
                x0 = p * n_nodes // n_parts
                found[p] = frontier(in_indptr, in_from, in_cost, dist, node_bound, x0, (p + 1) * n_nodes // n_parts,
                                    nodes[x0:])
            n = 0
            for p in range(n_parts):  # each part's frontier moved down after the ones before it
                x0 = p * n_nodes // n_parts
                for j in range(found[p]):
                    nodes[n + j] = nodes[x0 + j]
                n += found[p]
            s_node, s_cost, s_label = frontier_seeds(nodes[:n], dist, label, seed_node[s0:s1], seed_cost[s0:s1],
                                                     seed_label[s0:s1])
        else:
            for p in prange(n_parts):
                x0 = p * n_nodes // n_parts
                x1 = (p + 1) * n_nodes // n_parts
                dist[x0:x1] = np.inf
                label[x0:x1] = -1
            s_node, s_cost, s_label = seed_node[s0:s1], seed_cost[s0:s1], seed_label[s0:s1]
        split_search(in_indptr, in_from, in_cost, s_node, s_cost, s_label, dist, label, shift, slack, width, window,
                     bstart, toff, cptr, cx, cy, cc, *queue)
        for p in prange(n_parts):
            _category_rows(c, p * n_rows // n_parts, (p + 1) * n_rows // n_parts, dist, label, rows, o_na, o_ca,
                           o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time, out_fac)


# ----------------------------------------------------------------------------------------------- k nearest per class


@njit(cache=True)
def _insert_k(bt, bf, n, k, t, f):
    """Insert candidate (t, f) into the sorted top list ``bt``/``bf`` of ``n`` items (distinct f); returns new n."""
    for i in range(n):
        if bf[i] == f:
            if t >= bt[i]:
                return n
            # remove the worse copy, then insert below
            for j in range(i, n - 1):
                bt[j] = bt[j + 1]
                bf[j] = bf[j + 1]
            n -= 1
            break
    if n == k and t >= bt[n - 1]:
        return n
    if n < k:
        n += 1
    i = n - 1
    while i > 0 and bt[i - 1] > t:
        bt[i] = bt[i - 1]
        bf[i] = bf[i - 1]
        i -= 1
    bt[i] = t
    bf[i] = f
    return n


@njit(cache=True, parallel=True)
def k_nearest_all(in_indptr, in_from, in_cost, n_nodes, k, cat_ptr, seed_node, seed_cost, seed_label,
                  o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time, out_fac):
    """The ``k`` nearest distinct facilities per category: a k-label multi-source search per category.

    Each node keeps the first ``k`` distinct facilities settled at it; a facility among an origin's k nearest is
    among the k nearest of the node its shortest walk leaves by (up to ties, which do not change the times).
    """
    for c in prange(len(cat_ptr) - 1):  # the body is a function of its own: numba compiles it apart, much faster
        _k_nearest_category(np.int64(c), in_indptr, in_from, in_cost, n_nodes, k, cat_ptr, seed_node, seed_cost,
                            seed_label, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time, out_fac)


@njit(cache=True)
def _k_nearest_category(c, in_indptr, in_from, in_cost, n_nodes, k, cat_ptr, seed_node, seed_cost, seed_label, o_na,
                        o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat, out_time, out_fac):
    """Category ``c``'s search and rows of :func:`k_nearest_all`."""
    n_o = len(o_na)
    s0 = cat_ptr[c]
    s1 = cat_ptr[c + 1]
    if s0 == s1:
        return
    kt = np.full((n_nodes, k), np.inf)
    kf = np.full((n_nodes, k), -1, np.int64)
    cnt = np.zeros(n_nodes, np.int64)
    cap = len(in_from) * k + (s1 - s0) + 1
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int64)
    hw = np.empty(cap, np.int64)
    size = 0
    for i in range(s0, s1):
        if seed_node[i] >= 0:
            size = _push2(hk, hv, hw, size, seed_cost[i], seed_node[i], seed_label[i])
    while size > 0:
        d = hk[0]
        x = hv[0]
        f = hw[0]
        size = _pop2(hk, hv, hw, size)
        n = cnt[x]
        if n >= k:
            continue
        dup = False
        for j in range(n):
            if kf[x, j] == f:
                dup = True
                break
        if dup:
            continue
        kt[x, n] = d
        kf[x, n] = f
        cnt[x] = n + 1
        for e in range(in_indptr[x], in_indptr[x + 1]):
            y = in_from[e]
            if cnt[y] < k:
                size = _push2(hk, hv, hw, size, d + in_cost[e], y, f)
    bt = np.empty(k, np.float64)
    bf = np.empty(k, np.int64)
    for o in range(n_o):
        n = 0
        x = o_na[o]
        for j in range(cnt[x]):
            n = _insert_k(bt, bf, n, k, o_ca[o] + kt[x, j], kf[x, j])
        x = o_nb[o]
        if x >= 0:
            for j in range(cnt[x]):
                n = _insert_k(bt, bf, n, k, o_cb[o] + kt[x, j], kf[x, j])
        for j in range(d_ptr[o], d_ptr[o + 1]):
            if fac_cat[d_fac[j]] == c:
                n = _insert_k(bt, bf, n, k, d_cost[j], d_fac[j])
        for j in range(n):
            out_time[o, c, j] = bt[j]
            out_fac[o, c, j] = bf[j]


# ------------------------------------------------------------------------------- bounded searches from facilities

#: Decay kinds understood by :func:`decay_weight` (same order as :data:`lifecircle.engine.decay.DECAY_KINDS`).
STEP, LINEAR, EXPONENTIAL, GAUSSIAN = 0, 1, 2, 3

#: What :func:`catchments` reduces, as bits (counts combine with one of the sums): threshold counts, per-origin
#: decayed sums, both steps of the 2SFCA.
MODE_COUNTS, MODE_ORIGIN_SUM, MODE_FCA = 1, 2, 4


@njit(cache=True, inline="always")
def decay_weight(kind, scale, t):
    """Weight of a walk of cost ``t`` (≤ cutoff, checked by the caller): step 1, linear 1 − t/scale (≥ 0),
    exponential exp(−t/scale), Gaussian exp(−½ (t/scale)²)."""
    if kind == STEP:
        return 1.0
    if kind == LINEAR:
        w = 1.0 - t / scale
        return w if w > 0.0 else 0.0
    if kind == EXPONENTIAL:
        return np.exp(-t / scale)
    return np.exp(-0.5 * (t / scale) * (t / scale))


@njit(cache=True, parallel=True)
def catchments(in_indptr, in_from, in_cost, n_nodes, n_o, f_na, f_ca, f_nb, f_cb, f_site, f_cat, group_ptr,
               group_fac, group_lo, group_hi, group_first, group_end, att_ptr, att_o, att_cost, d_ptr, d_org, d_cost,
               bound, width, n_buckets, mode, thresholds, f_weight, kind, scale, cutoff, o_weight, out_count, out_cap,
               out_sum, out_fac, node_cost, node_fac, put_off):
    """A search bounded by ``bound`` from each facility on the reversed graph, reduced as it runs.

    Work is split into groups (``group_ptr``/``group_fac``), one per thread, group ``g`` adding only to the origins
    of rows ``[group_lo[g], group_hi[g])`` and, when it records nodes (below), to the nodes ``[group_first[g],
    group_end[g])``: a facility whose search reaches an origin or node outside them is put off (``put_off[f] =
    True``, nothing added) for the caller to run again. Groups are either territories, disjoint row and node ranges
    (:mod:`lifecircle.engine.territory`), or sets of whole categories over all rows and nodes; either way no two
    threads add to the same output cell. Facilities at the same point of the network (same ``f_site``: same edge,
    fraction and access leg) come one after the other within a group and share one search. Each thread keeps
    scratch arrays reset through touched lists (never O(n) per search). For each facility the exact cost from
    every origin within ``bound`` is the minimum over the origin's attachments (``att_*``: CSR node → (origin,
    leave-leg cost)) and its same-edge direct legs (``d_*``: CSR facility → (origin, cost)); then, for the bits
    of ``mode``:

    * ``MODE_COUNTS``: ``out_count[c, o, j] += 1`` and ``out_cap[c, o, j] += f_weight[f]`` for the first of the
      ascending ``thresholds[j] ≥ cost`` only (``out_cap`` only when shaped like ``out_count``): the caller sums
      the thresholds cumulatively;
    * ``MODE_ORIGIN_SUM``: ``out_sum[c, o] += f_weight[f]·w(cost)`` for cost ≤ ``cutoff``;
    * ``MODE_FCA``: the facility's demand ``out_fac[f] = Σ_o o_weight[o]·w(cost)`` over cost ≤ ``cutoff``, then,
      when it is > 0, ``out_sum[c, o] += f_weight[f] / out_fac[f] · w(cost)`` over the same origins: both steps of
      the 2SFCA from one search (a facility's ratio needs only its own catchment).

    With ``node_cost`` shaped (C, n_nodes) (else (0, 0)), each search also records the nodes it reaches:
    ``node_cost[c, x]`` becomes the least cost from node ``x`` to a facility of category ``c`` when that cost is
    within ``bound`` (every node within ``bound`` of a facility is reached by its search, at its exact cost), and
    ``node_fac[c, x]`` that facility; the other nodes keep what they held (+inf / −1 for a fresh plane). So the
    planes hold, within ``bound``, what each category's multi-source search would give
    (:func:`nearest_resumed` finishes them).

    The outputs are category-major: the origins one search reaches sit together in one category's plane, so its
    additions touch a few cache lines rather than one line per origin. The origins are filed in one pass after
    the 2SFCA's demand, adding 0 for a cost beyond ``cutoff`` rather than testing it.
    """
    for g in prange(len(group_ptr) - 1):  # the body is a function of its own: numba compiles it apart, much faster
        _catchment_group(np.int64(g), in_indptr, in_from, in_cost, n_nodes, n_o, f_na, f_ca, f_nb, f_cb, f_site, f_cat,
                         group_ptr, group_fac, group_lo, group_hi, group_first, group_end, att_ptr, att_o, att_cost,
                         d_ptr, d_org, d_cost, bound, width, n_buckets, mode, thresholds, f_weight, kind, scale, cutoff,
                         o_weight, out_count, out_cap, out_sum, out_fac, node_cost, node_fac, put_off)


@njit(cache=True)
def _catchment_group(g, in_indptr, in_from, in_cost, n_nodes, n_o, f_na, f_ca, f_nb, f_cb, f_site, f_cat, group_ptr,
                     group_fac, group_lo, group_hi, group_first, group_end, att_ptr, att_o, att_cost, d_ptr, d_org,
                     d_cost, bound, width, n_buckets, mode, thresholds, f_weight, kind, scale, cutoff, o_weight,
                     out_count, out_cap, out_sum, out_fac, node_cost, node_fac, put_off):
    """Group ``g``'s searches of :func:`catchments` (one thread's share)."""
    n_thr = len(thresholds)
    counting = (mode & MODE_COUNTS) != 0
    fca = (mode & MODE_FCA) != 0
    origin_sum = (mode & MODE_ORIGIN_SUM) != 0
    with_cap = out_cap.shape[0] == out_count.shape[0] and out_cap.shape[1] == out_count.shape[1]
    recording = node_cost.shape[0] > 0
    dist, touched, best, o_touched, stack, top, where = scratch(n_nodes, n_o, n_buckets)
    lo, hi = group_lo[g], group_hi[g]
    first, end = group_first[g], group_end[g]
    every_row = lo <= 0 and hi >= n_o
    every_node = first <= 0 and end >= n_nodes
    no = 0
    nt = 0
    site = -1
    inside = True
    for i in range(group_ptr[g], group_ptr[g + 1]):
        f = group_fac[i]
        c = f_cat[f]
        if f_site[f] != site:  # a new point: forget the last search, search from here
            forget(dist, touched, nt, best, o_touched, no)
            site = f_site[f]
            no, nt, stack = catchment_search(in_indptr, in_from, in_cost, f_na[f], f_ca[f], f_nb[f], f_cb[f],
                                             att_ptr, att_o, att_cost, d_ptr[f], d_ptr[f + 1], d_org, d_cost, bound,
                                             width, dist, touched, best, o_touched, stack, top, where)
            inside = True
            if not every_row:
                for j in range(no):
                    o = o_touched[j]
                    inside &= (o >= lo) & (o < hi)
            if recording and not every_node:
                for j in range(nt):
                    x = touched[j]
                    inside &= (x >= first) & (x < end)
        if not inside:
            put_off[f] = True
            continue
        if recording:
            costs = node_cost[c]
            facs = node_fac[c]
            for j in range(nt):
                if j + ROWS_AHEAD < nt:  # the cells a few nodes on, scattered over the planes
                    prefetch(costs, touched[j + ROWS_AHEAD])
                    prefetch(facs, touched[j + ROWS_AHEAD])
                x = touched[j]
                if dist[x] < costs[x]:
                    costs[x] = dist[x]
                    facs[x] = f
        factor = 0.0  # what the facility adds to an origin's sum per unit of decay weight
        if fca:
            demand = 0.0
            for j in range(no):
                o = o_touched[j]
                t = best[o]
                demand += o_weight[o] * (decay_weight(kind, scale, t) if t <= cutoff else 0.0)
            out_fac[f] = demand
            if demand > 0.0:
                factor = f_weight[f] / demand  # the 2SFCA's supply-to-demand ratio
        elif origin_sum:
            factor = f_weight[f]
        summing = factor > 0.0
        if not (summing or counting):
            continue
        # the origins' cells of this category's planes (flat views, for the hints)
        count_cells = out_count[c].reshape(-1) if counting else out_count.reshape(-1)
        cap_cells = out_cap[c].reshape(-1) if with_cap else out_cap.reshape(-1)
        sum_cells = out_sum[c] if summing else out_sum[0]
        for j in range(no):
            if j + ROWS_AHEAD < no:  # the cells of an origin a few on, scattered over the planes
                ahead = o_touched[j + ROWS_AHEAD]
                prefetch(count_cells, ahead * n_thr)
                prefetch(cap_cells, ahead * n_thr)
                prefetch(sum_cells, ahead)
            o = o_touched[j]
            t = best[o]
            if summing:
                out_sum[c, o] += factor * (decay_weight(kind, scale, t) if t <= cutoff else 0.0)
            if counting:
                q = 0
                for k in range(n_thr):
                    q += t > thresholds[k]
                if q < n_thr:
                    out_count[c, o, q] += 1
                    if with_cap:
                        out_cap[c, o, q] += f_weight[f]
    forget(dist, touched, nt, best, o_touched, no)


@njit(cache=True, parallel=True)
def fresh_planes(n_planes, n_nodes):
    """Node planes for :func:`catchments` to record into: costs +inf and facilities −1, (n_planes, n_nodes),
    written by all threads (fresh pages cost a fault each: on this scale, 180 MB at 1 M nodes and 15 categories,
    as long to fault in as a pass of the search itself)."""
    cost = np.empty((n_planes, n_nodes))
    fac = np.empty((n_planes, n_nodes), np.int32)
    n_chunks = 64
    for k in prange(n_planes * n_chunks):
        c = k // n_chunks
        x0 = (k % n_chunks) * n_nodes // n_chunks
        x1 = (k % n_chunks + 1) * n_nodes // n_chunks
        cost[c, x0:x1] = np.inf
        fac[c, x0:x1] = -1
    return cost, fac


@njit(cache=True, parallel=True)
def unreached(planes):
    """How many cells of each plane (row) of ``planes`` are +inf, counted by all threads."""
    n_planes, n = planes.shape
    n_chunks = 64
    count = np.zeros(n_planes * n_chunks, np.int64)
    for k in prange(n_planes * n_chunks):
        row = planes[k // n_chunks]
        m = 0
        for x in range((k % n_chunks) * n // n_chunks, (k % n_chunks + 1) * n // n_chunks):
            m += row[x] == np.inf
        count[k] = m
    return count.reshape(n_planes, n_chunks).sum(axis=1)


@njit(cache=True, parallel=True)
def thresholds_summed(planes, perm, given):
    """The counts of :func:`catchments` in the caller's terms, one plane down: ``planes[c, perm[r], given[j]]``
    becomes the sum of ``planes[c + 1, r, :j + 1]`` for every category ``c`` (each pair was filed under the first
    ascending threshold it meets; row ``r`` holds the caller's origin ``perm[r]``; ``given[j]`` is where the j-th
    smallest threshold stood in the caller's list). With one threshold (``given`` = [0]) this only moves each row
    to its origin: the sums' planes.

    The searches file into ``planes[1:]``, the first plane spare. One category at a time, all threads on it, each
    plane is read in order and its rows written to their origins' places in the plane before it, which the
    category before has just left: no plane is copied aside, and a result of hundreds of MB needs no second copy of
    fresh memory (fresh pages cost the kernel a fault each, and at 1 M nodes as much time as the sums themselves).
    The results are ``planes[:-1]``.
    """
    n_p, n_o, n_t = planes.shape
    for c in range(n_p - 1):
        filed = planes[c + 1]
        out = planes[c]
        for r in prange(n_o):
            o = perm[r]
            acc = filed[r, 0]
            out[o, given[0]] = acc
            for j in range(1, n_t):
                acc += filed[r, j]
                out[o, given[j]] = acc


@njit(cache=True)
def reach_from(out_indptr, out_to, out_cost, n_nodes, seed_node, seed_cost, bound, dist):
    """Forward single-source search bounded by ``bound`` (``dist`` +inf on entry): cost from the seeds to each node."""
    cap = len(out_to) + len(seed_node) + 1
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int32)
    size = 0
    for i in range(len(seed_node)):
        x = seed_node[i]
        d = seed_cost[i]
        if x >= 0 and d <= bound and d < dist[x]:
            dist[x] = d
            size = _push(hk, hv, size, d, x)
    while size > 0:
        d = hk[0]
        x = hv[0]
        size = _pop(hk, hv, size)
        if d > dist[x]:
            continue
        for k in range(out_indptr[x], out_indptr[x + 1]):
            y = out_to[k]
            nd = d + out_cost[k]
            if nd <= bound and nd < dist[y]:
                dist[y] = nd
                size = _push(hk, hv, size, nd, y)
