"""The bounded search on its bucket ring equals a plain Dijkstra bit for bit.

Random directed graphs with integer costs (ties), zero costs, parallel edges and self-loops; bounds from a few
edges to +inf; the ring's own width and much wider and narrower ones, so that nodes are moved between buckets,
settled again through light edges, and the ring wraps round many times.
"""

from __future__ import annotations

import numpy as np
import pytest
from random_graphs import dijkstra, random_graph

from lifecircle.engine import bounded


def _catchment(indptr, nbr, cost, source, source_cost, bound, width, n_buckets):
    """Cost from the source to every node within ``bound`` (one origin on each node, no leave legs)."""
    n = len(indptr) - 1
    att_ptr = np.arange(n + 1, dtype=np.int64)
    att_o = np.arange(n, dtype=np.int64)
    att_cost = np.zeros(n)
    none = np.zeros(0, np.int64)
    sc = bounded.scratch(n, n, n_buckets)
    dist, _, best, o_touched, head, where, _, _ = sc
    no = bounded.facility_catchment(indptr, nbr, cost, source, source_cost, -1, 0.0, att_ptr, att_o, att_cost, 0, 0,
                                    none, np.zeros(0), bound, width, *sc)
    got = np.full(n, np.inf)
    got[o_touched[:no]] = best[o_touched[:no]]
    best[o_touched[:no]] = np.inf
    # the scratch is left as it came
    assert np.isinf(dist).all() and np.isinf(best).all() and (head == -1).all() and (where == -1).all()
    return got


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
                ring = n_buckets if w == width else int(cost.max() / w) + 3
                got = _catchment(indptr, nbr, cost, int(source), source_cost, bound, w, ring)
                assert np.array_equal(got, want), f"bound {bound}, width {w}"


def test_width_and_ring():
    cost = np.linspace(0.0, 100.0, 1001)
    w, ring = bounded.queue_shape(cost, 900.0)
    assert w == pytest.approx(max(5.0, 900.0 / bounded.MAX_BUCKETS))
    assert ring == int(100.0 / w) + 3
    assert bounded.queue_shape(np.zeros(4), np.inf) == (1.0, 3)  # all costs 0: one bucket holds everything
    w_inf, _ = bounded.queue_shape(cost, np.inf)
    assert w_inf == pytest.approx(5.0)
