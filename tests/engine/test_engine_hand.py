"""Tiny networks whose answers are worked out by hand (the reasoning is in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.engine import (
    Decay,
    Graph,
    Points,
    counts_within,
    decay_access,
    k_nearest,
    nearest,
    nearest_nodes,
    two_step_fca,
)

INF = np.inf


@pytest.fixture
def slope_path():
    """Nodes 0—1—2 (two-way) and a one-way 2→3; node 4 isolated.

    Edges: 0: 0→1 (10 s), 1: 1→0 (10 s), 2: 1→2 (10 s, downhill), 3: 2→1 (20 s, uphill), 4: 2→3 (4 s, one-way).
    Origins: A on edge 0 at 0.5 (access 1 s); B on edge 3 at 0 (= node 2, access 0); C on edge 4 at 1 (= node 3,
    a dead end of the one-way edge: it can reach nothing).
    Facilities: F0 (cat 0) edge 2 at 0.5, access 2; F1 (cat 1) edge 0 at 0.8; F2 (cat 0) edge 3 at 0.25 (= 0.75
    along 1→2); F3 (cat 1) edge 4 at 0.5.
    """
    g = Graph.from_arrays(5, [0, 1, 1, 2, 2], [1, 0, 2, 1, 3], [10, 10, 10, 20, 4], [1, 0, 3, 2, -1])
    o = Points([0, 3, 4], [0.5, 0.0, 1.0], [1.0, 0.0, 0.0])
    f = Points([2, 0, 3, 4], [0.5, 0.8, 0.25, 0.5], [2.0, 0.0, 0.0, 0.0])
    return g, o, f, np.array([0, 1, 0, 1])


# Times by hand (origin → facility):
# A: reaches node 1 in 1 + 5 = 6. F0: 6 + 5 + 2 = 13. F1: same edge, straight 0.3·10 + 1 = 4. F2: 6 + 7.5 = 13.5.
#    F3: 6 + 10 + 2 = 18.
# B (node 2, on 2→1): F0 is 0.5 back along 2→1: 0.5·20 + 2 = 12. F2 is 0.25 along 2→1: 5. F1: 20 to node 1, then
#    F1 from node 1 via 1→0 at (1 − 0.8)·10 = 2: 22. F3: 0.5·4 = 2.
# C: nothing.
TIMES = np.array([[13, 4, 13.5, 18], [12, 22, 5, 2], [INF, INF, INF, INF]], dtype=float)


def test_nearest_by_hand(slope_path):
    g, o, f, cat = slope_path
    r = nearest(g, o, f, cat, 3)  # category 2 is empty
    np.testing.assert_allclose(r.time, [[13, 4, INF], [5, 2, INF], [INF, INF, INF]])
    np.testing.assert_array_equal(r.facility, [[0, 1, -1], [2, 3, -1], [-1, -1, -1]])


def test_direction_matters(slope_path):
    """Swap origins and facilities: walking from F2's spot to B's is uphill-free 1→2 direction, not the reverse."""
    g, o, f, cat = slope_path
    # From F2's position (0.75 along 1→2) to B (node 2): 0.25·10 = 2.5, whereas B → F2 was 5 (uphill).
    r = nearest(g, Points([3], [0.25]), Points([3], [0.0]), [0], 1)
    assert r.time[0, 0] == pytest.approx(2.5)


def test_nearest_nodes_by_hand(slope_path):
    g, _, f, cat = slope_path
    t, fac = nearest_nodes(g, f, cat, 2)
    # node 0: F1 at 8, F0 at 10 + 5 + 2 = 17 (F2: 10 + 7.5 = 17.5); node 1: F0 7, F2 7.5 -> 7, F1 (1→0) 2;
    # node 2: F2 5, F3 2; node 3: nothing (dead end); node 4: isolated.
    np.testing.assert_allclose(t, [[17, 8], [7, 2], [5, 2], [INF, INF], [INF, INF]])
    np.testing.assert_array_equal(fac, [[0, 1], [0, 1], [2, 3], [-1, -1], [-1, -1]])


def test_k_nearest_by_hand(slope_path):
    g, o, f, cat = slope_path
    r = k_nearest(g, o, f, cat, 2, k=3)
    np.testing.assert_allclose(r.time[0], [[13, 13.5, INF], [4, 18, INF]])
    np.testing.assert_array_equal(r.facility[0], [[0, 2, -1], [1, 3, -1]])
    np.testing.assert_allclose(r.time[1], [[5, 12, INF], [2, 22, INF]])
    assert (r.facility[2] == -1).all()


def test_counts_inclusive_thresholds(slope_path):
    g, o, f, cat = slope_path
    cap = np.array([3.0, 5.0, 7.0, 11.0])
    c = counts_within(g, o, f, cat, 2, thresholds=[5, 13, 22], capacity=cap)
    # A: cat0 times 13, 13.5 -> [0, 1, 2]; cat1 times 4, 18 -> [1, 1, 2]. 13 and 22 are hit exactly (inclusive).
    # B: cat0 times 12, 5 -> [1, 2, 2]; cat1 times 22, 2 -> [1, 1, 2].
    np.testing.assert_array_equal(c.count[0], [[0, 1, 2], [1, 1, 2]])
    np.testing.assert_array_equal(c.count[1], [[1, 2, 2], [1, 1, 2]])
    np.testing.assert_array_equal(c.count[2], 0)
    np.testing.assert_allclose(c.capacity[0], [[0, 3, 10], [5, 5, 16]])
    np.testing.assert_allclose(c.capacity[1], [[7, 10, 10], [11, 11, 16]])
    assert c.count.dtype == np.int32
    assert counts_within(g, o, f, cat, 2, thresholds=[5]).capacity is None


@pytest.fixture
def line_4():
    """Nodes 0—1—2—3, every link 100 s both ways. O0 at node 0, O1 at node 2; F0 mid 1–2, F1 at node 3.

    O0 → F0 = 150, O0 → F1 = 300; O1 → F0 = 50, O1 → F1 = 100.
    """
    g = Graph.from_arrays(4, [0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2], [100.0] * 6, [1, 0, 3, 2, 5, 4])
    return g, Points([0, 4], [0.0, 0.0]), Points([2, 4], [0.5, 1.0])


def test_two_step_fca_by_hand(line_4):
    g, o, f = line_4
    r = two_step_fca(g, o, [100.0, 300.0], f, [8.0, 6.0], [0, 0], 1, threshold=200)
    # F0 serves both (150, 50 <= 200): R0 = 8 / 400 = 0.02; F1 serves O1 only: R1 = 6 / 300 = 0.02.
    np.testing.assert_allclose(r.demand, [400, 300])
    np.testing.assert_allclose(r.ratio, [0.02, 0.02])
    np.testing.assert_allclose(r.access[:, 0], [0.02, 0.04])


def test_enhanced_two_step_fca_linear_decay(line_4):
    g, o, f = line_4
    r = two_step_fca(g, o, [100.0, 300.0], f, [8.0, 6.0], [0, 0], 1, threshold=200, decay=Decay("linear", scale=200))
    # weights 1 − t/200: O0–F0 0.25, O1–F0 0.75, O1–F1 0.5. Demand F0 = 25 + 225 = 250 -> R0 = 0.032;
    # F1 = 150 -> R1 = 0.04. A(O0) = 0.032·0.25 = 0.008; A(O1) = 0.032·0.75 + 0.04·0.5 = 0.044.
    np.testing.assert_allclose(r.ratio, [0.032, 0.04])
    np.testing.assert_allclose(r.access[:, 0], [0.008, 0.044])


def test_two_step_fca_facility_without_demand(line_4):
    g, o, f = line_4
    r = two_step_fca(g, o, [0.0, 0.0], f, [8.0, 6.0], [0, 0], 1, threshold=200)
    assert np.isnan(r.ratio).all()
    np.testing.assert_array_equal(r.access, 0.0)


def test_decay_access_by_hand(line_4):
    g, o, f = line_4
    a = decay_access(g, o, f, [0, 1], 2, Decay("exponential", scale=100, cutoff=250), weight=[2.0, 1.0])
    # O0: F0 at 150 -> 2·e^-1.5; F1 at 300 > cutoff. O1: F0 at 50 -> 2·e^-0.5; F1 at 100 -> e^-1.
    np.testing.assert_allclose(a, [[2 * np.exp(-1.5), 0.0], [2 * np.exp(-0.5), np.exp(-1)]])
    s = decay_access(g, o, f, [0, 0], 1, Decay("step", cutoff=150))
    np.testing.assert_allclose(s[:, 0], [1, 2])  # cutoff inclusive: O0–F0 at exactly 150 counts
    gs = decay_access(g, o, f, [0, 0], 1, Decay("gaussian", scale=100, cutoff=1e9))
    np.testing.assert_allclose(gs[:, 0], [np.exp(-0.5 * 1.5**2) + np.exp(-0.5 * 9), np.exp(-0.125) + np.exp(-0.5)])


def test_access_legs_and_frac_ends():
    """A point at frac 1 of 0→1 sits at node 1; access legs add once at each end."""
    g = Graph.from_arrays(2, [0, 1], [1, 0], [10.0, 30.0], [1, 0])
    r = nearest(g, Points([0], [1.0], [4.0]), Points([1], [1.0], [6.0]), [0], 1)
    # origin at node 1 (frac 1 of 0→1), facility at node 0 (frac 1 of 1→0): 1→0 costs 30; 4 + 30 + 6.
    assert r.time[0, 0] == pytest.approx(40.0)
    r = nearest(g, Points([0], [1.0], [4.0]), Points([0], [0.0], [6.0]), [0], 1)  # same spot via the twin edge
    assert r.time[0, 0] == pytest.approx(40.0)
    r = nearest(g, Points([1], [0.0], [4.0]), Points([0], [1.0], [6.0]), [0], 1)  # same spot, opposite twin
    assert r.time[0, 0] == pytest.approx(10.0)


def test_empty_inputs():
    g = Graph.from_arrays(2, [0], [1], [5.0], [-1])
    r = nearest(g, Points([0], [0.5]), Points([], []), [], 2)
    assert r.time.shape == (1, 2) and np.isinf(r.time).all() and (r.facility == -1).all()
    c = counts_within(g, Points([], []), Points([0], [0.5]), [0], 1)
    assert c.count.shape == (0, 1, 3)
