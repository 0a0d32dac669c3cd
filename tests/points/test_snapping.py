"""Snapping points to the nearest edge: results worked out by hand on a 100 m square (see points_nets.square_net)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from points_nets import CRS, X0, Y0, make_net, pts, square_net
from shapely.geometry import MultiPoint, Point, box

from lifecircle.errors import LifecircleInputError
from lifecircle.points.snapping import (
    apply_polygon_gates,
    points_on_small_fragments,
    polygon_gates,
    snap_points,
    undirected_edge_ids,
)


def _row(sp, pid):
    return sp.frame.set_index("id").loc[pid]


def test_undirected_edges_are_lower_id_of_each_pair_and_one_way_edges():
    assert undirected_edge_ids(square_net()).tolist() == [0, 2, 4, 6]


def test_projection_fraction_and_access_leg():
    # (30,-10): 10 m below edge 0 (0→1 along y=0), 30 m from node 0 → frac 0.3
    # (110,40): 10 m right of edge 2 (1→2 along x=100), 40 m from node 1 → frac 0.4
    # (-10,80): 10 m left of the one-way edge 6 (3→0, from y=100 down to y=0): 20 m from node 3 → frac 0.2
    sp = snap_points(square_net(), pts([(30, -10), (110, 40), (-10, 80), (30, 5)]))
    expect = {"p0": (0, 0.3, 10.0), "p1": (2, 0.4, 10.0), "p2": (6, 0.2, 10.0), "p3": (0, 0.3, 5.0)}
    for pid, (edge, frac, dist) in expect.items():
        r = _row(sp, pid)
        assert r.edge_id == edge
        assert r.edge_frac == pytest.approx(frac, abs=1e-12)
        assert r.access_m == pytest.approx(dist, abs=1e-9)
        assert r.access_s == pytest.approx(dist / 1.0, abs=1e-9)  # planning profile: 1.0 m/s
    assert sp.unsnapped.empty
    assert sp.frame.crs == CRS


def test_ties_go_to_the_lowest_edge_id():
    # (105,-5) is √50 m from node 1, the shared end of edges 0 and 2 → edge 0 at its v end (frac 1)
    # (50,50) is 50 m from all four sides → edge 0, halfway
    sp = snap_points(square_net(), pts([(105, -5), (50, 50)]))
    a, b = _row(sp, "p0"), _row(sp, "p1")
    assert (a.edge_id, a.edge_frac, a.access_m) == (0, 1.0, pytest.approx(math.sqrt(50)))
    assert (b.edge_id, b.edge_frac, b.access_m) == (0, 0.5, pytest.approx(50.0))


def test_points_beyond_the_snapping_distance_are_reported_not_dropped():
    p = pts([(50, 400), (50, 150), (30, -10)])  # 300 m, 50 m, 10 m from the square
    sp = snap_points(square_net(), p, max_distance_m=40.0)
    assert sp.frame["id"].tolist() == ["p2"]
    un = sp.unsnapped.set_index("id")
    assert un.index.tolist() == ["p0", "p1"]
    assert un.loc["p0", "nearest_m"] == pytest.approx(300.0)
    assert un.loc["p1", "nearest_m"] == pytest.approx(50.0)
    assert "farther than 40 m" in un.loc["p0", "reason"] and "300 m" in un.loc["p0", "reason"]


def test_default_distance_is_200_m():
    sp = snap_points(square_net(), pts([(50, 299), (50, 301)]))  # 199 m and 201 m from edge 4 (y=100)
    assert sp.frame["id"].tolist() == ["p0"] and sp.unsnapped["id"].tolist() == ["p1"]


def test_empty_geometry_is_unsnapped_with_reason():
    p = pts([(30, -10), (0, 0)])
    p.loc[1, "geometry"] = Point()
    sp = snap_points(square_net(), p)
    assert sp.unsnapped["reason"].tolist() == ["empty or missing geometry"]


def test_multipoint_uses_the_access_point_nearest_the_network():
    p = gpd.GeoDataFrame({"id": ["f"]}, geometry=[MultiPoint([(X0 + 50, Y0 + 50), (X0 + 70, Y0 + 97)])], crs=CRS)
    r = snap_points(square_net(), p).frame.iloc[0]
    # (70,97) is 3 m below edge 4 (2→3 from x=100 to x=0): 30 m from node 2 → frac 0.3
    assert (r.edge_id, r.edge_frac, r.access_m) == (4, pytest.approx(0.3), pytest.approx(3.0))
    assert r.geometry.equals(Point(X0 + 70, Y0 + 97))


def test_speed_from_profile_or_argument():
    p = pts([(30, -10)])
    assert snap_points(square_net("elderly"), p).frame.access_s[0] == pytest.approx(10 / 0.8)
    assert snap_points(square_net(), p, speed_mps=2.0).frame.access_s[0] == pytest.approx(5.0)
    with pytest.raises(LifecircleInputError, match="speed_mps"):
        snap_points(square_net("my-own-profile"), p)


def test_points_in_another_crs_are_projected():
    wgs = pts([(30, -10), (110, 40)])
    wgs["footprint"] = gpd.GeoSeries([box(X0 + 20, Y0 - 20, X0 + 40, Y0 - 5), None], crs=CRS)
    wgs = wgs.to_crs("EPSG:4326")
    wgs["footprint"] = gpd.GeoSeries(wgs["footprint"].values, crs=CRS).to_crs("EPSG:4326").values
    sp = snap_points(square_net(), wgs)
    assert sp.frame.footprint.crs == CRS  # other geometry columns follow into the network's CRS
    assert sp.frame.footprint[0].area == pytest.approx(300.0, rel=1e-6)
    assert sp.frame.edge_id.tolist() == [0, 2]
    np.testing.assert_allclose(sp.frame.edge_frac, [0.3, 0.4], atol=1e-6)
    np.testing.assert_allclose(sp.frame.access_m, [10.0, 10.0], atol=1e-5)


def test_caller_columns_are_kept():
    sp = snap_points(square_net(), pts([(30, -10)], population=[12.5], category=["park"]))
    assert sp.frame.population[0] == 12.5 and sp.frame.category[0] == "park"


@pytest.mark.parametrize(
    "kwargs, match", [({"max_distance_m": 0}, "positive"), ({"max_distance_m": float("nan")}, "positive"),
                      ({"speed_mps": -1.0}, "positive")]
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(LifecircleInputError, match=match):
        snap_points(square_net(), pts([(0, 0)]), **kwargs)


def test_points_without_crs():
    p = pts([(0, 0)]).set_crs(None, allow_override=True)
    with pytest.raises(LifecircleInputError, match="no CRS"):
        snap_points(square_net(), p)


def test_random_points_match_brute_force_nearest_edge():
    """Independent reference: shapely distance from each point to every undirected edge, minimum taken."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(-30, 130, size=(300, 2))
    net = make_net([(0, 0), (100, 0), (100, 100), (0, 100), (40, 60)], [(0, 1), (1, 2), (2, 3), (3, 0), (0, 4), (4, 2)])
    sp = snap_points(net, pts([tuple(p) for p in xy]), max_distance_m=1e6)
    und = undirected_edge_ids(net)
    geoms = net.edges.geometry.to_numpy()[und]
    for r in sp.frame.itertuples():
        d = np.array([g.distance(r.geometry) for g in geoms])
        assert r.access_m == pytest.approx(d.min(), abs=1e-9)
        assert r.edge_id == und[np.flatnonzero(np.isclose(d, d.min(), atol=1e-9))[0]]
        line = net.edges.geometry[r.edge_id]
        on_edge = line.interpolate(r.edge_frac, normalized=True)
        assert on_edge.distance(r.geometry) == pytest.approx(r.access_m, abs=1e-6)


def test_polygon_gates_where_outline_crosses_or_runs_along_edges():
    net = square_net()
    polys = gpd.GeoSeries(
        [box(X0 + 20, Y0 - 20, X0 + 80, Y0 + 20),  # crosses edge 0 (y=0) at x=20 and x=80
         box(X0 + 20, Y0, X0 + 80, Y0 + 30),  # its bottom side runs along edge 0 from x=20 to 80
         box(X0 + 30, Y0 + 30, X0 + 60, Y0 + 60)],  # inside the square, touches nothing
        crs=CRS,
    )
    gates = polygon_gates(net, polys)
    want = {(X0 + 20, Y0), (X0 + 80, Y0)}
    assert {(p.x, p.y) for p in gates[0].geoms} == want
    assert {(p.x, p.y) for p in gates[1].geoms} == want
    assert gates[2] is None


def test_apply_polygon_gates_sets_access_kind():
    net = square_net()
    fp = [box(X0 + 20, Y0 - 20, X0 + 80, Y0 + 20), box(X0 + 30, Y0 + 30, X0 + 60, Y0 + 60)]
    fac = gpd.GeoDataFrame({"id": ["w1", "w2"], "access_kind": ["centroid", "centroid"], "footprint": fp},
                           geometry=[shapely.centroid(g) for g in fp], crs=CRS)
    fac["footprint"] = gpd.GeoSeries(fac["footprint"], crs=CRS)
    out = apply_polygon_gates(net, fac)
    assert out.access_kind.tolist() == ["gate", "centroid"]
    assert out.geometry[0].geom_type == "MultiPoint" and out.geometry[1].equals(Point(X0 + 45, Y0 + 45))
    sp = snap_points(net, out)
    assert sp.frame.set_index("id").loc["w1", "access_m"] == pytest.approx(0.0)


def test_points_on_small_fragments():
    # the square (4 nodes) plus a separate 50 m path far east (nodes 4, 5): the path is the small fragment
    net = make_net([(0, 0), (100, 0), (100, 100), (0, 100), (1000, 0), (1050, 0)], [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5)])
    p = pts([(30, -10), (1020, 5), (1040, -3), (5000, 0)])
    small = points_on_small_fragments(net, p)
    assert small["id"].tolist() == ["p1", "p2"]  # p3 is beyond 200 m of everything: unsnapped, not counted here
    assert small["fragment"].tolist() == [1, 1] and small["fragment_nodes"].tolist() == [2, 2]


def test_speed_from_network_meta():
    net = square_net("my-own-profile")
    net.meta["speed_m_s"] = 1.25
    assert snap_points(net, pts([(30, -10)])).frame.access_s[0] == pytest.approx(10 / 1.25)


@pytest.mark.parametrize("which", ["helsinki", "yuzhong"])
def test_real_network_snapping_matches_brute_force(which, request):
    from lifecircle.network.osm import read_walk_network
    from lifecircle.points.features import read_facilities
    from lifecircle.points.homes import homes_from_osm

    path = request.getfixturevalue("helsinki_path" if which == "helsinki" else "yuzhong_pbf")
    net = read_walk_network(path)
    fac = apply_polygon_gates(net, read_facilities(path))
    assert (fac.access_kind == "gate").sum() > 0  # some polygons meet the network
    sp = snap_points(net, fac)
    homes = snap_points(net, homes_from_osm(path))
    assert len(sp.frame) + len(sp.unsnapped) == len(fac)
    assert len(homes.frame) > 0 and (homes.frame.access_m <= 200.0).all()
    assert (sp.unsnapped.get("nearest_m", pd.Series(dtype=float)) > 200.0).all()
    # independent reference on a sample: the distance to every undirected edge geometry, minimum taken
    und = undirected_edge_ids(net)
    geoms = net.edges.geometry.to_numpy()[und]
    sample = sp.frame.sample(min(40, len(sp.frame)), random_state=1)
    for r in sample.itertuples():
        d = shapely.distance(geoms, r.geometry)
        assert r.access_m == pytest.approx(d.min(), abs=1e-6)
        assert d[np.searchsorted(und, r.edge_id)] == pytest.approx(d.min(), abs=1e-6)
        assert 0.0 <= r.edge_frac <= 1.0
    np.testing.assert_allclose(sp.frame.access_s, sp.frame.access_m / net.meta["speed_m_s"])
