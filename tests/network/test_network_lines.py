"""A walking network from the user's own line layer: hand-made layers whose nodes, edges and times are known by
reasoning, written as GeoPackage (projected CGCS2000 Gauss-Krüger) and GeoJSON (geographic CGCS2000, EPSG:4490);
and the Helsinki OSM network exported to a GeoPackage and read back."""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString, Point, box

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import metric_crs_for
from lifecircle.network.io import export_gpkg
from lifecircle.network.lines import network_from_lines
from lifecircle.network.osm import read_walk_network
from lifecircle.points.layers import read_layer

#: Yuzhong, Chongqing: metric_crs_for picks the CGCS2000 3-degree Gauss-Krüger zone CM 105°E here.
LON0, LAT0 = 106.57, 29.56
GK = metric_crs_for(LON0, LAT0)
X0, Y0 = Transformer.from_crs("EPSG:4326", GK, always_xy=True).transform(LON0, LAT0)


def _line(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


# The layer, in metres from (X0, Y0). Node names in the comments.
#   A (0,0)──(50,0)──(100,0)         one row, interior vertex (50,0) shared with B: a T junction, split in two
#   B (50,0)─(50,80)                 residential
#   C (20,−30)─(20,30)               crosses A at (20,0) without a shared vertex: no junction, an island
#   D (100.3,0)─(100.3,60)           starts 0.3 m from A's end: merged with it at the default 0.5 m tolerance
#   E MultiLineString: (100.3,60)─(50,80) and (0,0)─(0,−40)
#   F (0,−40)─(−40,−40)              one-way, along the drawing direction only
#   G (50,80)─(50,120)               steps
ROWS = [
    ("A", _line((0, 0), (50, 0), (100, 0)), "footway", "no"),
    ("B", _line((50, 0), (50, 80)), "residential", None),
    ("C", _line((20, -30), (20, 30)), None, "no"),
    ("D", _line((100.3, 0), (100.3, 60)), "footway", "no"),
    ("E", MultiLineString([_line((100.3, 60), (50, 80)), _line((0, 0), (0, -40))]), "footway", "no"),
    ("F", _line((0, -40), (-40, -40)), "Footway", "yes"),
    ("G", _line((50, 80), (50, 120)), "steps", "no"),
]
D_LEN = math.hypot(0.3, 60.0)           # D from the merged node (100,0) to (100.3,60)
E1_LEN = math.hypot(50.3, 20.0)
# undirected pieces of the main component: A1, A2, B, D, E1, E2, F (one-way), G
MAIN_PIECES = {"A": [50.0, 50.0], "B": [80.0], "D": [D_LEN], "E": [E1_LEN, 40.0], "F": [40.0], "G": [40.0]}
MAIN_NODES = 8   # (0,0) (50,0) (100,0) (50,80) (100.3,60) (0,−40) (−40,−40) (50,120)
MAIN_EDGES = 2 * 8 - 1


def _layer(crs=GK) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame({"name": [r[0] for r in ROWS], "kind": [r[2] for r in ROWS], "one_way": [r[3] for r in ROWS]},
                           geometry=[r[1] for r in ROWS], crs=GK)
    return gdf.to_crs(crs)


@pytest.fixture(scope="module")
def gpkg_layer(tmp_path_factory):
    path = tmp_path_factory.mktemp("lines") / "paths.gpkg"
    layer = _layer()
    layer["one_way"] = layer["one_way"].map({"no": 0, "yes": 1, None: None}).astype("Int64")  # integers in the GeoPackage
    layer.to_file(path, driver="GPKG")
    return read_layer(path)


@pytest.fixture(scope="module")
def geojson_layer(tmp_path_factory):
    path = tmp_path_factory.mktemp("lines") / "paths.geojson"
    _layer("EPSG:4490").to_file(path, driver="GeoJSON")
    return read_layer(path)


@pytest.fixture(scope="module")
def net(gpkg_layer):
    return network_from_lines(gpkg_layer, highway_column="kind", oneway_column="one_way")


def _node(net, x, y):
    """Node id at (X0 + x, Y0 + y), within 1 mm."""
    d = np.hypot(net.nodes["x"] - (X0 + x), net.nodes["y"] - (Y0 + y))
    assert d.min() < 1e-3, f"no node at ({x}, {y})"
    return int(np.argmin(d))


def test_layers_were_written_in_other_crs(tmp_path):
    # the fixture files really are in the CRS the test claims (read_layer returns WGS-84)
    p = tmp_path / "x.geojson"
    _layer("EPSG:4490").to_file(p, driver="GeoJSON")
    assert gpd.read_file(p).crs.to_epsg() == 4490
    q = tmp_path / "x.gpkg"
    _layer().to_file(q, driver="GPKG")
    assert gpd.read_file(q).crs.to_string() == GK


@pytest.mark.parametrize("which", ["gpkg_layer", "geojson_layer"])
def test_nodes_and_edges_counted_by_hand(which, request):
    net = network_from_lines(request.getfixturevalue(which), highway_column="kind", oneway_column="one_way")
    assert net.crs == GK
    assert net.n_nodes == MAIN_NODES and net.n_edges == MAIN_EDGES
    assert (net.nodes["osm_id"] == -1).all()
    assert (net.nodes["node_id"].to_numpy() == np.arange(net.n_nodes)).all()
    assert (net.edges["edge_id"].to_numpy() == np.arange(net.n_edges)).all()
    # way_id is the layer's row number: the lengths of each row's pieces
    und = net.edges[(net.edges["rev"] < 0) | (net.edges["edge_id"] < net.edges["rev"])]
    names = [r[0] for r in ROWS]
    got = {names[w]: sorted(g["length_m"].round(6)) for w, g in und.groupby("way_id")}
    assert got == {k: sorted(np.round(v, 6)) for k, v in MAIN_PIECES.items()}


def test_geojson_in_cgcs2000_degrees_gives_the_same_network(net, geojson_layer):
    other = network_from_lines(geojson_layer, highway_column="kind", oneway_column="one_way")
    assert np.allclose(other.edges["length_m"], net.edges["length_m"], atol=1e-6)
    assert (other.edges[["u", "v", "rev", "way_id"]].to_numpy() == net.edges[["u", "v", "rev", "way_id"]].to_numpy()).all()


def test_t_junction_splits_the_through_line(net):
    a, j, b_end = _node(net, 0, 0), _node(net, 50, 0), _node(net, 50, 80)
    e = net.edges
    pairs = set(zip(e["u"], e["v"]))
    assert {(a, j), (j, a), (j, b_end), (b_end, j)} <= pairs
    assert e.loc[e["way_id"] == 0, "length_m"].to_numpy() == pytest.approx([50.0] * 4)


def test_crossing_without_shared_vertex_is_no_junction(gpkg_layer, net):
    # C crosses A at (20,0) but shares no vertex: no node there, and C is its own component, dropped
    d = np.hypot(net.nodes["x"] - (X0 + 20), net.nodes["y"] - Y0)
    assert d.min() > 1.0
    assert net.meta["dropped_components"] == {"components": 1, "nodes": 2, "edges": 2, "kept_nodes": MAIN_NODES}
    everything = network_from_lines(gpkg_layer, highway_column="kind", oneway_column="one_way", keep="all")
    assert everything.n_nodes == MAIN_NODES + 2 and everything.n_edges == MAIN_EDGES + 2
    c = everything.edges[everything.edges["way_id"] == 2]
    assert len(c) == 2 and c["length_m"].to_numpy() == pytest.approx([60.0, 60.0])


def test_vertex_within_tolerance_is_merged(gpkg_layer, net):
    # D starts 0.3 m from A's end: one node at A's end (the first vertex in layer order), D's geometry moved there
    end_a = _node(net, 100, 0)
    d = net.edges[(net.edges["way_id"] == 3) & (net.edges["u"] == end_a)]
    assert len(d) == 1
    assert d.geometry.iloc[0].coords[0] == pytest.approx((X0 + 100, Y0), abs=1e-6)
    assert d["length_m"].iloc[0] == pytest.approx(D_LEN, abs=1e-6)
    # with a 0.1 m tolerance the two stay apart: one node more, D hangs on E alone (still connected)
    tight = network_from_lines(gpkg_layer, highway_column="kind", oneway_column="one_way", snap_tolerance_m=0.1)
    assert tight.n_nodes == MAIN_NODES + 1 and tight.n_edges == MAIN_EDGES
    assert tight.edges.loc[tight.edges["way_id"] == 3, "length_m"].to_numpy() == pytest.approx([60.0, 60.0])


def test_multilinestring_parts_are_separate_lines(net):
    e = net.edges[net.edges["way_id"] == 4]
    assert sorted(e["length_m"].round(6)) == sorted(np.round([E1_LEN, E1_LEN, 40.0, 40.0], 6))


def test_one_way_line_and_steps_times(net):
    e = net.edges
    f = e[e["way_id"] == 5]
    assert len(f) == 1 and int(f["rev"].iloc[0]) == -1
    assert (int(f["u"].iloc[0]), int(f["v"].iloc[0])) == (_node(net, 0, -40), _node(net, -40, -40))
    assert f["highway"].iloc[0] == "footway"          # "Footway" normalised to lower case
    g = e[e["way_id"] == 6]
    assert g["steps"].all() and (g["highway"] == "steps").all()
    assert g["time_s"].to_numpy() == pytest.approx([40.0 * 2.5 / 1.0] * 2)   # planning: 1.0 m/s, stairs factor 2.5
    flat = e[~e["steps"]]
    assert np.allclose(flat["time_s"], flat["length_m"] / 1.0)
    elderly = network_from_lines(_layer(), walk_profile="elderly", highway_column="kind", oneway_column="one_way")
    assert np.allclose(elderly.edges["time_s"] * 0.8, net.edges["time_s"] * 1.0)


def test_without_columns_every_line_is_a_two_way_footway():
    plain = network_from_lines(_layer())
    assert (plain.edges["highway"] == "footway").all() and (plain.edges["rev"] >= 0).all()
    assert plain.n_edges == 2 * 8 and np.allclose(plain.edges["time_s"], plain.edges["length_m"])


def test_reverse_oneway_and_boolean_values():
    layer = _layer()
    layer["dir"] = [False, False, False, False, False, "-1", False]
    net = network_from_lines(layer, oneway_column="dir")
    f = net.edges[net.edges["way_id"] == 5]
    assert len(f) == 1 and (int(f["u"].iloc[0]), int(f["v"].iloc[0])) == (_node(net, -40, -40), _node(net, 0, -40))
    layer["dir"] = [True] + [False] * 6
    a = network_from_lines(layer, oneway_column="dir").edges
    assert (a.loc[a["way_id"] == 0, "rev"] == -1).all()
    assert a.loc[a["way_id"] == 0, "length_m"].to_numpy() == pytest.approx([50.0, 50.0])


def test_geometries_follow_the_nodes_and_rev_pairs(net):
    e, n = net.edges, net.nodes
    for g, u, v in zip(e.geometry, e["u"], e["v"], strict=True):
        assert g.coords[0] == pytest.approx((n.x[u], n.y[u]), abs=1e-6)
        assert g.coords[-1] == pytest.approx((n.x[v], n.y[v]), abs=1e-6)
    two = e[e["rev"] >= 0]
    assert (e["rev"].to_numpy()[two["rev"].to_numpy()] == two["edge_id"].to_numpy()).all()
    assert np.allclose(shapely.length(e.geometry.to_numpy()), e["length_m"])


def test_duplicate_lines_and_zero_length_lines():
    # the same path drawn twice (once reversed, one-way each) is one two-way piece; a 0.2 m stub is dropped
    layer = gpd.GeoDataFrame({"ow": ["yes", "yes", "no", "no"]}, geometry=[
        _line((0, 0), (30, 0), (60, 0)), _line((60, 0), (30, 0), (0, 0)), _line((60, 0), (60, 0.2)), _line((60, 0), (60, 40))
    ], crs=GK)
    net = network_from_lines(layer, oneway_column="ow")
    assert net.meta["duplicate_parts_merged"] == 1 and net.meta["zero_length_parts_dropped"] == 1
    assert net.n_nodes == 3 and net.n_edges == 4 and (net.edges["rev"] >= 0).all()
    assert sorted(net.edges["length_m"]) == pytest.approx([40, 40, 60, 60])


def test_osm_like_tag_columns_are_carried():
    layer = _layer()
    layer["bridge"] = ["yes"] + [None] * 6
    layer["incline"] = [None] * 6 + ["up"]
    layer["area"] = [False] * 6 + [True]
    e = network_from_lines(layer, highway_column="kind").edges
    assert set(e.loc[e["way_id"] == 0, "bridge"]) == {"yes"}
    g = e[e["way_id"] == 6].sort_values("edge_id")
    assert list(g["incline"]) == ["up", "down"] and g["area"].all()
    assert e.loc[e["way_id"] == 0, "name"].iloc[0] == "A"


def test_wheelchair_boundary_and_dropped_pieces(gpkg_layer):
    net = network_from_lines(gpkg_layer, walk_profile="wheelchair", highway_column="kind", oneway_column="one_way")
    assert not net.edges["steps"].any()
    dropped = net.dropped.sort_values("way_id")
    assert list(zip(dropped["way_id"], dropped["reason"])) == [(2, "component"), (6, "wheelchair_steps")]
    assert dropped.crs == net.crs and dropped.geometry.length.to_numpy() == pytest.approx([60.0, 40.0])
    # a box over x −10..110, y −10..130: F (both ends at y = −40) is outside; E2 has (0,0) inside and stays
    to_ll = Transformer.from_crs(GK, "EPSG:4326", always_xy=True)
    w, s = to_ll.transform(X0 - 10, Y0 - 10)
    e_, n_ = to_ll.transform(X0 + 110, Y0 + 130)
    clipped = network_from_lines(gpkg_layer, highway_column="kind", oneway_column="one_way", boundary=box(w, s, e_, n_))
    d = clipped.dropped.sort_values("way_id")
    assert list(zip(d["way_id"], d["reason"])) == [(2, "component"), (5, "boundary")]
    assert clipped.n_nodes == MAIN_NODES - 1 and clipped.n_edges == MAIN_EDGES - 1


def test_bad_input_is_explained(gpkg_layer):
    with pytest.raises(LifecircleInputError, match="no column 'kinds'.*columns are"):
        network_from_lines(gpkg_layer, highway_column="kinds")
    with pytest.raises(LifecircleInputError, match="no column 'oneway'"):
        network_from_lines(gpkg_layer, oneway_column="oneway")
    with pytest.raises(LifecircleInputError, match="is empty"):
        network_from_lines(gpkg_layer.iloc[0:0])
    points = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[Point(106.5, 29.5), Point(106.6, 29.6)], crs="EPSG:4326")
    with pytest.raises(LifecircleInputError, match="no line geometries.*Point"):
        network_from_lines(points)
    with pytest.raises(LifecircleInputError, match="no CRS"):
        network_from_lines(gpd.GeoDataFrame({"a": range(len(gpkg_layer))}, geometry=gpkg_layer.geometry.to_numpy()))
    bad = gpkg_layer.copy()
    bad["one_way"] = ["maybe"] + ["no"] * 6
    with pytest.raises(LifecircleInputError, match="neither yes nor no.*maybe"):
        network_from_lines(bad, oneway_column="one_way")
    with pytest.raises(LifecircleInputError, match="snap_tolerance_m"):
        network_from_lines(gpkg_layer, snap_tolerance_m=-1)
    with pytest.raises(LifecircleInputError, match="Unknown walking profile"):
        network_from_lines(gpkg_layer, walk_profile="jogger")
    with pytest.raises(LifecircleInputError, match="GeoDataFrame"):
        network_from_lines(pd.DataFrame({"a": [1]}))
    far = box(0, 0, 1, 1)   # in the Gulf of Guinea
    with pytest.raises(LifecircleInputError, match="contains no walkable node"):
        network_from_lines(gpkg_layer, boundary=far)


def test_non_line_rows_are_skipped_and_counted():
    layer = _layer()
    layer.loc[len(layer)] = ["P", "footway", "no", Point(X0, Y0)]
    layer.loc[len(layer)] = ["Q", "footway", "no", None]
    net = network_from_lines(layer, highway_column="kind", oneway_column="one_way")
    assert net.meta["skipped_rows"] == 2 and net.meta["line_rows"] == 7
    assert net.n_edges == MAIN_EDGES


# ---- Helsinki: the OSM network exported to a GeoPackage and read back as a line layer -------------------------

def _expected_from_osm_network(net) -> tuple[int, int, float]:
    """Nodes, directed edges and total directed length the line builder must give for ``net``'s edges exported as
    lines (one per direction), worked out on the OSM network's own coordinates.

    Reasoning: both directions of a piece have the same vertex sequence, so they merge into one two-way line; OSM
    ways drawn over the very same nodes (duplicate ways) merge too. Then the junction rule: a line is split at every
    vertex position used twice. The OSM builder split at shared OSM *node ids*; two OSM nodes at the same place
    (a duplicate node) make a junction only for the line builder. Positions are compared rounded to 1 mm.
    """
    e = net.edges
    seen: dict[tuple, tuple[bool, float]] = {}
    for g, two in zip(e.geometry, e["rev"].to_numpy() >= 0, strict=True):
        seq = tuple(map(tuple, np.round(np.asarray(g.coords), 3)))
        key = min(seq, seq[::-1])
        was_two, _ = seen.get(key, (False, 0.0))
        seen[key] = (was_two or two or key in seen, g.length)  # a second line over the same vertices: the other way
    counts: dict[tuple, int] = {}
    for key in seen:
        for p in key:
            counts[p] = counts.get(p, 0) + 1
    nodes = {p for key in seen for p in (key[0], key[-1])} | {p for p, c in counts.items() if c >= 2}
    pieces = sum(1 + sum(counts[p] >= 2 for p in key[1:-1]) for key in seen)
    assert all(two for two, _ in seen.values())  # Helsinki's network has no one-way foot edges
    return len(nodes), 2 * pieces, 2 * sum(length for _, length in seen.values())


@pytest.fixture(scope="module")
def helsinki_exported(helsinki_path, tmp_path_factory):
    net = read_walk_network(helsinki_path)
    edges = net.edges.copy()
    edges["oneway"] = edges["rev"] < 0
    path = export_gpkg(dataclasses.replace(net, edges=edges), tmp_path_factory.mktemp("hel") / "edges.gpkg", layers=("edges",))
    return net, read_layer(path)


def test_helsinki_round_trip_through_a_geopackage(helsinki_exported):
    net, layer = helsinki_exported
    back = network_from_lines(layer, highway_column="highway", oneway_column="oneway", snap_tolerance_m=0.001)
    n_nodes, n_edges, length = _expected_from_osm_network(net)
    assert back.crs == net.crs
    assert (back.n_nodes, back.n_edges) == (n_nodes, n_edges)
    assert back.edges["length_m"].sum() == pytest.approx(length, rel=1e-9)
    assert back.meta["dropped_components"]["components"] == 0     # the exported network was one piece
    assert set(back.edges["highway"]) == set(net.edges["highway"])
    # the differences are few: the same node count, and only a handful of duplicate OSM ways
    assert n_nodes == net.n_nodes and net.n_edges - n_edges < 0.05 * net.n_edges


def test_helsinki_default_tolerance_merges_only_close_nodes(helsinki_exported):
    net, layer = helsinki_exported
    exact = network_from_lines(layer, highway_column="highway", oneway_column="oneway", snap_tolerance_m=0.001)
    default = network_from_lines(layer, highway_column="highway", oneway_column="oneway")
    # At 0.5 m, distinct vertex positions closer than 0.5 m merge: each close pair can remove one node (two nodes
    # merge) or add one (an interior vertex becomes a junction), so the node count moves by at most that many.
    xy = np.unique(np.round(shapely.get_coordinates(net.edges.geometry.to_numpy()), 3), axis=0)
    close = cKDTree(xy).query_pairs(0.5, output_type="ndarray")
    assert 0 < len(close) < 100
    assert abs(default.n_nodes - exact.n_nodes) <= 2 * len(close)
    # Lengths change only where vertices moved (≤ 0.5 m per close pair end, both directions) or where a piece
    # shorter than 0.5 m vanished or became a duplicate of another: a tiny share of the 196 km.
    assert default.edges["length_m"].sum() == pytest.approx(exact.edges["length_m"].sum(), rel=1e-3)


def test_yuzhong_round_trip_with_the_dem_gives_the_same_times(yuzhong_pbf, yuzhong_dem):
    # Bridges, tunnels and layers travel as columns, so the DEM step treats the same pieces as structures and
    # the walking times of the whole network come back equal (Yuzhong has no duplicate ways or nodes: checked).
    net = read_walk_network(yuzhong_pbf, dem=yuzhong_dem)
    assert _expected_from_osm_network(net)[:2] == (net.n_nodes, net.n_edges)
    layer = net.edges.assign(oneway=net.edges["rev"] < 0).to_crs("EPSG:4326")
    back = network_from_lines(layer, dem=yuzhong_dem, highway_column="highway", oneway_column="oneway",
                              snap_tolerance_m=0.001)
    assert (back.n_nodes, back.n_edges) == (net.n_nodes, net.n_edges)
    assert back.edges["time_s"].sum() == pytest.approx(net.edges["time_s"].sum(), rel=1e-9)
    assert back.edges["elev_source"].value_counts().to_dict() == net.edges["elev_source"].value_counts().to_dict()
    assert back.edges["steps"].sum() == net.edges["steps"].sum() > 0
    assert back.meta["elevation"]["nodes_outside_dem"] == net.meta["elevation"]["nodes_outside_dem"] > 0


def test_zero_tolerance_and_3d_lines():
    # tolerance 0: only identical positions are one node, so D's start (100.3, 0) stays apart from A's end
    exact = network_from_lines(_layer(), snap_tolerance_m=0)
    assert exact.n_nodes == MAIN_NODES + 1
    # LineString Z (common in CAD/GIS exports): heights are ignored, lengths are horizontal
    flat = network_from_lines(_layer())
    z = _layer()
    z["geometry"] = shapely.force_3d(z.geometry.to_numpy(), 250.0)
    assert shapely.has_z(z.geometry.to_numpy()).all()
    net = network_from_lines(z)
    assert net.n_edges == flat.n_edges and np.allclose(net.edges["length_m"], flat.edges["length_m"])


@pytest.mark.parametrize(("first", "second", "reverse_second", "directions"), [
    ("-1", "yes", False, 2),    # drawn the same way, one says only against, the other only along: both ways
    ("yes", "yes", False, 1),   # the same one-way line twice: still one way
    ("yes", "-1", True, 1),     # drawn reversed and "only against" it: the same single direction
    ("no", "yes", True, 2),
])
def test_duplicate_lines_unite_their_directions(first, second, reverse_second, directions):
    a = _line((0, 0), (30, 0), (60, 0))
    b = shapely.reverse(a) if reverse_second else a
    net = network_from_lines(gpd.GeoDataFrame({"ow": [first, second]}, geometry=[a, b], crs=GK), oneway_column="ow")
    assert net.meta["duplicate_parts_merged"] == 1 and net.n_nodes == 2 and net.n_edges == directions
    if directions == 1:   # along (0,0)→(60,0)
        assert net.edges.geometry.iloc[0].coords[0] == pytest.approx((X0, Y0))
