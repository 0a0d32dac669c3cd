"""Tobler's hiking function on synthetic DEMs whose answer is computed by hand, and the DEM edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from network_fixtures import utm_to_lonlat, write_dem, write_osm_xml

from lifecircle.errors import LifecircleInputError
from lifecircle.network.elevation import read_dem
from lifecircle.network.osm import read_walk_network
from lifecircle.network.walking import edge_times, load_walk_profiles

X0, Y0 = 400_000.0, 6_650_000.0   # UTM 35N, ≈ 25.2 E 60.0 N
SLOPE = 0.08                     # the synthetic plane rises 8 m per 100 m eastwards


def tobler_time_s(length_m: float, slope: float, v0_m_s: float) -> float:
    """By hand: Tobler v = 6·exp(−3.5·|s + 0.05|) km/h, rescaled by v0 / (6·exp(−3.5·0.05))."""
    v = 6.0 * math.exp(-3.5 * abs(slope + 0.05)) / 3.6
    v_flat = 6.0 * math.exp(-3.5 * 0.05) / 3.6
    return length_m / (v * v0_m_s / v_flat)


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    """A 300 m footway and 120 m of steps running east up an 8 % plane; a 100 m footway beyond the raster's east edge."""
    d = tmp_path_factory.mktemp("plane")
    pts = {1: (X0, Y0), 2: (X0 + 300, Y0), 3: (X0 + 300, Y0 + 120), 4: (X0 + 420, Y0 + 120), 5: (X0 + 1500, Y0), 6: (X0 + 1600, Y0)}
    nodes = {k: utm_to_lonlat(*xy) for k, xy in pts.items()}
    ways = [
        (1, [1, 2], {"highway": "footway"}),
        (2, [2, 3], {"highway": "footway"}),              # runs north: level on the plane
        (3, [3, 4], {"highway": "steps"}),                # runs east: climbs 8 %
        (4, [2, 5, 6], {"highway": "footway"}),           # one piece 2→5→6; 5 and 6 lie beyond the raster (x ≤ x0+1000)
    ]
    osm = write_osm_xml(d / "plane.osm", nodes, ways)
    dem = write_dem(d / "plane.tif", lambda x: 100.0 + SLOPE * (x - X0), x0=X0 - 500, y_top=Y0 + 600,
                    ncols=150, nrows=120)   # x from X0−500 to X0+1000, y from Y0−600 to Y0+600
    return osm, dem


def _edge(net, a_xy, b_xy):
    n = net.nodes
    def nid(xy):
        d = np.hypot(n.x - xy[0], n.y - xy[1])
        return int(np.argmin(d))
    u, v = nid(a_xy), nid(b_xy)
    e = net.edges
    return e[(e.u == u) & (e.v == v)].iloc[0]


def test_tobler_uphill_and_downhill_match_the_formula(plane):
    osm, dem = plane
    net = read_walk_network(osm, dem=dem)
    up = _edge(net, (X0, Y0), (X0 + 300, Y0))
    down = _edge(net, (X0 + 300, Y0), (X0, Y0))
    assert up["length_m"] == pytest.approx(300.0, abs=0.05)
    assert up["rise_m"] == pytest.approx(SLOPE * 300, abs=0.01)
    assert up["time_s"] == pytest.approx(tobler_time_s(up["length_m"], SLOPE, 1.0), rel=1e-4)
    assert down["time_s"] == pytest.approx(tobler_time_s(down["length_m"], -SLOPE, 1.0), rel=1e-4)
    assert up["time_s"] > down["time_s"]
    # 8 % uphill at 1.0 m/s: 300 m / (exp(-3.5·0.13)/exp(-0.175)) = 300·exp(0.28) ≈ 396.97 s
    assert up["time_s"] == pytest.approx(300.0 * math.exp(0.28), rel=1e-3)
    # 8 % downhill: |−0.08+0.05| = 0.03 → 300·exp(3.5·0.03 − 0.175) = 300·exp(−0.07) ≈ 279.7 s, faster than flat
    assert down["time_s"] == pytest.approx(300.0 * math.exp(-0.07), rel=1e-3)


def test_level_edge_on_the_plane_is_flat_time(plane):
    osm, dem = plane
    net = read_walk_network(osm, dem=dem, walk_profile="elderly")
    north = _edge(net, (X0 + 300, Y0), (X0 + 300, Y0 + 120))
    assert north["time_s"] == pytest.approx(north["length_m"] / 0.8, rel=1e-4)


def test_steps_use_the_stairs_factor_not_tobler(plane):
    osm, dem = plane
    net = read_walk_network(osm, dem=dem)
    up = _edge(net, (X0 + 300, Y0 + 120), (X0 + 420, Y0 + 120))
    down = _edge(net, (X0 + 420, Y0 + 120), (X0 + 300, Y0 + 120))
    assert up["steps"] and up["time_s"] == pytest.approx(up["length_m"] * 2.5, rel=1e-9)
    assert down["time_s"] == pytest.approx(up["time_s"])
    assert up["rise_m"] == pytest.approx(SLOPE * 120, abs=0.01)


def test_edges_leaving_the_raster_fall_back_to_flat_and_are_counted(plane):
    osm, dem = plane
    net = read_walk_network(osm, dem=dem)
    out = _edge(net, (X0 + 300, Y0), (X0 + 1600, Y0))
    assert out["elev_source"] == "outside_dem"
    assert out["time_s"] == pytest.approx(out["length_m"] / 1.0)
    assert np.isnan(net.nodes["z"]).sum() == 1          # node 6 (x0+1600) is beyond x0+1000
    assert net.meta["elevation"]["nodes_outside_dem"] == 1
    assert net.meta["elevation"]["pieces_flat_fallback_outside_dem"] == 1


def test_dem_that_misses_the_network(plane, tmp_path):
    osm, _ = plane
    far = write_dem(tmp_path / "far.tif", lambda x: 0 * x + 5.0, x0=X0 + 50_000, y_top=Y0, ncols=10, nrows=10)
    with pytest.raises(LifecircleInputError, match="does not overlap"):
        read_walk_network(osm, dem=far)
    with pytest.raises(LifecircleInputError, match="does not exist"):
        read_walk_network(osm, dem=tmp_path / "nothing.tif")


def test_bridge_is_interpolated_between_its_landings(tmp_path):
    """A bridge A..C..D over a valley whose floor is at C: without the bridge rule C would sit 75 m lower."""
    xc = X0 + 200

    def valley(x):
        return np.where(x < xc, 100.0 + 0.5 * (xc - x), 100.0 + 1.0 * (x - xc))

    pts = {1: (X0, Y0), 2: (X0 + 100, Y0), 3: (xc, Y0), 4: (X0 + 300, Y0), 5: (X0 + 400, Y0)}
    osm = write_osm_xml(tmp_path / "bridge.osm", {k: utm_to_lonlat(*xy) for k, xy in pts.items()}, [
        (1, [1, 2], {"highway": "footway"}),
        (2, [2, 3], {"highway": "footway", "bridge": "yes", "layer": "1"}),
        (3, [3, 4], {"highway": "footway", "bridge": "yes", "layer": "1"}),
        (4, [4, 5], {"highway": "footway"}),
    ])
    dem = write_dem(tmp_path / "valley.tif", valley, x0=X0 - 95, y_top=Y0 + 200, ncols=60, nrows=40)
    net = read_walk_network(osm, dem=dem)
    # landings: B at x0+100 → 100 + 0.5·100 = 150 m; D at x0+300 → 100 + 100 = 200 m; C halfway along: 175 m
    z = dict(zip(np.round(net.nodes.x - X0).astype(int), net.nodes.z))
    assert z[100] == pytest.approx(150.0, abs=0.01)
    assert z[300] == pytest.approx(200.0, abs=0.01)
    assert z[200] == pytest.approx(175.0, abs=0.05)
    b = _edge(net, (X0 + 100, Y0), (xc, Y0))
    assert b["elev_source"] == "structure" and b["rise_m"] == pytest.approx(25.0, abs=0.05)
    assert b["time_s"] == pytest.approx(tobler_time_s(b["length_m"], 0.25, 1.0), rel=1e-3)
    assert net.meta["elevation"]["structure_nodes_interpolated"] == 1


def test_bilinear_sampling_is_exact_on_a_plane(tmp_path):
    path = write_dem(tmp_path / "p.tif", lambda x: 10.0 + 0.1 * (x - X0), x0=X0, y_top=Y0, ncols=20, nrows=20)
    dem = read_dem(path)
    x = np.array([X0 + 5, X0 + 12.5, X0 + 77.3, X0 - 1, X0 + 201])
    z = dem.sample(x, np.full(5, Y0 - 50))
    assert z[:3] == pytest.approx(10.0 + 0.1 * (x[:3] - X0))
    assert np.isnan(z[3:]).all()


def test_edge_times_from_flat_equivalent_lengths():
    import pandas as pd
    profiles = load_walk_profiles()
    e = pd.DataFrame({"length_m": [100.0, 100.0, 50.0], "steps": [False, False, True], "flat_equiv_m": [130.0, np.nan, 60.0]})
    assert edge_times(e, profiles["planning"]) == pytest.approx([130.0, 100.0, 125.0])
    assert edge_times(e, "adult") == pytest.approx([130.0 / 1.2, 100.0 / 1.2, 125.0 / 1.2])
    wheel = edge_times(e, "wheelchair")
    assert wheel[:2] == pytest.approx([130.0 / 0.9, 100.0 / 0.9]) and np.isinf(wheel[2])


def test_unreadable_dem_and_dem_without_crs(plane, tmp_path):
    osm, _ = plane
    junk = tmp_path / "junk.tif"
    junk.write_text("not a raster")
    with pytest.raises(LifecircleInputError, match="cannot be read as a raster"):
        read_walk_network(osm, dem=junk)
    bare = write_dem(tmp_path / "bare.tif", lambda x: 0 * x, x0=X0 - 500, y_top=Y0 + 600, ncols=150, nrows=120, crs=None)
    with pytest.raises(LifecircleInputError, match="has no CRS"):
        read_walk_network(osm, dem=bare)
