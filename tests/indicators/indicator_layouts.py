"""Hand-made layouts for indicator tests: four homes whose coverage is computable by hand.

Homes (EPSG:32648, metres), population (people), residential land area_m2, floor_area_m2 and times/distances::

    id  x    y    pop  area  floor  t_primary  t_elderly  t_fresh_market  r_rail   t_culture
    A   100  100  100  1000  3000   300        200        800             500      inf
    B   400  100   50  2000  NaN    700        400        500             900      inf
    C   600  100   10  1000  1000   inf        100        1000            inf      inf
    D   700  700   40  1000  2000   550        250        450             100      inf

Sub-areas: polygon "W" = x 0–500, "E" = x 500–1000 (y 0–1000): A, B in W; C, D in E.
Grid 500 m: A, B in cell (0, 0); C in (1, 0); D in (1, 1).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point, box

INF = math.inf
NAN = math.nan
CRS = "EPSG:32648"


def four_homes() -> gpd.GeoDataFrame:
    rows = [
        # id, x, y, pop, area, floor, t_primary, t_elderly, t_fresh_market, r_rail
        ("A", 100, 100, 100.0, 1000.0, 3000.0, 300.0, 200.0, 800.0, 500.0),
        ("B", 400, 100, 50.0, 2000.0, NAN, 700.0, 400.0, 500.0, 900.0),
        ("C", 600, 100, 10.0, 1000.0, 1000.0, INF, 100.0, 1000.0, INF),
        ("D", 700, 700, 40.0, 1000.0, 2000.0, 550.0, 250.0, 450.0, 100.0),
    ]
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "population": [r[3] for r in rows],
            "area_m2": [r[4] for r in rows],
            "floor_area_m2": [r[5] for r in rows],
            "t_primary_school": [r[6] for r in rows],
            "t_elderly_care": [r[7] for r in rows],
            "t_fresh_market": [r[8] for r in rows],
            "r_rail_station": [r[9] for r in rows],
            "t_culture": [INF] * 4,
        },
        geometry=[Point(r[1], r[2]) for r in rows],
        crs=CRS,
    )


def west_east_polygons() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["W", "E"]}, geometry=[box(0, 0, 500, 1000), box(500, 0, 1000, 1000)], crs=CRS)


SMALL_PROFILE = """
id = "small"
name_en = "Small test profile"
denominator = "residential_land_area"
composite_rule = "each_own_threshold"

[[indicators]]
id = "primary_10min"
name_en = "Primary school within 10 min"
categories = ["primary_school"]
threshold = 600
threshold_kind = "walk_time_s"
source = "tdt1063-indicator-tree"
confidence = "✅"

[[indicators]]
id = "elderly_5min"
name_en = "Elderly care within 5 min"
categories = ["elderly_care"]
threshold = 300
threshold_kind = "walk_time_s"
source = "tdt1063-indicator-tree"
confidence = "✅"

[[indicators]]
id = "market_10min"
name_en = "Fresh market within 10 min"
categories = ["fresh_market"]
threshold = 600
threshold_kind = "walk_time_s"
source = "tdt1063-indicator-tree"
confidence = "✅"

[[indicators]]
id = "rail_800m"
name_en = "Rail within 800 m radius"
categories = ["rail_station"]
threshold = 800
threshold_kind = "straight_radius_m"
source = "tdt1063-indicator-tree"
confidence = "✅"

[[indicators]]
id = "culture_15min"
name_en = "Culture within 15 min"
categories = ["culture"]
threshold = 900
threshold_kind = "walk_time_s"
source = "tdt1063-indicator-tree"
confidence = "✅"

[[indicators]]
id = "composite"
kind = "composite"
name_en = "Elderly and market"
elements = ["elderly_5min", "market_10min"]
source = "tdt1063-indicator-tree"
confidence = "🔴"
"""


def write_profile(tmp_path: Path, text: str, name: str = "profile.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
