"""The report finds the plans of a results folder: ``plan*/sites.parquet`` (with ``plan.json``) and ``plan_*.parquet``."""

from __future__ import annotations

import json

import geopandas as gpd
from shapely.geometry import Point

from lifecircle.report.build import plan_tables
from lifecircle.report.inputs import ReportInputs, read_plans
from lifecircle.report.plans import headline

CRS = "EPSG:32635"


def _sites(ids, people):
    return gpd.GeoDataFrame({"order": list(range(1, len(ids) + 1)), "site_id": ids, "newly_covered": people,
                             "category": "elderly_care"},
                            geometry=[Point(385_000 + 100 * k, 6_672_000) for k in range(len(ids))], crs=CRS)


def test_plans_are_found_and_tabled(tmp_path):
    (tmp_path / "plan-elderly_care").mkdir()
    _sites(["plan-elderly_care-1", "plan-elderly_care-2"], [120.0, 30.5]).to_parquet(
        tmp_path / "plan-elderly_care" / "sites.parquet")
    (tmp_path / "plan-elderly_care" / "plan.json").write_text(json.dumps(
        {"category": "elderly_care", "problem": "mclp", "method": "exact", "status": "optimal", "objective": 150.5,
         "bound": 150.5, "gap": 0.0, "objective_unit": "people", "threshold": 300.0, "threshold_kind": "walk_time_s",
         "coverage_rate_before": 0.25, "coverage_rate_after": 0.5}))
    _sites(["mine"], [7.0]).to_parquet(tmp_path / "plan_custom.parquet")
    gpd.GeoDataFrame({"x": [1]}, geometry=[Point(0, 0)], crs=CRS).to_parquet(tmp_path / "plan_other.parquet")
    plans = read_plans(tmp_path, CRS)
    assert [p.name for p in plans] == ["plan-elderly_care", "plan_custom"]  # a layer without newly_covered is not a plan
    inputs = ReportInputs(results_dir=tmp_path, run={}, crs=CRS, edges=None, facilities=None, homes=None,
                          indicators=None, categories=[], plans=plans)
    tables = plan_tables(inputs, {"elderly_care": ("养老设施", "Elderly care")})
    first = tables[0]
    assert (first["category_en"], first["objective"], first["bound"], first["gap"]) == \
        ("Elderly care", "150.5 people", "150.5 people", "0.00 %")
    assert first["threshold"] == "5 min" and (first["rate_before"], first["rate_after"]) == ("25.0 %", "50.0 %")
    assert [(r["order"], r["id"], r["people"]) for r in first["rows"]] == \
        [(1, "plan-elderly_care-1", "120"), (2, "plan-elderly_care-2", "30")]  # whole people
    assert tables[1]["objective"] == "—" and tables[1]["rows"][0]["id"] == "mine"


def test_no_plan_no_section(tmp_path):
    assert read_plans(tmp_path, CRS) == []


def test_plan_in_planning_words(tmp_path):
    (tmp_path / "plan-a").mkdir()
    sites = _sites(["plan-elderly_care-1", "plan-elderly_care-2"], [5000.0, 1200.0]).assign(
        newly_covered_people=[130.4, 40.6], street=["Jiefangbei Pedestrian Street", ""], name=["", "Parcel 7"])
    sites.to_parquet(tmp_path / "plan-a" / "sites.parquet")
    (tmp_path / "plan-a" / "plan.json").write_text(json.dumps(
        {"category": "elderly_care", "problem": "mclp", "method": "exact", "method_ran": ["greedy", "lp_relaxation"],
         "solution_from": "greedy", "status": "optimal", "proven_optimal": True, "objective": 6200.0,
         "bound": 6200.0, "gap": 0.0, "objective_unit": "m² residential land", "threshold": 300.0,
         "threshold_kind": "walk_time_s", "coverage_denominator": "residential_land_area",
         "coverage_rate_before": 0.0421, "coverage_rate_after": 0.2562, "newly_covered_people": 171.0}))
    (tmp_path / "plan-b").mkdir()
    _sites(["plan-elderly_care-1"], [30.0]).to_parquet(tmp_path / "plan-b" / "sites.parquet")
    (tmp_path / "plan-b" / "plan.json").write_text(json.dumps(
        {"category": "elderly_care", "problem": "pmedian", "method": "greedy", "status": "heuristic", "gap": 0.031,
         "objective": 136323502.9, "objective_unit": "person-seconds", "threshold": 600.0,
         "threshold_kind": "walk_time_s", "coverage_denominator": "population", "mean_cost_before": 412.0,
         "mean_cost_after": 300.0, "coverage_rate_before": 0.5, "coverage_rate_after": 0.6}))
    inputs = ReportInputs(results_dir=tmp_path, run={}, crs=CRS, edges=None, facilities=None, homes=None,
                          indicators=None, categories=[], plans=read_plans(tmp_path, CRS))
    a, b = plan_tables(inputs, {"elderly_care": ("养老设施", "Elderly care")})
    assert (a["headline_en"], a["headline_zh"]) == (
        "2 new sites that reach the most residential land within a 5-minute walk",
        "新增 2 处设施，使步行 5 分钟范围内覆盖的居住用地面积最多")
    assert (a["rate_of_en"], a["rate_before"], a["rate_after"]) == ("share of residential land", "4.2 %", "25.6 %")
    assert a["people"] == "171" and [r["people"] for r in a["rows"]] == ["130", "41"]
    assert [(r["name_en"], r["name_zh"]) for r in a["rows"]] == [
        ("near Jiefangbei Pedestrian Street", "Jiefangbei Pedestrian Street附近"), ("Parcel 7", "Parcel 7")]
    assert a["proof_en"] == "proven the best possible plan" and a["method"] == "exact / greedy, lp_relaxation / greedy"
    assert b["headline_en"] == "1 new site that shortens the average walk to the nearest facility the most"
    assert b["mean_walk"] == ("6.9 → 5.0 分钟", "6.9 → 5.0 min")
    assert b["proof_en"] == "not proven optimal: within 3.10 % of the best plan"
    assert b["rows"][0]["name_en"] == "plan-elderly_care-1"  # no street, no parcel name: its id
    lscp = {"problem": "lscp", "threshold": 900.0, "threshold_kind": "walk_time_s",
            "parameters": {"target_rate": 0.9}}
    assert headline(lscp, 4) == ("以最少的新增设施（4 处）使步行 15 分钟范围内的覆盖率达到 90.0 %",
                                 "The fewest new sites (4) that bring coverage within a 15-minute walk to 90.0 %")
