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
