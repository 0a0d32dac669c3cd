"""Age-group coverage beside the standard's rate, and the indicators that categories without facilities zero."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from lifecircle.indicators.completeness import empty_categories
from lifecircle.indicators.table import indicator_table
from lifecircle.points.categories import known_categories


def _homes(with_ages: bool) -> gpd.GeoDataFrame:
    n = 4
    frame = {"id": [f"h{i}" for i in range(n)], "population": [100.0, 200.0, 300.0, 400.0],
             "area_m2": [1000.0, 1000.0, 2000.0, 4000.0], "floor_area_m2": np.nan}
    for c in known_categories():
        frame[f"t_{c}"] = np.full(n, np.inf)
        frame[f"d_{c}"] = np.full(n, np.inf)
        frame[f"r_{c}"] = np.full(n, np.inf)
    frame["t_elderly_care"] = [100.0, 200.0, 400.0, 250.0]   # 5 min = 300 s: h0, h1, h3 covered
    frame["t_primary_school"] = [100.0, 700.0, 500.0, 900.0]  # 10 min = 600 s: h0, h2 covered
    if with_ages:
        frame["age_60plus"] = [50.0, 10.0, 30.0, 10.0]
        frame["age_6_11"] = [5.0, 5.0, 20.0, 10.0]
    return gpd.GeoDataFrame(frame, geometry=[Point(i * 100.0, 0.0) for i in range(n)], crs="EPSG:4545")


def test_age_group_coverage_is_reported_beside_the_standard_s_rate():
    table = indicator_table(_homes(True), ["cn-health-check"], None).set_index("indicator")
    elderly = table.loc["elderly_care_5min"]
    assert math.isclose(elderly["value"], 6000 / 8000)                  # residential land area, the standard's
    assert elderly["age_group"] == "60+"
    assert math.isclose(elderly["age_numerator"], 70) and math.isclose(elderly["age_denominator"], 100)
    assert math.isclose(elderly["age_value"], 0.7)
    school = table.loc["primary_school_10min"]
    assert school["age_group"] == "6-11" and math.isclose(school["age_value"], 25 / 40)
    assert table.loc["middle_school_15min", "age_group"] == "12-14" and math.isnan(table.loc["middle_school_15min", "age_value"])
    assert table.loc["culture_15min", "age_group"] == ""


def test_without_ages_the_group_is_named_and_the_coverage_left_empty():
    table = indicator_table(_homes(False), ["cn-health-check"], None).set_index("indicator")
    assert table.loc["elderly_care_5min", "age_group"] == "60+"
    assert math.isnan(table.loc["elderly_care_5min", "age_value"])


def test_65_plus_stands_in_for_60_plus_with_a_note():
    homes = _homes(True).rename(columns={"age_60plus": "age_65plus"})
    row = indicator_table(homes, ["cn-health-check"], None).set_index("indicator").loc["elderly_care_5min"]
    assert row["age_group"] == "65+" and math.isclose(row["age_value"], 0.7)
    assert "age group 60+ not given: 65+ used" in row["note"]


def test_empty_categories_name_the_indicators_they_zero():
    counts = {"primary_school": 3, "culture": 2, "fresh_market": 1, "sports": 1, "park": 1, "rail_station": 9}
    report = empty_categories(["cn-health-check"], counts)
    assert report.categories == ["health_station", "health_centre", "middle_school", "elderly_care"]
    assert report.indicators["cn-health-check"] == ["health_15min", "middle_school_15min", "elderly_care_5min",
                                                    "life_circle_15min"]
    text = report.warnings("Bring POI data.")
    assert len(text) == 4 and "'elderly_care' (养老设施)" in text[3] and "cn-health-check elderly_care_5min" in text[3]
    assert "life_circle_15min" in text[3] and text[3].endswith("Bring POI data.")
    # one category of two present: the indicator is not zeroed by the data
    assert "health_15min" not in empty_categories(["cn-health-check"], {**counts, "health_centre": 1}).indicators["cn-health-check"]
    assert empty_categories(["cn-health-check"], {c: 1 for c in known_categories()}).categories == []


def test_table_rows_keep_their_order_and_columns():
    table = indicator_table(_homes(True), ["cn-health-check"], None)
    assert list(table.columns[-4:]) == ["age_group", "age_value", "age_numerator", "age_denominator"]
    assert isinstance(table, pd.DataFrame) and len(table) == 10
