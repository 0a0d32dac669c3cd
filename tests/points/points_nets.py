"""Small hand-made walking networks whose snapping results can be worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from lifecircle.network.model import WalkNetwork

#: UTM zone 35N (Helsinki): metres.
CRS = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0


def make_net(node_xy: list[tuple[float, float]], two_way: list[tuple[int, int]], one_way: list[tuple[int, int]] = (),
             walk_profile: str = "planning", speed_mps: float = 1.0) -> WalkNetwork:
    """Nodes at (X0 + x, Y0 + y); each two-way pair gives edges u→v then v→u (consecutive ids, ``rev`` linked),
    one-way edges follow with ``rev = -1``. ``time_s = length / speed_mps``."""
    nodes = pd.DataFrame({"node_id": range(len(node_xy)), "osm_id": -1,
                          "x": [X0 + x for x, _ in node_xy], "y": [Y0 + y for _, y in node_xy]})
    lonlat = gpd.GeoSeries(gpd.points_from_xy(nodes.x, nodes.y), crs=CRS).to_crs("EPSG:4326")
    nodes["lon"], nodes["lat"] = lonlat.x.to_numpy(), lonlat.y.to_numpy()
    rows = []
    for u, v in two_way:
        e = len(rows)
        rows.append((e, u, v, e + 1))
        rows.append((e + 1, v, u, e))
    for u, v in one_way:
        rows.append((len(rows), u, v, -1))
    geoms = [LineString([(nodes.x[u], nodes.y[u]), (nodes.x[v], nodes.y[v])]) for _, u, v, _ in rows]
    edges = gpd.GeoDataFrame({"edge_id": [r[0] for r in rows], "u": [r[1] for r in rows], "v": [r[2] for r in rows],
                              "rev": [r[3] for r in rows]}, geometry=geoms, crs=CRS)
    edges["length_m"] = edges.geometry.length
    edges["time_s"] = edges["length_m"] / speed_mps
    edges["highway"] = "footway"
    edges["way_id"] = 1
    return WalkNetwork(crs=CRS, nodes=nodes, edges=edges, walk_profile=walk_profile)


def square_net(walk_profile: str = "planning") -> WalkNetwork:
    """A 100 m square: 0 (0,0), 1 (100,0), 2 (100,100), 3 (0,100).

    Edge ids: 0: 0→1, 1: 1→0, 2: 1→2, 3: 2→1, 4: 2→3, 5: 3→2 (two-way pairs), 6: 3→0 (one-way, rev −1).
    """
    return make_net([(0, 0), (100, 0), (100, 100), (0, 100)], [(0, 1), (1, 2), (2, 3)], [(3, 0)], walk_profile)


def pts(xy: list[tuple[float, float]], **cols) -> gpd.GeoDataFrame:
    """Points at (X0 + x, Y0 + y) in :data:`CRS` with an ``id`` column p0, p1..."""
    data = {"id": [f"p{i}" for i in range(len(xy))], **cols}
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]), crs=CRS)
