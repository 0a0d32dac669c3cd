"""Homes and facilities that sat on a piece the network builder dropped: a hand-made network with an island (answers
worked out by hand) and the real Helsinki network against a brute-force nearest-line search."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest
import shapely
from points_nets import CRS, X0, Y0, make_net, pts
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, box

from lifecircle.errors import LifecircleInputError
from lifecircle.network.lines import network_from_lines
from lifecircle.points.snapping import points_on_dropped, snap_points, undirected_edge_ids


def _line(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def _layer() -> gpd.GeoDataFrame:
    """A 100 m square (main network) with a 50 m flight of steps up from its corner (100,100), and an island:
    a 50 m path from (300,0) to (350,0), connected to nothing."""
    return gpd.GeoDataFrame(
        {"hw": ["footway", "footway", "footway", "footway", "steps", "footway"]},
        geometry=[_line((0, 0), (100, 0)), _line((100, 0), (100, 100)), _line((100, 100), (0, 100)),
                  _line((0, 100), (0, 0)), _line((100, 100), (100, 150)), _line((300, 0), (350, 0))],
        crs=CRS,
    )


@pytest.fixture(scope="module")
def island_net():
    return network_from_lines(_layer(), highway_column="hw")


def test_the_island_is_dropped_as_a_component(island_net):
    assert list(zip(island_net.dropped["way_id"], island_net.dropped["reason"])) == [(5, "component")]
    assert island_net.n_nodes == 5


def test_points_on_the_island_by_hand(island_net):
    p = pts([
        (30, -10),    # 10 m from the square: False
        (320, 5),     # 5 m from the island: True
        (340, -3),    # 3 m from the island: True
        (190, 0),     # 90 m from the square's corner (100,0), 110 m from the island's end (300,0): False
        (210, 0),     # 110 m from the square, 90 m from the island: True
        (5000, 0),    # beyond 200 m of everything: False
        (320, 250),   # 250 m from the island, 242 m from the steps' top: beyond 200 m, False
    ])
    assert points_on_dropped(island_net, p).tolist() == [False, True, True, False, True, False, False]
    # a tighter distance: (320,5) at 5 m is out, (340,−3) at 3 m stays
    assert points_on_dropped(island_net, p, max_distance_m=4.0).tolist() == [False, False, True, False, False, False, False]
    # snap_points alone reports (320,5) as merely far (220 m from the kept square), not as on a fragment
    assert "p1" in set(snap_points(island_net, p).unsnapped["id"])


def test_a_tie_goes_to_the_kept_network():
    # exact coordinates (no projection round trip): a 100 m kept edge (0,0)→(100,0) and a dropped piece
    # (300,0)→(350,0); (200,0) is exactly 100 m from both
    net = make_net([(0, 0), (100, 0)], [(0, 1)])
    net.dropped = gpd.GeoDataFrame({"way_id": [9], "highway": ["footway"], "reason": ["component"]},
                                   geometry=[_line((300, 0), (350, 0))], crs=CRS)
    assert points_on_dropped(net, pts([(200, 0), (200.001, 0), (199.999, 0)])).tolist() == [False, True, False]


def test_other_crs_and_index_do_not_matter(island_net):
    p = pts([(30, -10), (320, 5), (210, 0)]).to_crs("EPSG:4326")
    p.index = [10, 5, 7]
    assert points_on_dropped(island_net, p).tolist() == [False, True, True]


def test_multipoint_counts_its_access_point_nearest_to_any_line(island_net):
    to = lambda x, y: Point(X0 + x, Y0 + y)  # noqa: E731
    p = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[
        MultiPoint([to(320, 10), to(50, -5)]),   # 10 m from the island, 5 m from the square: False
        MultiPoint([to(320, 3), to(50, -5)]),    # 3 m from the island is the nearest: True
    ], crs=CRS)
    assert points_on_dropped(island_net, p).tolist() == [False, True]


def test_reasons_choose_which_dropped_pieces_count():
    # wheelchair: the steps (100,100)→(100,150) are dropped; a home 3 m beside them is 40.1 m from the square
    wheel = network_from_lines(_layer(), walk_profile="wheelchair", highway_column="hw")
    assert sorted(wheel.dropped["reason"]) == ["component", "wheelchair_steps"]
    p = pts([(103, 140), (320, 5)])
    assert points_on_dropped(wheel, p).tolist() == [False, True]
    assert points_on_dropped(wheel, p, reasons=None).tolist() == [True, True]
    assert points_on_dropped(wheel, p, reasons=("wheelchair_steps",)).tolist() == [True, False]
    # a boundary around the square only: the island is dropped as outside the boundary, not as a fragment
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    w, s = to_ll.transform(X0 - 20, Y0 - 20)
    e, n = to_ll.transform(X0 + 200, Y0 + 200)
    clipped = network_from_lines(_layer(), highway_column="hw", boundary=box(w, s, e, n))
    assert clipped.dropped["reason"].tolist() == ["boundary"]
    assert points_on_dropped(clipped, p).tolist() == [False, False]
    assert points_on_dropped(clipped, p, reasons=("boundary",)).tolist() == [False, True]


def test_nothing_dropped_means_nobody_sat_on_it():
    everything = network_from_lines(_layer(), keep="all")
    assert len(everything.dropped) == 0
    assert not points_on_dropped(everything, pts([(320, 5), (30, -10)])).any()


def test_a_network_without_a_record_of_dropped_pieces_is_refused(island_net):
    with pytest.raises(LifecircleInputError, match="no record of the pieces"):
        points_on_dropped(make_net([(0, 0), (100, 0)], [(0, 1)]), pts([(5, 5)]))
    with pytest.raises(LifecircleInputError, match="no CRS"):
        points_on_dropped(island_net, gpd.GeoDataFrame({"id": [1]}, geometry=[Point(X0, Y0)]))
    with pytest.raises(LifecircleInputError, match="positive"):
        points_on_dropped(island_net, pts([(5, 5)]), max_distance_m=0)
    # io.load_network gives dropped=None too
    assert dataclasses.replace(island_net, dropped=None).dropped is None


def test_helsinki_matches_brute_force_nearest_line(helsinki_path):
    from lifecircle.network.osm import read_walk_network

    net = read_walk_network(helsinki_path)
    frag = net.dropped[net.dropped["reason"] == "component"]
    assert len(frag) > 0
    # points scattered around the dropped pieces and some kept edges: up to 60 m off each line's midpoint
    rng = np.random.default_rng(7)
    kept = net.edges.geometry.to_numpy()[undirected_edge_ids(net)]
    dropped = frag.geometry.to_numpy()
    anchors = np.concatenate([shapely.line_interpolate_point(dropped, 0.5, normalized=True),
                              shapely.line_interpolate_point(kept[:: max(1, len(kept) // 150)], 0.5, normalized=True)])
    xy = shapely.get_coordinates(anchors) + rng.uniform(-60, 60, size=(len(anchors), 2))
    p = gpd.GeoDataFrame({"id": np.arange(len(xy))}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)
    got = points_on_dropped(net, p, max_distance_m=50.0)
    # brute force: distance from every point to every line
    geoms = p.geometry.to_numpy()[:, None]
    d_kept = shapely.distance(geoms, kept[None, :]).min(axis=1)
    d_drop = shapely.distance(geoms, dropped[None, :]).min(axis=1)
    expected = (d_drop < d_kept) & (d_drop <= 50.0)
    assert got.tolist() == expected.tolist()
    assert 10 < expected.sum() < len(expected) - 10   # both answers occur
