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
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Nodes per block as a power of two: 1,024 nodes, ~80 kB of node, edge and heap arrays, well inside a 512 kB L2.
BLOCK_SHIFT = 10

#: Slack in mean edge costs: a block is worked on while its smallest cost is within this many mean edge costs of
#: the next block's. Large enough that a block is rarely left before its frontier has passed it, small enough to
#: keep the search close to cost order (so few nodes are settled twice).
SLACK_EDGES = 32.0


def slack_for(in_cost: np.ndarray) -> float:
    """The slack (unit of the costs) for a graph: :data:`SLACK_EDGES` mean edge costs, +inf when all costs are 0."""
    mean = float(in_cost.mean()) if len(in_cost) else 0.0
    return SLACK_EDGES * mean if mean > 0.0 else np.inf


@njit(cache=True)
def scratch(n_nodes, shift):
    """Fresh per-thread arrays for :func:`block_search`: ``(pos, hk, hv, bsize, tree)``.

    ``pos`` (int32, −1: in no heap), the block heaps ``hk``/``hv`` (block ``b`` uses ``[b << shift, …)``), heap
    sizes per block and the tournament tree of the blocks' smallest costs (+inf: empty). :func:`block_search` leaves
    them in this state, so one set serves any number of searches on the same graph.
    """
    n_blocks = max(1, (n_nodes + (1 << shift) - 1) >> shift)
    leaves = 1
    while leaves < n_blocks:
        leaves *= 2
    return (np.full(n_nodes, -1, np.int32), np.empty(n_blocks << shift, np.float64),
            np.empty(n_blocks << shift, np.int32), np.zeros(n_blocks, np.int64), np.full(2 * leaves, np.inf))


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
def _relax_into(hk, hv, pos, bsize, tree, leaves, shift, y, nd):
    """``y``'s cost fell to ``nd``: push it into its block's heap or move it up there, and lower the block's key."""
    by = y >> shift
    base = by << shift
    p = pos[y]
    if p >= 0:
        _sift_up(hk, hv, pos, base, p, nd, y)
    else:
        _sift_up(hk, hv, pos, base, bsize[by], nd, y)
        bsize[by] += 1
    _lower(tree, leaves + by, nd)


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
        if x < 0:
            continue
        d = seed_cost[i]
        if d < dist[x]:
            dist[x] = d
            label[x] = seed_label[i]
            _relax_into(hk, hv, pos, bsize, tree, leaves, shift, x, d)
    settled = 0
    while tree[1] < np.inf:
        i = 1
        while i < leaves:  # down to the block holding the smallest cost
            i = 2 * i if tree[2 * i] == tree[i] else 2 * i + 1
        b = i - leaves
        _set(tree, i, np.inf)
        limit = tree[1] + slack  # the next block's smallest cost, plus the slack
        base = b << shift
        while bsize[b] > 0:
            d = hk[base]
            if d > limit:
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
                nd = d + in_cost[k]
                if nd < dist[y]:
                    dist[y] = nd
                    label[y] = lx
                    if (y >> shift) == b:  # same block: its key is set when the block is left
                        p = pos[y]
                        if p >= 0:
                            _sift_up(hk, hv, pos, base, p, nd, y)
                        else:
                            _sift_up(hk, hv, pos, base, bsize[b], nd, y)
                            bsize[b] += 1
                    else:
                        _relax_into(hk, hv, pos, bsize, tree, leaves, shift, y, nd)
        if bsize[b] > 0:
            _lower(tree, leaves + b, hk[base])
    return settled
