"""``lifecircle plan`` on real runs: the embedded Helsinki extract (``lifecircle demo``) and hilly Yuzhong (stairs,
DEM slopes; skipped where ../shared/data is absent), about 20 s in all."""

from __future__ import annotations

import itertools
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lifecircle.accessibility import walking_columns
from lifecircle.cli.plan import plan as plan_command
from lifecircle.engine import Graph, Points, nearest
from lifecircle.indicators import load_profile
from lifecircle.indicators.table import indicator_table
from lifecircle.jobs.assess import AssessConfig, demo_config, run
from lifecircle.jobs.plan import PlanOptions, plan
from lifecircle.network.io import load_network
from lifecircle.network.model import SnappedPoints
from lifecircle.planning import connected_nodes, node_points

#: cn-health-check's elderly_care_5min: 300 s (STANDARDS §3.2 [G1]).
ELDERLY_S = 300.0


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    return run(demo_config(tmp_path_factory.mktemp("plan") / "results"), quiet=True)


@pytest.fixture(scope="module")
def planned(helsinki):
    r = CliRunner().invoke(plan_command, [str(helsinki), "--category", "elderly_care", "--sites", "2", "-q"])
    assert r.exit_code == 0, r.output
    return helsinki / "plan-elderly_care"


def _from_scratch(results, sites: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The assessment's engine and indicator steps rerun with the new sites added to facilities.parquet."""
    net = load_network(results)
    homes = gpd.read_parquet(results / "homes.parquet")
    keep = [c for c in homes.columns if not c.startswith(("t_", "f_", "d_", "r_"))]
    fac = gpd.read_parquet(results / "facilities.parquet")
    new = gpd.GeoDataFrame({"id": sites["site_id"], "category": sites["category"], "name": "",
                            "capacity": np.nan, "edge_id": sites["edge_id"], "edge_frac": sites["edge_frac"],
                            "access_m": sites["access_m"], "access_s": sites["access_s"], "access_kind": "node"},
                           geometry=sites.geometry.values, crs=fac.crs)
    fac_all = gpd.GeoDataFrame(pd.concat([fac, new], ignore_index=True), geometry="geometry", crs=fac.crs)
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=fac.crs)
    run_info = json.loads((results / "run.json").read_text())
    profiles = [load_profile(p) for p in run_info["profiles"]]
    h = walking_columns(net, SnappedPoints(homes[keep], empty), SnappedPoints(fac_all, empty), profiles)
    return h, indicator_table(h, profiles, run_info["parameters"]["areas"])


def test_plan_files_and_quality_statement(planned):
    info = json.loads((planned / "plan.json").read_text())
    for key in ("objective", "bound", "gap", "method", "status", "parameters", "timings_s"):
        assert key in info
    assert info["threshold"] == ELDERLY_S and info["threshold_from"]["indicator"] == "elderly_care_5min"
    assert info["bound"] >= info["objective"] > 0
    assert info["counts"]["homes_already_covered"] == 0  # the extract maps no elderly care
    sites = gpd.read_parquet(planned / "sites.parquet")
    assert len(sites) == 2 and sites.crs is not None
    assert sites["newly_covered"].sum() == pytest.approx(info["objective"])
    cands = gpd.read_parquet(planned / "candidates.parquet")
    assert cands["newly_covered_alone"].is_monotonic_decreasing and cands["chosen"].sum() == 2


def test_after_indicators_equal_a_full_recomputation(helsinki, planned):
    sites = gpd.read_parquet(planned / "sites.parquet")
    homes_new, ind_new = _from_scratch(helsinki, sites)
    comp = pd.read_csv(planned / "comparison.csv", dtype={"area": str})
    merged = comp.merge(ind_new[["profile", "indicator", "area", "value"]], on=["profile", "indicator", "area"])
    assert len(merged) == len(comp) == len(ind_new)
    np.testing.assert_allclose(merged["after"].to_numpy(float), merged["value"].to_numpy(float),
                               rtol=1e-12, atol=1e-12, equal_nan=True)
    before = pd.read_csv(helsinki / "indicators.csv", dtype={"area": str})
    mb = comp.merge(before[["profile", "indicator", "area", "value"]], on=["profile", "indicator", "area"])
    np.testing.assert_allclose(mb["before"].to_numpy(float), mb["value"].to_numpy(float), equal_nan=True)
    # the objective is the residential land area (cn-health-check's denominator) the recomputed walking times put
    # within 5 minutes, and the people reported are the people living there
    info = json.loads((planned / "plan.json").read_text())
    within = homes_new["t_elderly_care"].to_numpy() <= ELDERLY_S
    assert info["weight"]["denominator"] == "residential_land_area"
    assert homes_new["area_m2"].to_numpy()[within].sum() == pytest.approx(info["objective"], rel=1e-9)
    assert homes_new["population"].to_numpy()[within].sum() == pytest.approx(info["newly_covered_people"], rel=1e-9)


def test_report_shows_the_sites(helsinki, planned):
    html = (helsinki / "report.html").read_text(encoding="utf-8")
    sites = gpd.read_parquet(planned / "sites.parquet")
    assert 'id="plan"' in html and "Where new facilities should go" in html
    for sid in sites["site_id"]:
        assert f'data-site="{sid}"' in html  # the table row
        assert f'"id": "{sid}"' in html or f'"id":"{sid}"' in html  # the map data


def test_set_covering_and_pmedian_on_real_data(helsinki, tmp_path):
    res = plan(helsinki, PlanOptions(category="elderly_care", target_rate=0.5, out=tmp_path / "lscp",
                                     update_report=False), quiet=True)
    assert res.result.coverage_rate >= 0.5 and res.result.bound <= res.result.objective
    res = plan(helsinki, PlanOptions(category="primary_school", p_median=1, every_kth_node=4, out=tmp_path / "pm",
                                     method="greedy", update_report=False), quiet=True)
    # weighted like primary_school_10min (residential land area): the objective is m² × seconds
    assert res.summary["objective_unit"] == "m² residential land × seconds" and res.threshold == 600.0
    assert res.result.bound <= res.result.objective + 1e-6
    comp = res.comparison
    row = comp[(comp["indicator"] == "primary_school_10min") & (comp["area"] == "ALL")].iloc[0]
    assert row["after"] >= row["before"]


def test_yuzhong_hilly_plan_equals_full_recomputation(yuzhong_pbf, yuzhong_dem, tmp_path):
    results = run(AssessConfig(out=tmp_path / "yz", osm=yuzhong_pbf, dem=yuzhong_dem, areas="grid:1000",
                               study_area="Yuzhong"), quiet=True)
    res = plan(results, PlanOptions(category="elderly_care", sites=4, out=tmp_path / "yz" / "plan-elderly_care"),
               quiet=True)
    assert res.threshold == ELDERLY_S and res.summary["bound"] >= res.summary["objective"] > 0
    homes_new, ind_new = _from_scratch(results, res.sites)
    comp = res.comparison.merge(ind_new[["profile", "indicator", "area", "value"]],
                                on=["profile", "indicator", "area"])
    assert len(comp) == len(ind_new)
    np.testing.assert_allclose(comp["after"].to_numpy(float), comp["value"].to_numpy(float), rtol=1e-12,
                               atol=1e-12, equal_nan=True)
    before = gpd.read_parquet(results / "homes.parquet")
    newly = (homes_new["t_elderly_care"].to_numpy() <= ELDERLY_S) & ~(before["t_elderly_care"].to_numpy() <= ELDERLY_S)
    assert res.summary["weight"]["denominator"] == "residential_land_area"  # the health check's denominator
    assert before["area_m2"].to_numpy()[newly].sum() == pytest.approx(res.result.objective, rel=1e-9)
    assert before["population"].to_numpy()[newly].sum() == pytest.approx(res.summary["newly_covered_people"], rel=1e-9)
    assert 'data-site="plan-elderly_care-1"' in (results / "report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------------
# the plan improves the indicator it names, and every output reads the same value
# ---------------------------------------------------------------------------------------------------------------------


def _reach_within(results, nodes: np.ndarray, limit_s: float) -> np.ndarray:
    """(candidates, homes) bool: home within ``limit_s`` of a site standing on each node, by the engine's nearest
    search (one facility at a time), independently of the planning pair search."""
    net = load_network(results)
    homes = gpd.read_parquet(results / "homes.parquet")
    g = Graph.from_network(net)
    origins = Points(homes["edge_id"].to_numpy(), homes["edge_frac"].to_numpy(), homes["access_s"].to_numpy())
    pts = node_points(g, nodes)
    rows = []
    for j in range(len(nodes)):
        one = Points(pts.edge[j:j + 1], pts.frac[j:j + 1], pts.access[j:j + 1])
        rows.append(nearest(g, origins, one, np.zeros(1, np.int64), 1).time[:, 0] <= limit_s)
    return np.array(rows)


def test_plan_maximises_the_indicators_own_denominator(helsinki, tmp_path):
    # 17 candidate nodes (every 200th), 3 sites: enumerating all 680 triples, the best by residential land area
    # (cn-health-check's denominator) is not the best by people on this run
    out = tmp_path / "plan"
    r = CliRunner().invoke(plan_command, [str(helsinki), "--category", "elderly_care", "--sites", "3",
                                          "--every-kth-node", "200", "--method", "exact", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    homes = gpd.read_parquet(helsinki / "homes.parquet")
    land, people = homes["area_m2"].to_numpy(), homes["population"].to_numpy()
    g = Graph.from_network(load_network(helsinki))
    nodes = connected_nodes(g, np.arange(0, g.n_nodes, 200))
    reach = _reach_within(helsinki, nodes, ELDERLY_S)
    triples = list(itertools.combinations(range(len(nodes)), 3))
    land_rate = {s: land[reach[list(s)].any(axis=0)].sum() / land.sum() for s in triples}
    people_rate = {s: people[reach[list(s)].any(axis=0)].sum() / people.sum() for s in triples}
    best_land = max(land_rate, key=land_rate.get)
    best_people = max(people_rate, key=people_rate.get)
    assert land_rate[best_land] > land_rate[best_people] + 1e-3  # the two objectives disagree here
    info = json.loads((out / "plan.json").read_text())
    assert info["weight"]["denominator"] == "residential_land_area" and info["proven_optimal"]
    chosen = sorted(int(n) for n in gpd.read_parquet(out / "sites.parquet")["node_id"])
    assert chosen == sorted(int(nodes[i]) for i in best_land)
    comp = pd.read_csv(out / "comparison.csv", dtype={"area": str})
    row = comp[(comp["indicator"] == "elderly_care_5min") & (comp["area"] == "ALL")].iloc[0]
    assert row["after"] == pytest.approx(land_rate[best_land], rel=1e-9)
    assert info["coverage_rate_after"] == row["after"]
    # --weight population optimises people instead, and says the rate is then its own
    r = CliRunner().invoke(plan_command, [str(helsinki), "--category", "elderly_care", "--sites", "3",
                                          "--every-kth-node", "200", "--method", "exact", "--weight", "population",
                                          "--out", str(tmp_path / "people"), "-q"])
    assert r.exit_code == 0, r.output
    info = json.loads((tmp_path / "people" / "plan.json").read_text())
    assert info["weight"]["denominator"] == "population" and info["coverage_rate_from"] == "the plan's threshold"
    assert info["coverage_rate_after"] == pytest.approx(people_rate[best_people], rel=1e-9)


def test_one_value_in_the_terminal_plan_json_comparison_and_report(helsinki):
    r = CliRunner().invoke(plan_command, [str(helsinki), "--category", "primary_school", "--sites", "2",
                                          "--every-kth-node", "3"])
    assert r.exit_code == 0, r.output
    out = helsinki / "plan-primary_school"
    info = json.loads((out / "plan.json").read_text())
    comp = pd.read_csv(out / "comparison.csv", dtype={"area": str})
    row = comp[(comp["indicator"] == "primary_school_10min") & (comp["area"] == "ALL")].iloc[0]
    ind = pd.read_csv(helsinki / "indicators.csv", dtype={"area": str})
    before = ind[(ind["indicator"] == "primary_school_10min") & (ind["area"] == "ALL")].iloc[0]
    assert info["coverage_denominator"] == row["denominator_kind"] == before["denominator_kind"]
    assert info["coverage_rate_before"] == row["before"] == pytest.approx(before["value"], rel=1e-12)
    assert info["coverage_rate_after"] == row["after"]
    shown = f"{100 * row['before']:.1f} % → {100 * row['after']:.1f} %"
    assert f"Coverage (share of residential land): {shown}" in " ".join(r.output.split())
    html = (helsinki / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="plan">'):]
    section = section[:section.index("</section>")]
    school = section[section.index("primary_school"):] if "plan-primary_school" in section else ""
    assert shown in school
    assert f"{info['newly_covered_people']:,.0f}" in school


def test_report_plan_section_speaks_planning(helsinki, planned):
    html = (helsinki / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="plan">'):]
    section = section[:section.index("</section>")]
    visible = re.sub(r"<details.*?</details>", "", section, flags=re.S)
    info = json.loads((planned / "plan.json").read_text())
    assert "2 new sites that reach the most residential land within a 5-minute walk" in visible
    assert "新增 2 处设施，使步行 5 分钟范围内覆盖的居住用地面积最多" in visible
    for solver_word in ("mclp", "greedy", "lp_rounding", "界限", "Bound", "person-seconds", "node"):
        assert solver_word not in visible, solver_word
    assert f"{info['newly_covered_people']:,.0f}" in visible and f"{info['newly_covered_people']:,.1f}" not in visible
    sites = gpd.read_parquet(planned / "sites.parquet")
    edges = gpd.read_parquet(helsinki / "network_edges.parquet")
    named = edges[edges["name"].notna() & (edges["name"].astype(str) != "")]
    for street, geom in zip(sites["street"], sites.geometry):
        assert street  # the centre of Helsinki has named streets everywhere
        nearest_name = named.iloc[int(named.distance(geom).to_numpy().argmin())]["name"]
        assert street == nearest_name
        assert f"near {street}" in visible and f"{street}附近" in visible
    details = re.search(r"<details.*?</details>", section, flags=re.S).group(0)
    assert "mclp" in details and "optimal" in details  # the solver's facts stay available
