"""The internal node order is invisible: results by the caller's node and edge ids do not depend on it.

Every graph is built four ways: renumbered breadth-first (the default), in the caller's order (``renumber=False``),
with the caller's node ids shuffled before building (so the breadth-first order starts elsewhere and the caller order
is random), and along a Hilbert curve over random node coordinates. Times agree to 1e-9 s (only the summation order of equal-cost paths may differ), counts exactly away from
thresholds, and per-node results line up through the caller's ids.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_properties import scenes

from lifecircle.engine import (
    Decay,
    Graph,
    Points,
    counts_within,
    decay_access,
    k_nearest,
    layout,
    nearest,
    nearest_nodes,
    two_step_fca,
)
from lifecircle.engine.graph import enter_legs, leave_legs
from lifecircle.engine.layout import breadth_first_rank, hilbert_rank

SAME = dict(atol=1e-9, rtol=0)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _four_ways(s, seed):
    perm = np.random.default_rng(seed).permutation(s["n"])  # caller id x becomes perm[x] in the shuffled build
    graphs = [
        Graph.from_arrays(s["n"], s["u"], s["v"], s["cost"], s["rev"]),
        Graph.from_arrays(s["n"], s["u"], s["v"], s["cost"], s["rev"], renumber=False),
        Graph.from_arrays(s["n"], perm[s["u"]], perm[s["v"]], s["cost"], s["rev"]),
        Graph.from_arrays(s["n"], s["u"], s["v"], s["cost"], s["rev"], xy=np.random.default_rng(seed).random((2, s["n"]))),
    ]
    return graphs, perm


@PROPS
@given(scenes(), st.integers(0, 2**16))
def test_results_do_not_depend_on_node_order(s, seed):
    (g0, g1, g2, g3), perm = _four_ways(s, seed)
    assert g0.renumbered and not g1.renumbered and g3.renumbered
    o, f = Points(*s["o"]), Points(*s["f"])  # edge ids are the same in all three builds
    cat, C = s["cat"], s["C"]
    near = [nearest(g, o, f, cat, C) for g in (g0, g1, g2, g3)]
    kn = [k_nearest(g, o, f, cat, C, k=2) for g in (g0, g1, g2, g3)]
    cnt = [counts_within(g, o, f, cat, C, thresholds=[3.0, 7.5], capacity=s["cap"]) for g in (g0, g1, g2, g3)]
    dec = [decay_access(g, o, f, cat, C, Decay("exponential", scale=5.0, cutoff=12.0)) for g in (g0, g1, g2, g3)]
    fca = [two_step_fca(g, o, s["pop"], f, s["cap"], cat, C, 9.0) for g in (g0, g1, g2, g3)]
    nodes = [nearest_nodes(g, f, cat, C) for g in (g0, g1, g2, g3)]
    for i in (1, 2, 3):
        np.testing.assert_allclose(near[i].time, near[0].time, **SAME)
        np.testing.assert_allclose(kn[i].time, kn[0].time, **SAME)
        np.testing.assert_allclose(dec[i], dec[0], **SAME)
        np.testing.assert_allclose(fca[i].demand, fca[0].demand, **SAME)
        np.testing.assert_allclose(fca[i].access, fca[0].access, **SAME)
        np.testing.assert_array_equal(cnt[i].count, cnt[0].count)
        np.testing.assert_allclose(cnt[i].capacity, cnt[0].capacity, **SAME)
    # per-node results come back in the caller's node ids: node x of the shuffled build is perm[x]
    np.testing.assert_allclose(nodes[1][0], nodes[0][0], **SAME)
    np.testing.assert_allclose(nodes[2][0][perm], nodes[0][0], **SAME)
    np.testing.assert_allclose(nodes[3][0], nodes[0][0], **SAME)
    for (t, fac) in nodes:
        assert ((fac >= 0) == np.isfinite(t)).all()
        for x, c in zip(*np.nonzero(fac >= 0)):
            assert cat[fac[x, c]] == c


def test_renumbering_is_a_permutation_and_keeps_every_edge():
    rng = np.random.default_rng(3)
    n, m = 500, 1800
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    cost = rng.uniform(0, 60, m)
    g = Graph.from_arrays(n, u, v, cost)
    assert sorted(g.rank.tolist()) == list(range(n)) and (g.node_of[g.rank] == np.arange(n)).all()
    assert g.in_from.dtype == np.int32 and g.out_to.dtype == np.int32
    # the CSR arrays, mapped back to caller ids, hold exactly the caller's edges (as multisets, with costs)
    rows = np.repeat(np.arange(n), np.diff(g.out_indptr))
    got = sorted(zip(g.node_of[rows].tolist(), g.node_of[g.out_to].tolist(), g.out_cost.tolist()))
    assert got == sorted(zip(u.tolist(), v.tolist(), cost.tolist()))
    rows = np.repeat(np.arange(n), np.diff(g.in_indptr))
    got = sorted(zip(g.node_of[g.in_from].tolist(), g.node_of[rows].tolist(), g.in_cost.tolist()))
    assert got == sorted(zip(u.tolist(), v.tolist(), cost.tolist()))
    # caller-facing arrays are untouched
    np.testing.assert_array_equal(g.u, u)
    np.testing.assert_array_equal(g.v, v)


def test_breadth_first_order_brings_neighbours_together():
    side = 60
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    perm = np.random.default_rng(0).permutation(side * side)
    u, v = perm[a], perm[b]
    assert np.abs(u - v).max() > side * side // 2  # shuffled ids: neighbours far apart
    rank, node_of = breadth_first_rank(side * side, u, v)
    # breadth-first levels of a grid are diamonds of at most 2·side nodes, and an edge joins the same or adjacent
    # levels: neighbours sit at most two levels' width apart
    assert np.abs(rank[u].astype(np.int64) - rank[v]).max() <= 4 * side
    assert (node_of[rank] == np.arange(side * side)).all()


def test_hilbert_order_keeps_neighbours_in_the_same_cache_lines():
    side = 60
    jj, ii = np.meshgrid(np.arange(side), np.arange(side))
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    perm = np.random.default_rng(1).permutation(side * side)
    x, y = np.empty(side * side), np.empty(side * side)
    x[perm], y[perm] = jj.ravel() * 40.0, ii.ravel() * 40.0
    rank, node_of = hilbert_rank(x, y)
    assert sorted(rank.tolist()) == list(range(side * side)) and (node_of[rank] == np.arange(side * side)).all()
    d = np.abs(rank[perm[a]].astype(np.int64) - rank[perm[b]])
    # along a Hilbert curve most grid neighbours are a few ids apart (row-major order: half of them are `side` apart)
    assert np.median(d) <= 4 and np.mean(d < 8) > 0.6


def test_counting_order_is_a_stable_argsort():
    key = np.random.default_rng(3).integers(0, 50, 2000)
    assert np.array_equal(layout.counting_order(key, 50), np.argsort(key, kind="stable"))
    assert len(layout.counting_order(np.zeros(0, np.int64), 5)) == 0


def test_point_legs_follow_the_edge_costs_bit_for_bit():
    """Leave and enter legs: the part of the edge after / before the point plus access, and the complementary part
    of the opposite edge (none on a one-way edge), as plain numpy computes them."""
    rng = np.random.default_rng(4)
    u = np.array([0, 1, 1, 2, 3])
    v = np.array([1, 0, 2, 3, 0])
    rev = np.array([1, 0, -1, -1, -1])
    cost = rng.uniform(1.0, 90.0, 5)
    g = Graph.from_arrays(4, u, v, cost, rev, xy=(rng.random(4), rng.random(4)))
    e = rng.integers(0, 5, 300)
    t = rng.random(300)
    acc = rng.uniform(0.0, 20.0, 300)
    pts = Points(e, t, acc)
    r = rev[e]
    two_way = r >= 0
    na, ca, nb, cb = leave_legs(g, pts)
    assert np.array_equal(na, g.rank[v[e]]) and np.array_equal(ca, (1.0 - t) * cost[e] + acc)
    assert np.array_equal(nb, np.where(two_way, g.rank[u[e]], -1))
    assert np.array_equal(cb[two_way], (t * cost[r] + acc)[two_way]) and np.all(np.isinf(cb[~two_way]))
    na, ca, nb, cb = enter_legs(g, pts)
    assert np.array_equal(na, g.rank[u[e]]) and np.array_equal(ca, t * cost[e] + acc)
    assert np.array_equal(nb, np.where(two_way, g.rank[v[e]], -1))
    assert np.array_equal(cb[two_way], ((1.0 - t) * cost[r] + acc)[two_way]) and np.all(np.isinf(cb[~two_way]))


def test_leg_csr_lists_both_legs_by_node_a_legs_first():
    rng = np.random.default_rng(6)
    na, nb = rng.integers(0, 30, 400), np.where(rng.random(400) < 0.2, -1, rng.integers(0, 30, 400))
    ca, cb = rng.random(400), rng.random(400)
    ids = rng.permutation(400)
    ptr, got_id, got_cost = layout.leg_csr(30, na, ca, nb, cb, ids)
    keep = nb >= 0
    node = np.concatenate([na, nb[keep]])
    order = np.argsort(node, kind="stable")
    assert np.array_equal(ptr, np.concatenate([[0], np.cumsum(np.bincount(node, minlength=30))]))
    assert np.array_equal(got_id, np.concatenate([ids, ids[keep]])[order])
    assert np.array_equal(got_cost, np.concatenate([ca, cb[keep]])[order])


def test_csr_ranked_is_the_same_on_any_number_of_threads():
    """Each thread writes the rows it owns: for 1 to 7 of them, a stable sort of the edges by their ranked row."""
    rng = np.random.default_rng(8)
    n, m = 50, 400
    rows, cols, vals = rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m)
    rank = rng.permutation(n).astype(np.int32)
    order = np.argsort(rank[rows], kind="stable")
    for n_parts in (1, 2, 3, 7):
        indptr, out_c, out_v = layout._csr_ranked(n, rows, cols, vals, rank, n_parts)
        assert np.array_equal(indptr, np.concatenate([[0], np.cumsum(np.bincount(rank[rows], minlength=n))]))
        assert np.array_equal(out_c, rank[cols][order]) and np.array_equal(out_v, vals[order])
