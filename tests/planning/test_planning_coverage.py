"""Sparse coverage builders against networkx shortest paths, and on a hand-made walking network."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy_reference import coverage_from_network, times_from_graph
from shapely.geometry import LineString, Point

from lifecircle import engine
from lifecircle.engine import Graph, Points
from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.planning import coverage_from_engine, coverage_from_times


def _random_graph(seed: int, n: int = 60, m: int = 200):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, n, m)
    v = rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    cost = np.round(rng.random(len(u)) * 300.0, 1) + 1.0
    return n, u, v, cost


def _nx_graph(n, u, v, cost) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, c in zip(u, v, cost):
        if not g.has_edge(a, b) or g[a][b]["weight"] > c:
            g.add_edge(int(a), int(b), weight=float(c))
    return g


@pytest.mark.parametrize("seed", range(4))
def test_times_from_graph_nodes_match_networkx(seed):
    n, u, v, cost = _random_graph(seed)
    cand = np.array([0, 5, 17, 33, 59])
    demand = np.arange(n)
    limit = 500.0
    t = times_from_graph(n, u, v, cost, cand, limit, demand_nodes=demand)
    g = _nx_graph(n, u, v, cost)
    for j, c in enumerate(cand):
        ref = nx.single_source_dijkstra_path_length(g.reverse(copy=True), int(c), weight="weight")
        row = t.getrow(j)
        got = dict(zip(row.indices.tolist(), row.data.tolist()))
        want = {i: d for i, d in ref.items() if d <= limit}
        assert got.keys() == want.keys()
        for i in want:
            assert got[i] == pytest.approx(want[i])
    row5 = t.getrow(1)  # candidate at node 5: the home at node 5 is stored with an explicit 0 s
    assert 5 in row5.indices.tolist() and row5.data[row5.indices.tolist().index(5)] == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_times_from_graph_snapped_homes_match_networkx(seed):
    # each home is a new node with edges to its two exits (a in ca s, b in cb s), plus an access leg
    n, u, v, cost = _random_graph(seed)
    rng = np.random.default_rng(seed + 9)
    n_h = 40
    a = rng.integers(0, n, n_h)
    b = np.where(rng.random(n_h) < 0.8, rng.integers(0, n, n_h), -1)
    ca = np.round(rng.random(n_h) * 50, 1)
    cb = np.where(b >= 0, np.round(rng.random(n_h) * 50, 1), np.inf)
    acc = np.round(rng.random(n_h) * 20, 1)
    cand = np.array([1, 2, 40])
    limit = 400.0
    t = times_from_graph(n, u, v, cost, cand, limit, demand_exits=(a, ca, b, cb), demand_access_s=acc)
    g = _nx_graph(n, u, v, cost)
    for h in range(n_h):
        g.add_edge(("h", h), int(a[h]), weight=float(ca[h] + acc[h]))
        if b[h] >= 0:
            g.add_edge(("h", h), int(b[h]), weight=float(cb[h] + acc[h]))
    dense = t.toarray()
    stored = np.zeros_like(dense, dtype=bool)
    coo = t.tocoo()
    stored[coo.row, coo.col] = True  # explicit zeros included
    for j, c in enumerate(cand):
        ref = nx.single_source_dijkstra_path_length(g.reverse(copy=True), int(c), weight="weight")
        for h in range(n_h):
            d = ref.get(("h", h), np.inf)
            assert stored[j, h] == (d <= limit)
            if d <= limit:
                assert dense[j, h] == pytest.approx(d)


def _line_network() -> WalkNetwork:
    # 0 --100 s-- 1 --100 s-- 2, two-way, 100 m apart along x
    xy = [(0.0, 0.0), (100.0, 0.0), (200.0, 0.0)]
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "osm_id": [-1, -1, -1], "x": [p[0] for p in xy],
                          "y": [p[1] for p in xy], "lon": [0.0] * 3, "lat": [0.0] * 3})
    uv = [(0, 1), (1, 0), (1, 2), (2, 1)]
    edges = gpd.GeoDataFrame({
        "edge_id": [0, 1, 2, 3], "u": [a for a, _ in uv], "v": [b for _, b in uv], "rev": [1, 0, 3, 2],
        "length_m": [100.0] * 4, "time_s": [100.0] * 4, "highway": ["footway"] * 4, "way_id": [1, 1, 2, 2],
    }, geometry=[LineString([xy[a], xy[b]]) for a, b in uv], crs="EPSG:32648")
    return WalkNetwork(crs="EPSG:32648", nodes=nodes, edges=edges)


def test_coverage_from_network_hand_checked():
    net = _line_network()
    # home A at 25 % of edge 0 (0->1), 10 s access: to node 0 = 25 + 10 = 35 s, node 1 = 75 + 10 = 85 s,
    # node 2 = 75 + 100 + 10 = 185 s. Home B at 50 % of edge 2 (1->2), no access: node 2 = 50 s, node 0 = 150 s.
    frame = gpd.GeoDataFrame({"edge_id": [0, 2], "edge_frac": [0.25, 0.5], "access_m": [12.0, 0.0],
                              "access_s": [10.0, 0.0], "population": [3, 4]},
                             geometry=[Point(25, 10), Point(150, 0)], crs="EPSG:32648")
    homes = SnappedPoints(frame=frame, unsnapped=frame.iloc[:0])
    times, cover = coverage_from_network(net, homes, np.array([0, 2]), threshold_s=150.0)
    assert times.shape == (2, 2)
    assert times[0, 0] == pytest.approx(35.0) and times[0, 1] == pytest.approx(150.0)
    assert times[1, 1] == pytest.approx(50.0)
    assert 0 not in times.getrow(1).indices.tolist()  # 185 s > 150 s: not stored
    assert cover.toarray().tolist() == [[True, True], [False, True]]


def test_coverage_from_times_keeps_zero_times_and_threshold_inclusive():
    t = sp.csr_matrix((np.array([0.0, 300.0, 300.1]), (np.array([0, 0, 1]), np.array([0, 1, 1]))), shape=(2, 2))
    assert coverage_from_times(t, 300.0).toarray().tolist() == [[True, True], [False, False]]
    with pytest.raises(LifecircleInputError, match="sparse"):
        coverage_from_times(t.toarray(), 300.0)
    with pytest.raises(LifecircleInputError, match="exactly one"):
        times_from_graph(2, np.array([0]), np.array([1]), np.array([1.0]), np.array([0]), 10.0)


def test_candidate_parcels_on_edges_hand_checked():
    net = _line_network()
    homes = gpd.GeoDataFrame({"edge_id": [0, 2], "edge_frac": [0.25, 0.5], "access_m": [12.0, 0.0],
                              "access_s": [10.0, 0.0]}, geometry=[Point(25, 10), Point(150, 0)], crs="EPSG:32648")
    # a parcel halfway along edge 1 (1->0, the reverse of edge 0), 5 s from the street; a second one on edge 3 at
    # 90 % (2->1: 10 m from node 1), no access leg.
    parcels = gpd.GeoDataFrame({"edge_id": [1, 3], "edge_frac": [0.5, 0.9], "access_m": [6.0, 0.0],
                                "access_s": [5.0, 0.0]}, geometry=[Point(50, 6), Point(110, 0)], crs="EPSG:32648")
    times, cover = coverage_from_network(net, SnappedPoints(homes, homes.iloc[:0]),
                                         SnappedPoints(parcels, parcels.iloc[:0]), threshold_s=150.0)
    t = times.toarray()
    # home A -> parcel 0 on the same street: straight 25 m of edge 0 (25 s) + 10 + 5 = 40 s (via node 0: 90 s)
    assert t[0, 0] == pytest.approx(40.0)
    # home B (edge 2 at 50 %) -> node 1 in 50 s -> parcel 0 from node 1 (u of edge 1) in 50 s, + 5 s = 105 s
    assert t[0, 1] == pytest.approx(105.0)
    # home A -> node 1 in 75 + 10 s -> parcel 1 from node 1 (v of edge 3, reverse walk 10 s) = 95 s
    assert t[1, 0] == pytest.approx(95.0)
    # home B on the same street 2-1: position 0.5 along edge 2; parcel 1 at 1 - 0.9 = 0.1 along edge 2 -> 40 s
    assert t[1, 1] == pytest.approx(40.0)
    assert cover.toarray().all()


def _engine_points(frame) -> Points:
    return Points(frame["edge_id"].to_numpy(), frame["edge_frac"].to_numpy(), frame["access_s"].to_numpy())


def test_coverage_from_engine_hand_checked():
    g = Graph.from_network(_line_network())
    homes = gpd.GeoDataFrame({"edge_id": [0, 2], "edge_frac": [0.25, 0.5], "access_s": [10.0, 0.0]},
                             geometry=[Point(25, 10), Point(150, 0)], crs="EPSG:32648")
    # node candidates: the same hand-worked times as test_coverage_from_network_hand_checked
    times, cover = coverage_from_engine(g, _engine_points(homes), np.array([0, 2]), threshold_s=150.0)
    assert times[0, 0] == pytest.approx(35.0) and times[0, 1] == pytest.approx(150.0)
    assert times[1, 1] == pytest.approx(50.0) and 0 not in times.getrow(1).indices.tolist()
    # parcels: the same hand-worked times as test_candidate_parcels_on_edges_hand_checked
    parcels = Points(np.array([1, 3]), np.array([0.5, 0.9]), np.array([5.0, 0.0]))
    times, cover = coverage_from_engine(g, _engine_points(homes), parcels, threshold_s=150.0)
    assert times.toarray() == pytest.approx(np.array([[40.0, 105.0], [95.0, 40.0]]))
    with pytest.raises(LifecircleInputError, match="engine.Graph"):
        coverage_from_engine(_line_network(), _engine_points(homes), np.array([0]), 100.0)


def test_engine_bounded_pairs_is_public_and_hand_checked():
    g = Graph.from_network(_line_network())
    homes = gpd.GeoDataFrame({"edge_id": [0, 2], "edge_frac": [0.25, 0.5], "access_s": [10.0, 0.0]},
                             geometry=[Point(25, 10), Point(150, 0)], crs="EPSG:32648")
    parcels = Points(np.array([1, 3]), np.array([0.5, 0.9]), np.array([5.0, 0.0]))
    fac, org, cost = engine.bounded_pairs(g, _engine_points(homes), parcels, 100.0)
    # the hand-worked times of test_coverage_from_engine_hand_checked (parcel × home: 40, 105 / 95, 40 s), the one
    # beyond 100 s left out
    got = {(int(f), int(o)): c for f, o, c in zip(fac, org, cost)}
    assert got.keys() == {(0, 0), (1, 0), (1, 1)}
    assert (got[(0, 0)], got[(1, 0)], got[(1, 1)]) == (pytest.approx(40.0), pytest.approx(95.0), pytest.approx(40.0))
    assert list(fac) == sorted(fac)  # ordered by facility
    empty = engine.bounded_pairs(g, _engine_points(homes.iloc[:0]), parcels, 100.0)
    assert all(len(a) == 0 for a in empty)
    with pytest.raises(LifecircleInputError, match="limit"):
        engine.bounded_pairs(g, _engine_points(homes), parcels, float("inf"))
    with pytest.raises(LifecircleInputError, match="Points"):
        engine.bounded_pairs(g, homes, parcels, 100.0)


@pytest.mark.parametrize("seed", range(3))
def test_coverage_from_engine_matches_networkx_on_random_graphs(seed):
    n, u, v, cost = _random_graph(seed)
    m = len(u)
    half = m // 2  # the first half of the edges gets a reverse edge (30 % slower: uphill one way), the rest one-way
    uu, vv = np.concatenate([u, v[:half]]), np.concatenate([v, u[:half]])
    cc = np.concatenate([cost, cost[:half] * 1.3])
    rev = np.full(len(uu), -1)
    rev[:half] = np.arange(m, m + half)
    rev[m:] = np.arange(half)
    g = Graph.from_arrays(n, uu, vv, cc, rev)
    rng = np.random.default_rng(seed)
    # put some homes on the parcels' edges so that same-edge straight walks occur
    p_edge = rng.integers(0, len(uu), 12)
    h_edge = np.concatenate([rng.integers(0, len(uu), 40), p_edge[:6], rev[p_edge[:6]].clip(0)])
    homes = Points(h_edge, rng.random(len(h_edge)), rng.random(len(h_edge)) * 20)
    parcels = Points(p_edge, rng.random(12), rng.random(12) * 20)
    limit = 500.0
    times, _ = coverage_from_engine(g, homes, parcels, limit)

    # reference: networkx with every home and parcel inserted as a node (legs per lifecircle.network.model)
    ref = _nx_graph(n, uu, vv, cc)
    low = lambda e: e if rev[e] < 0 or e < rev[e] else rev[e]  # noqa: E731
    pos = lambda e, t: t if low(e) == e else 1.0 - t  # noqa: E731
    for h in range(len(homes)):
        e, t, a = int(homes.edge[h]), float(homes.frac[h]), float(homes.access[h])
        ref.add_edge(("h", h), int(vv[e]), weight=(1 - t) * cc[e] + a)
        if rev[e] >= 0:
            ref.add_edge(("h", h), int(uu[e]), weight=t * cc[rev[e]] + a)
    for j in range(len(parcels)):
        e, t, a = int(parcels.edge[j]), float(parcels.frac[j]), float(parcels.access[j])
        ref.add_edge(int(uu[e]), ("p", j), weight=t * cc[e] + a)
        if rev[e] >= 0:
            ref.add_edge(int(vv[e]), ("p", j), weight=(1 - t) * cc[rev[e]] + a)
        for h in range(len(homes)):
            eh = int(homes.edge[h])
            if low(eh) != low(e):
                continue
            k = low(e)
            d = pos(e, t) - pos(eh, float(homes.frac[h]))
            straight = d * cc[k] if d >= 0 else (-d * cc[rev[k]] if rev[k] >= 0 else np.inf)
            if np.isfinite(straight):
                w = straight + homes.access[h] + a
                if not ref.has_edge(("h", h), ("p", j)) or ref[("h", h)][("p", j)]["weight"] > w:
                    ref.add_edge(("h", h), ("p", j), weight=float(w))
    rr = ref.reverse(copy=True)
    n_pairs = 0
    for j in range(len(parcels)):
        dist = nx.single_source_dijkstra_path_length(rr, ("p", j), cutoff=limit, weight="weight")
        want = {k[1]: d for k, d in dist.items() if isinstance(k, tuple) and k[0] == "h"}
        row = times.getrow(j)
        got = dict(zip(row.indices.tolist(), row.data.tolist()))
        assert got.keys() == want.keys()
        for h, d in want.items():
            assert got[h] == pytest.approx(d)
        n_pairs += len(want)
    assert n_pairs > 0
