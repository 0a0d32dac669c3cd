"""Siting on the real Yuzhong (Chongqing) walking network and OSM homes: times vs networkx, optimum vs spopt."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy_reference import coverage_from_network

from lifecircle.engine import Graph, Points, nearest
from lifecircle.indicators.gaps import gap_areas
from lifecircle.network.osm import read_walk_network
from lifecircle.planning import CoverageProblem, coverage_from_engine, greedy_mclp, solve_mclp
from lifecircle.points.homes import homes_from_osm, population_from_floor_area
from lifecircle.points.snapping import snap_points

THRESHOLD_S = 300.0  # the 5-minute circle (GB 50180-2018 §2.0.3)


@pytest.fixture(scope="module")
def yuzhong_case(yuzhong_pbf):
    net = read_walk_network(yuzhong_pbf)
    homes = population_from_floor_area(homes_from_osm(yuzhong_pbf, crs=net.crs))  # people from floor area
    snapped = snap_points(net, homes)
    cand = np.arange(0, net.n_nodes, 10)
    times, cover = coverage_from_network(net, snapped, cand, THRESHOLD_S)
    return net, snapped, cand, times, cover


def test_times_match_networkx_on_yuzhong(yuzhong_case):
    net, snapped, cand, times, _ = yuzhong_case
    u, v, cost, rev = net.edge_arrays()
    g = nx.DiGraph()
    for a, b, c in zip(u.tolist(), v.tolist(), cost.tolist()):
        if not g.has_edge(a, b) or g[a][b]["weight"] > c:
            g.add_edge(a, b, weight=c)
    e, frac, acc = snapped.arrays()
    for h in range(len(e)):  # each home as a node leaving along its edge to both ends (the network.py contract)
        g.add_edge(("h", h), int(v[e[h]]), weight=float((1 - frac[h]) * cost[e[h]] + acc[h]))
        if rev[e[h]] >= 0:
            g.add_edge(("h", h), int(u[e[h]]), weight=float(frac[h] * cost[rev[e[h]]] + acc[h]))
    gr = g.reverse(copy=True)
    rng = np.random.default_rng(0)
    checked = 0
    for j in rng.choice(len(cand), 25, replace=False):
        ref = nx.single_source_dijkstra_path_length(gr, int(cand[j]), cutoff=THRESHOLD_S, weight="weight")
        want = {k[1]: d for k, d in ref.items() if isinstance(k, tuple) and d <= THRESHOLD_S}
        row = times.getrow(j)
        got = dict(zip(row.indices.tolist(), row.data.tolist()))
        assert got.keys() == want.keys()
        for h, d in want.items():
            assert got[h] == pytest.approx(d, abs=1e-6)
        checked += len(want)
    assert checked > 0  # the sample reached some homes


def test_mclp_on_yuzhong_matches_spopt_and_greedy_bounds(yuzhong_case):
    net, snapped, cand, times, cover = yuzhong_case
    pop = snapped.frame["population"].fillna(0).to_numpy(float)
    assert pop.sum() > 0 and cover.nnz > 0
    prob = CoverageProblem(pop, cover)
    res = solve_mclp(prob, 3, method="exact")
    greedy = greedy_mclp(prob, 3)
    assert res.status == "optimal" and res.objective > 0 and len(res.sites) == 3
    assert greedy.objective <= res.objective + 1e-6 <= greedy.bound + 2e-6
    assert greedy.objective >= (1 - 1 / np.e) * res.objective
    assert res.objective == pytest.approx(pop[cover[res.sites].toarray().any(axis=0)].sum())

    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    dense = np.full(cover.shape, np.inf)  # spopt wants the dense demand x candidate matrix (small here)
    coo = times.tocoo()
    dense[coo.row, coo.col] = coo.data
    ref = spopt_locate.MCLP.from_cost_matrix(dense.T, pop, service_radius=THRESHOLD_S, p_facilities=3)
    ref = ref.solve(pulp.PULP_CBC_CMD(msg=False))
    assert res.objective == pytest.approx(pulp.value(ref.problem.objective))

    # gap areas of the homes the plan leaves uncovered hold exactly the uncovered population
    homes = snapped.frame.copy()
    covered = cover[res.sites].toarray().any(axis=0)
    gaps = gap_areas(homes, covered=covered, link_m=150)
    assert gaps["population"].sum() == pytest.approx(pop[~covered].sum())
    assert gaps["n_homes"].sum() == int((~covered).sum())
    assert gaps["population"].is_monotonic_decreasing


def test_engine_builder_equals_scipy_builder_and_engine_nearest(yuzhong_case):
    net, snapped, cand, times, _ = yuzhong_case
    g = Graph.from_network(net)
    homes = Points.from_snapped(snapped)
    e_times, e_cover = coverage_from_engine(g, homes, cand, THRESHOLD_S)
    a, b = e_times.tocoo(), times.tocoo()
    assert sorted(zip(a.row.tolist(), a.col.tolist())) == sorted(zip(b.row.tolist(), b.col.tolist()))
    assert np.allclose(e_times.toarray(), times.toarray())
    # parcels: the homes' own snapped positions as candidate sites; the nearest site of each home (engine.nearest,
    # written independently) must be the column minimum whenever it is within the threshold
    parcels = Points(homes.edge[::4], homes.frac[::4], homes.access[::4])
    p_times, _ = coverage_from_engine(g, homes, parcels, THRESHOLD_S)
    near = nearest(g, homes, parcels, np.zeros(len(parcels), np.int64), 1).time[:, 0]
    dense = np.full(p_times.shape, np.inf)
    coo = p_times.tocoo()
    dense[coo.row, coo.col] = coo.data
    col_min = dense.min(axis=0)
    within = near <= THRESHOLD_S
    assert np.allclose(col_min[within], near[within])
    assert np.all(np.isinf(col_min[~within]))
