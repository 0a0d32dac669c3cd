"""Properties of the networks built from real OpenStreetMap data: Helsinki (embedded) and Yuzhong (../shared/data)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Geod, Transformer

from lifecircle.network.osm import read_walk_network


def _ways_where(path, predicate) -> set[int]:
    """Way ids whose tags satisfy ``predicate``, read independently of the builder."""
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    return {w.id for w in fp if predicate(dict(w.tags))}


@pytest.fixture(scope="module")
def helsinki_net(helsinki_path):
    return read_walk_network(helsinki_path)


@pytest.fixture(scope="module")
def yuzhong_net(yuzhong_pbf, yuzhong_dem):
    return read_walk_network(yuzhong_pbf, dem=yuzhong_dem)


@pytest.fixture(params=["helsinki", "yuzhong"])
def real(request, helsinki_path):
    if request.param == "helsinki":
        return helsinki_path, request.getfixturevalue("helsinki_net")
    return request.getfixturevalue("yuzhong_pbf"), request.getfixturevalue("yuzhong_net")


def test_no_motorway_and_no_foot_no(real):
    path, net = real
    assert not net.edges["highway"].isin(["motorway", "motorway_link"]).any()
    forbidden = _ways_where(path, lambda t: t.get("foot") == "no" or t["highway"] in ("motorway", "motorway_link", "construction"))
    assert forbidden, "the file should contain ways the rules exclude"
    assert not set(net.edges["way_id"]) & forbidden


def test_lengths_within_one_percent_of_geodesic(real):
    _, net = real
    e = net.edges
    coords, which = shapely.get_coordinates(e.geometry.to_numpy(), return_index=True)
    lon, lat = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True).transform(coords[:, 0], coords[:, 1])
    same = which[1:] == which[:-1]
    _, _, d = Geod(ellps="WGS84").inv(lon[:-1][same], lat[:-1][same], lon[1:][same], lat[1:][same])
    geodesic = np.bincount(which[:-1][same], weights=d, minlength=len(e))
    rel = np.abs(e["length_m"].to_numpy() - geodesic) / geodesic
    assert rel.max() < 0.01
    assert net.nodes[["x", "y"]].abs().min().min() > 1000   # metres in a projected CRS, not degrees


def test_rev_consistency(real):
    _, net = real
    e = net.edges
    assert (e["edge_id"].to_numpy() == np.arange(len(e))).all()
    assert (net.nodes["node_id"].to_numpy() == np.arange(net.n_nodes)).all()
    two = e[e["rev"] >= 0]
    r = two["rev"].to_numpy()
    rev = e["rev"].to_numpy()
    assert (rev[r] == two["edge_id"].to_numpy()).all()
    assert (e["u"].to_numpy()[r] == two["v"].to_numpy()).all() and (e["v"].to_numpy()[r] == two["u"].to_numpy()).all()
    assert np.allclose(e["length_m"].to_numpy()[r], two["length_m"].to_numpy())
    first = shapely.get_coordinates(shapely.get_point(e.geometry.to_numpy(), 0))
    last = shapely.get_coordinates(shapely.get_point(e.geometry.to_numpy(), -1))
    n = net.nodes
    assert np.allclose(first, n[["x", "y"]].to_numpy()[e["u"]], atol=1e-6)
    assert np.allclose(last, n[["x", "y"]].to_numpy()[e["v"]], atol=1e-6)
    assert e["length_m"].dtype == np.float64 and e["time_s"].dtype == np.float64


def test_steps_slower_than_flat_ground_of_equal_length(helsinki_net):
    e = helsinki_net.edges
    assert e["steps"].sum() > 50
    pace = e["time_s"] / e["length_m"]                       # seconds per metre
    assert np.allclose(pace[e["steps"]], 2.5 / 1.0)
    assert np.allclose(pace[~e["steps"]], 1.0 / 1.0)


def test_largest_component_report_matches_networkx(helsinki_path, helsinki_net):
    everything = read_walk_network(helsinki_path, keep="all")
    g = nx.Graph()
    g.add_nodes_from(range(everything.n_nodes))
    g.add_edges_from(zip(everything.edges["u"], everything.edges["v"]))
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    dropped = helsinki_net.meta["dropped_components"]
    assert dropped["kept_nodes"] == len(comps[0]) == helsinki_net.n_nodes
    assert dropped["components"] == len(comps) - 1
    assert dropped["nodes"] == everything.n_nodes - len(comps[0])
    assert dropped["edges"] == everything.n_edges - helsinki_net.n_edges


def test_yuzhong_stairs_and_dem(yuzhong_net):
    e = yuzhong_net.edges
    meta = yuzhong_net.meta["elevation"]
    assert e["steps"].sum() > 300                           # the district of stairs
    # the DEM is smaller than the network: some nodes outside, explicitly counted, their edges at flat speed
    assert 0 < meta["nodes_outside_dem"] < yuzhong_net.n_nodes
    outside = e["elev_source"] == "outside_dem"
    assert outside.sum() == 2 * meta["pieces_flat_fallback_outside_dem"]
    assert np.allclose(e.loc[outside & ~e["steps"], "time_s"], e.loc[outside & ~e["steps"], "length_m"])
    z = yuzhong_net.nodes["z"]
    assert z.min() > 100 and z.max() < 450                   # README: 136–416 m over the peninsula


def test_yuzhong_uphill_slower_than_downhill(yuzhong_net):
    e = yuzhong_net.edges
    sloped = e[(e["elev_source"] != "outside_dem") & ~e["steps"] & (e["rise_m"] > 2.0) & (e["rev"] >= 0)]
    assert len(sloped) > 500
    down = e["time_s"].to_numpy()[sloped["rev"].to_numpy()]
    up = sloped["time_s"].to_numpy()
    # A 30 m DEM profile can dip inside an edge that rises overall, so not every pair must obey; almost all do.
    assert np.mean(up > down) > 0.95
    # structure edges have one constant slope: there it must hold exactly
    struct = sloped["elev_source"] == "structure"
    assert struct.sum() > 0 and (up[struct.to_numpy()] > down[struct.to_numpy()]).all()


def test_boundary_may_be_a_file_a_layer_or_a_polygon(tmp_path, yuzhong_pbf, yuzhong_boundary):
    """``read_walk_network(..., boundary=...)`` takes what a user has: the polygon file, a layer read from it, or the
    polygon itself; all three keep the same network."""
    import geopandas as gpd

    from lifecircle.network import read_walk_network

    layer = gpd.read_file(yuzhong_boundary)
    nets = [read_walk_network(yuzhong_pbf, boundary=b) for b in
            (yuzhong_boundary, str(yuzhong_boundary), layer, layer.union_all())]
    assert len({net.n_edges for net in nets}) == 1
    assert nets[0].n_edges < read_walk_network(yuzhong_pbf).n_edges
    projected = read_walk_network(yuzhong_pbf, boundary=layer.to_crs("EPSG:4545"))  # a layer in another CRS
    assert abs(projected.n_edges - nets[0].n_edges) <= 0.001 * nets[0].n_edges
