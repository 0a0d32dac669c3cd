"""Scenario recomputation equals a full recomputation on a real run (the embedded Helsinki extract).

The reference reruns the engine and indicator steps of a run (``pipeline.walking_columns`` + ``indicator_table``) on
the changed inputs, built here independently of the scenario code (facilities filtered by id, added points snapped
with ``snapping.snap_points``). Times must agree to 1e-9 s; facility ids too, except between equally near
facilities (then both named facilities must be at the same time).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scenario_checks import assert_same_as_full as _assert_same
from scenario_checks import reference as _reference
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from lifecircle.points.snapping import snap_points
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results


@pytest.fixture(scope="module")
def res(helsinki_run):
    return load_results(helsinki_run)


def _added(res):
    """Five new facilities at homes' points (a clinic, an elderly-care station, a market, a school, a rail stop)."""
    h = res.homes
    cats = ["health_station", "elderly_care", "fresh_market", "primary_school", "rail_station"]
    rows = [5, 60, 150, 240, 300]
    return gpd.GeoDataFrame({"category": cats, "id": [f"plan-{k}" for k in range(5)]},
                            geometry=list(h.geometry.iloc[rows]), crs=h.crs).to_crs("EPSG:4326")


def _busiest(res):
    """The facility most homes walk to in each of a few categories (so their removal moves many homes)."""
    ids = []
    for c in ("health_station", "supermarket", "primary_school", "rail_station", "park", "bus_stop"):
        ids.append(res.homes[f"f_{c}"].astype(str).value_counts().index[0])
    return tuple(ids)


def test_the_run_has_every_kind_of_column(res):
    cols = set(res.homes.columns)
    assert any(c.startswith("d_") for c in cols) and any(c.startswith("r_") for c in cols)
    assert res.areas == "grid:500"


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_added_facilities_equal_full_recomputation(res, mode):
    add = _added(res)
    out = evaluate_scenario(res, Scenario(name="add", add_facilities=add), recompute=mode)
    new = snap_points(res.network, add.assign(name="", capacity=np.nan), res.snap_max_m).frame
    fac = gpd.GeoDataFrame(pd.concat([res.facilities, new], ignore_index=True), geometry="geometry", crs=res.network.crs)
    ref_homes, ref_ind = _reference(res, fac)
    _assert_same(out, ref_homes, ref_ind, fac, res.network)
    c = out.comparison
    assert (c["change"].fillna(0).abs() > 0).any()  # the plan does move some indicator
    gain = c.loc[(c["indicator"] == "elderly_care_5min") & (c["area"] == "ALL"), "change"].iloc[0]
    assert gain > 0  # the run had no elderly care at all


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_removed_facilities_equal_full_recomputation(res, mode):
    gone = _busiest(res)
    out = evaluate_scenario(res, Scenario(name="closures", remove_facilities=gone), recompute=mode)
    fac = res.facilities.loc[~res.facilities["id"].isin(gone)].reset_index(drop=True)
    ref_homes, ref_ind = _reference(res, fac)
    _assert_same(out, ref_homes, ref_ind, fac, res.network)
    if mode == "incremental":
        searched = out.recomputed["homes_searched_after_removal"]
        assert set(searched) >= {"health_station", "supermarket"}
        assert all(0 < n <= len(res.homes) for n in searched.values())


def test_added_and_removed_equal_full_recomputation(res):
    gone, add = _busiest(res), _added(res)
    out = evaluate_scenario(res, Scenario(add_facilities=add, remove_facilities=gone))
    new = snap_points(res.network, add.assign(name="", capacity=np.nan), res.snap_max_m).frame
    kept = res.facilities.loc[~res.facilities["id"].isin(gone)]
    fac = gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), geometry="geometry", crs=res.network.crs)
    ref_homes, ref_ind = _reference(res, fac)
    _assert_same(out, ref_homes, ref_ind, fac, res.network)


def _mid(res, e, frac=0.5):
    return res.network.edges.geometry.iloc[e].interpolate(frac, normalized=True)


def _long_edges(res, k=2, min_m=60.0):
    e = res.network.edges
    eid = e["edge_id"].to_numpy()
    lower = e.loc[((e["rev"] < 0) | (eid < e["rev"].to_numpy())) & (e["length_m"] > min_m)]
    homes_edges = set(res.homes["edge_id"])
    on = lower.loc[lower["edge_id"].isin(homes_edges)]  # edges holding homes: their remapping is exercised
    return on.sort_values("length_m", ascending=False)["edge_id"].to_numpy()[:k]


def test_a_link_too_slow_to_use_changes_no_walking_time(res):
    # both ends split edges that carry homes; the link costs 1e7 s, so no walk uses it and every time must stay
    e1, e2 = _long_edges(res)
    link = gpd.GeoDataFrame({"time_s": [1e7]}, geometry=[LineString([_mid(res, e1, 0.4), _mid(res, e2, 0.6)])],
                            crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=link))
    assert out.network.n_nodes == res.network.n_nodes + 2
    for col in [c for c in res.homes.columns if c.startswith("t_")]:
        np.testing.assert_allclose(out.homes[col].to_numpy(), res.homes[col].to_numpy(), rtol=0, atol=1e-9, err_msg=col)
    moved = res.homes["edge_id"].isin([e1, e2]).to_numpy()
    assert moved.any() and (out.homes["edge_id"].to_numpy()[moved] != res.homes["edge_id"].to_numpy()[moved]).any()
    ref_homes, ref_ind = _reference(res, out.facilities, out.network, out.homes)
    _assert_same(out, ref_homes, ref_ind, out.facilities, out.network)


def test_a_link_between_two_nodes_matches_scipy_on_the_augmented_graph(res):
    # independent reference: SciPy Dijkstra on the run's arcs plus the link's two arcs (length / 1 m/s)
    net = res.network
    nodes = net.nodes
    u, v, c, _ = net.edge_arrays()
    n = net.n_nodes
    # a footbridge where it helps: from a home's street corner to the node within 150 m that is farthest to walk
    a = int(net.edges["u"].iat[int(res.homes["edge_id"].iat[0])])
    walk = dijkstra(coo_matrix((c, (u, v)), shape=(n, n)).tocsr(), indices=[a])[0]
    straight = np.hypot(nodes.x.to_numpy() - nodes.x.iat[a], nodes.y.to_numpy() - nodes.y.iat[a])
    b = int(np.argmax(np.where((straight < 150) & np.isfinite(walk), walk - straight, -np.inf)))
    assert walk[b] - straight[b] > 100
    pa, pb = (nodes.x.iat[a], nodes.y.iat[a]), (nodes.x.iat[b], nodes.y.iat[b])
    length = float(np.hypot(pa[0] - pb[0], pa[1] - pb[1]))
    link = gpd.GeoDataFrame(geometry=[LineString([pa, pb])], crs=net.crs)
    out = evaluate_scenario(res, Scenario(add_links=link))
    speed = 1.0  # the planning profile (walk_profiles.toml)
    uu, vv, cc = np.r_[u, a, b], np.r_[v, b, a], np.r_[c, length / speed, length / speed]
    ref = dijkstra(coo_matrix((cc, (uu, vv)), shape=(n, n)).tocsr(), indices=[a, 5, 700])
    u2, v2, c2, _ = out.network.edge_arrays()
    got = dijkstra(coo_matrix((c2, (u2, v2)), shape=(out.network.n_nodes,) * 2).tocsr(), indices=[a, 5, 700])
    np.testing.assert_allclose(got[:, :n], ref, atol=1e-6)
    assert got[0, b] == pytest.approx(length)
    cols = [col for col in res.homes.columns if col.startswith("t_")]
    after, before = out.homes[cols].to_numpy(), res.homes[cols].to_numpy()
    finite = np.isfinite(before)
    assert (after[finite] <= before[finite] + 1e-9).all()  # a new link never lengthens a walk
    assert (after[finite] < before[finite] - 1.0).any()  # and this one shortens some
