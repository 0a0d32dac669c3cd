"""Isochrones on a straight street measured by hand (1 m/s, so seconds = metres)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "points"))
from points_nets import X0, make_net  # noqa: E402

from lifecircle.engine import Graph, Points, isochrones  # noqa: E402


@pytest.fixture
def street():
    """Nodes at x = 0, 100, 200 m; edges 0: 0→1, 1: 1→0, 2: 1→2, 3: 2→1; 2→1 is uphill: 200 s instead of 100."""
    net = make_net([(0, 0), (100, 0), (200, 0)], [(0, 1), (1, 2)])
    net.edges.loc[3, "time_s"] = 200.0
    return net


def _xmax(poly) -> float:
    return poly.bounds[2] - X0


def test_isochrone_from_node_covers_partial_edge(street):
    iso = isochrones(street, Points([0], [0.0]), thresholds=[150], width=5.0)
    assert list(iso.columns) == ["source", "threshold", "geometry"] and iso.crs == street.crs
    poly = iso.geometry.iloc[0]
    # the reached line is x in [0, 150]: a 10 m wide band with round caps of radius 5
    assert _xmax(poly) == pytest.approx(155.0, abs=1e-6)
    assert poly.bounds[0] - X0 == pytest.approx(-5.0, abs=1e-6)
    assert poly.area == pytest.approx(150 * 10 + math.pi * 25, rel=2e-3)


def test_isochrone_direction_follows_slope(street):
    # towards node 0 within 150 s: from x <= 100 (flat) and from x in [100, 125] (uphill 2 s per m: 50 s for 25 m)
    iso = isochrones(street, Points([0], [0.0]), thresholds=[150], width=5.0, direction="to")
    assert _xmax(iso.geometry.iloc[0]) == pytest.approx(130.0, abs=1e-6)


def test_isochrone_source_mid_edge_with_access(street):
    g = Graph.from_network(street)
    # source at x = 150 (edge 2 at 0.5) with a 20 s access leg leaves 80 s on the network: downhill (1 s per m)
    # it reaches x = 200 in 50 s (a dead end); toward x = 0 it walks uphill at 2 s per m, so 80 s end at x = 110.
    iso = isochrones(g, Points([2], [0.5], [20.0]), thresholds=[100, 10], width=1.0)
    poly = iso.geometry.iloc[0]
    assert poly.bounds[0] - X0 == pytest.approx(109.0, abs=1e-6)
    assert _xmax(poly) == pytest.approx(201.0, abs=1e-6)
    assert iso.geometry.iloc[1].is_empty  # 10 s < the 20 s access leg
    np.testing.assert_array_equal(iso["threshold"], [100.0, 10.0])
