"""The report finds the plans of a results folder: ``plan*/sites.parquet`` (with ``plan.json``) and ``plan_*.parquet``."""

from __future__ import annotations

import json

import geopandas as gpd
from shapely.geometry import Point

from lifecircle.report.build import plan_tables
from lifecircle.report.inputs import ReportInputs, read_plans

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
        [(1, "plan-elderly_care-1", "120.0"), (2, "plan-elderly_care-2", "30.5")]
    assert tables[1]["objective"] == "—" and tables[1]["rows"][0]["id"] == "mine"


def test_no_plan_no_section(tmp_path):
    assert read_plans(tmp_path, CRS) == []
