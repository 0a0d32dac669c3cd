"""The bounded search on its bucket ring equals a plain Dijkstra bit for bit.

Random directed graphs with integer costs (ties), zero costs, parallel edges and self-loops; bounds from a few
edges to +inf; the ring's own width and much wider and narrower ones, so that nodes are filed again in other
buckets, settled again through light edges, and the ring wraps round many times; bucket stacks of 1 node up, so
that searches overflow them and are run again with more room.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_graphs import dijkstra, random_graph

from lifecircle.engine import bounded


def _catchment(indptr, nbr, cost, source, source_cost, bound, width, n_buckets, room=None):
    """Cost from the source to every node within ``bound`` (one origin on each node, no leave legs), as the origins
    reached and as the nodes reached; ``room``: the bucket stacks' first room (nodes)."""
    n = len(indptr) - 1
    att_ptr = np.arange(n + 1, dtype=np.int64)
    att_o = np.arange(n, dtype=np.int64)
    att_cost = np.zeros(n)
    none = np.zeros(0, np.int64)
    dist, touched, best, o_touched, stack, top, where = bounded.scratch(n, n, n_buckets)
    if room is not None:
        stack = np.empty((n_buckets, room), np.int32)
    no, nt, stack = bounded.catchment_search(indptr, nbr, cost, source, source_cost, -1, 0.0, att_ptr, att_o,
                                             att_cost, 0, 0, none, np.zeros(0), bound, width, dist, touched, best,
                                             o_touched, stack, top, where)
    got = np.full(n, np.inf)
    got[o_touched[:no]] = best[o_touched[:no]]
    nodes = np.full(n, np.inf)
    nodes[touched[:nt]] = dist[touched[:nt]]
    assert len(np.unique(touched[:nt])) == nt  # each node listed once
    bounded.forget(dist, touched, nt, best, o_touched, no)
    # the scratch is left as it came
    assert np.isinf(dist).all() and np.isinf(best).all() and (top == 0).all() and (where == -1).all()
    return got, nodes


@pytest.mark.parametrize("seed", range(8))
def test_bounded_search_equals_dijkstra(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(300, 2000))
    indptr, nbr, cost = random_graph(rng, n, integer_costs=seed % 2 == 0)
    for source in rng.integers(0, n, 3):
        source_cost = float(rng.uniform(0, 5))
        ref = dijkstra(n, indptr, nbr, cost, [source], [source_cost])
        for bound in (0.0, 3.0 * cost.mean(), 20.0 * cost.mean(), np.inf):
            want = np.where(ref <= bound, ref, np.inf)
            width, n_buckets = bounded.queue_shape(cost, bound)
            for w in (width, cost.max() / 2.0, width / 50.0):
                ring = n_buckets if w == width else 1 << int(cost.max() / w + 2).bit_length()
                for room in (None, 1, 7):
                    got, nodes = _catchment(indptr, nbr, cost, int(source), source_cost, bound, w, ring, room)
                    assert np.array_equal(got, want), f"bound {bound}, width {w}, room {room}"
                    assert np.array_equal(nodes, want), f"bound {bound}, width {w}, room {room}"


def test_width_and_ring():
    cost = np.linspace(0.0, 100.0, 1001)
    w, ring = bounded.queue_shape(cost, 900.0)
    assert w == pytest.approx(max(5.0, 900.0 / bounded.MAX_BUCKETS))
    assert ring == 1 << (int(100.0 / w) + 2).bit_length()  # a power of two > max cost / w + 2
    assert bounded.queue_shape(np.zeros(4), np.inf) == (1.0, 4)  # all costs 0: one bucket holds everything
    w_inf, _ = bounded.queue_shape(cost, np.inf)
    assert w_inf == pytest.approx(5.0)


def test_facilities_at_one_point_share_a_search_and_count_apart():
    """Facilities at the same point (same edge, fraction and access) are searched once and still counted apart."""
    from lifecircle.engine import Graph, Points, counts_within, two_step_fca

    rng = np.random.default_rng(7)
    n = 400
    u = rng.integers(0, n, 1600)
    v = np.clip(u + rng.integers(-20, 21, 1600), 0, n - 1)
    g = Graph.from_arrays(n, u, v, rng.uniform(1, 30, 1600))
    homes = Points(rng.integers(0, 1600, 300), rng.random(300), rng.uniform(0, 5, 300))
    edge = np.array([5, 5, 5, 9, 5])
    frac = np.array([0.25, 0.25, 0.25, 0.5, 0.75])
    access = np.array([2.0, 2.0, 2.0, 0.0, 2.0])
    cat = np.array([0, 1, 0, 0, 1])
    cap = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    pop = rng.integers(1, 50, 300).astype(float)
    together = counts_within(g, homes, Points(edge, frac, access), cat, 2, thresholds=[60.0, 200.0], capacity=cap)
    fca = two_step_fca(g, homes, pop, Points(edge, frac, access), cap, cat, 2, 150.0)
    count = np.zeros_like(together.count)
    capacity = np.zeros_like(together.capacity)
    access_sum = np.zeros_like(fca.access)
    for f in range(len(edge)):  # each facility alone
        one = counts_within(g, homes, Points(edge[f:f + 1], frac[f:f + 1], access[f:f + 1]), cat[f:f + 1], 2,
                            thresholds=[60.0, 200.0], capacity=cap[f:f + 1])
        count += one.count
        capacity += one.capacity
        alone = two_step_fca(g, homes, pop, Points(edge[f:f + 1], frac[f:f + 1], access[f:f + 1]), cap[f:f + 1],
                             cat[f:f + 1], 2, 150.0)
        assert alone.demand[0] == fca.demand[f]
        access_sum += alone.access
    assert together.count.sum() > 0 and np.array_equal(together.count, count)
    np.testing.assert_allclose(together.capacity, capacity, rtol=1e-12)
    np.testing.assert_allclose(fca.access, access_sum, rtol=1e-12)


def test_a_node_improved_once_every_node_is_listed_fits_the_touched_list():
    """The touched list keeps its last slot for the write that lists nothing new: run as plain Python (bounds
    checked), a search that lists every node and then lowers one of them again must stay inside it."""
    # reversed graph: node 0 reaches 1 at 10 and 2 at 1; node 2 reaches 1 again at 1 + 1, after all are listed
    indptr = np.array([0, 2, 2, 3], np.int64)
    nbr = np.array([1, 2, 1], np.int32)
    cost = np.array([10.0, 1.0, 1.0])
    width, n_buckets = bounded.queue_shape(cost, 100.0)
    dist, touched, best, o_touched, stack, top, where = bounded.scratch(3, 0, n_buckets)
    no, nt = bounded.facility_catchment.py_func(
        indptr, nbr, cost, 0, 0.0, -1, 0.0, np.zeros(4, np.int64), np.zeros(0, np.int64), np.zeros(0), 0, 0,
        np.zeros(0, np.int64), np.zeros(0), 100.0, width, dist, touched, best, o_touched, stack, top, where)
    assert (no, nt) == (0, 3)
    assert sorted(touched[:nt].tolist()) == [0, 1, 2]
    assert dist.tolist() == [0.0, 2.0, 1.0]


@pytest.mark.parametrize("n_thr", [1, 3])
def test_thresholds_summed_moves_each_plane_down_in_the_callers_order(n_thr):
    """Plane c + 1 (rows in search order, each pair under its first threshold) becomes plane c in the caller's
    order with the thresholds summed up to each, in the caller's order of thresholds."""
    from lifecircle.engine.kernels import thresholds_summed

    rng = np.random.default_rng(n_thr)
    n_c, n_o = 4, 50
    planes = rng.integers(0, 9, (n_c + 1, n_o, n_thr)).astype(np.int32)
    perm = rng.permutation(n_o).astype(np.int64)
    given = rng.permutation(n_thr).astype(np.int64)
    want = np.empty((n_c, n_o, n_thr), np.int32)
    want[:, perm[:, None], given[None, :]] = np.cumsum(planes[1:], axis=2)
    thresholds_summed(planes, perm, given)
    assert np.array_equal(planes[:n_c], want)
