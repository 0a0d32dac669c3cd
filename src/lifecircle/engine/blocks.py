"""The whole-graph multi-source search, run block by block of the node order so its working set stays in cache.

A multi-source Dijkstra seeded at thousands of facilities grows thousands of frontiers at once; popping its global
minimum jumps between them at random, so at city scale every settled node costs several misses to main memory
(~800 ns a node on a 1 M-node graph whose arrays are 60 MB). This search cuts the internal node order (a Hilbert
curve over the coordinates, :mod:`lifecircle.engine.layout`) into blocks of ``2**shift`` consecutive ids, each a
compact patch of the city, and always works on the block whose smallest tentative cost is lowest (a tournament
tree over the blocks' keys), settling its nodes while their cost stays within ``slack`` of the next block's
smallest cost. The nodes and edges of one block fit in the L2 cache.

Within a block nothing is kept in order: a node whose cost falls goes on its block's pending list (once). A visit
files the pending nodes within reach into a ring of buckets and empties the buckets in order, each as a stack,
as the bounded searches do (:mod:`lifecircle.engine.bounded`); what the visit improves beyond its reach waits on
the pending lists. Filing is a couple of writes where an indexed heap sifts through its levels: on the 1 M-node
synthetic city the visits run ~1.3× as fast as with a 4-ary heap per block, for the same settlements.

It is a label-correcting search: a node settled in one block may later be improved through a neighbouring block
(or a short edge within its bucket) and is then queued and settled again. It ends when every queue is empty, that
is when ``dist[y] ≤ dist[x] + cost`` holds on every edge, so ``dist`` is the least fixpoint of the relaxation: for
every node the smallest floating-point sum of edge costs along any path, which is what a plain Dijkstra computes,
bit for bit. Which facility a node carries (``label``) is one whose walk has that cost; among exactly tied
facilities it may differ from another search's.

Measured on a 1 M-node synthetic city (15 categories): ~210 CPU ns per node against ~850 ns for the global heap,
with 1.1–1.2 settlements per node (``benchmarks/engine_scale.py``, docs/benchmarks.md).

One search can run on several threads (:func:`split_search`): the blocks are cut into as many contiguous parts,
pieces of the city each with its own tournament tree over its slice of the shared pending lists and its own ring;
each thread settles its own part's nodes in rounds, and the edges crossing a part's border carry costs across
between the rounds. The end state is the same least fixpoint, so the costs are the same bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from lifecircle.engine.bounded import light_cost, ring_pop
from lifecircle.engine.hints import LINE, prefetch

#: Nodes per block as a power of two: 1,024 nodes, ~70 kB of node, edge and queue arrays, well inside a 512 kB L2.
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


#: Most buckets in a block visit's ring (a visit is capped to the costs the ring covers).
MAX_RING = 1024


def queue_shape(in_cost: np.ndarray, slack: float) -> tuple[float, int]:
    """``(width, n_ring)`` of the block visits' rings: buckets as wide as the
    :data:`~lifecircle.engine.bounded.LIGHT_SHARE` quantile of the positive edge costs (so about 5 % of edges are
    shorter and may settle a node twice), and enough of them (a power of two, 4 to :data:`MAX_RING`) to span
    ``slack``.

    Unlike the bounded searches' ring this one need not cover the largest edge cost: a visit parks whatever lies
    beyond its reach on the pending lists, so one very long edge does not widen the buckets of all the others.
    """
    light = light_cost(in_cost, positive=True)
    top = float(in_cost.max(initial=0.0))
    width = 1.0 if light is None else light
    width = max(width, 1e-12 * max(1.0, top))  # 1 / width stays finite
    span = slack / width + 3 if np.isfinite(slack) else MAX_RING
    return width, int(min(MAX_RING, max(4, 1 << (int(np.ceil(span)) - 1).bit_length())))


def graph_queue_shape(g) -> tuple[float, float, int]:
    """``(slack, width, n_ring)`` of the whole-graph searches on graph ``g`` (a
    :class:`lifecircle.engine.graph.Graph`): :func:`slack_for` and :func:`queue_shape` of its costs, worked out once
    per graph (:meth:`~lifecircle.engine.graph.Graph.derived`)."""

    def shape() -> tuple[float, float, int]:
        slack = slack_for(g.in_cost)
        return (slack, *queue_shape(g.in_cost, slack))

    return g.derived("block rings", shape)


@njit(cache=True)
def scratch(n_nodes, shift, n_ring, n_parts=1):
    """Fresh arrays for :func:`block_search` (``n_parts`` 1) or :func:`split_search`:
    ``(where, pidx, pv, psize, tree, stack, top)``.

    ``where[x]``: −1 idle, −2 on its block's pending list, else the bucket (counted from the visit's first) of its
    latest filing in the ring; the pending lists ``pv`` (block ``b`` uses ``[b << shift, …)``, ``psize[b]`` long,
    ``pidx[x]`` where ``x`` stands in it); the tournament trees of the blocks' smallest pending costs (+inf: none),
    one per part as laid out by :func:`parts`; per part a ring of ``n_ring`` buckets, each a stack of ``2**shift``
    nodes (``stack[p, s, :top[p, s]]``). The searches leave them in this state, so one set serves any number of
    searches on the same graph; the parts own disjoint slices, so one set serves all threads of a
    :func:`split_search`.
    """
    n_blocks = max(1, (n_nodes + (1 << shift) - 1) >> shift)
    _, toff = parts(n_nodes, shift, n_parts)
    return (np.full(n_nodes, -1, np.int32), np.empty(n_nodes, np.int32), np.empty(n_blocks << shift, np.int32),
            np.zeros(n_blocks, np.int64), np.full(toff[-1], np.inf), np.empty((n_parts, n_ring, 1 << shift), np.int32),
            np.zeros((n_parts, n_ring), np.int64))


@njit(cache=True, parallel=True)
def cross_edges(in_indptr, in_from, in_cost, shift, bstart):
    """The edges of the reversed graph whose two ends lie in different parts (:func:`parts`), grouped by the part
    of the node they improve: ``(cptr, cx, cy, cc)``, part ``q`` receiving ``cost(y) ≤ cost(x) + cc`` over
    ``[cptr[q], cptr[q + 1])``, in ascending ``x``. Along the Hilbert curve a part's border is short, so these are
    few.

    A part's nodes are a range of ids, so its edges are one stretch of the arrays: each thread runs through its own
    part's stretch twice (count, then fill), testing each edge's far end against the range; the few that cross
    look up their part and their node by binary search.
    """
    n_parts = len(bstart) - 1
    n_nodes = len(in_indptr) - 1
    first = np.empty(n_parts + 1, np.int64)  # part p's nodes are [first[p], first[p + 1])
    for p in range(n_parts + 1):
        first[p] = min(bstart[p] << shift, n_nodes)
    count = np.zeros((n_parts, n_parts), np.int64)  # count[p, q]: edges from part p's nodes into part q's
    cx = np.empty(0, np.int32)
    cy = np.empty(0, np.int32)
    cc = np.empty(0, np.float64)
    for p in prange(n_parts):
        _part_crossings(in_indptr, in_from, in_cost, first, p, False, count, cx, cy, cc)
    cptr = np.zeros(n_parts + 1, np.int64)
    fill = np.empty((n_parts, n_parts), np.int64)  # fill[p, q]: where part p's next edge into part q goes
    for q in range(n_parts):
        j = cptr[q]
        for p in range(n_parts):
            fill[p, q] = j
            j += count[p, q]
        cptr[q + 1] = j
    cx = np.empty(cptr[-1], np.int32)
    cy = np.empty(cptr[-1], np.int32)
    cc = np.empty(cptr[-1], np.float64)
    for p in prange(n_parts):
        _part_crossings(in_indptr, in_from, in_cost, first, p, True, fill, cx, cy, cc)
    return cptr, cx, cy, cc


@njit(cache=True)
def _part_crossings(in_indptr, in_from, in_cost, first, p, write, at, cx, cy, cc):
    """Part ``p``'s edges into other parts (part ``q`` owns nodes ``[first[q], first[q + 1])``): counted in
    ``at[p, q]``, or, when ``write``, written to ``cx``/``cy``/``cc`` from ``at[p, q]`` on (which moves past them)."""
    lo = first[p]
    hi = first[p + 1]
    for k in range(in_indptr[lo], in_indptr[hi]):
        y = in_from[k]
        if y < lo or y >= hi:
            q = np.searchsorted(first, y, side="right") - 1
            j = at[p, q]
            if write:
                cx[j] = np.searchsorted(in_indptr, k, side="right") - 1
                cy[j] = y
                cc[j] = in_cost[k]
            at[p, q] = j + 1


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
    set, and ``x`` must be queued)."""
    if x < 0 or not d < dist[x]:
        return False
    dist[x] = d
    label[x] = lab
    return True


@njit(cache=True, inline="always")
def _pend(pv, pidx, psize, where, shift, y):
    """Put ``y`` on its block's pending list (it is on none)."""
    by = y >> shift
    k = psize[by]
    pv[(by << shift) + k] = y
    pidx[y] = k
    psize[by] = k + 1
    where[y] = -2


@njit(cache=True, inline="always")
def _unpend(pv, pidx, psize, where, shift, y):
    """Take ``y`` off its block's pending list (the last entry fills its place)."""
    by = y >> shift
    base = by << shift
    k = psize[by] - 1
    z = pv[base + k]
    pv[base + pidx[y]] = z
    pidx[z] = pidx[y]
    psize[by] = k
    where[y] = -1


@njit(cache=True, inline="always")
def _queue(where, pidx, pv, psize, tree, leaves, shift, y, nd, b0):
    """``y``'s cost fell to ``nd`` outside a visit of its block: pend it (unless it is pending already) and lower its
    block's key in ``tree``, the tournament tree of the part whose first block is ``b0``."""
    if where[y] != -2:
        _pend(pv, pidx, psize, where, shift, y)
    _lower(tree, leaves + (y >> shift) - b0, nd)


@njit(cache=True, inline="always")
def _prefetch_edges(in_indptr, in_from, in_cost, x0, x1):
    """Start loading the edges of nodes ``[x0, x1)`` (one block) into the cache, all at once.

    Between two visits of a block the search works on the others, so a visit finds the block's edges gone from
    the cache; the settlements would then load them one node at a time, each behind the pop that named the node.
    On the 1 M-node synthetic city (one thread, 8 categories) the hint made the searches 12 % faster."""
    e0 = in_indptr[x0]
    e1 = in_indptr[x1]
    for k in range(e0, e1, LINE // in_from.itemsize):
        prefetch(in_from, k)
    for k in range(e0, e1, LINE // in_cost.itemsize):
        prefetch(in_cost, k)


@njit(cache=True)
def _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, width, b0, b1, limit, where, pidx, pv, psize,
                 tree, stack, top):
    """Settle the nodes of blocks ``[b0, b1)`` whose cost is ≤ ``limit``, block by block (the lowest block first,
    while within ``slack`` of the next block's smallest cost); ``tree`` is these blocks' tournament tree and
    ``stack``/``top`` this part's ring. Edges into nodes outside the blocks are skipped (:func:`split_search`
    carries them across). Returns the number of settlements.

    A visit files the block's pending nodes within reach into the ring of buckets of ``width`` (bucket
    ``⌊(cost − low) / width⌋``, ``low`` the block's key, at most its smallest cost) and empties the buckets in
    order, each as a stack, as the bounded searches do (:mod:`lifecircle.engine.bounded`): a node improved while
    filed is filed again and its older entry passed over. Nodes of the block improved beyond the visit's reach, or
    whose bucket is full, go back on the pending list; nodes of other blocks go on theirs, lowering their block's
    key.
    """
    leaves = len(tree) // 2
    inv = 1.0 / width
    n_ring = top.shape[0]
    mask = n_ring - 1
    room = stack.shape[1]
    settled = 0
    while tree[1] <= limit and tree[1] < np.inf:
        i = 1
        while i < leaves:  # down to the block holding the smallest cost
            i = 2 * i if tree[2 * i] == tree[i] else 2 * i + 1
        b = b0 + i - leaves
        low = tree[i]  # the ring's first bucket starts at the block's smallest cost
        _set(tree, i, np.inf)
        stop = tree[1] + slack  # the next block's smallest cost, plus the slack
        if stop > limit:
            stop = limit
        if stop > low + (n_ring - 1) * width:  # within the ring's span
            stop = low + (n_ring - 1) * width
        base = b << shift
        _prefetch_edges(in_indptr, in_from, in_cost, base, min(base + (1 << shift), len(in_indptr) - 1))
        filed = 0
        j = psize[b] - 1
        while j >= 0:  # the pending nodes within reach go into the ring
            x = pv[base + j]
            d = dist[x]
            if d <= stop:
                kb = np.int64((d - low) * inv)
                s = kb & mask
                if top[s] < room:
                    _unpend(pv, pidx, psize, where, shift, x)
                    stack[s, top[s]] = x
                    top[s] += 1
                    where[x] = kb
                    filed += 1
            j -= 1
        k = 0
        while filed > 0:
            x, k = ring_pop(stack, top, mask, k)
            filed -= 1
            if where[x] != k:  # filed again since, in another bucket, or pending: that entry settles it
                continue
            where[x] = -1
            settled += 1
            d = dist[x]
            lx = label[x]
            for e in range(in_indptr[x], in_indptr[x + 1]):
                y = in_from[e]
                by = y >> shift
                if by < b0 or by >= b1:  # another part's node
                    continue
                nd = d + in_cost[e]
                if nd < dist[y]:
                    dist[y] = nd
                    label[y] = lx
                    if by == b and nd <= stop:
                        kb = np.int64((nd - low) * inv)
                        s2 = kb & mask
                        if top[s2] < room:
                            if where[y] == -2:
                                _unpend(pv, pidx, psize, where, shift, y)
                            stack[s2, top[s2]] = y
                            top[s2] += 1
                            where[y] = kb
                            filed += 1
                            continue
                    if by == b:  # beyond this visit: pending, the block's key is set when the visit ends
                        if where[y] != -2:
                            _pend(pv, pidx, psize, where, shift, y)
                    else:
                        _queue(where, pidx, pv, psize, tree, leaves, shift, y, nd, b0)
        key = np.inf  # the block's key: its smallest pending cost
        for j in range(psize[b]):
            d = dist[pv[base + j]]
            if d < key:
                key = d
        if key < np.inf:
            _lower(tree, i, key)
    return settled


@njit(cache=True)
def block_search(in_indptr, in_from, in_cost, seed_node, seed_cost, seed_label, dist, label, shift, slack, width,
                 where, pidx, pv, psize, tree, stack, top):
    """Multi-source search on the reversed graph: ``dist[x]`` = cost from ``x`` to the nearest seed, ``label[x]``
    that seed's label. Returns the number of settlements (≥ the nodes reached; more when nodes were improved
    after being settled).

    ``dist`` must hold +inf and ``label`` −1 on entry; seeds with node −1 are ignored. The queue arrays come from
    :func:`scratch` with the same ``shift`` and a ring of :func:`queue_shape` (and are left as they came).
    """
    leaves = len(tree) // 2
    for i in range(len(seed_node)):
        x = seed_node[i]
        if _seeds(dist, label, x, seed_cost[i], seed_label[i]):
            _queue(where, pidx, pv, psize, tree, leaves, shift, x, dist[x], 0)
    return _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, width, 0, len(psize), np.inf, where,
                        pidx, pv, psize, tree, stack[0], top[0])


@njit(cache=True, parallel=True)
def split_search(in_indptr, in_from, in_cost, seed_node, seed_cost, seed_label, dist, label, shift, slack, width,
                 window, bstart, toff, cptr, cx, cy, cc, where, pidx, pv, psize, tree, stack, top):
    """:func:`block_search` with the blocks cut into parts (:func:`parts`), each searched by its own thread.

    Rounds: every part settles its own nodes whose cost is ≤ the round's limit (the smallest tentative cost of all
    parts plus ``window``, unit of the costs; +inf runs each part to an empty queue), relaxing only edges into its
    own nodes, so the threads write disjoint parts of ``dist``, ``label`` and the queues. Between rounds one thread
    carries the cross edges (:func:`cross_edges`): ``y`` across the border takes ``dist[x] + cost`` when lower
    (with ``x``'s label) and is queued. The search ends when every queue is empty after that step: then
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
            _queue(where, pidx, pv, psize, t, len(t) // 2, shift, x, dist[x], bstart[p])
    settled = np.zeros(n_parts, np.int64)
    low = np.inf
    for p in range(n_parts):
        low = min(low, tree[toff[p] + 1])
    while low < np.inf:
        limit = low + window
        for p in prange(n_parts):
            settled[p] += _search_part(in_indptr, in_from, in_cost, dist, label, shift, slack, width, bstart[p],
                                       bstart[p + 1], limit, where, pidx, pv, psize, tree[toff[p]:toff[p + 1]],
                                       stack[p], top[p])
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
                    _queue(where, pidx, pv, psize, t, len(t) // 2, shift, y, nd, bstart[q])
            low = min(low, t[1])
    return settled.sum()
