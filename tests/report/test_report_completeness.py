"""The data-completeness panel: categories with no facility, the indicators they zero, what to do."""

from __future__ import annotations

import json
from pathlib import Path

from _report_html import ReportHTML

from lifecircle.report import build_report


def _panel(doc: ReportHTML) -> tuple[int, str]:
    (i,) = doc.find("section", id="completeness")
    return i, doc.text(i)


def test_panel_names_the_categories_without_facilities_and_the_indicators_they_zero(small_results: Path):
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    i, text = _panel(doc)
    # report_results.py: facilities are one health station and one primary school. park_5min (park+plaza) reads
    # 0 %; health_15min (health_station+health_centre) still counts the station: lowered, not zeroed.
    assert i < doc.find("section", id="indicators")[0]  # at the top, before the indicator table
    missing = [doc.elements[k][1]["data-category"] for k in doc.find("tr") if k > i and "data-category" in doc.elements[k][1]]
    assert missing == ["health_centre", "park", "plaza"]
    assert "1 / 4 项指标因缺少设施数据而为 0" in text and "1 of 4 indicators read 0 for lack of facility data" in text
    flags = {doc.elements[k][1]["data-indicator"]: doc.text(k) for k in doc.find("li") if k > i
             and "data-indicator" in doc.elements[k][1]}
    assert "0.0%" in flags["park_5min"] and "归零" in flags["park_5min"] and "zeroed" in flags["park_5min"]
    assert "60.0%" in flags["health_15min"] and "too low" in flags["health_15min"]
    assert "--facilities pois.xlsx --poi-source amap" in text
    # the indicator table points back at the panel from the rows it concerns
    rows = {doc.elements[k][1]["data-indicator"]: doc.elements[k][1].get("data-missing-data") for k in doc.find("tr")
            if "data-indicator" in doc.elements[k][1]}
    assert rows == {"health_15min": "true", "primary_10min": None, "park_5min": "true", "gini_access": None}


def test_panel_reads_facility_counts_from_the_facilities_layer_not_run_json(small_results: Path):
    run = json.loads((small_results / "run.json").read_text(encoding="utf-8"))
    run["counts"] = {"facilities_by_category": {"park": 3, "plaza": 1, "health_centre": 2}}  # stale: not the layer
    (small_results / "run.json").write_text(json.dumps(run), encoding="utf-8")
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    _, text = _panel(doc)
    assert "park" in text and "health_centre" in text


def test_facility_sources_and_data_warnings_are_drawn_when_run_json_has_them(small_results: Path):
    run = json.loads((small_results / "run.json").read_text(encoding="utf-8"))
    run["facility_sources"] = {"health_station": "poi:amap", "primary_school": "osm"}
    run["data_warnings"] = ["No facility of 'park' in the data: indicators using it read 0."]
    (small_results / "run.json").write_text(json.dumps(run), encoding="utf-8")
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    i, text = _panel(doc)
    assert "No facility of 'park' in the data: indicators using it read 0." in text
    (table,) = doc.find("table", class_="facility-sources")
    origins = {doc.elements[k][1]["data-category"]: doc.text(k) for k in doc.find("tr") if k > table
               and "data-category" in doc.elements[k][1]}
    assert origins["health_station"].endswith("poi:amap") and "社区卫生服务站" in origins["health_station"]
    assert origins["primary_school"].endswith("osm")


def test_no_panel_when_every_category_has_a_facility(small_results: Path):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    fac = gpd.read_parquet(small_results / "facilities.parquet")
    extra = fac.iloc[[0, 0, 0]].copy()
    extra["id"] = ["f3", "f4", "f5"]
    extra["category"] = ["health_centre", "park", "plaza"]
    extra["geometry"] = [Point(p.x + 1, p.y) for p in extra.geometry]
    gpd.GeoDataFrame(pd.concat([fac, extra], ignore_index=True), crs=fac.crs).to_parquet(
        small_results / "facilities.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    assert doc.find("section", id="completeness") == []
    assert not any("data-missing-data" in doc.elements[k][1] for k in doc.find("tr"))


def test_composites_are_traced_to_their_categories_and_non_shares_are_only_affected():
    import pandas as pd

    from lifecircle.report.completeness import data_completeness
    from lifecircle.results.folder import RunRecord

    ind = pd.DataFrame([
        # profile, indicator, area, value, unit, threshold_kind, categories
        ("p", "school", "ALL", 0.0, "share", "walk_time_s", "middle_school"),
        ("p", "park", "ALL", 0.7, "share", "walk_time_s", "park"),
        ("p", "all", "ALL", 0.0, "share", "walk_time_s", "school+park"),  # a composite of the two above
        ("p", "gini", "ALL", 0.21, "gini", None, "school+park"),
        ("p", "school", "A", 0.0, "share", "walk_time_s", "middle_school"),  # per-area rows are not counted
    ], columns=["profile", "indicator", "area", "value", "unit", "threshold_kind", "categories"])
    c = data_completeness(ind, {"park": 3}, RunRecord(), {"middle_school": ("中学", "Middle school")})
    (missing,) = c.missing
    assert (missing.category, missing.name_en) == ("middle_school", "Middle school")
    assert [(a.indicator, a.zeroed, a.share) for a in missing.indicators] == [("school", True, True), ("all", True, True),
                                                                              ("gini", False, False)]
    assert (c.n_zeroed, c.n_indicators) == (2, 4)
    assert not c.facility_sources and not c.warnings and c.shown
