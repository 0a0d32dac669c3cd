"""The whole-graph multi-source search, run block by block of the node order so its working set stays in cache.

A multi-source Dijkstra seeded at thousands of facilities grows thousands of frontiers at once; popping its global
minimum jumps between them at random, so at city scale every settled node costs several misses to main memory
(~800 ns a node on a 1 M-node graph whose arrays are 60 MB). This search cuts the internal node order (a Hilbert
curve over the coordinates, :mod:`lifecircle.engine.layout`) into blocks of ``2**shift`` consecutive ids, each a
compact patch of the city with its own indexed 4-ary heap, and always works on the block whose smallest tentative
cost is lowest, settling its nodes while their cost stays within ``slack`` of the next block's smallest cost. The
nodes, edges and heap of one block fit in the L2 cache.

It is a label-correcting search: a node settled in one block may later be improved through a neighbouring block and
is then pushed and settled again. It ends when every heap is empty, that is when ``dist[y] ≤ dist[x] + cost`` holds
on every edge, so ``dist`` is the least fixpoint of the relaxation: for every node the smallest floating-point sum
of edge costs along any path, which is what a plain Dijkstra computes, bit for bit. Which facility a node carries
(``label``) is one whose walk has that cost; among exactly tied facilities it may differ from another search's.

Measured on a 1 M-node synthetic city (15 categories): ~230 ns per node against ~850 ns for the global heap, with
1.1–1.2 settlements per node (``benchmarks/engine_scale.py``, docs/benchmarks.md).

One search can run on several threads (:func:`split_search`): the blocks are cut into as many contiguous parts,
pieces of the city each with its own tournament tree over its slice of the shared heaps; each thread settles its
own part's nodes in rounds, and the edges crossing a part's border carry costs across between the rounds. The end
state is the same least fixpoint, so the costs are the same bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Nodes per block as a power of two: 1,024 nodes, ~80 kB of node, edge and heap arrays, well inside a 512 kB L2.
BLOCK_SHIFT = 10

#: Slack in mean edge costs: a block is worked on while its smallest cost is within this many mean edge costs of
#: the next block's. Large enough that a block is rarely left before its frontier has passed it, small enough to
#: keep the search close to cost order (so few nodes are settled twice).
SLACK_EDGES = 32.0

#: Window of a split search's rounds, in slacks: each round settles the costs up to the smallest tentative cost
#: plus this many slacks (:func:`split_search`). On the 1 M-node synthetic city (2 parts) the 15 categories' searches
#: balance to within 2 % at any window (+inf included), but a single facility's search splits only when the
#: window holds the frontier back (1.4× the work rate of one thread at 4 slacks, 1.0× at +inf); a smaller window
#: means more rounds and more block switches.
WINDOW_SLACKS = 4.0

#: Fewest blocks per thread for which :mod:`lifecircle.engine.nearest` splits a search across the threads
#: (:func:`split_search`; the categories left over once every thread has one); smaller graphs deal them all. Measured on the synthetic
#: city with 15 categories on 2 threads: split, the searches take twice as long as dealt at 5 blocks per thread
#: (10 k nodes; Helsinki's 2 blocks per thread: 7–11 ms against 4–5 ms) and as long at 15 and 50 blocks per
#: thread, while one category alone runs 1.4–2× faster split from 15 blocks per thread on.
MIN_BLOCKS_PER_PART = 16


def slack_for(in_cost: np.ndarray) -> float:
    """The slack (unit of the costs) for a graph: :data:`SLACK_EDGES` mean edge costs, +inf when all costs are 0."""
    mean = float(in_cost.mean()) if len(in_cost) else 0.0
    return SLACK_EDGES * mean if mean > 0.0 else np.inf


@njit(cache=True)
def parts(n_nodes, shift, n_parts):
    """Cut the blocks of ``2**shift`` nodes into ``n_parts`` contiguous ranges of (nearly) equal length.

    Returns ``(bstart, toff)``, both int64 of length ``n_parts + 1``: part ``p`` owns blocks
    ``[bstart[p], bstart[p + 1])`` (so nodes ``[bstart[p] << shift, bstart[p + 1] << shift)``, a stretch of the
    Hilbert curve: one compact piece of the city) and its tournament tree is ``tree[toff[p]:toff[p + 1]]``.
    """
    n_blocks = max(1, (n_nodes + (1 << shift) - 1) >> shift)
    bstart = np.empty(n_parts + 1, np.int64)
    toff = np.zeros(n_parts + 1, np.int64)
    for p in range(n_parts + 1):
        bstart[p] = p * n_blocks // n_parts
    for p in range(n_parts):
        leaves = 1
        while leaves < bstart[p + 1] - bstart[p]:
            leaves *= 2
        toff[p + 1] = toff[p] + 2 * leaves
    return bstart, toff


@njit(cache=True)
def scratch(n_nodes, shift, n_parts=1):
    """Fresh arrays for :func:`block_search` (``n_parts`` 1) or :func:`split_search`: ``(pos, hk, hv, bsize, tree)``.

    ``pos`` (int32, −1: in no heap), the block heaps ``hk``/``hv`` (block ``b`` uses ``[b << shift, …)``), heap
    sizes per block and the tournament trees of the blocks' smallest costs (+inf: empty), one per part as laid out
    by :func:`parts`. The searches leave them in this state, so one set serves any number of searches on the same
    graph. The parts own disjoint slices, so one set serves all threads of a :func:`split_search`.
    """
    n_blocks = max(1, (n_nodes + (1 << shift) - 1) >> shift)
    _, toff = parts(n_nodes, shift, n_parts)
    return (np.full(n_nodes, -1, np.int32), np.empty(n_blocks << shift, np.float64),
            np.empty(n_blocks << shift, np.int32), np.zeros(n_blocks, np.int64), np.full(toff[-1], np.inf))


@njit(cache=True)
def cross_edges(in_indptr, in_from, in_cost, shift, bstart):
    """The edges of the reversed graph whose two ends lie in different parts (:func:`parts`), grouped by the part
    of the node they improve: ``(cptr, cx, cy, cc)``, part ``q`` receiving ``cost(y) ≤ cost(x) + cc`` over
    ``[cptr[q], cptr[q + 1])``. Along the Hilbert curve a part's border is short, so these are few."""
    n_parts = len(bstart) - 1
    n_nodes = len(in_indptr) - 1
    owner = np.empty(bstart[-1], np.int64)
    for p in range(n_parts):
        owner[bstart[p]:bstart[p + 1]] = p
    cptr = np.zeros(n_parts + 1, np.int64)
    for x in range(n_nodes):
        px = owner[x >> shift]
        for k in range(in_indptr[x], in_indptr[x + 1]):
            q = owner[in_from[k] >> shift]
            if q != px:
                cptr[q + 1] += 1
    for q in range(n_parts):
        cptr[q + 1] += cptr[q]
    fill = cptr[:-1].copy()
    cx = np.empty(cptr[-1], np.int32)
    cy = np.empty(cptr[-1], np.int32)
    cc = np.empty(cptr[-1], np.float64)
    for x in range(n_nodes):
        px = owner[x >> shift]
        for k in range(in_indptr[x], in_indptr[x + 1]):
            y = in_from[k]
            q = owner[y >> shift]
            if q != px:
                j = fill[q]
                cx[j] = x
                cy[j] = y
                cc[j] = in_cost[k]
                fill[q] = j + 1
    return cptr, cx, cy, cc


@njit(cache=True, inline="always")
def _sift_up(hk, hv, pos, base, i, key, val):
    """Place ``(key, val)`` at the hole ``i`` of the block heap at ``base`` and sift it up (4-ary, ``pos`` kept)."""
    while i > 0:
        p = (i - 1) >> 2
        pk = hk[base + p]
        if pk <= key:
            break
        hk[base + i] = pk
        w = hv[base + p]
        hv[base + i] = w
        pos[w] = i
        i = p
    hk[base + i] = key
    hv[base + i] = val
    pos[val] = i


@njit(cache=True, inline="always")
def _sift_down(hk, hv, pos, base, size, key, val):
    """Place ``(key, val)`` at the root of the block heap at ``base`` of ``size`` items and sift it down."""
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        m = c
        mk = hk[base + c]
        end = c + 4 if c + 4 <= size else size
        for j in range(c + 1, end):
            kj = hk[base + j]
            if kj < mk:
                mk = kj
                m = j
        if mk >= key:
            break
        hk[base + i] = mk
        w = hv[base + m]
        hv[base + i] = w
        pos[w] = i
        i = m
    hk[base + i] = key
    hv[base + i] = val
    pos[val] = i


@njit(cache=True, inline="always")
def _lower(tree, leaf, key):
    """Lower block ``leaf``'s smallest cost to ``key`` in the tournament tree (ancestors follow)."""
    i = leaf
    while i >= 1 and tree[i] > key:
        tree[i] = key
        i >>= 1


@njit(cache=True, inline="always")
def _set(tree, leaf, key):
    """Set block ``leaf``'s smallest cost to ``key`` (which may rise) and recompute its ancestors."""
    tree[leaf] = key
    i = leaf >> 1
    while i >= 1:
        a = tree[2 * i]
        b = tree[2 * i + 1]
        m = a if a < b else b
        if tree[i] == m:
            break
        tree[i] = m
        i >>= 1


@njit(cache=True, inline="always")
def _seeds(dist, label, x, d, lab):
    """A seed at node ``x`` (−1: none) with cost ``d`` and label ``lab``: True when it lowers ``x``'s cost (then
    set, and ``x`` must go into its block's heap)."""
    if x < 0 or not d < dist[x]:
        return False
    dist[x] = d
    label[x] = lab
    return True


@njit(cache=True, inline="always")
def _relax_into(hk, hv, pos, bsize, tree, leaves, shift, y, nd, b0):
    """``y``'s cost fell to ``nd``: push it into its block's heap or move it up there, and lower the block's key in
    ``tree``, the tournament tree of the part whose first block is ``b0``."""
    by = y >> shift
    base = by << shift
    p = pos[y]
    if p >= 0:
        _sift_up(hk, hv, pos, base, p, nd, y)
    else:
        _sift_up(hk, hv, pos, base, bsize[by], nd, y)
        bsize[by] += 1
    _lower(tree, leaves + by - b0, nd)


@njit(cache=True)
def _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, b0, b1, limit, pos, hk, hv, bsize, tree):
    """Settle the nodes of blocks ``[b0, b1)`` whose cost is ≤ ``limit``, block by block (the lowest block first,
    while within ``slack`` of the next block's smallest cost); ``tree`` is these blocks' tournament tree. Edges
    into nodes outside the blocks are skipped (:func:`split_search` carries them across). Returns the number of
    settlements."""
    leaves = len(tree) // 2
    settled = 0
    while tree[1] <= limit and tree[1] < np.inf:
        i = 1
        while i < leaves:  # down to the block holding the smallest cost
            i = 2 * i if tree[2 * i] == tree[i] else 2 * i + 1
        b = b0 + i - leaves
        _set(tree, i, np.inf)
        stop = tree[1] + slack  # the next block's smallest cost, plus the slack
        if stop > limit:
            stop = limit
        base = b << shift
        while bsize[b] > 0:
            d = hk[base]
            if d > stop:
                break
            x = hv[base]
            pos[x] = -1
            s = bsize[b] - 1
            bsize[b] = s
            if s > 0:
                _sift_down(hk, hv, pos, base, s, hk[base + s], hv[base + s])
            settled += 1
            lx = label[x]
            for k in range(in_indptr[x], in_indptr[x + 1]):
                y = in_from[k]
                by = y >> shift
                if by < b0 or by >= b1:  # another part's node
                    continue
                nd = d + in_cost[k]
                if nd < dist[y]:
                    dist[y] = nd
                    label[y] = lx
                    if by == b:  # same block: its key is set when the block is left
                        p = pos[y]
                        if p >= 0:
                            _sift_up(hk, hv, pos, base, p, nd, y)
                        else:
                            _sift_up(hk, hv, pos, base, bsize[b], nd, y)
                            bsize[b] += 1
                    else:
                        _relax_into(hk, hv, pos, bsize, tree, leaves, shift, y, nd, b0)
        if bsize[b] > 0:
            _lower(tree, leaves + b - b0, hk[base])
    return settled


@njit(cache=True)
def block_search(in_indptr, in_from, in_cost, seed_node, seed_cost, seed_label, dist, label, shift, slack,
                 pos, hk, hv, bsize, tree):
    """Multi-source search on the reversed graph: ``dist[x]`` = cost from ``x`` to the nearest seed, ``label[x]``
    that seed's label. Returns the number of settlements (≥ the nodes reached; more when nodes were improved
    after being settled).

    ``dist`` must hold +inf and ``label`` −1 on entry; seeds with node −1 are ignored. ``pos``, ``hk``, ``hv``,
    ``bsize`` and ``tree`` come from :func:`scratch` with the same ``shift`` (and are left as they came).
    """
    leaves = len(tree) // 2
    for i in range(len(seed_node)):
        x = seed_node[i]
        if _seeds(dist, label, x, seed_cost[i], seed_label[i]):
            _relax_into(hk, hv, pos, bsize, tree, leaves, shift, x, dist[x], 0)
    return _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, 0, len(bsize), np.inf, pos, hk, hv,
                        bsize, tree)


@njit(cache=True, parallel=True)
def split_search(in_indptr, in_from, in_cost, seed_node, seed_cost, seed_label, dist, label, shift, slack, window,
                 bstart, toff, cptr, cx, cy, cc, pos, hk, hv, bsize, tree):
    """:func:`block_search` with the blocks cut into parts (:func:`parts`), each searched by its own thread.

    Rounds: every part settles its own nodes whose cost is ≤ the round's limit (the smallest tentative cost of all
    parts plus ``window``, unit of the costs; +inf runs each part to an empty heap), relaxing only edges into its
    own nodes, so the threads write disjoint parts of ``dist``, ``label`` and the heaps. Between rounds one thread
    carries the cross edges (:func:`cross_edges`): ``y`` across the border takes ``dist[x] + cost`` when lower
    (with ``x``'s label) and goes into its heap. The search ends when every heap is empty after that step: then
    ``dist[y] ≤ dist[x] + cost`` holds on every edge, within a part and across, so ``dist`` is the same least
    fixpoint as :func:`block_search`'s, bit for bit a plain Dijkstra's, whatever the number of parts. The window
    keeps the parts near cost order (few nodes settled twice) and lets a part whose piece of the city the frontier
    has not reached yet wait for it rather than settle it from far seeds first.

    Entry conditions and scratch as :func:`block_search` (``scratch`` with the parts' count); returns the number
    of settlements.
    """
    n_parts = len(bstart) - 1
    for i in range(len(seed_node)):
        x = seed_node[i]
        if _seeds(dist, label, x, seed_cost[i], seed_label[i]):
            p = np.searchsorted(bstart, x >> shift, side="right") - 1
            t = tree[toff[p]:toff[p + 1]]
            _relax_into(hk, hv, pos, bsize, t, len(t) // 2, shift, x, dist[x], bstart[p])
    settled = np.zeros(n_parts, np.int64)
    low = np.inf
    for p in range(n_parts):
        low = min(low, tree[toff[p] + 1])
    while low < np.inf:
        limit = low + window
        for p in prange(n_parts):
            settled[p] += _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, bstart[p],
                                       bstart[p + 1], limit, pos, hk, hv, bsize, tree[toff[p]:toff[p + 1]])
        low = np.inf
        for q in range(n_parts):
            t = tree[toff[q]:toff[q + 1]]
            for j in range(cptr[q], cptr[q + 1]):
                x = cx[j]
                y = cy[j]
                nd = dist[x] + cc[j]
                if nd < dist[y]:
                    dist[y] = nd
                    label[y] = label[x]
                    _relax_into(hk, hv, pos, bsize, t, len(t) // 2, shift, y, nd, bstart[q])
            low = min(low, t[1])
    return settled.sum()
