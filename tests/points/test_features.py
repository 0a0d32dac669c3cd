"""Classification of OSM features into life-circle categories: a hand-written .osm file, then Helsinki and Yuzhong."""

from __future__ import annotations

import csv
import json
from importlib import resources

import numpy as np
import pytest
from osm_sample import write_sample
from pyproj import Geod
from shapely.geometry import Point

from lifecircle.errors import LifecircleInputError
from lifecircle.points.features import (
    FACILITY_COLUMNS,
    category_counts,
    classify_tags,
    load_tag_rules,
    read_buildings,
    read_facilities,
    read_landuse,
)

GEOD = Geod(ellps="WGS84")


def _known_categories() -> set[str]:
    with resources.files("lifecircle").joinpath("data/categories.csv").open(encoding="utf-8") as fh:
        return {r["id"] for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("osm"))


@pytest.fixture(scope="module")
def sample_facilities(sample):
    return read_facilities(sample)


def _cats(fac, fid: str) -> list[str]:
    return sorted(fac.loc[fac["id"] == fid, "category"])


def test_tag_table_uses_only_known_categories_and_parses():
    rules = load_tag_rules()
    assert {r.category for r in rules} <= _known_categories()
    assert len(rules) > 50


@pytest.mark.parametrize(
    "fid, expected",
    [
        ("n1", ["kindergarten"]),
        ("n2", ["primary_school"]),  # name 小学
        ("n3", ["primary_school"]),  # no level information at all: the documented default
        ("n4", ["middle_school", "primary_school"]),  # 九年一贯制: both
        ("n5", ["fresh_market", "supermarket"]),  # shop=supermarket named 菜市场
        ("n6", ["bus_stop"]),
        ("n7", ["bus_stop"]),  # public_transport=platform + bus=yes
        ("n8", []),  # a platform of unknown mode
        ("n9", ["rail_station"]),
        ("n10", ["community_service", "elderly_care"]),  # social facility for seniors
        ("n11", []),  # a bench
        ("n12", ["middle_school"]),  # isced:level 2;3 and lukio
        ("n13", []),  # a university is not a life-circle school
        ("w201", ["middle_school"]),  # closed way, isced:level=2
        ("w202", ["hospital"]),  # building=hospital
        ("w203", ["plaza"]),  # highway=pedestrian + area=yes
        ("w204", []),  # a closed pedestrian street without area=yes is a street, not a plaza
        ("r301", ["park"]),  # multipolygon relation
        ("w207", ["bus_stop"]),  # an open platform way
        ("w220", ["park"]),  # a playground cut by the extract's edge
        ("w221", []),  # a café none of whose nodes is in the file
    ],
)
def test_hand_written_osm_classification(sample_facilities, fid, expected):
    assert _cats(sample_facilities, fid) == expected


def test_columns_and_attributes(sample_facilities):
    f = sample_facilities.set_index(["id", "category"])
    assert tuple(sample_facilities.columns) == FACILITY_COLUMNS
    assert sample_facilities.crs == "EPSG:4326"
    assert f.loc[("n1", "kindergarten"), "capacity"] == 120.0  # capacity=120
    assert f.loc[("w202", "hospital"), "capacity"] == 300.0  # beds=300
    assert f.loc[("n2", "primary_school"), "name"] == "解放碑小学"
    assert json.loads(f.loc[("w201", "middle_school"), "osm_tags"])["isced:level"] == "2"
    assert not sample_facilities.duplicated(["id", "category"]).any()


def test_access_points(sample_facilities):
    f = sample_facilities.set_index(["id", "category"])
    # node: its location
    assert f.loc[("n1", "kindergarten"), "access_kind"] == "node"
    assert f.loc[("n1", "kindergarten"), "geometry"].equals(Point(24.94, 60.17))
    # polygon with an entrance=main node on its outline: that node
    r = f.loc[("w201", "middle_school")]
    assert r.access_kind == "entrance" and r.geometry.equals(Point(24.931, 60.1605))
    assert r.footprint.geom_type == "Polygon"
    # polygon without entrance: centroid of the 0.001° × 0.001° square
    r = f.loc[("w202", "hospital")]
    assert r.access_kind == "centroid"
    assert r.geometry.x == pytest.approx(24.9305) and r.geometry.y == pytest.approx(60.1625)
    # multipolygon from two outer ways: 0.002° × 0.001° → about 111 m × 111 m near 60.17 N
    r = f.loc[("r301", "park")]
    area = abs(GEOD.geometry_area_perimeter(r.footprint)[0])
    assert area == pytest.approx(0.002 * 0.001 * (111_320 * 0.4985) * 111_320, rel=0.02)
    # open way: its midpoint
    r = f.loc[("w207", "bus_stop")]
    assert r.access_kind == "midpoint" and r.geometry.distance(Point(24.931, 60.168)) < 1e-9
    assert r.footprint is None
    # a closed way missing node 999: halfway along what is left (141 → 142 → back to 141) is node 142
    r = f.loc[("w220", "park")]
    assert r.access_kind == "partial" and r.geometry.distance(Point(24.932, 60.168)) < 1e-9
    assert sample_facilities.attrs["skipped"] == 1  # w221


def test_category_filter_and_projection(sample):
    f = read_facilities(sample, crs="EPSG:32635", categories=["hospital", "park"])
    assert sorted(f["id"] + ":" + f.category) == ["r301:park", "w202:hospital", "w220:park"]
    hospital = f.set_index("id").loc["w202"]
    assert f.crs == "EPSG:32635" and 5000 < hospital.footprint.area < 7000  # ≈ 55.5 m × 111 m, in square metres
    with pytest.raises(LifecircleInputError, match="Unknown facility categories.*'schools'"):
        read_facilities(sample, categories=["schools"])


def test_buildings_and_landuse(sample):
    b = read_buildings(sample).set_index("id")
    assert b.loc["w212", "levels"] == 6.0 and b.loc["w212", "building"] == "apartments"
    assert b.loc["w212", "entrances"].equals(Point(24.93075, 60.153))
    assert b.loc["w211", "entrances"] is None
    assert read_landuse(sample)["id"].tolist() == ["w210"]


def test_classify_tags_directly():
    assert classify_tags({"amenity": "school", "isced:level": "1;2"}) == ["middle_school", "primary_school"]
    assert classify_tags({"leisure": "garden", "access": "private"}) == []
    assert classify_tags({"highway": "pedestrian", "area": "yes"}, "area") == ["plaza"]
    assert classify_tags({"highway": "pedestrian", "area": "yes"}, "node") == []


def test_user_tag_table(tmp_path, sample):
    t = tmp_path / "tags.csv"
    t.write_text("category,key,value,geometry,requires,note\npark,amenity,bench,node,,benches as parks\n", encoding="utf-8")
    f = read_facilities(sample, tag_table=t)
    assert f["id"].tolist() == ["n11"]
    bad = tmp_path / "bad.csv"
    bad.write_text("category,key,value,geometry,requires,note\nparks,leisure,park,any,,\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="line 2: unknown category 'parks'"):
        read_facilities(sample, tag_table=bad)
    bad.write_text("category,key,value,geometry,requires,note\npark,leisure,park,any,name~[,\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="bad regular expression"):
        read_facilities(sample, tag_table=bad)


def test_bad_osm_files(tmp_path, yuzhong_pbf):
    with pytest.raises(LifecircleInputError, match="does not exist"):
        read_facilities(tmp_path / "missing.osm.pbf")
    wrong = tmp_path / "data.csv"
    wrong.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="not an OpenStreetMap file"):
        read_facilities(wrong)
    truncated = tmp_path / "cut.osm.pbf"
    truncated.write_bytes(yuzhong_pbf.read_bytes()[:20_000])
    with pytest.raises(LifecircleInputError, match="corrupt, truncated"):
        read_facilities(truncated)


# ----------------------------------------------------------------------------------------------- real data
def test_helsinki_categories(helsinki_path):
    f = read_facilities(helsinki_path)
    counts = category_counts(f)
    # categories the extract maps (checked with osmium tags-count): restaurants, bus and tram stops, stations,
    # supermarkets, pharmacies, doctors, parks, libraries/theatres, schools
    for cat in ("eating", "bus_stop", "rail_station", "supermarket", "pharmacy", "health_station", "park", "culture",
                "primary_school", "middle_school", "convenience", "services", "sports", "plaza"):
        assert counts.get(cat, 0) > 0, cat
    assert set(f.category) <= _known_categories()
    assert f.attrs["skipped"] == 0
    bounds = f.total_bounds
    assert 24.9 < bounds[0] and bounds[2] < 25.0 and 60.1 < bounds[1] and bounds[3] < 60.2


def test_yuzhong_categories(yuzhong_pbf):
    f = read_facilities(yuzhong_pbf)
    counts = category_counts(f)
    for cat in ("fresh_market", "supermarket", "rail_station", "hospital", "primary_school", "culture", "services"):
        assert counts.get(cat, 0) > 0, cat
    names = set(f.loc[f.category == "fresh_market", "name"].dropna())
    assert "学田湾大阳沟菜市场" in names  # a shop=supermarket named 菜市场
    # Yuzhong maps its hospital campuses as building=hospital (38 ways in the file)
    assert counts["hospital"] == 38


# ----------------------------------------------------------------------------------------------- user layers
def _user_layer():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(
        {"名称": ["幼儿园A", "公园B"], "category": ["kindergarten", "park"], "beds": ["40", None]},
        geometry=[Point(106.57, 29.55), box(106.58, 29.56, 106.59, 29.57)], crs="EPSG:4326",
    )


def test_facilities_from_layer():
    from lifecircle.points.features import facilities_from_layer

    f = facilities_from_layer(_user_layer(), capacity_column="beds")
    assert f["id"].tolist() == ["u0", "u1"] and f["name"].tolist() == ["幼儿园A", "公园B"]
    assert f["access_kind"].tolist() == ["point", "centroid"]
    assert f.geometry[1].distance(Point(106.585, 29.565)) < 1e-9 and f.footprint[1].area > 0
    assert f.capacity[0] == 40.0 and np.isnan(f.capacity[1])
    one = facilities_from_layer(_user_layer(), category="primary_school")
    assert set(one.category) == {"primary_school"}


def test_facilities_from_layer_bad_categories():
    from lifecircle.points.features import facilities_from_layer

    layer = _user_layer()
    layer.loc[1, "category"] = None
    with pytest.raises(LifecircleInputError, match="empty categories in rows 2"):
        facilities_from_layer(layer)
    layer.loc[1, "category"] = "schools"
    with pytest.raises(LifecircleInputError, match=r"unknown categories \['schools'\]"):
        facilities_from_layer(layer)
    with pytest.raises(LifecircleInputError, match="no category column 'type'"):
        facilities_from_layer(layer, category_column="type")
    with pytest.raises(LifecircleInputError, match="Unknown facility category 'mall'"):
        facilities_from_layer(layer, category="mall")
    with pytest.raises(LifecircleInputError, match="empty"):
        facilities_from_layer(layer.iloc[:0])
