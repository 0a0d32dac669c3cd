"""Buildings of unspecified use (``building=yes`` with no tag of another use) as homes, on request only."""

import json

import geopandas as gpd
from shapely.geometry import box

from lifecircle.points.homes import select_residential_buildings


def _buildings():
    rows = [
        ("w1", "apartments", {}),
        ("w2", "yes", {}),                      # use not mapped: a home only on request
        ("w3", "yes", {"shop": "bakery"}),      # a shop: never a home
        ("w4", "retail", {}),                   # non-residential type: never a home
        ("w5", "yes", {"amenity": "school"}),   # a school building: never a home
    ]
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "building": [r[1] for r in rows], "levels": [float("nan")] * len(rows),
         "name": [None] * len(rows), "osm_tags": [json.dumps(dict(r[2], building=r[1])) for r in rows]},
        geometry=[box(i, 0, i + 0.5, 0.5) for i in range(len(rows))], crs="EPSG:3857",
    )


def test_only_residential_types_by_default():
    out = select_residential_buildings(_buildings())
    assert list(out["id"]) == ["w1"]
    assert not out["unspecified_use"].any()


def test_unspecified_use_buildings_on_request():
    out = select_residential_buildings(_buildings(), unspecified_as_homes=True)
    assert list(out["id"]) == ["w1", "w2"]
    assert list(out["unspecified_use"]) == [False, True]
