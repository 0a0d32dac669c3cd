"""``lifecircle plan`` on real runs: the embedded Helsinki extract (``lifecircle demo``) and hilly Yuzhong (stairs,
DEM slopes; skipped where ../shared/data is absent), about 20 s in all."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from lifecircle.indicators import load_profile
from lifecircle.network.io import load_network
from lifecircle.network.model import SnappedPoints
from lifecircle.jobs.assess import AssessConfig, demo_config, run
from lifecircle.indicators.table import indicator_table
from lifecircle.accessibility import walking_columns
from lifecircle.jobs.plan import PlanOptions, plan
from lifecircle.cli.plan import plan as plan_command

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
    # the objective is the population the recomputed walking times put within 5 minutes
    info = json.loads((planned / "plan.json").read_text())
    within = homes_new["t_elderly_care"].to_numpy() <= ELDERLY_S
    assert homes_new["population"].to_numpy()[within].sum() == pytest.approx(info["objective"], rel=1e-9)


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
    assert res.summary["objective_unit"] == "person-seconds" and res.threshold == 600.0
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
    pop = before["population"].to_numpy()
    newly = (homes_new["t_elderly_care"].to_numpy() <= ELDERLY_S) & ~(before["t_elderly_care"].to_numpy() <= ELDERLY_S)
    assert pop[newly].sum() == pytest.approx(res.result.objective, rel=1e-9)
    assert 'data-site="plan-elderly_care-1"' in (results / "report.html").read_text(encoding="utf-8")
