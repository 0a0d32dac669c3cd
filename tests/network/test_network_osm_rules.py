"""Pedestrian-access rules and splitting at shared nodes, on a hand-made OSM XML file whose answer is known by reasoning."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
import shapely
from network_fixtures import grid_lonlat, write_osm_xml
from shapely.geometry import box

from lifecircle.errors import LifecircleInputError
from lifecircle.network.osm import read_walk_network, walk_access

# Ways of the tiny file. Node k sits at grid_lonlat(k). Node 999 is referenced but absent (a clipped extract).
WAYS = [
    (1, [1, 2, 3], {"highway": "footway"}),                                 # split at 2 (shared with way 2): 2 pieces
    (2, [4, 2, 5], {"highway": "residential", "oneway": "yes"}),            # split at 2: 2 pieces, oneway ignored
    (3, [3, 6], {"highway": "motorway"}),                                   # excluded
    (4, [5, 7], {"highway": "footway", "foot": "no"}),                      # excluded
    (5, [6, 7], {"highway": "service", "access": "private"}),               # excluded
    (6, [3, 8], {"highway": "service", "access": "private", "foot": "yes"}),  # kept: foot=yes overrides: 1 piece
    (7, [8, 9], {"highway": "steps", "incline": "up"}),                      # 1 piece
    (8, [9, 10], {"highway": "construction"}),                              # excluded
    (9, [5, 11], {"highway": "cycleway", "oneway:foot": "yes"}),            # 1 piece, u→v only
    (10, [11, 12], {"highway": "bridleway"}),                               # excluded (no foot permission)
    (11, [1, 13], {"highway": "bridleway", "foot": "designated"}),          # 1 piece
    (12, [13, 14], {"highway": "trunk", "sidewalk": "both"}),               # 1 piece (trunk with a sidewalk)
    (13, [14, 15], {"highway": "trunk"}),                                   # excluded
    (14, [4, 21, 22, 23, 4], {"highway": "pedestrian", "area": "yes"}),     # outline split at 4 and 22: 2 pieces
    (15, [22, 24], {"highway": "footway"}),                                 # 1 piece
    (16, [30, 31], {"highway": "footway"}),                                 # isolated component
    (17, [9, 40, 999, 41, 42], {"highway": "footway"}),                     # broken at missing 999: (9,40) + isolated (41,42)
    (18, [11, 12], {"highway": "residential", "foot": "use_sidepath"}),     # excluded
    (19, [6, 7], {"highway": "trail"}),                                     # excluded (not an OSM highway value)
    (20, [24, 25, 26], {"highway": "footway"}),                             # 25 is only on an excluded way: 1 piece
    (21, [25, 6], {"highway": "motorway_link"}),                            # excluded
]
NODE_IDS = {n for _, refs, _ in WAYS for n in refs} - {999}
MAIN_NODES = {1, 2, 3, 4, 5, 8, 9, 11, 13, 14, 22, 24, 26, 40}
MAIN_PIECES = 14        # 2+2+1+1+1+1+1+2+1+1 (ways 1,2,6,7,9,11,12,14,15,20) + (9,40) of way 17
ONE_WAY_PIECES = 1      # way 9
ISOLATED = {"components": 2, "nodes": 4, "edges": 4}   # (30,31) and (41,42), two directions each


@pytest.fixture(scope="module")
def tiny_osm(tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "tiny.osm"
    return write_osm_xml(path, {k: grid_lonlat(k) for k in NODE_IDS}, WAYS)


@pytest.fixture(scope="module")
def tiny_net(tiny_osm):
    return read_walk_network(tiny_osm)


def test_edge_and_node_counts_follow_the_rules(tiny_net):
    assert tiny_net.n_edges == 2 * MAIN_PIECES - ONE_WAY_PIECES
    assert set(tiny_net.nodes["osm_id"]) == MAIN_NODES
    assert tiny_net.meta["dropped_components"] == {**ISOLATED, "kept_nodes": len(MAIN_NODES)}


def test_keep_all_keeps_the_isolated_pieces(tiny_osm):
    net = read_walk_network(tiny_osm, keep="all")
    assert net.n_edges == 2 * (MAIN_PIECES + 2) - ONE_WAY_PIECES
    assert set(net.nodes["osm_id"]) == MAIN_NODES | {30, 31, 41, 42}


def test_excluded_ways_are_counted_by_reason(tiny_net):
    assert tiny_net.meta["excluded_ways"] == {
        "highway=motorway": 1, "foot=no": 1, "access=private": 1, "highway=construction": 1, "highway=bridleway": 1,
        "highway=trunk": 1, "foot=use_sidepath": 1, "highway=trail": 1, "highway=motorway_link": 1,
    }
    assert tiny_net.meta["missing_node_locations"] == 1
    kept_ways = set(tiny_net.edges["way_id"])
    assert kept_ways == {1, 2, 6, 7, 9, 11, 12, 14, 15, 17, 20}


def test_splitting_at_shared_nodes_only(tiny_net):
    e, n = tiny_net.edges, tiny_net.nodes
    osm = n["osm_id"].to_numpy()
    pairs = {(int(osm[u]), int(osm[v])) for u, v in zip(e["u"], e["v"])}
    assert {(1, 2), (2, 3), (2, 1), (3, 2), (4, 2), (2, 5), (5, 2), (2, 4)} <= pairs
    # way 20 passes node 25, which only an excluded way shares: no split there, 3 vertices in one edge
    w20 = e[e["way_id"] == 20]
    assert len(w20) == 2 and all(len(g.coords) == 3 for g in w20.geometry)
    # the pedestrian-area outline is split at 4 and 22 into 4→21→22 and 22→23→4
    ring = e[e["way_id"] == 14]
    ends = {(int(osm[u]), int(osm[v])) for u, v in zip(ring["u"], ring["v"])}
    assert ends == {(4, 22), (22, 4)}
    assert ring["area"].all()
    assert sorted(len(g.coords) for g in ring.geometry) == [3, 3, 3, 3]


def test_oneway_foot_keeps_one_direction_and_plain_oneway_none(tiny_net):
    e, osm = tiny_net.edges, tiny_net.nodes["osm_id"].to_numpy()
    cyc = e[e["way_id"] == 9]
    assert len(cyc) == 1 and int(cyc["rev"].iloc[0]) == -1
    assert (int(osm[cyc["u"].iloc[0]]), int(osm[cyc["v"].iloc[0]])) == (5, 11)
    assert (e.loc[e["way_id"] == 2, "rev"] >= 0).all()


def test_rev_pairs_and_geometry_direction(tiny_net):
    e, n = tiny_net.edges, tiny_net.nodes
    two = e[e["rev"] >= 0]
    rev = two["rev"].to_numpy()
    assert (e["rev"].to_numpy()[rev] == two["edge_id"].to_numpy()).all()
    assert (e["u"].to_numpy()[rev] == two["v"].to_numpy()).all()
    for g, u, v in zip(e.geometry, e["u"], e["v"]):
        assert g.coords[0] == pytest.approx((n.x[u], n.y[u]), abs=1e-6)
        assert g.coords[-1] == pytest.approx((n.x[v], n.y[v]), abs=1e-6)


def test_steps_flag_incline_reversed_and_time(tiny_net):
    e = tiny_net.edges
    st = e[e["way_id"] == 7].sort_values("edge_id")
    assert st["steps"].all()
    assert list(st["incline"]) == ["up", "down"]
    assert np.allclose(st["time_s"], st["length_m"] * 2.5 / 1.0)   # planning: 1.0 m/s, stairs factor 2.5
    flat = e[~e["steps"]]
    assert np.allclose(flat["time_s"], flat["length_m"] / 1.0)


def test_profiles_change_speed_and_wheelchair_drops_steps(tiny_osm, tiny_net):
    adult = read_walk_network(tiny_osm, walk_profile="adult")
    assert np.allclose(adult.edges["time_s"] * 1.2, tiny_net.edges["time_s"] * 1.0)
    wheel = read_walk_network(tiny_osm, walk_profile="wheelchair", keep="all")
    assert not wheel.edges["steps"].any()
    assert wheel.meta["impassable_steps_pieces_dropped"] == 1
    # without the steps (8→9), nodes 9 and 40 are cut off from the main piece
    largest = read_walk_network(tiny_osm, walk_profile="wheelchair")
    assert set(largest.nodes["osm_id"]) == MAIN_NODES - {9, 40}


def test_boundary_keeps_edges_with_a_node_inside(tiny_osm):
    # A box around nodes 1-5 only (grid row 0, columns 1-5): edges with at least one end among them survive.
    lon1, lat1 = grid_lonlat(1)
    lon5, _ = grid_lonlat(5)
    net = read_walk_network(tiny_osm, boundary=box(lon1 - 1e-4, lat1 - 1e-4, lon5 + 1e-4, lat1 + 1e-4), keep="all")
    osm = net.nodes["osm_id"].to_numpy()
    ends = {(int(osm[u]), int(osm[v])) for u, v in zip(net.edges["u"], net.edges["v"])}
    inside = {1, 2, 3, 4, 5}
    assert all(a in inside or b in inside for a, b in ends)
    assert (3, 8) in ends and (5, 11) in ends and (1, 13) in ends and (4, 22) in ends
    assert (8, 9) not in ends


def _dropped(net):
    return sorted((int(w), r) for w, r in zip(net.dropped["way_id"], net.dropped["reason"], strict=True))


def test_dropped_pieces_and_their_reasons(tiny_osm, tiny_net):
    # the two isolated pieces (30,31) of way 16 and (41,42) of way 17
    assert _dropped(tiny_net) == [(16, "component"), (17, "component")]
    assert tiny_net.dropped.crs == tiny_net.crs
    lengths = tiny_net.dropped.sort_values("way_id").geometry.length.to_numpy()
    assert lengths == pytest.approx([55.8, 55.8], rel=0.01)   # one grid column: 0.001° of longitude at 60° N
    assert len(read_walk_network(tiny_osm, keep="all").dropped) == 0
    # wheelchair: the steps (way 7) go first; then (9,40) of way 17 is cut off with the isolated pieces
    wheel = read_walk_network(tiny_osm, walk_profile="wheelchair")
    assert _dropped(wheel) == [(7, "wheelchair_steps"), (16, "component"), (17, "component"), (17, "component")]
    # boundary around nodes 1-5: pieces with no end among them are "boundary", whatever else they are
    lon1, lat1 = grid_lonlat(1)
    lon5, _ = grid_lonlat(5)
    clipped = read_walk_network(tiny_osm, boundary=box(lon1 - 1e-4, lat1 - 1e-4, lon5 + 1e-4, lat1 + 1e-4), keep="all")
    assert _dropped(clipped) == [(w, "boundary") for w in (7, 12, 15, 16, 17, 17, 20)]
    assert clipped.meta["boundary_dropped_pieces"] == 7


def test_walk_access_table():
    assert walk_access({"highway": "footway", "footway": "sidewalk"})[2] == ""
    assert walk_access({"highway": "motorway", "foot": "yes"})[2] == ""
    assert walk_access({"highway": "trunk_link"})[2] == "highway=trunk_link"
    assert walk_access({"highway": "path", "access": "no", "foot": "permissive"})[2] == ""
    assert walk_access({"highway": "path", "access": "no"})[2] == "access=no"
    assert walk_access({"highway": "proposed"})[2] == "highway=proposed"
    assert walk_access({"highway": "footway", "oneway:foot": "-1"})[:2] == (False, True)
    assert walk_access({"highway": "footway", "foot:backward": "no"})[:2] == (True, False)


def test_gzipped_xml_reads_the_same(tiny_osm, tiny_net, tmp_path):
    gz = tmp_path / "tiny.osm.gz"
    with open(tiny_osm, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert read_walk_network(gz).n_edges == tiny_net.n_edges


# --- bad input -------------------------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(LifecircleInputError, match="does not exist"):
        read_walk_network(tmp_path / "nowhere.osm.pbf")


def test_wrong_suffix_and_empty_file(tmp_path):
    (tmp_path / "roads.shp").write_text("x")
    with pytest.raises(LifecircleInputError, match="not an OpenStreetMap file"):
        read_walk_network(tmp_path / "roads.shp")
    (tmp_path / "empty.osm.pbf").write_bytes(b"")
    with pytest.raises(LifecircleInputError, match="empty"):
        read_walk_network(tmp_path / "empty.osm.pbf")


def test_truncated_pbf(helsinki_path, tmp_path):
    data = helsinki_path.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(LifecircleInputError, match="corrupt, truncated"):
        read_walk_network(cut)


def test_no_walkable_way(tmp_path):
    path = write_osm_xml(tmp_path / "b.osm", {1: (25.0, 60.0), 2: (25.001, 60.0), 3: (25.001, 60.001)},
                         [(1, [1, 2, 3, 1], {"building": "yes"}), (2, [1, 2], {"highway": "motorway"})])
    with pytest.raises(LifecircleInputError, match="no walkable way"):
        read_walk_network(path)


def test_boundary_that_misses_the_data(tiny_osm):
    with pytest.raises(LifecircleInputError, match="contains no walkable node"):
        read_walk_network(tiny_osm, boundary=box(60.0, 25.0, 60.01, 25.01))   # lon/lat swapped


def test_unknown_profile_and_keep(tiny_osm):
    with pytest.raises(LifecircleInputError, match="Unknown walking profile 'runner'.*planning"):
        read_walk_network(tiny_osm, walk_profile="runner")
    with pytest.raises(LifecircleInputError, match="keep must be"):
        read_walk_network(tiny_osm, keep="strong")


def test_progress_is_called_up_to_one(tiny_osm):
    calls = []
    read_walk_network(tiny_osm, progress=lambda step, f: calls.append((step, f)))
    fractions = [f for _, f in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


def test_lengths_are_metres_not_degrees(tiny_net):
    e = tiny_net.edges
    one_cell = e[(e["way_id"] == 1)].iloc[0]   # 1→2: 0.001° of longitude at 60° N ≈ 55.8 m
    assert one_cell["length_m"] == pytest.approx(111_412.8 * np.cos(np.radians(60.0)) * 0.001, rel=0.01)
    assert shapely.get_srid(one_cell.geometry) == 0 and tiny_net.crs == "EPSG:32635"


def test_incline_reversal_and_foot_private():
    from lifecircle.network.build import _reverse_incline

    assert [_reverse_incline(v) for v in ("up", "down", "10%", "-8%", "steep", None)] == ["down", "up", "-10%", "8%", "steep", None]
    assert walk_access({"highway": "footway", "foot": "private"})[2] == "foot=private"


def test_edge_times_retimes_a_network(tiny_net):
    from lifecircle.network.walking import edge_times

    elderly = edge_times(tiny_net, "elderly")
    assert np.allclose(elderly * 0.8, tiny_net.edges["time_s"] * 1.0)
