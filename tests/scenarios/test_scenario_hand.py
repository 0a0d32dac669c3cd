"""Scenarios on the hand-made two-street district (tests/scenarios/scenario_nets.py): expected times and coverage
worked out on paper (1 m/s, so seconds = metres)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from scenario_nets import HOME_X, at, line

from lifecircle.network.walking import get_walk_profile
from lifecircle.scenarios import Scenario, evaluate_scenario, load_results

X = np.array(HOME_X)
MODES = ("incremental", "full")


def _value(frame, indicator, area="ALL", column="value"):
    row = frame.loc[(frame["indicator"] == indicator) & (frame["area"] == area)]
    assert len(row) == 1
    return float(row[column].iloc[0])


def test_the_district_before_any_plan(river_dir):
    res = load_results(river_dir)
    np.testing.assert_allclose(res.homes["t_health_station"], 4010 - X, atol=1e-9)
    np.testing.assert_allclose(res.homes["t_fresh_market"], np.abs(1900 - X) + 10, atol=1e-9)
    assert res.profiles == ("cn-health-check",) and res.areas is None and res.snap_max_m == 200.0


@pytest.mark.parametrize("mode", MODES)
def test_added_health_station_covers_the_five_nearest_homes(river_dir, mode):
    # a station at x = 100 on street A: |x − 100| + 10 s; within 900 s for x = 100..900: 5 of 10 equal homes
    res = load_results(river_dir)
    add = at([(100, -5)], category=["health_station"], id=["new-hs"])
    out = evaluate_scenario(res, Scenario(name="clinic", add_facilities=add), recompute=mode)
    np.testing.assert_allclose(out.homes["t_health_station"], np.minimum(np.abs(X - 100) + 10, 4010 - X), atol=1e-9)
    assert (out.homes["f_health_station"] == "new-hs").all()
    c = out.comparison
    assert _value(c, "health_15min", column="before") == 0.0
    assert _value(c, "health_15min", column="after") == pytest.approx(0.5, abs=1e-12)
    assert _value(c, "health_15min", column="change") == pytest.approx(0.5, abs=1e-12)
    assert _value(c, "health_15min", column="numerator_after") == pytest.approx(500.0)  # m² of residential land
    # nothing else moved: fresh markets untouched
    np.testing.assert_array_equal(out.homes["t_fresh_market"], res.homes["t_fresh_market"])
    assert "new-hs" in set(out.facilities["id"]) and len(out.facilities) == len(res.facilities) + 1


@pytest.mark.parametrize("mode", MODES)
def test_removed_market_sends_its_homes_to_the_far_one(river_dir, mode):
    # mk-a served every home (|1900 − x| + 10 < 4010 − x); without it mk-b: 4010 − x. 10-min coverage: x ≥ 1310 → 0
    res = load_results(river_dir)
    out = evaluate_scenario(res, Scenario(remove_facilities=("mk-a",)), recompute=mode)
    assert _value(out.indicators_before, "fresh_market_10min") == pytest.approx(0.3)
    np.testing.assert_allclose(out.homes["t_fresh_market"], 4010 - X, atol=1e-9)
    assert (out.homes["f_fresh_market"] == "mk-b").all()
    assert _value(out.indicators_after, "fresh_market_10min") == 0.0
    assert "mk-a" not in set(out.facilities["id"])


def test_removing_the_only_facility_leaves_no_time(river_dir):
    res = load_results(river_dir)
    out = evaluate_scenario(res, Scenario(remove_facilities=("hs-b",)))
    assert np.isinf(out.homes["t_health_station"]).all()
    assert (out.homes["f_health_station"] == "").all()
    assert out.recomputed["homes_searched_after_removal"] == {"health_station": 10}


@pytest.mark.parametrize("mode", MODES)
def test_footbridge_between_street_ends_shortens_by_3600_s(river_dir, mode):
    # a 100 m footbridge joining nodes 0 and 3: x + 100 + 100 + 10 = x + 210 s (was 4010 − x): home x = 100 saves
    # 3910 − 310 = 3600 s; covered within 900 s: x = 100, 300, 500 → 30 %
    res = load_results(river_dir)
    bridge = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[line((0, 0), (0, 100))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=bridge), recompute=mode)
    assert out.network.n_nodes == res.network.n_nodes and out.network.n_edges == res.network.n_edges + 2
    expected = np.minimum(X + 210, 4010 - X)
    np.testing.assert_allclose(out.homes["t_health_station"], expected, atol=1e-9)
    assert float(res.homes["t_health_station"].iloc[0] - out.homes["t_health_station"].iloc[0]) == pytest.approx(3600.0)
    assert _value(out.comparison, "health_15min", column="after") == pytest.approx(0.3)
    # untouched edges keep their ids and times
    old = res.network.edges
    np.testing.assert_array_equal(out.network.edges["time_s"].to_numpy()[: len(old)], old["time_s"].to_numpy())


@pytest.mark.parametrize("highway, extra_s", [("footway", 100.0), ("steps", None)])
def test_mid_street_link_splits_both_streets(river_dir, highway, extra_s):
    # a link at x = 500 between the middles of edges 0→1 and 3→4 (both split): home x → hs-b
    # = 5 + |x − 500| + link + (500 − 100) + 5 = |x − 500| + 410 + link seconds
    res = load_results(river_dir)
    link_s = extra_s if extra_s is not None else 100.0 * get_walk_profile("planning").stairs_factor / 1.0
    links = gpd.GeoDataFrame({"highway": [highway]}, geometry=[line((500, 0), (500, 100))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=links))
    assert out.network.n_nodes == res.network.n_nodes + 2
    assert out.network.n_edges == res.network.n_edges + 2 + 2 + 2  # two split pairs, one link pair
    expected = np.minimum(np.abs(X - 500) + 410 + link_s, 4010 - X)
    np.testing.assert_allclose(out.homes["t_health_station"], expected, atol=1e-9)
    # markets: mk-a on street A as before (now through the split pieces), or mk-b at (100, 105) over the link
    np.testing.assert_allclose(out.homes["t_fresh_market"], np.minimum(np.abs(1900 - X) + 10, expected), atol=1e-9)
    e = out.network.edges
    rev = e["rev"].to_numpy()
    assert (rev[rev] == np.arange(len(e))).all()
    assert (e.loc[e["highway"] == highway].tail(2)["time_s"] == link_s).all()


def test_elevator_time_from_the_layer(river_dir):
    # an elevator link with its ride and wait given: 60 s; home x = 500: 0 + 410 + 60 = 470 s
    res = load_results(river_dir)
    links = gpd.GeoDataFrame({"highway": ["elevator"], "time_s": [60.0]}, geometry=[line((500, 0), (500, 100))],
                             crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=links))
    assert out.homes["t_health_station"].iloc[2] == pytest.approx(470.0)


def test_link_end_near_a_node_joins_it(river_dir):
    res = load_results(river_dir)
    # ends 0.5 m from nodes 1 and 4 along the street (within the 1 m merge distance) and 3 m off it
    links = gpd.GeoDataFrame(geometry=[line((1000.5, -3), (999.5, 103))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=links))
    assert out.network.n_nodes == res.network.n_nodes
    new = out.network.edges.tail(2)
    assert set(new["u"]) == {1, 4} and (new["highway"] == "footway").all()
    # home x = 900: 100 + 100 (the link, drawn node to node) + 900 + 10 = 1110 s
    assert out.homes["t_health_station"].iloc[4] == pytest.approx(1110.0)


def test_combined_plan(river_dir):
    res = load_results(river_dir)
    add = at([(100, -5)], category=["fresh_market"])
    out_i = evaluate_scenario(res, Scenario(add_facilities=add, remove_facilities=("mk-a", "hs-b")), "incremental")
    out_f = evaluate_scenario(res, Scenario(add_facilities=add, remove_facilities=("mk-a", "hs-b")), "full")
    np.testing.assert_allclose(out_i.homes["t_fresh_market"], np.minimum(np.abs(X - 100) + 10, 4010 - X), atol=1e-9)
    assert (out_i.homes["f_fresh_market"] == "scenario-1").all()
    for col in [c for c in out_f.homes.columns if c.startswith(("t_", "f_", "r_", "d_"))]:
        np.testing.assert_array_equal(out_i.homes[col].to_numpy(), out_f.homes[col].to_numpy())


def test_oneway_link_only_from_its_first_vertex(river_dir):
    # a one-way link from street B (x = 0) down to street A: homes cannot use it to reach hs-b on street B
    res = load_results(river_dir)
    up = gpd.GeoDataFrame({"oneway": ["yes"]}, geometry=[line((0, 100), (0, 0))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=up))
    np.testing.assert_allclose(out.homes["t_health_station"], 4010 - X, atol=1e-9)
    down = gpd.GeoDataFrame({"oneway": ["yes"]}, geometry=[line((0, 0), (0, 100))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_links=down))
    np.testing.assert_allclose(out.homes["t_health_station"], np.minimum(X + 210, 4010 - X), atol=1e-9)
    assert out.network.n_edges == res.network.n_edges + 1 and out.network.edges["rev"].iat[-1] == -1


@pytest.mark.parametrize("fx", [200.0, 800.0])
def test_added_facility_on_an_edge_the_link_splits(river_dir, fx):
    # a market added at (fx, −5) on edge 0→1, which the link at x = 500 splits: homes reach it along street A
    # in |x − fx| + 10 s, whichever piece it ends on; mk-a stays at |1900 − x| + 10
    res = load_results(river_dir)
    add = at([(fx, -5)], category=["fresh_market"], id=["new-mk"])
    links = gpd.GeoDataFrame(geometry=[line((500, 0), (500, 100))], crs=res.network.crs)
    out = evaluate_scenario(res, Scenario(add_facilities=add, add_links=links))
    via_link = np.abs(X - 500) + 510  # to mk-b at (100, 105): |x − 500| + 100 + 400 + 10
    np.testing.assert_allclose(out.homes["t_fresh_market"],
                               np.minimum.reduce([np.abs(X - fx) + 10, np.abs(1900 - X) + 10, via_link]), atol=1e-9)
    row = out.facilities.loc[out.facilities["id"] == "new-mk"].iloc[0]
    e = out.network.edges.iloc[int(row["edge_id"])]
    assert e.geometry.interpolate(row["edge_frac"], normalized=True).distance(at([(fx, 0)]).geometry.iloc[0]) < 1e-6


@pytest.mark.parametrize("mode", MODES)
def test_moving_a_facility_keeps_its_id(river_dir, mode):
    # mk-a moves from x = 1900 to x = 1000 on street A: |x − 1000| + 10 s (all below mk-b's 4010 − x)
    res = load_results(river_dir)
    moved = at([(1000, -5)], category=["fresh_market"], id=["mk-a"])
    out = evaluate_scenario(res, Scenario(add_facilities=moved, remove_facilities=("mk-a",)), recompute=mode)
    np.testing.assert_allclose(out.homes["t_fresh_market"], np.abs(X - 1000) + 10, atol=1e-9)
    assert (out.homes["f_fresh_market"] == "mk-a").all()
    assert (out.facilities["id"] == "mk-a").sum() == 1


def test_before_equals_the_runs_indicators_and_is_shared(river_dir):
    from lifecircle.indicators.table import indicator_table

    res = load_results(river_dir)
    a = evaluate_scenario(res, Scenario(remove_facilities=("mk-a",))).indicators_before
    b = evaluate_scenario(res, Scenario(remove_facilities=("hs-b",))).indicators_before
    ref = indicator_table(res.homes, list(res.profiles), res.areas)
    for got in (a, b):
        np.testing.assert_array_equal(got["value"].to_numpy(), ref["value"].to_numpy())
    a.loc[0, "value"] = -1.0  # callers get their own copy
    assert res.indicators()["value"].iloc[0] != -1.0
