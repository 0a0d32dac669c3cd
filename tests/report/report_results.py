"""A small hand-made results folder whose numbers can be checked by hand.

Layout (EPSG:32635, UTM 35N, in central Helsinki; x in metres east of X0 along a straight street at Y0, 1 m/s):

* street nodes every 300 m from x = 0 to x = 1500 (two-way: 5 segments, 10 directed edges, 300 s each);
* one community health station at x = 0 and one primary school at x = 1500, both on the street (access 0 s);
  no park at all (``t_park`` is +inf everywhere);
* four homes 20 m off the street (access leg 20 s):

  ====  ======  ==========  =========  ==================  =====================
  home  x (m)   population  area (m²)  t_health_station s  t_primary_school s
  ====  ======  ==========  =========  ==================  =====================
  h1    100     10          100        100 + 20 = 120      1400 + 20 = 1420
  h2    380     20          200        380 + 20 = 400      1120 + 20 = 1140
  h3    780     30          300        780 + 20 = 800      720 + 20 = 740
  h4    980     40          400        980 + 20 = 1000     520 + 20 = 540
  ====  ======  ==========  =========  ==================  =====================

Indicators by hand (denominator: residential land area, 1000 m² in all):

* health ≤ 900 s: h1, h2, h3 → 600 / 1000 = 60 % (target 80 %: not met);
* primary school ≤ 600 s: h4 → 400 / 1000 = 40 % (target 30 %: met);
* park ≤ 300 s: nobody → 0 / 1000 = 0 % (no target).

Sub-areas: A = x < 500 (h1, h2), B = x ≥ 500 (h3, h4): health A 300/300 = 100 %, B 300/700 = 42.9 %.
One gap polygon around h4 (health, 40 people).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

CRS = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0
INF = math.inf

HOMES = [
    # id, x, population, area_m2, t_health_station, t_primary_school
    ("h1", 100.0, 10.0, 100.0, 120.0, 1420.0),
    ("h2", 380.0, 20.0, 200.0, 400.0, 1140.0),
    ("h3", 780.0, 30.0, 300.0, 800.0, 740.0),
    ("h4", 980.0, 40.0, 400.0, 1000.0, 540.0),
]

INDICATORS = [
    # profile, indicator, area, value, numerator, denominator, threshold, threshold_kind, source, name_zh, name_en,
    # confidence, target, denominator_kind, unit, categories
    ("cn-health-check", "health_15min", "ALL", 0.6, 600.0, 1000.0, 900.0, "walk_time_s", "tdt1063-2021; tdt1063-indicator-tree",
     "社区卫生服务设施步行15分钟覆盖率", "Community health facilities within a 15-minute walk", "✅", 0.8,
     "residential_land_area", "share", "health_station+health_centre"),
    ("cn-health-check", "primary_10min", "ALL", 0.4, 400.0, 1000.0, 600.0, "walk_time_s", "tdt1063-2021; tdt1063-indicator-tree",
     "社区小学步行10分钟覆盖率", "Primary schools within a 10-minute walk", "🟡", 0.3,
     "residential_land_area", "share", "primary_school"),
    ("cn-health-check", "park_5min", "ALL", 0.0, 0.0, 1000.0, 300.0, "walk_time_s", "TD/T 1063-2021 [P12]",
     "公园绿地、广场步行5分钟覆盖率", "Parks and squares within a 5-minute walk", "🟡", None,
     "residential_land_area", "share", "park+plaza"),
    ("cn-health-check", "health_15min", "A", 1.0, 300.0, 300.0, 900.0, "walk_time_s", "tdt1063-2021; tdt1063-indicator-tree",
     "社区卫生服务设施步行15分钟覆盖率", "Community health facilities within a 15-minute walk", "✅", 0.8,
     "residential_land_area", "share", "health_station+health_centre"),
    ("cn-health-check", "health_15min", "B", 300.0 / 700.0, 300.0, 700.0, 900.0, "walk_time_s",
     "tdt1063-2021; tdt1063-indicator-tree", "社区卫生服务设施步行15分钟覆盖率", "Community health facilities within a 15-minute walk",
     "✅", 0.8, "residential_land_area", "share", "health_station+health_centre"),
    ("bruno-15min", "gini_access", "ALL", 0.25, None, None, None, None, "bruno2024",
     "可达性基尼系数", "Gini coefficient of access", "🟡", None, None, "gini", ""),
]
INDICATOR_COLUMNS = ["profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                     "threshold_kind", "source", "name_zh", "name_en", "confidence", "target", "denominator_kind",
                     "unit", "categories"]

CATEGORIES = ("health_station", "primary_school", "park")


def write_results(folder: Path, with_optional: bool = True) -> Path:
    """Write the hand-made results folder described in this module's docstring into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    xs = [0.0, 300.0, 600.0, 900.0, 1200.0, 1500.0]
    nodes = pd.DataFrame({"node_id": range(len(xs)), "x": [X0 + x for x in xs], "y": [Y0] * len(xs)})
    lonlat = gpd.GeoSeries(gpd.points_from_xy(nodes.x, nodes.y), crs=CRS).to_crs(4326)
    nodes["lon"], nodes["lat"] = lonlat.x, lonlat.y
    nodes.to_parquet(folder / "network_nodes.parquet", index=False)

    rows = []
    for k in range(len(xs) - 1):
        a, b = (X0 + xs[k], Y0), (X0 + xs[k + 1], Y0)
        rows.append({"u": k, "v": k + 1, "geometry": LineString([a, b])})
        rows.append({"u": k + 1, "v": k, "geometry": LineString([b, a])})
    edges = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    edges.insert(0, "edge_id", range(len(edges)))
    edges["length_m"] = 300.0
    edges["time_s"] = 300.0
    edges["highway"] = "footway"
    edges.to_parquet(folder / "network_edges.parquet", index=False)

    facilities = gpd.GeoDataFrame(
        {"id": ["f1", "f2"], "edge_id": [0, 8], "edge_frac": [0.0, 1.0], "access_s": [0.0, 0.0],
         "category": ["health_station", "primary_school"], "capacity": [None, 720.0],
         "name": ["Kamppi health station", "Ruoholahti school"]},
        geometry=[Point(X0, Y0), Point(X0 + 1500.0, Y0)], crs=CRS)
    facilities.to_parquet(folder / "facilities.parquet", index=False)

    homes = gpd.GeoDataFrame(
        {"id": [h[0] for h in HOMES],
         "edge_id": [int(h[1] // 300) * 2 for h in HOMES],
         "edge_frac": [(h[1] % 300) / 300 for h in HOMES],
         "access_s": [20.0] * len(HOMES),
         "population": [h[2] for h in HOMES],
         "area_m2": [h[3] for h in HOMES],
         "t_health_station": [h[4] for h in HOMES], "f_health_station": ["f1"] * len(HOMES),
         "t_primary_school": [h[5] for h in HOMES], "f_primary_school": ["f2"] * len(HOMES),
         "t_park": [INF] * len(HOMES), "f_park": [None] * len(HOMES)},
        geometry=[Point(X0 + h[1], Y0 + 20.0) for h in HOMES], crs=CRS)
    homes.to_parquet(folder / "homes.parquet", index=False)

    pd.DataFrame(INDICATORS, columns=INDICATOR_COLUMNS).to_csv(folder / "indicators.csv", index=False)

    run = {
        "study_area": "Kamppi test street",
        "created": "2026-11-27T02:00:00+00:00",
        "crs": CRS,
        "parameters": {"profiles": ["cn-health-check", "bruno-15min"], "walk_profile": "planning"},
        "network": {"speed_m_s": 1.0, "stairs_factor": 2.5},
        "inputs": {"osm": {"path": "/data/street.osm.pbf", "sha256": "ab" * 32}},
        "versions": {"lifecircle": "0.1.0", "python": "3.11"},
        "timings_s": {"network": 1.25, "engine": 0.5},
        "attribution": ["© OpenStreetMap contributors (ODbL 1.0)"],
    }
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8")

    if with_optional:
        areas = gpd.GeoDataFrame(
            {"area_id": ["A", "B"], "name": ["West block", "East block"]},
            geometry=[box(X0 - 50, Y0 - 100, X0 + 500, Y0 + 100), box(X0 + 500, Y0 - 100, X0 + 1550, Y0 + 100)],
            crs=CRS)
        areas.to_parquet(folder / "areas.parquet", index=False)
        gaps = gpd.GeoDataFrame({"indicator": ["health_15min"], "population": [40.0]},
                                geometry=[box(X0 + 930, Y0 - 30, X0 + 1030, Y0 + 70)], crs=CRS)
        gaps.to_parquet(folder / "gaps.parquet", index=False)
    return folder
