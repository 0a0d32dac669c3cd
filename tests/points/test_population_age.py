"""Population by age group spread over the homes as the total is."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from lifecircle.errors import LifecircleInputError
from lifecircle.points.homes import homes_from_layer
from lifecircle.points.population import age_column, detect_age_columns, parse_age_columns, spread_age_groups


def test_age_columns_recognised_by_name():
    cols = ["社区名称", "常住人口", "0-2岁", "3-5岁", "6至11岁", "12-14岁", "60岁及以上", "65岁以上", "age_3_5_dup", "2020"]
    assert detect_age_columns(cols) == {"0-2": "0-2岁", "3-5": "3-5岁", "6-11": "6至11岁", "12-14": "12-14岁",
                                        "60+": "60岁及以上", "65+": "65岁以上"}
    assert detect_age_columns(["age_3_5", "pop_60plus", "age65p"]) == {"3-5": "age_3_5", "60+": "pop_60plus", "65+": "age65p"}
    assert detect_age_columns(["total", "15-59岁"]) == {}


def test_age_column_specs():
    assert parse_age_columns(("60+=老年人口", "3-5 = 学前")) == {"60+": "老年人口", "3-5": "学前"}
    with pytest.raises(LifecircleInputError, match="GROUP=COLUMN"):
        parse_age_columns(("60=老年人口",))
    assert age_column("60+") == "age_60plus" and age_column("12-14") == "age_12_14"


def test_each_group_is_spread_like_the_total_and_keeps_its_sum():
    # two 社区 side by side; three parcels, one straddling the border
    homes = homes_from_layer(gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[box(0, 0, 0.002, 0.002), box(0.003, 0, 0.005, 0.002), box(0.008, 0, 0.012, 0.002)],
        crs="EPSG:4326").to_crs("EPSG:4326"))
    homes["kind"] = "residential_land"
    cells = gpd.GeoDataFrame({"total": [1000, 600], "60岁及以上": [250, 90], "3-5岁": [30, 12]},
                             geometry=[box(-0.001, -0.001, 0.010, 0.003), box(0.010, -0.001, 0.02, 0.003)], crs="EPSG:4326")
    from lifecircle.points.homes import population_from_grid

    base = population_from_grid(homes, cells, grid_column="total")
    out = spread_age_groups(base, cells, detect_age_columns(cells.columns))
    assert np.isclose(out["age_60plus"].sum(), 340) and np.isclose(out["age_3_5"].sum(), 42)
    # the same shares as the total: in a cell whose people are all 25 % elderly, each home's elderly are 25 %
    ab = out.set_index("id").loc[["a", "b"]]
    assert np.allclose(ab["age_60plus"], ab["population"] * 0.25)
    assert out.attrs["age_groups"] == {"60+": "60岁及以上", "3-5": "3-5岁"}
    with pytest.raises(LifecircleInputError, match="no column"):
        spread_age_groups(base, cells, {"60+": "老年人口"})
