"""A hand-made two-street district whose walking times can be worked out on paper, written as a results folder.

Street A runs along y = 0 from x = 0 to 2000 m (nodes 0, 1, 2 at x = 0, 1000, 2000), street B along y = 100 (nodes
3, 4, 5); a river lies between them and the only crossing is at x = 2000 (2→5, 100 m). Walking speed 1 m/s
(profile ``planning``), so seconds = metres. Ten homes stand 5 m south of street A at x = 100, 300, ..., 1900
(10 people, 100 m² of residential land each). Facilities stand 5 m off a street:

* ``hs-b`` health_station at (100, 105) on street B: from a home at x, 5 + (2000 − x) + 100 + 1900 + 5 = 4010 − x s;
* ``mk-a`` fresh_market at (1900, −5) on street A: |1900 − x| + 10 s;
* ``mk-b`` fresh_market at (100, 105) on street B: 4010 − x s.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from lifecircle.accessibility import walking_columns
from lifecircle.network.io import save_network
from lifecircle.network.model import WalkNetwork
from lifecircle.points.snapping import snap_points

CRS = "EPSG:32648"
X0, Y0 = 650_000.0, 3_270_000.0
HOME_X = [100.0 + 200.0 * k for k in range(10)]
PROFILES = ("cn-health-check",)


def river_net() -> WalkNetwork:
    xy = [(0, 0), (1000, 0), (2000, 0), (0, 100), (1000, 100), (2000, 100)]
    nodes = pd.DataFrame({"node_id": range(len(xy)), "osm_id": -1, "x": [X0 + x for x, _ in xy], "y": [Y0 + y for _, y in xy]})
    lonlat = gpd.GeoSeries(gpd.points_from_xy(nodes.x, nodes.y), crs=CRS).to_crs("EPSG:4326")
    nodes["lon"], nodes["lat"] = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    rows = []
    for u, v in [(0, 1), (1, 2), (3, 4), (4, 5), (2, 5)]:
        e = len(rows)
        rows += [(e, u, v, e + 1), (e + 1, v, u, e)]
    geoms = [LineString([(nodes.x[u], nodes.y[u]), (nodes.x[v], nodes.y[v])]) for _, u, v, _ in rows]
    edges = gpd.GeoDataFrame({"edge_id": [r[0] for r in rows], "u": [r[1] for r in rows], "v": [r[2] for r in rows],
                              "rev": [r[3] for r in rows]}, geometry=geoms, crs=CRS)
    edges["length_m"] = edges.geometry.length
    edges["time_s"] = edges["length_m"] / 1.0
    edges["highway"] = "footway"
    edges["way_id"] = 1
    edges["steps"] = False
    return WalkNetwork(crs=CRS, nodes=nodes, edges=edges, walk_profile="planning", meta={"speed_m_s": 1.0})


def at(xy, **cols) -> gpd.GeoDataFrame:
    """Points at (X0 + x, Y0 + y) in :data:`CRS`."""
    return gpd.GeoDataFrame(dict(cols), geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]), crs=CRS)


def line(*xy) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def homes() -> gpd.GeoDataFrame:
    n = len(HOME_X)
    return at([(x, -5.0) for x in HOME_X], id=[f"h{k}" for k in range(n)], population=[10.0] * n,
              area_m2=[100.0] * n, floor_area_m2=[200.0] * n)


def facilities() -> gpd.GeoDataFrame:
    return at([(100, 105), (1900, -5), (100, 105)], id=["hs-b", "mk-a", "mk-b"],
              category=["health_station", "fresh_market", "fresh_market"], name=["", "", ""],
              capacity=[float("nan")] * 3)


def write_results(folder: Path) -> Path:
    """The two-street district as a results folder (network, homes with walking columns, facilities, run.json)."""
    from lifecircle.indicators import load_profile

    net = river_net()
    sh, sf = snap_points(net, homes()), snap_points(net, facilities())
    frame = walking_columns(net, sh, sf, [load_profile(p) for p in PROFILES])
    folder.mkdir(parents=True, exist_ok=True)
    save_network(net, folder)
    frame.to_parquet(folder / "homes.parquet", index=False)
    sf.frame.to_parquet(folder / "facilities.parquet", index=False)
    run = {"profiles": list(PROFILES), "walk_profile": "planning", "crs": CRS,
           "parameters": {"profiles": list(PROFILES), "areas": None, "snap_max_m": 200.0}}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return folder
