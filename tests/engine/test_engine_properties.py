"""Property tests: the engine equals the networkx reference (points inserted as nodes) on random directed graphs.

The graphs have ties (small integer costs), zero-cost edges, one-way edges, parallel edges, self-loops,
disconnected parts, points at fraction 0 and 1, origins on the same edge as facilities in both directions, and
empty categories.
"""

from __future__ import annotations

import importlib
from unittest import mock

import numpy as np
from engine_reference import (
    counts_from_matrix,
    fca_from_matrix,
    k_nearest_from_matrix,
    nearest_from_matrix,
    reference_matrix,
    reference_node_matrix,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecircle.engine import (
    Decay,
    Graph,
    Points,
    blocks,
    counts_and_fca,
    counts_within,
    decay_access,
    k_nearest,
    nearest,
    nearest_counts_and_fca,
    nearest_nodes,
    two_step_fca,
)

#: The module (the package exports its function of the same name).
nearest_module = importlib.import_module("lifecircle.engine.nearest")

ATOL = 1e-6
COSTS = st.one_of(st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0]), st.floats(0.0, 20.0, allow_nan=False))
FRACS = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0, allow_nan=False))
ACCESS = st.one_of(st.just(0.0), st.floats(0.0, 4.0, allow_nan=False))


@st.composite
def scenes(draw):
    """A random directed graph with origins, facilities, categories, population and capacity."""
    n = draw(st.integers(1, 9))
    u, v, cost, rev = [], [], [], []
    for _ in range(draw(st.integers(0, 16))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        two_way = a != b and draw(st.booleans())
        e = len(u)
        u.append(a)
        v.append(b)
        cost.append(draw(COSTS))
        rev.append(-1)
        if two_way:
            u.append(b)
            v.append(a)
            cost.append(draw(COSTS))
            rev.append(e)
            rev[e] = e + 1
    m = len(u)
    if m == 0:
        u, v, cost, rev, m = [0], [0], [1.0], [-1], 1  # a self-loop so points have an edge to sit on
    edges = st.integers(0, m - 1)

    def points(k):
        return (
            [draw(edges) for _ in range(k)],
            [draw(FRACS) for _ in range(k)],
            [draw(ACCESS) for _ in range(k)],
        )

    n_o = draw(st.integers(1, 6))
    n_f = draw(st.integers(0, 7))
    o = points(n_o)
    f = points(n_f)
    if n_f and draw(st.booleans()):  # an origin on the same undirected edge as a facility, maybe the twin direction
        e = f[0][0]
        o[0][0] = rev[e] if rev[e] >= 0 and draw(st.booleans()) else e
    C = draw(st.integers(1, 4))
    cat = [draw(st.integers(0, C - 1)) for _ in range(n_f)]
    pop = [draw(st.sampled_from([0.0, 1.0, 10.0, 37.5])) for _ in range(n_o)]
    cap = [draw(st.sampled_from([0.0, 1.0, 4.0, 12.0])) for _ in range(n_f)]
    return dict(n=n, u=np.array(u), v=np.array(v), cost=np.array(cost), rev=np.array(rev), o=o, f=f,
                cat=np.array(cat, dtype=np.int64), C=C, pop=np.array(pop), cap=np.array(cap))


def _engine_inputs(s):
    g = Graph.from_arrays(s["n"], s["u"], s["v"], s["cost"], s["rev"])
    return g, Points(*s["o"]), Points(*s["f"])


def _reference(s):
    return reference_matrix(s["n"], s["u"], s["v"], s["cost"], s["rev"], *s["o"], *s["f"])


PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(scenes())
def test_nearest_equals_reference(s):
    g, o, f = _engine_inputs(s)
    T = _reference(s)
    r = nearest(g, o, f, s["cat"], s["C"])
    want = nearest_from_matrix(T, s["cat"], s["C"])
    np.testing.assert_allclose(r.time, want, atol=ATOL, rtol=0)
    for i, c in zip(*np.nonzero(np.isfinite(want))):
        j = r.facility[i, c]
        assert s["cat"][j] == c and abs(T[i, j] - want[i, c]) <= ATOL
    assert (r.facility[~np.isfinite(want)] == -1).all()


@PROPS
@given(scenes())
def test_nearest_nodes_equals_reference(s):
    g, _, f = _engine_inputs(s)
    T = reference_node_matrix(s["n"], s["u"], s["v"], s["cost"], s["rev"], *s["f"])
    t, fac = nearest_nodes(g, f, s["cat"], s["C"])
    want = nearest_from_matrix(T, s["cat"], s["C"])
    np.testing.assert_allclose(t, want, atol=ATOL, rtol=0)
    for x, c in zip(*np.nonzero(np.isfinite(want))):
        assert abs(T[x, fac[x, c]] - want[x, c]) <= ATOL


@PROPS
@given(scenes())
def test_nearest_in_blocks_of_two_nodes_equals_reference(s):
    """The block search with blocks of 2 nodes (a node improved through another block is settled again)."""
    with mock.patch.object(blocks, "BLOCK_SHIFT", 1):
        test_nearest_equals_reference.hypothesis.inner_test(s)
        test_nearest_nodes_equals_reference.hypothesis.inner_test(s)


@PROPS
@given(scenes(), st.integers(2, 4))
def test_nearest_split_into_parts_equals_reference(s, n_parts):
    """Each category's search split into parts (blocks of 2 nodes), as on a city-sized graph."""
    with mock.patch.object(blocks, "BLOCK_SHIFT", 1), mock.patch.object(nearest_module, "_parts", lambda g: n_parts):
        test_nearest_equals_reference.hypothesis.inner_test(s)
        test_nearest_nodes_equals_reference.hypothesis.inner_test(s)


@PROPS
@given(scenes(), st.integers(1, 4))
def test_k_nearest_equals_reference(s, k):
    g, o, f = _engine_inputs(s)
    T = _reference(s)
    r = k_nearest(g, o, f, s["cat"], s["C"], k=k)
    want = k_nearest_from_matrix(T, s["cat"], s["C"], k)
    np.testing.assert_allclose(r.time, want, atol=ATOL, rtol=0)
    for i in range(T.shape[0]):
        for c in range(s["C"]):
            got = r.facility[i, c][r.facility[i, c] >= 0]
            assert len(set(got.tolist())) == len(got), "k nearest must be distinct facilities"
            assert len(got) == np.isfinite(want[i, c]).sum()
            for q, j in enumerate(got):
                assert s["cat"][j] == c and abs(T[i, j] - r.time[i, c, q]) <= ATOL


@PROPS
@given(scenes(), st.lists(st.floats(0.0, 40.0, allow_nan=False), min_size=1, max_size=3))
def test_counts_equal_reference(s, thresholds):
    g, o, f = _engine_inputs(s)
    T = _reference(s)
    r = counts_within(g, o, f, s["cat"], s["C"], thresholds=thresholds, capacity=s["cap"])
    thr = np.array(thresholds)
    # a reference cost within 1e-9 of a threshold may round either way in another summation order
    lo, lo_cap = counts_from_matrix(T, s["cat"], s["C"], thr - 1e-9, s["cap"])
    hi, hi_cap = counts_from_matrix(T, s["cat"], s["C"], thr + 1e-9, s["cap"])
    assert ((r.count >= lo) & (r.count <= hi)).all()
    exact = lo == hi
    np.testing.assert_array_equal(r.count[exact], lo[exact])
    np.testing.assert_allclose(r.capacity[exact], lo_cap[exact], atol=ATOL)


@PROPS
@given(scenes(), st.sampled_from(["step", "linear", "exponential", "gaussian"]), st.floats(1.0, 30.0))
def test_decay_equals_reference(s, kind, cutoff):
    g, o, f = _engine_inputs(s)
    T = _reference(s)
    d = Decay(kind, scale=None if kind == "step" else 7.0, cutoff=cutoff)
    got = decay_access(g, o, f, s["cat"], s["C"], d, weight=s["cap"])
    W = np.where(T <= cutoff, d.weight(np.where(np.isfinite(T), T, 0.0)), 0.0) * s["cap"][None, :]
    want = np.stack([W[:, s["cat"] == c].sum(axis=1) for c in range(s["C"])], axis=1)
    near = (np.abs(T - cutoff) < 1e-9).any()
    if not near:
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=1e-9)


@PROPS
@given(scenes(), st.floats(1.0, 30.0), st.booleans())
def test_two_step_fca_equals_brute_force(s, threshold, with_decay):
    g, o, f = _engine_inputs(s)
    T = _reference(s)
    if (np.abs(T - threshold) < 1e-9).any():
        return
    d = Decay("gaussian", scale=6.0, cutoff=threshold) if with_decay else None
    weight_fn = d.weight if d else np.ones_like
    r = two_step_fca(g, o, s["pop"], f, s["cap"], s["cat"], s["C"], threshold, decay=d)
    access, ratio, demand = fca_from_matrix(T, s["cat"], s["C"], s["pop"], s["cap"], threshold, weight_fn)
    np.testing.assert_allclose(r.demand, demand, atol=ATOL, rtol=1e-9)
    np.testing.assert_allclose(r.ratio, ratio, atol=ATOL, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(r.access, access, atol=ATOL, rtol=1e-9)


@PROPS
@given(scenes(), st.lists(st.floats(0.0, 40.0, allow_nan=False), min_size=1, max_size=3), st.floats(1.0, 50.0),
       st.booleans())
def test_counts_and_fca_from_one_set_of_searches_equal_the_two_calls(s, thresholds, threshold, with_decay):
    """The shared searches (bounded by the larger of the two limits) give the two functions' answers."""
    g, o, f = _engine_inputs(s)
    d = Decay("gaussian", scale=6.0, cutoff=threshold) if with_decay else None
    counts, fca = counts_and_fca(g, o, s["pop"], f, s["cap"], s["cat"], s["C"], thresholds, threshold, decay=d)
    want_counts = counts_within(g, o, f, s["cat"], s["C"], thresholds=thresholds, capacity=s["cap"])
    want_fca = two_step_fca(g, o, s["pop"], f, s["cap"], s["cat"], s["C"], threshold, decay=d)
    np.testing.assert_array_equal(counts.count, want_counts.count)
    np.testing.assert_allclose(counts.capacity, want_counts.capacity, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fca.demand, want_fca.demand, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fca.ratio, want_fca.ratio, rtol=1e-12, atol=0, equal_nan=True)
    np.testing.assert_allclose(fca.access, want_fca.access, rtol=1e-12, atol=0)


@PROPS
@given(scenes(), st.lists(st.floats(0.0, 12.0, allow_nan=False), min_size=1, max_size=3), st.floats(0.0, 12.0),
       st.integers(1, 3))
def test_nearest_counts_and_fca_equal_the_separate_calls(s, thresholds, threshold, n_parts):
    """Nearest resumed from the bounded searches' nodes (short bounds: many nearest facilities lie beyond them, some
    facilities' access legs too) equals :func:`nearest` bit for bit; counts and 2SFCA equal :func:`counts_and_fca`.
    Blocks of 2 nodes, the searches split into ``n_parts``."""
    g, o, f = _engine_inputs(s)
    with mock.patch.object(blocks, "BLOCK_SHIFT", 1), mock.patch.object(nearest_module, "_parts", lambda g: n_parts):
        near, counts, fca = nearest_counts_and_fca(g, o, s["pop"], f, s["cap"], s["cat"], s["C"], thresholds,
                                                   threshold)
        want_near = nearest(g, o, f, s["cat"], s["C"])
    want_counts, want_fca = counts_and_fca(g, o, s["pop"], f, s["cap"], s["cat"], s["C"], thresholds, threshold)
    np.testing.assert_array_equal(near.time, want_near.time)
    T = _reference(s)
    np.testing.assert_allclose(near.time, nearest_from_matrix(T, s["cat"], s["C"]), atol=ATOL, rtol=0)
    for i, c in zip(*np.nonzero(np.isfinite(near.time))):
        j = near.facility[i, c]
        assert s["cat"][j] == c and abs(T[i, j] - near.time[i, c]) <= ATOL
    assert (near.facility[~np.isfinite(near.time)] == -1).all()
    np.testing.assert_array_equal(counts.count, want_counts.count)
    np.testing.assert_allclose(counts.capacity, want_counts.capacity, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fca.demand, want_fca.demand, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fca.access, want_fca.access, rtol=1e-12, atol=0)

