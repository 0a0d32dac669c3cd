"""Scenarios on Yuzhong (Chongqing): a hilly network with stairs and DEM slope (per-direction times), where the
splits of a link must keep uphill and downhill times apart. Skipped when ../shared/data is absent."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scenario_checks import assert_same_as_full, reference
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from lifecircle.network.walking import get_walk_profile
from lifecircle.points.snapping import snap_points
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results


@pytest.fixture(scope="module")
def res(yuzhong_run):
    return load_results(yuzhong_run)


def test_plan_with_clinics_and_a_closed_supermarket_equals_full_recomputation(res):
    h = res.homes
    add = gpd.GeoDataFrame({"category": ["health_station", "health_station", "elderly_care"]},
                           geometry=list(h.geometry.iloc[[0, len(h) // 2, len(h) - 1]]), crs=h.crs)
    gone = (h["f_supermarket"].astype(str).value_counts().index[0], h["f_rail_station"].astype(str).value_counts().index[0])
    out = evaluate_scenario(res, Scenario(add_facilities=add, remove_facilities=gone))
    new = snap_points(res.network, add.assign(id=["scenario-1", "scenario-2", "scenario-3"], name="", capacity=np.nan),
                      res.snap_max_m).frame
    kept = res.facilities.loc[~res.facilities["id"].isin(gone)]
    fac = gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), geometry="geometry", crs=res.network.crs)
    ref_homes, ref_ind = reference(res, fac)
    assert_same_as_full(out, ref_homes, ref_ind, fac, res.network)


def test_split_edges_keep_uphill_and_downhill_times(res):
    # a link too slow to use, both ends splitting sloped edges that carry homes: no walking time may change
    e = res.network.edges
    eid = e["edge_id"].to_numpy()
    lower = e.loc[((e["rev"] < 0) | (eid < e["rev"].to_numpy())) & (e["length_m"] > 60)
                  & e["edge_id"].isin(set(res.homes["edge_id"]))]
    sloped = lower.loc[(lower["time_s"] - e["time_s"].to_numpy()[lower["rev"].clip(lower=0)]).abs() > 1.0]
    e1, e2 = sloped["edge_id"].to_numpy()[:2]
    ends = [e.geometry.iat[int(k)].interpolate(f, normalized=True) for k, f in ((e1, 0.3), (e2, 0.7))]
    link = gpd.GeoDataFrame({"time_s": [1e7]}, geometry=[LineString(ends)], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=link))
    for col in [c for c in res.homes.columns if c.startswith("t_")]:
        np.testing.assert_allclose(out.homes[col].to_numpy(), res.homes[col].to_numpy(), rtol=0, atol=1e-9, err_msg=col)


def test_stair_link_matches_scipy_on_the_augmented_graph(res):
    # a new flight of stairs between two nodes within 80 m that are far apart on foot; stairs take
    # length × stairs_factor / speed seconds (walking.py; no DEM slope on new links)
    net = res.network
    u, v, c, _ = net.edge_arrays()
    n = net.n_nodes
    x, y = net.nodes.x.to_numpy(), net.nodes.y.to_numpy()
    prof = get_walk_profile(res.walk_profile)
    starts = np.unique(net.edges["u"].to_numpy()[res.homes["edge_id"].to_numpy()[::25]])
    walk = dijkstra(coo_matrix((c, (u, v)), shape=(n, n)).tocsr(), indices=starts)
    straight = np.hypot(x[None, :] - x[starts, None], y[None, :] - y[starts, None])
    gain = np.where((straight < 80) & np.isfinite(walk), walk - straight * prof.stairs_factor / prof.speed_m_s, -np.inf)
    i, b = np.unravel_index(np.argmax(gain), gain.shape)
    a, b = int(starts[i]), int(b)
    walk, straight = walk[i], straight[i]
    stairs_s = straight[b] * prof.stairs_factor / prof.speed_m_s
    assert walk[b] > stairs_s + 60  # worth building
    link = gpd.GeoDataFrame({"highway": ["steps"]}, geometry=[LineString([(x[a], y[a]), (x[b], y[b])])], crs=net.crs)
    out = evaluate_scenario(res, Scenario(add_links=link))
    ref = dijkstra(coo_matrix((np.r_[c, stairs_s, stairs_s], (np.r_[u, a, b], np.r_[v, b, a])), shape=(n, n)).tocsr(),
                   indices=[a, b])
    u2, v2, c2, _ = out.network.edge_arrays()
    got = dijkstra(coo_matrix((c2, (u2, v2)), shape=(out.network.n_nodes,) * 2).tocsr(), indices=[a, b])
    np.testing.assert_allclose(got[:, :n], ref, atol=1e-6)
    assert got[0, b] == pytest.approx(stairs_s)
    ref_homes, ref_ind = reference(res, out.facilities, out.network, out.homes)
    assert_same_as_full(out, ref_homes, ref_ind, out.facilities, out.network)
