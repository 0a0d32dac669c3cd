"""A hand-made results folder for the ``lifecircle plan`` tests: a 4 × 4 street grid, one home per crossing.

Every block is 60 m long and walked in 75 s both ways (steep streets); each home sits on its crossing with a 10 s
(10 m) access leg. Within a threshold of 90 s a site on a crossing therefore covers the homes of that crossing (10 s)
and of its four neighbours (85 s), never those two blocks away (160 s); within 140 m of network distance it also
covers those two blocks away (130 m) but not three (190 m). One existing elderly-care facility stands on crossing 0.
The reference times below come from networkx shortest paths, independently of lifecircle's engine.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from lifecircle.network.io import save_network
from lifecircle.network.model import WalkNetwork

CRS = "EPSG:32635"
X0, Y0 = 385_000.0, 6_672_000.0
SIDE = 4
BLOCK_M = 60.0
BLOCK_S = 75.0
ACCESS_S = 10.0
THRESHOLD_S = 90.0
THRESHOLD_M = 140.0
EXISTING_NODE = 0
#: People per crossing (node id = 4·row + column), fixed so the optimum is hand-checkable.
POPULATION = np.array([12, 30, 7, 41,
                       5, 22, 48, 9,
                       33, 16, 3, 27,
                       19, 44, 11, 26], dtype=float)

PROFILE_TOML = """
id = "test-grid"
name_en = "Test profile on the grid"
name_zh = "测试"
description = "Two coverage indicators for the plan tests."
source_text = "hand-made test grid"
confidence = "🟡"
denominator = "population"
origin = "homes at crossings"

[[indicators]]
id = "elderly_care_90s"
name_en = "Elderly care within 90 s"
name_zh = "养老 90 秒"
categories = ["elderly_care"]
threshold = 90
threshold_kind = "walk_time_s"
source_text = "hand-made test grid"
confidence = "🟡"

[[indicators]]
id = "elderly_care_140m"
name_en = "Elderly care within 140 m on the network"
name_zh = "养老 140 米"
categories = ["elderly_care"]
threshold = 140
threshold_kind = "network_distance_m"
source_text = "hand-made test grid"
confidence = "🟡"

[[indicators]]
id = "park_90s"
name_en = "Parks within 90 s"
name_zh = "公园 90 秒"
categories = ["park"]
threshold = 90
threshold_kind = "walk_time_s"
source_text = "hand-made test grid"
confidence = "🟡"
"""


def node_xy(n: int) -> tuple[float, float]:
    return X0 + BLOCK_M * (n % SIDE), Y0 + BLOCK_M * (n // SIDE)


def grid_graph() -> nx.Graph:
    g = nx.Graph()
    for n in range(SIDE * SIDE):
        r, c = divmod(n, SIDE)
        if c + 1 < SIDE:
            g.add_edge(n, n + 1, weight=BLOCK_S, length=BLOCK_M)
        if r + 1 < SIDE:
            g.add_edge(n, n + SIDE, weight=BLOCK_S, length=BLOCK_M)
    return g


def walk_s(weight: str = "weight") -> np.ndarray:
    """(16, 16) seconds (``weight="length"``: metres) from each home (row) to a point standing on each crossing
    (column), access leg included."""
    d = dict(nx.all_pairs_dijkstra_path_length(grid_graph(), weight=weight))
    return np.array([[d[h][s] + ACCESS_S for s in range(SIDE * SIDE)] for h in range(SIDE * SIDE)])


def covered_by(sites, metres: bool = False) -> np.ndarray:
    """Homes within the threshold (90 s, or 140 m of network distance) of any crossing in ``sites``."""
    t = walk_s("length" if metres else "weight")
    limit = THRESHOLD_M if metres else THRESHOLD_S
    return np.zeros(SIDE * SIDE, bool) if not len(sites) else (t[:, list(sites)] <= limit).any(axis=1)


def best_mclp(k: int, metres: bool = False, weight: np.ndarray | None = None) -> float:
    """Most people (or ``weight``) newly covered by k new crossings (enumeration over all k-subsets)."""
    w = POPULATION if weight is None else weight
    already = covered_by([EXISTING_NODE], metres)
    return max(w[covered_by(s, metres) & ~already].sum() for s in itertools.combinations(range(SIDE * SIDE), k))


def fewest_sites(rate: float) -> int:
    """Fewest new crossings so that ``rate`` of all people are covered (enumeration)."""
    total = POPULATION.sum()
    for k in range(SIDE * SIDE + 1):
        for s in itertools.combinations(range(SIDE * SIDE), k):
            if POPULATION[covered_by((EXISTING_NODE,) + s)].sum() >= rate * total - 1e-9:
                return k
    raise AssertionError("unreachable")


def best_pmedian(p: int) -> float:
    """Least person-seconds with p new crossings; each home walks to the nearest of the existing facility and the
    new sites, and is charged the threshold when none is within it (the p-median's definition in plan)."""
    t = walk_s()
    base = np.minimum(t[:, EXISTING_NODE], THRESHOLD_S)
    return min(float((POPULATION * np.minimum(base, t[:, list(s)].min(axis=1))).sum())
               for s in itertools.combinations(range(SIDE * SIDE), p))


def _network() -> WalkNetwork:
    nodes = pd.DataFrame({"node_id": np.arange(SIDE * SIDE, dtype=np.int64),
                          "osm_id": np.full(SIDE * SIDE, -1, np.int64)})
    nodes["x"] = [node_xy(n)[0] for n in range(SIDE * SIDE)]
    nodes["y"] = [node_xy(n)[1] for n in range(SIDE * SIDE)]
    ll = gpd.GeoSeries(gpd.points_from_xy(nodes["x"], nodes["y"]), crs=CRS).to_crs("EPSG:4326")
    nodes["lon"], nodes["lat"] = ll.x.to_numpy(), ll.y.to_numpy()
    rows = []
    for a, b in sorted(grid_graph().edges()):
        e = len(rows)
        for u, v, rev in ((a, b, e + 1), (b, a, e)):
            rows.append({"edge_id": len(rows), "u": u, "v": v, "rev": rev, "length_m": BLOCK_M, "time_s": BLOCK_S,
                         "highway": "footway", "way_id": -1,
                         "geometry": LineString([node_xy(u), node_xy(v)])})
    edges = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return WalkNetwork(crs=CRS, nodes=nodes, edges=edges, walk_profile="planning", meta={})


def _on_node(net: WalkNetwork, n: int) -> tuple[int, float]:
    """(edge_id, edge_frac) of a point standing on crossing n: the start of the first edge leaving it."""
    e = net.edges.loc[net.edges["u"] == n, "edge_id"].min()
    return int(e), 0.0


def write_results(folder: Path, existing: bool = True, land_m2: np.ndarray | None = None,
                  floor_m2: np.ndarray | None = None, profile_denominator: str = "population",
                  run_denominator: str | None = None) -> Path:
    """Write the grid's results folder (the files ``lifecircle plan`` reads); returns it.

    ``land_m2`` / ``floor_m2``: residential land and floor area per home (default 100 and 300 m² each; NaN land =
    homes given as points); ``profile_denominator``: the test profile's coverage denominator; ``run_denominator``: the
    run's ``--denominator``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    net = _network()
    save_network(net, folder)
    t = walk_s()
    n = SIDE * SIDE
    on = [_on_node(net, k) for k in range(n)]
    homes = gpd.GeoDataFrame({
        "id": [f"h{k}" for k in range(n)], "population": POPULATION, "population_source": "test",
        "area_m2": np.full(n, 100.0) if land_m2 is None else land_m2,
        "floor_area_m2": np.full(n, 300.0) if floor_m2 is None else floor_m2,
        "edge_id": [e for e, _ in on], "edge_frac": [f for _, f in on],
        "access_m": np.full(n, ACCESS_S), "access_s": np.full(n, ACCESS_S),
        "t_elderly_care": t[:, EXISTING_NODE] if existing else np.full(n, np.inf),
        "d_elderly_care": walk_s("length")[:, EXISTING_NODE] if existing else np.full(n, np.inf),
        "f_elderly_care": "e0" if existing else "",
        "t_park": t[:, 15], "f_park": "p15",
    }, geometry=[Point(node_xy(k)) for k in range(n)], crs=CRS)
    fac_nodes = ([("e0", "elderly_care", EXISTING_NODE)] if existing else []) + [("p15", "park", 15)]
    fac = gpd.GeoDataFrame({
        "id": [f[0] for f in fac_nodes], "category": [f[1] for f in fac_nodes], "name": "",
        "capacity": np.nan, "edge_id": [_on_node(net, f[2])[0] for f in fac_nodes], "edge_frac": 0.0,
        "access_m": 0.0, "access_s": 0.0, "access_kind": "node",
    }, geometry=[Point(node_xy(f[2])) for f in fac_nodes], crs=CRS)
    homes.to_parquet(folder / "homes.parquet", index=False)
    fac.to_parquet(folder / "facilities.parquet", index=False)
    profile = folder / "test-grid.toml"
    profile.write_text(PROFILE_TOML.replace('denominator = "population"', f'denominator = "{profile_denominator}"'),
                       encoding="utf-8")
    parameters = {"profiles": [str(profile)], "areas": None}
    if run_denominator is not None:
        parameters["denominator"] = run_denominator
    (folder / "run.json").write_text(json.dumps({"crs": CRS, "profiles": ["test-grid"], "parameters": parameters}),
                                     encoding="utf-8")
    return folder
