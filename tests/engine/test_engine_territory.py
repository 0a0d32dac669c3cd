"""The facilities' searches shared among threads by territory: the split never changes a result.

Each territory's thread adds only to the origins and nodes it owns; a facility whose search strays across a border is
put off and searched again with the threads split by category. These tests force several territories whatever the number
of threads (they then run one after the other), on a hilly grid with one-way links.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from lifecircle.engine import Graph, Points, catchment, nearest, nearest_counts_and_fca, territory
from lifecircle.engine.graph import enter_legs


def _grid(n_side: int, seed: int):
    """A ``n_side``² grid, 10–60 s per link, costs differing by direction, 5 % of links one-way; its Graph and
    homes and facilities on random edges."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n_side * n_side).reshape(n_side, n_side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    m = len(a)
    two_way = rng.random(m) >= 0.05
    k = int(two_way.sum())
    u = np.concatenate([a, b[two_way]])
    v = np.concatenate([b, a[two_way]])
    cost = rng.uniform(10.0, 60.0, m + k)
    rev = np.full(m + k, -1)
    rev[np.flatnonzero(two_way)] = m + np.arange(k)
    rev[m:] = np.flatnonzero(two_way)
    jj, ii = np.divmod(np.arange(n_side * n_side), n_side)
    g = Graph.from_arrays(n_side * n_side, u, v, cost, rev, xy=(ii * 40.0, jj * 40.0))
    homes = Points(rng.integers(0, m + k, 3000), rng.random(3000), rng.uniform(0, 30, 3000))
    n_f = 400
    fac = Points(rng.integers(0, m + k, n_f), rng.random(n_f), rng.uniform(0, 20, n_f))
    return g, homes, fac, rng.integers(0, 4, n_f), rng.uniform(1, 100, n_f), rng.integers(1, 50, 3000).astype(float)


def _run(g, homes, fac, cat, cap, pop, n_parts):
    """Nearest, counts and 2SFCA from shared searches, as if on ``n_parts`` threads (so as many territories)."""
    with mock.patch.object(catchment.numba, "get_num_threads", return_value=n_parts):
        return nearest_counts_and_fca(g, homes, pop, fac, cap, cat, 4, thresholds=[30.0, 60.0, 120.0],
                                      threshold=90.0)


def _assert_same(got, want):
    (n1, c1, f1), (n0, c0, f0) = got, want
    assert np.array_equal(n1.time, n0.time)
    assert np.array_equal(c1.count, c0.count)
    np.testing.assert_allclose(c1.capacity, c0.capacity, rtol=1e-12)
    np.testing.assert_allclose(f1.access, f0.access, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(f1.demand, f0.demand, rtol=1e-12)


def test_border_nodes_are_the_ends_of_the_edges_that_cross():
    # a path 0 - 1 - ... - 5 both ways, cut before node 3
    g = Graph.from_arrays(6, [0, 1, 2, 3, 4, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0, 1, 2, 3, 4], np.ones(10),
                          renumber=False)
    assert territory.border_nodes(g.in_indptr, g.in_from, np.array([3])).tolist() == [2, 3]
    assert territory.border_nodes(g.in_indptr, g.in_from, np.array([1, 5])).tolist() == [0, 1, 4, 5]


def test_territories_hold_as_many_points_each_and_mark_the_border():
    g, _, fac, _, _, _ = _grid(40, 1)
    na, _, nb, _ = enter_legs(g, fac)
    site = np.arange(len(fac))
    cuts, part = territory.territories(g.in_indptr, g.in_from, g.in_cost, na, nb, site, 3, 300.0)
    assert len(cuts) == 2 and np.all(np.diff(cuts) > 0)
    inside = part >= 0
    assert 0 < (~inside).sum() < len(part)  # some facilities near a border, most not
    assert np.array_equal(part[inside], np.searchsorted(cuts, na[inside], side="right"))
    per_part = np.bincount(np.searchsorted(cuts, na, side="right"), minlength=3)
    assert per_part.max() - per_part.min() <= 2
    one_cut, one_part = territory.territories(g.in_indptr, g.in_from, g.in_cost, na, nb, site, 1, 300.0)
    assert len(one_cut) == 0 and np.all(one_part == 0)


@pytest.mark.parametrize("n_parts", [2, 3, 5])
def test_results_do_not_depend_on_the_territories(n_parts):
    g, homes, fac, cat, cap, pop = _grid(40, 2)
    want = _run(g, homes, fac, cat, cap, pop, 1)
    assert want[1].count.sum() > 0
    near = want[0].time
    assert np.array_equal(near, nearest(g, homes, fac, cat, 4).time)
    assert (near > 120.0).mean() > 0.1 and (near <= 120.0).mean() > 0.5  # within the searches' bound and beyond
    _assert_same(_run(g, homes, fac, cat, cap, pop, n_parts), want)


def test_a_search_that_strays_across_a_border_is_put_off_and_run_again():
    """With the border estimate switched off every facility starts in its territory; those whose searches reach
    another territory's origins must be put off (nothing added) and searched again, with the same results."""
    g, homes, fac, cat, cap, pop = _grid(40, 3)
    want = _run(g, homes, fac, cat, cap, pop, 1)
    real_territories, real_kernel = catchment.territories, catchment.catchments
    put_off = []

    def no_border(*args):
        cuts, part = real_territories(*args)
        na = args[3]
        return cuts, np.searchsorted(cuts, na, side="right").astype(np.int64)

    def kernel(*args):
        real_kernel(*args)
        put_off.append(int(args[-1].sum()))

    with mock.patch.object(catchment, "territories", no_border), mock.patch.object(catchment, "catchments", kernel):
        got = _run(g, homes, fac, cat, cap, pop, 3)
    assert put_off[0] > 0 and put_off[-1] == 0  # strays were put off, and none in the second round
    _assert_same(got, want)
