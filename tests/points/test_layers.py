"""Reading the user's layers in every supported format, with CGCS2000 and GCJ-02/BD-09 inputs, and each bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.points.layers import read_layer

# Published WGS-84 / GCJ-02 / BD-09 triples (lon, lat) of Chinese city centres from the test fixtures of the
# open-source library gcoord: github.com/hujiulong/gcoord, test/fixtures/china-cities.json (驻马店, 沈阳, 泸州).
CITIES = [
    {"name": "驻马店", "wgs": (114.0164322, 33.0133556), "gcj": (114.022306, 33.0115324), "bd": (114.0287781, 33.0176697)},
    {"name": "沈阳", "wgs": (123.4253306, 41.8032629), "gcj": (123.4314787, 41.8057023), "bd": (123.438095, 41.8114013)},
    {"name": "泸州", "wgs": (105.4386655, 28.8748404), "gcj": (105.4422659, 28.871815), "bd": (105.4487888, 28.8776874)},
]
GEOD = Geod(ellps="WGS84")


def _metres(gdf: gpd.GeoDataFrame, key: str) -> np.ndarray:
    lon = np.array([c[key][0] for c in CITIES])
    lat = np.array([c[key][1] for c in CITIES])
    return GEOD.inv(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), lon, lat)[2]


def _cities_gdf(key: str, crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [c["name"] for c in CITIES], "n": [1, 2, 3]},
                            geometry=[Point(c[key]) for c in CITIES], crs=crs)


# ----------------------------------------------------------------------------------------------- formats
def test_geopackage_with_layer_name(tmp_path):
    p = tmp_path / "poi.gpkg"
    _cities_gdf("wgs").to_file(p, layer="schools")
    _cities_gdf("wgs").iloc[:1].to_file(p, layer="parks")
    g = read_layer(p, layer="parks")
    assert len(g) == 1 and g.crs == "EPSG:4326" and g.attrs["source"] == str(p)
    with pytest.raises(LifecircleInputError, match="2 layers.*parks.*layer="):
        read_layer(p)
    with pytest.raises(LifecircleInputError, match="no layer 'clinics'"):
        read_layer(p, layer="clinics")


def test_shapefile_in_cgcs2000(tmp_path):
    p = tmp_path / "cgcs.shp"
    _cities_gdf("wgs", crs="EPSG:4490").to_file(p)
    g = read_layer(p)
    assert g.crs == "EPSG:4326"
    # CGCS2000 and WGS-84 agree to a few centimetres: pyproj treats the datum shift as null
    assert _metres(g, "wgs").max() < 0.05
    assert g["name"].tolist() == [c["name"] for c in CITIES]


def test_shapefile_without_prj_needs_crs(tmp_path):
    p = tmp_path / "noprj.shp"
    _cities_gdf("wgs").to_file(p)
    p.with_suffix(".prj").unlink()
    with pytest.raises(LifecircleInputError, match="no CRS.*prj"):
        read_layer(p)
    g = read_layer(p, crs="EPSG:4490")
    assert _metres(g, "wgs").max() < 0.05


def test_geojson(tmp_path):
    p = tmp_path / "poi.geojson"
    _cities_gdf("wgs").to_file(p, driver="GeoJSON")
    assert _metres(read_layer(p), "wgs").max() < 1e-3


def test_geoparquet_in_cgcs2000_gauss_kruger(tmp_path):
    p = tmp_path / "poi.parquet"
    _cities_gdf("wgs").to_crs("EPSG:4544").to_parquet(p)  # CGCS2000 / 3-degree Gauss-Kruger CM 105E
    g = read_layer(p)
    assert _metres(g, "wgs").max() < 1e-3
    assert read_layer(p, to_crs=None).crs == "EPSG:4544"


def test_csv_with_chinese_headers_in_gb18030(tmp_path):
    p = tmp_path / "poi.csv"
    df = pd.DataFrame({"名称": [c["name"] for c in CITIES], "经度": [c["wgs"][0] for c in CITIES], "纬度": [c["wgs"][1] for c in CITIES]})
    df.to_csv(p, index=False, encoding="gb18030")
    g = read_layer(p)
    assert g["名称"].tolist() == [c["name"] for c in CITIES]
    assert _metres(g, "wgs").max() < 1e-3


@pytest.mark.parametrize("key, coords", [("gcj", "gcj02"), ("bd", "bd09")])
def test_csv_of_amap_and_baidu_exports_is_converted_to_wgs84(tmp_path, key, coords):
    p = tmp_path / f"{coords}.csv"
    pd.DataFrame({"name": [c["name"] for c in CITIES], "lng": [c[key][0] for c in CITIES], "lat": [c[key][1] for c in CITIES]}).to_csv(p, index=False)
    g = read_layer(p, coords=coords)
    assert _metres(g, "wgs").max() < 1.0  # the published WGS-84 position, to 1 m
    # without the conversion the same file is hundreds of metres off
    assert _metres(read_layer(p), "wgs").min() > 100


def test_gcj02_geopackage_is_converted(tmp_path):
    p = tmp_path / "amap.gpkg"
    _cities_gdf("gcj").to_file(p)
    assert _metres(read_layer(p, coords="GCJ-02"), "wgs").max() < 1.0


def test_csv_location_column_and_overrides(tmp_path):
    p = tmp_path / "amap_api.csv"
    pd.DataFrame({"name": ["a"], "location": [f"{CITIES[0]['gcj'][0]},{CITIES[0]['gcj'][1]}"]}).to_csv(p, index=False)
    g = read_layer(p, coords="gcj02")
    assert _metres(g.iloc[[0, 0, 0]], "wgs")[0] < 1.0
    q = tmp_path / "odd.csv"
    pd.DataFrame({"E": [106.5], "N": [29.55]}).to_csv(q, index=False)
    g = read_layer(q, lon="E", lat="N")
    assert (g.geometry.x[0], g.geometry.y[0]) == pytest.approx((106.5, 29.55))


def test_csv_of_projected_xy_with_crs(tmp_path):
    xy = _cities_gdf("wgs").to_crs("EPSG:4544")
    p = tmp_path / "xy.csv"
    pd.DataFrame({"x": xy.geometry.x, "y": xy.geometry.y}).to_csv(p, index=False)
    with pytest.raises(LifecircleInputError, match="no CRS.*crs='EPSG"):
        read_layer(p)
    assert _metres(read_layer(p, crs="EPSG:4544"), "wgs").max() < 1e-3


# ----------------------------------------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    with pytest.raises(LifecircleInputError, match="does not exist"):
        read_layer(tmp_path / "nope.gpkg")


def test_unknown_extension(tmp_path):
    p = tmp_path / "poi.xlsx"
    p.write_bytes(b"PK")
    with pytest.raises(LifecircleInputError, match=r"unknown file type '\.xlsx'.*Supported"):
        read_layer(p)


def test_csv_without_lonlat_columns(tmp_path):
    p = tmp_path / "poi.csv"
    p.write_text("name,address\na,b\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no longitude/latitude columns.*lon='...'"):
        read_layer(p)
    with pytest.raises(LifecircleInputError, match="no column 'E'"):
        read_layer(p, lon="E", lat="N")


def test_unparsable_numbers_name_the_rows(tmp_path):
    p = tmp_path / "poi.csv"
    p.write_text("name,lon,lat\na,106.5,29.5\nb,106.5x,29.5\nc,106.6,29.6\nd,,29.6\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match=r"column 'lon'.*row\(s\) 2, 4 .*'106.5x'"):
        read_layer(p)


def test_lonlat_swapped(tmp_path):
    p = tmp_path / "poi.csv"
    p.write_text("name,lon,lat\na,29.5,106.5\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="outside the valid range.*row\\(s\\) 1.*swapped"):
        read_layer(p)


def test_projected_metres_declared_as_degrees(tmp_path):
    p = tmp_path / "poi.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(500000, 3300000)], crs="EPSG:4326").to_file(p)
    with pytest.raises(LifecircleInputError, match="outside the valid longitude/latitude range"):
        read_layer(p)


def test_empty_layers(tmp_path):
    p = tmp_path / "poi.csv"
    p.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no rows"):
        read_layer(p)
    q = tmp_path / "empty.geojson"
    q.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="no features"):
        read_layer(q)
    e = tmp_path / "blank.csv"
    e.write_text("", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="empty"):
        read_layer(e)


def test_bad_options(tmp_path):
    p = tmp_path / "poi.parquet"
    _cities_gdf("wgs").to_crs("EPSG:4544").to_parquet(p)
    with pytest.raises(LifecircleInputError, match="unknown coords='mars'"):
        read_layer(p, coords="mars")
    with pytest.raises(LifecircleInputError, match="projected"):
        read_layer(p, coords="gcj02")
    with pytest.raises(LifecircleInputError, match="not a CRS pyproj knows"):
        read_layer(p, crs="EPSG:999999")
    with pytest.raises(LifecircleInputError, match="declares CRS.*crs='EPSG:4326'"):
        read_layer(p, crs="EPSG:4326")


def test_not_a_geoparquet(tmp_path):
    p = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(p)
    with pytest.raises(LifecircleInputError, match="not a GeoParquet"):
        read_layer(p)


def test_corrupt_geopackage(tmp_path):
    p = tmp_path / "broken.gpkg"
    p.write_bytes(b"this is not sqlite")
    with pytest.raises(LifecircleInputError, match="Cannot open"):
        read_layer(p)
