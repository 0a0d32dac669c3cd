"""Saving and loading the network (GeoParquet), the GeoPackage export and the atomic writer."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.network.io import export_gpkg, load_network, save_network, write_geoparquet_atomic
from lifecircle.network.model import EDGE_COLUMNS, NODE_COLUMNS
from lifecircle.network.osm import read_walk_network


@pytest.fixture(scope="module")
def yuzhong_or_helsinki(request, helsinki_path):
    """The DEM-built Yuzhong network when the shared data are present (it has z, rise, structure columns), else Helsinki."""
    try:
        pbf, dem = request.getfixturevalue("yuzhong_pbf"), request.getfixturevalue("yuzhong_dem")
    except pytest.skip.Exception:
        return read_walk_network(helsinki_path)
    return read_walk_network(pbf, dem=dem)


def test_parquet_round_trip_is_equal(yuzhong_or_helsinki, tmp_path):
    net = yuzhong_or_helsinki
    save_network(net, tmp_path / "net")
    back = load_network(tmp_path / "net")
    assert back.crs == net.crs and back.walk_profile == net.walk_profile
    assert json.loads(json.dumps(net.meta, default=str)) == back.meta
    pd.testing.assert_frame_equal(back.nodes, net.nodes)
    pd.testing.assert_frame_equal(pd.DataFrame(back.edges.drop(columns="geometry")), pd.DataFrame(net.edges.drop(columns="geometry")))
    assert back.edges.geometry.geom_equals_exact(net.edges.geometry, tolerance=0).all()
    assert back.edges.crs.equals(net.edges.crs)
    for col in ("length_m", "time_s"):
        assert back.edges[col].dtype == "float64"
    stored = gpd.read_parquet(tmp_path / "net" / "network_edges.parquet")
    assert stored.crs.to_epsg() == int(net.crs.split(":")[1])           # CRS in the GeoParquet metadata
    assert set(EDGE_COLUMNS) <= set(stored.columns) and set(NODE_COLUMNS) <= set(back.nodes.columns)
    assert sorted(p.name for p in (tmp_path / "net").iterdir()) == ["network_edges.parquet", "network_meta.json", "network_nodes.parquet"]


def test_gpkg_export_has_both_layers(helsinki_path, tmp_path):
    net = read_walk_network(helsinki_path)
    out = export_gpkg(net, tmp_path / "net.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert layers == {"network_edges": "LineString", "network_nodes": "Point"}
    edges = pyogrio.read_dataframe(out, layer="network_edges")
    assert len(edges) == net.n_edges and edges.crs.equals(net.edges.crs)
    only = export_gpkg(net, tmp_path / "edges.gpkg", layers=["edges"])
    assert list(dict(pyogrio.list_layers(only))) == ["network_edges"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.gpkg", "net.gpkg"]     # no temporary files left
    with pytest.raises(LifecircleInputError, match="layers"):
        export_gpkg(net, tmp_path / "x.gpkg", layers=["roads"])


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "layer.parquet"
    good = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    write_geoparquet_atomic(good, path)
    bad = gpd.GeoDataFrame({"a": [object()]}, geometry=[Point(1, 1)], crs="EPSG:4326")   # pyarrow cannot store it
    with pytest.raises(Exception):
        write_geoparquet_atomic(bad, path)
    assert gpd.read_parquet(path)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["layer.parquet"]


def test_load_errors(tmp_path):
    with pytest.raises(LifecircleInputError, match="not a saved walking network"):
        load_network(tmp_path)
