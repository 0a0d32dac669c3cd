"""Bad input raises LifecircleInputError with a message that says what to fix."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.engine import Decay, Graph, Points, counts_within, isochrones, k_nearest, nearest, two_step_fca
from lifecircle.errors import LifecircleInputError


def _g():
    return Graph.from_arrays(3, [0, 1, 1], [1, 0, 2], [1.0, 1.0, 2.0], [1, 0, -1])


@pytest.mark.parametrize(
    "args, words",
    [
        ((3, [0], [5], [1.0], [-1]), "edge end ids"),
        ((3, [0], [1], [-1.0], [-1]), "finite and >= 0"),
        ((3, [0], [1], [np.inf], [-1]), "finite and >= 0"),
        ((3, [0, 1], [1, 2], [1.0, 1.0], [1, 0]), "consistent pairing"),
        ((3, [0, 1], [1, 0], [1.0, 1.0], [1, -1]), "consistent pairing"),
        ((3, [0, 1], [1, 0], [1.0], [1, 0]), "same length"),
        ((-1, [], [], [], []), "n_nodes"),
    ],
)
def test_bad_graph(args, words):
    with pytest.raises(LifecircleInputError, match=words):
        Graph.from_arrays(*args)


def test_bad_points():
    with pytest.raises(LifecircleInputError, match="frac must lie in 0..1"):
        Points([0], [1.5])
    with pytest.raises(LifecircleInputError, match="access must be finite"):
        Points([0], [0.5], [-2.0])
    with pytest.raises(LifecircleInputError, match="same length"):
        Points([0, 1], [0.5])
    with pytest.raises(LifecircleInputError, match="edge ids must lie"):
        nearest(_g(), Points([7], [0.5]), Points([0], [0.5]), [0], 1)


def test_bad_categories_and_parameters():
    g = _g()
    o, f = Points([0], [0.5]), Points([2], [0.5])
    with pytest.raises(LifecircleInputError, match="category values must lie in 0..1"):
        nearest(g, o, f, [2], 2)
    with pytest.raises(LifecircleInputError, match="one value per facility"):
        nearest(g, o, f, [0, 1], 2)
    with pytest.raises(LifecircleInputError, match="k must be >= 1"):
        k_nearest(g, o, f, [0], 1, k=0)
    with pytest.raises(LifecircleInputError, match="thresholds"):
        counts_within(g, o, f, [0], 1, thresholds=[])
    with pytest.raises(LifecircleInputError, match="capacity must give one value"):
        counts_within(g, o, f, [0], 1, capacity=[1.0, 2.0])
    with pytest.raises(LifecircleInputError, match="population must be finite"):
        two_step_fca(g, o, [-5.0], f, [1.0], [0], 1, threshold=10)
    with pytest.raises(LifecircleInputError, match="needs a finite scale"):
        Decay("gaussian", cutoff=10)
    with pytest.raises(LifecircleInputError, match="needs a cutoff"):
        Decay("step")
    with pytest.raises(LifecircleInputError, match="one of"):
        Decay("cubic", scale=1, cutoff=1)
    with pytest.raises(LifecircleInputError, match="edge geometries"):
        isochrones(g, o)


def _read_only(values, dtype):
    arr = np.array(values, dtype=dtype)
    arr.setflags(write=False)
    return arr


def test_read_only_inputs_run_the_same_compiled_kernels():
    """Arrays pandas hands out read-only are taken as they are, without a second compiled copy of the kernels."""
    from lifecircle.engine import kernels

    g = Graph.from_arrays(4, [0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0],
                          [1, 0, 3, 2, 5, 4])
    edge, frac, access, cat, cap = [0, 4, 2], [0.5, 0.25, 0.0], [1.0, 0.0, 2.0], [0, 1, 1], [3.0, 1.0, 2.0]
    want_n = nearest(g, Points(edge, frac, access), Points(edge, frac, access), cat, 2)
    want_c = counts_within(g, Points(edge, frac, access), Points(edge, frac, access), cat, 2, capacity=cap)
    compiled = len(kernels.nearest_all.signatures), len(kernels.catchments.signatures)
    pts = Points(_read_only(edge, np.int64), _read_only(frac, np.float64), _read_only(access, np.float64))
    got_n = nearest(g, pts, pts, _read_only(cat, np.int64), 2)
    got_c = counts_within(g, pts, pts, _read_only(cat, np.int64), 2, capacity=_read_only(cap, np.float64))
    assert (len(kernels.nearest_all.signatures), len(kernels.catchments.signatures)) == compiled
    assert np.array_equal(got_n.time, want_n.time) and np.array_equal(got_c.count, want_c.count)
    assert np.array_equal(got_c.capacity, want_c.capacity)
