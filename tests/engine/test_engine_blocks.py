"""The block search, whole or split into parts, equals a plain Dijkstra bit for bit, whatever the block size,
slack, number of parts and window.

Random directed graphs of a few thousand nodes with integer costs (ties), zero costs, parallel edges, self-loops,
one-way edges and unreachable parts; seeds with offsets; blocks from 1 to 64 nodes and slacks from 0 to +inf, so
nodes are settled, improved through another block and settled again; 1 to 4 parts with windows from 0 to +inf, so
costs cross the parts' borders many times.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from random_graphs import dijkstra, random_graph

from lifecircle.engine import blocks
from lifecircle.engine import kernels as K
from lifecircle.engine.nearest import NO_PLANES, deal


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shift", [0, 2, 6])
def test_block_search_equals_dijkstra(seed, shift):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(500, 3000))
    indptr, nbr, cost = random_graph(rng, n, integer_costs=seed % 2 == 0)
    n_seeds = int(rng.integers(1, 60))
    seed_node = rng.integers(-1, n, n_seeds)  # −1: ignored
    seed_cost = rng.uniform(0, 30, n_seeds)
    seed_label = np.arange(n_seeds, dtype=np.int64)  # as the facilities' seeds carry them
    want = dijkstra(n, indptr, nbr, cost, seed_node, seed_cost)
    for slack, ring in _queues(cost):
        width, n_ring = ring
        sc = blocks.scratch(n, shift, n_ring)
        dist = np.full(n, np.inf)
        label = np.full(n, -1, np.int32)
        settled = blocks.block_search(indptr, nbr, cost, seed_node, seed_cost, seed_label, dist, label, shift, slack,
                                      width, *sc)
        assert np.array_equal(dist, want), f"slack {slack} ring {ring}: max diff {np.nanmax(np.abs(dist - want))}"
        reached = np.isfinite(want)
        assert settled >= reached.sum()
        assert (label[~reached] == -1).all()
        # every node carries a seed whose own search gives it exactly that cost
        for s in np.unique(label[reached]):
            own = dijkstra(n, indptr, nbr, cost, seed_node[s:s + 1], seed_cost[s:s + 1])
            assert np.array_equal(own[label == s], dist[label == s])
        _assert_idle(sc)


def _queues(cost):
    """``(slack, (width, n_ring))`` to search with: slacks from 0 to +inf with the ring of
    :func:`~lifecircle.engine.blocks.queue_shape`, and rings too short for the slack (each visit then capped to
    the ring's span) or with buckets narrower than most edges."""
    default = blocks.slack_for(cost)
    out = [(slack, blocks.queue_shape(cost, slack)) for slack in (0.0, 3.0, default, np.inf)]
    width = blocks.queue_shape(cost, default)[0]
    return out + [(default, (width, 2)), (np.inf, (width, 4)), (default, (width / 8, 8))]


def _assert_idle(sc):
    """The scratch is left as it came, ready for the next search."""
    where, _, _, psize, tree, _, top = sc
    assert (where == -1).all() and (psize == 0).all() and np.isinf(tree).all() and (top == 0).all()


@pytest.mark.parametrize("scale", ["subnormal", "tiny", "huge", "huge seeds"])
def test_block_search_at_extreme_cost_scales(scale):
    """Costs of 5e-324 (a bucket width whose inverse overflows), 1e-300, 1e200 and seeds of 1e250 s: the buckets
    are counted from each visit's smallest cost, so every search ends, with Dijkstra's costs."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(2, 40))
        indptr, nbr, cost = random_graph(rng, n, integer_costs=False)
        if scale == "subnormal":
            cost = np.where(rng.random(len(cost)) < 0.5, 0.0, 5e-324)
        elif scale != "huge seeds":
            cost = cost * (1e-300 if scale == "tiny" else 1e200)
        seed_node = rng.integers(0, n, 3)
        seed_cost = rng.uniform(0, 30, 3) * (1e250 if scale == "huge seeds" else 1.0)
        want = dijkstra(n, indptr, nbr, cost, seed_node, seed_cost)
        for slack in (0.0, blocks.slack_for(cost), np.inf):
            width, n_ring = blocks.queue_shape(cost, slack)
            dist = np.full(n, np.inf)
            label = np.full(n, -1, np.int32)
            blocks.block_search(indptr, nbr, cost, seed_node, seed_cost, np.arange(3, dtype=np.int64), dist, label, 1,
                                slack, width, *blocks.scratch(n, 1, n_ring))
            assert np.array_equal(dist, want)


@cache
def _case(seed):
    """A random graph, its seeds, the plain Dijkstra from all of them and from each one alone (rows)."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(500, 3000))
    indptr, nbr, cost = random_graph(rng, n, integer_costs=seed % 2 == 0)
    n_seeds = int(rng.integers(1, 60))
    seed_node = rng.integers(-1, n, n_seeds)  # −1: ignored
    seed_cost = rng.uniform(0, 30, n_seeds)
    if seed % 3 == 0:
        seed_cost = np.floor(seed_cost)  # tied seeds
    seed_label = np.arange(n_seeds, dtype=np.int64)  # as the facilities' seeds carry them
    want = dijkstra(n, indptr, nbr, cost, seed_node, seed_cost)
    own = np.array([dijkstra(n, indptr, nbr, cost, seed_node[s:s + 1], seed_cost[s:s + 1]) for s in range(n_seeds)])
    return n, indptr, nbr, cost, seed_node, seed_cost, seed_label, want, own


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shift", [0, 2, 6])
@pytest.mark.parametrize("n_parts", [1, 2, 3, 4])
def test_split_search_equals_dijkstra(seed, shift, n_parts):
    n, indptr, nbr, cost, seed_node, seed_cost, seed_label, want, own = _case(seed)
    bstart, toff = blocks.parts(n, shift, n_parts)
    cross = blocks.cross_edges(indptr, nbr, cost, shift, bstart)
    if n_parts > 1:
        assert len(cross[1]) > 0  # the test crosses borders
    reached = np.isfinite(want)
    for slack, ring in _queues(cost):
        width, n_ring = ring
        sc = blocks.scratch(n, shift, n_ring, n_parts)
        for window in (0.0, 2.0, blocks.WINDOW_SLACKS * blocks.slack_for(cost), np.inf):
            dist = np.full(n, np.inf)
            label = np.full(n, -1, np.int32)
            settled = blocks.split_search(indptr, nbr, cost, seed_node, seed_cost, seed_label, dist, label, shift,
                                          slack, width, window, bstart, toff, *cross, *sc)
            assert np.array_equal(dist, want), f"slack {slack} ring {ring} window {window}: {np.abs(dist - want).max()}"
            assert settled >= reached.sum()
            assert (label[~reached] == -1).all()
            # every node carries a seed whose own search gives it exactly that cost
            assert np.array_equal(own[label[reached], np.flatnonzero(reached)], dist[reached])
            _assert_idle(sc)


def test_parts_cover_the_blocks_and_cross_edges_are_the_border():
    n, indptr, nbr, cost = _case(1)[:4]
    for shift, n_parts in ((0, 3), (2, 4), (6, 2), (11, 2)):  # (11, 2): one block, an empty part
        bstart, toff = blocks.parts(n, shift, n_parts)
        n_blocks = -(-n >> shift)
        assert bstart[0] == 0 and bstart[-1] == n_blocks and (np.diff(bstart) >= 0).all()
        owner = np.searchsorted(bstart, np.arange(n) >> shift, side="right") - 1
        frm = np.repeat(np.arange(n), np.diff(indptr))
        border = owner[frm] != owner[nbr]
        cptr, cx, cy, cc = blocks.cross_edges(indptr, nbr, cost, shift, bstart)
        assert cptr[-1] == border.sum()
        got = sorted(zip(cx.tolist(), cy.tolist(), cc.tolist()))
        assert got == sorted(zip(frm[border].tolist(), nbr[border].tolist(), cost[border].tolist()))
        for q in range(n_parts):
            assert (owner[cy[cptr[q]:cptr[q + 1]]] == q).all()


def _nearest_kernels(indptr, nbr, cost, n, n_parts, C, split, seeds, planes, rest):
    """``(time, facility)`` of every category from ``nearest_all`` (``split`` "dealt", on 2 threads), ``nearest_split``
    ("split", on ``n_parts``), or two categories dealt and the others split ("both"), into one output."""
    t = np.empty((C, len(rest[0])))
    f = np.empty((C, len(rest[0])), np.int64)
    cats = np.arange(C, dtype=np.int64)
    if split != "split":
        dealt = cats if split == "dealt" else cats[:2]
        deal_ptr = np.array([0, len(dealt) // 2, len(dealt)])
        K.nearest_all(indptr, nbr, cost, n, deal_ptr, dealt, *seeds, *planes, *rest, t, f, 2, 3.0,
                      *blocks.queue_shape(cost, 3.0))
    if split != "dealt":
        K.nearest_split(indptr, nbr, cost, n, n_parts, cats if split == "split" else cats[2:], *seeds, *planes, *rest,
                        t, f, 2, 3.0, *blocks.queue_shape(cost, 3.0), 5.0)
    return t, f


@pytest.mark.parametrize("n_parts", [1, 2, 3, 4])
@pytest.mark.parametrize("node_rows", [True, False])
def test_nearest_kernel_split_equals_dealt(n_parts, node_rows):
    """``nearest_split`` (each category split into parts) gives the same rows as ``nearest_all`` (whole categories
    dealt to the threads)."""
    n, indptr, nbr, cost, seed_node, seed_cost, _, _, _ = _case(2)
    rng = np.random.default_rng(7)
    C = 4
    n_f = len(seed_node)
    fac_cat = np.sort(rng.integers(0, C - 1, n_f))  # seeds grouped by category, the last one empty
    cat_ptr = np.searchsorted(fac_cat, np.arange(C + 1))
    seed_label = np.arange(n_f, dtype=np.int64)
    n_o = 300
    o_na = rng.integers(0, n, n_o)
    o_ca = rng.uniform(0, 10, n_o)
    o_nb = np.where(rng.random(n_o) < 0.3, -1, rng.integers(0, n, n_o))
    o_cb = rng.uniform(0, 10, n_o)
    d_ptr = np.concatenate([[0], np.cumsum(rng.integers(0, 2, n_o))])
    d_fac = rng.integers(0, n_f, d_ptr[-1])
    d_cost = rng.uniform(0, 20, d_ptr[-1])
    if node_rows:  # no origins: a row per node
        o_na, o_ca, o_nb, o_cb = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0))
        d_ptr, d_fac, d_cost = np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0)
    # origins: row r's results go to column rows[r]; nodes: column i takes node rows[i]
    rows = rng.permutation(n if node_rows else n_o).astype(np.int64)
    seeds = (cat_ptr, seed_node, seed_cost, seed_label)
    rest = (rows, o_na, o_ca, o_nb, o_cb, d_ptr, d_fac, d_cost, fac_cat)
    (t1, f1), (t2, f2), (t3, f3) = (_nearest_kernels(indptr, nbr, cost, n, n_parts, C, split, seeds, NO_PLANES, rest)
                                    for split in ("dealt", "split", "both"))
    assert np.array_equal(t1, t2) and np.array_equal(t1, t3)
    assert np.isinf(t2[C - 1]).all() and (f2[C - 1] == -1).all()
    assert np.isfinite(t2).any()
    for c in range(C - 1):
        want = dijkstra(n, indptr, nbr, cost, seed_node[cat_ptr[c]:cat_ptr[c + 1]], seed_cost[cat_ptr[c]:cat_ptr[c + 1]])
        if node_rows:
            assert np.array_equal(t2[c], want[rows])
        ok = np.isfinite(t2[c])
        assert (fac_cat[f2[c, ok]] == c).all() and (f2[c, ~ok] == -1).all()


def test_slack_is_in_mean_edge_costs():
    assert blocks.slack_for(np.array([10.0, 30.0])) == blocks.SLACK_EDGES * 20.0
    assert blocks.slack_for(np.zeros(3)) == np.inf
    assert blocks.slack_for(np.zeros(0)) == np.inf


def test_ring_width_ignores_one_long_edge():
    """The visits' buckets are as wide as the short edges, however long the longest: one ferry or barrier edge of
    10⁷ s does not make every street "light"."""
    cost = np.concatenate([np.linspace(10.0, 60.0, 999), [1e7]])
    width, n_ring = blocks.queue_shape(cost, blocks.slack_for(cost))
    assert width == pytest.approx(np.quantile(cost[:999], 0.05), rel=0.01)
    assert n_ring == blocks.MAX_RING  # the slack (32 mean costs, inflated by the long edge) is capped by the ring
    width0, n_ring0 = blocks.queue_shape(np.zeros(5), np.inf)
    assert width0 == 1.0 and n_ring0 == blocks.MAX_RING


def test_ring_width_of_mostly_zero_costs():
    """The positive costs' quantile even when a sample of the costs holds none of the few positive ones."""
    cost = np.zeros(1_000_000)
    cost[7::100_003] = 5.0
    assert blocks.queue_shape(cost, blocks.slack_for(cost))[0] == 5.0


def _loads(work, ptr, cats):
    return [work[cats[ptr[t]:ptr[t + 1]]].sum() for t in range(len(ptr) - 1)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_deal_gives_every_category_once_and_evens_the_loads(seed, n_threads):
    """Every category to one thread; on 2 threads the larger load within 0.5 % of the best split (all 2^15 tried;
    dealing largest first to the least loaded thread alone misses it by up to 2.3 % here); never worse than that
    dealing."""
    rng = np.random.default_rng(seed)
    work = rng.uniform(0.2, 1.0, 15) * rng.choice([1.0, 3.0], 15)
    ptr, cats = deal(work, n_threads)
    assert len(ptr) == n_threads + 1 and np.array_equal(np.sort(cats), np.arange(15))
    greedy = np.zeros(n_threads)
    for c in np.argsort(-work, kind="stable"):
        greedy[np.argmin(greedy)] += work[c]
    assert max(_loads(work, ptr, cats)) <= greedy.max() + 1e-12
    if n_threads == 2:
        sides = (np.arange(1 << 15)[:, None] >> np.arange(15)) & 1
        best = np.maximum(sides @ work, work.sum() - sides @ work).min()
        assert max(_loads(work, ptr, cats)) <= best * 1.005
    assert deal(np.zeros(0), 2)[0].tolist() == [0, 0, 0]


@pytest.mark.parametrize("n_parts", [1, 2, 3])
@pytest.mark.parametrize("share", [0.0, 0.3, 0.8, 1.0])
def test_nearest_kernel_resumed_from_planes(n_parts, share):
    """Searches resumed from planes that hold the exact costs within a bound (what the facilities' bounded searches
    record) end with the searches' own costs, bit for bit, whatever the bound (none covered to all covered), dealt
    or split; each node names a facility of its category whose own walk has that cost."""
    n, indptr, nbr, cost, seed_node, seed_cost, seed_label, want, own = _case(4)
    rng = np.random.default_rng(11)
    C = 3
    fac_cat = np.sort(rng.integers(0, C, len(seed_node)))
    cat_ptr = np.searchsorted(fac_cat, np.arange(C + 1))
    seeds = (cat_ptr, seed_node, seed_cost, seed_label)
    rows = np.arange(n, dtype=np.int64)  # a row per node, in node order
    z_i, z_f = np.zeros(0, np.int64), np.zeros(0)
    rest = (rows, z_i, z_f, z_i, z_f, np.zeros(1, np.int64), z_i, z_f, fac_cat)
    t0, f0 = _nearest_kernels(indptr, nbr, cost, n, n_parts, C, "dealt", seeds, NO_PLANES, rest)
    for c in range(C):  # the whole searches are a plain Dijkstra's
        s0, s1 = cat_ptr[c], cat_ptr[c + 1]
        assert np.array_equal(t0[c], dijkstra(n, indptr, nbr, cost, seed_node[s0:s1], seed_cost[s0:s1]))
    finite = t0[np.isfinite(t0)]
    bound = np.quantile(finite, share) if share < 1.0 else np.inf
    for split in ("dealt", "split", "both"):
        planes = (np.where(t0 <= bound, t0, np.inf), np.where(t0 <= bound, f0, -1).astype(np.int32), bound)
        t, f = _nearest_kernels(indptr, nbr, cost, n, n_parts, C, split, seeds, planes, rest)
        assert np.array_equal(t, t0)
        assert np.array_equal(planes[0], t0)  # the planes were searched in place
        ok = np.isfinite(t)
        assert ((f == -1) == ~ok).all()
        c_of, node = np.nonzero(ok)
        assert (fac_cat[f[ok]] == c_of).all()
        assert np.array_equal(own[f[ok], node], t[ok])
