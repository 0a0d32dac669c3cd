"""One quantity, one reading: every share says its denominator and reads the same in the table, the map legend,
the sub-area popups and tables and the charts; sub-areas carry names a reader can use; print has one table per
profile."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _report_html import ReportHTML

from lifecircle.report import build_report
from lifecircle.report.areanames import readable_area_names, reading_order
from lifecircle.report.tables import AreaTable


def _data(doc: ReportHTML) -> dict:
    (i,) = doc.find("script", id="lc-data")
    return json.loads("".join(doc.texts[i]))


def _table_values(doc: ReportHTML) -> dict[str, str]:
    """Indicator → the text of its value cell in the indicator table."""
    out = {}
    for i in doc.find("tr"):
        ind = doc.elements[i][1].get("data-indicator")
        if ind and doc.elements[i][1].get("class", "").startswith("status-"):
            (cell,) = [k for k in doc.find("td", class_="value") if k > i][:1]
            out[ind] = doc.text(cell)
    return out


@pytest.fixture
def reversed_population(small_results: Path) -> Path:
    """report_results.py with population reversed (40, 30, 20, 10 people for h1..h4) and residential land area
    kept (100, 200, 300, 400 m²): a share by population now differs from the same share by land area."""
    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes["population"] = [40.0, 30.0, 20.0, 10.0]
    homes.to_parquet(small_results / "homes.parquet", index=False)
    return small_results


def test_legend_shares_use_the_denominator_of_the_categorys_indicator(reversed_population):
    doc = ReportHTML(build_report(reversed_population).read_text(encoding="utf-8"))
    legend = _data(doc)["legend"]
    # health station, land area: h1 120 s (100 m²) ≤ 5 min, h2 400 s (200) 5–10, h3 800 s (300) 10–15,
    # h4 1000 s (400) > 15 min; by population it would read 40 / 30 / 20 / 10 %.
    health = legend["health_station"]
    assert health["shares"] == ["10.0%", "20.0%", "30.0%", "40.0%", "0.0%"]
    assert health["share_of"] == {"zh": "居住用地面积占比", "en": "share of residential land area"}
    assert health["indicator"]["key"] == "cn-health-check|health_15min"
    assert health["indicator"]["by"]["en"] == "by residential land area"
    # primary school: h4 540 s (400 m²) 5–10 min, h3 740 s (300 m²) 10–15, h2 and h1 > 15 min (300 m²)
    school = legend["primary_school"]
    assert school["shares"] == ["0.0%", "40.0%", "30.0%", "30.0%", "0.0%"]
    assert school["indicator"]["key"] == "cn-health-check|primary_10min"
    # no park anywhere: everything unreachable
    assert legend["park"]["shares"] == ["0.0%", "0.0%", "0.0%", "0.0%", "100.0%"]


def test_the_same_indicator_reads_the_same_in_table_legend_popups_and_tables(reversed_population):
    doc = ReportHTML(build_report(reversed_population).read_text(encoding="utf-8"))
    data = _data(doc)
    table = _table_values(doc)
    for cat, link in data["legend"].items():
        ind = link["indicator"]
        if ind is not None:
            assert table[ind["key"].split("|")[1]].startswith(ind["value"]), (cat, ind, table)
    # sub-area popups show the text of the sub-area table, cell for cell
    popup = {f["properties"]["id"]: f["properties"]["t"]["cn-health-check|health_15min"] for f in data["areas"]["features"]}
    assert popup == {"A": "100.0%", "B": "42.9%"}
    for table_i in doc.find("table", class_="areas"):  # the screen's wide table and the printed one
        cells = {doc.elements[r][1]["data-area"]: doc.text([k for k in doc.find("td", class_="c-num") if k > r][0])
                 for r in doc.find("tr") if r > table_i and "data-area" in doc.elements[r][1]}
        assert cells == popup
    # the walking-time charts count the same weights as the legend, and say so
    captions = [doc.text(i) for i in doc.find("figcaption", class_="denom")]
    assert len(captions) == 3 and all("share of residential land area" in c for c in captions)


def test_every_value_says_what_it_divides_by(small_results):
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    table = _table_values(doc)
    for ind in ("health_15min", "primary_10min", "park_5min"):
        assert "按居住用地面积计" in table[ind] and "by residential land area" in table[ind], table[ind]
    assert "by" not in table["gini_access"]  # report_results.py gives the Gini no denominator kind
    area_ind = _data(doc)["area_indicators"][0]
    assert area_ind["by"] == {"zh": "按居住用地面积计", "en": "by residential land area"}
    headers = [doc.text(i) for i in doc.find("th", class_="c-num") if "by residential land area" in doc.text(i)]
    assert len(headers) == 1  # the wide sub-area table; the printed one says it once, in its title
    (section,) = doc.find("section", id="area-tables")
    titles = [doc.text(i) for i in doc.find("h3") if i > section]
    assert "by residential land area" in titles[0] and "按居住用地面积计" in titles[0]
    # the column of an indicator built on a category with no facility says so, on screen and on paper
    flagged = [doc.text(i) for i in doc.find("th", class_="c-num") if "no data" in doc.text(i)]
    assert len(flagged) == 2 and all("Community health facilities" in f for f in flagged)


def test_population_denominator_and_homes_without_any_weight(small_results):
    ind = pd.read_csv(small_results / "indicators.csv")
    ind["denominator_kind"] = ind["denominator_kind"].replace("residential_land_area", "population")
    ind.to_csv(small_results / "indicators.csv", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    legend = _data(doc)["legend"]["health_station"]
    assert legend["share_of"]["en"] == "share of population" and legend["shares"][0] == "10.0%"
    assert "by population" in _table_values(doc)["health_15min"]

    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes["population"] = 0.0
    homes.to_parquet(small_results / "homes.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    legend = _data(doc)["legend"]["health_station"]
    assert legend["share_of"]["en"] == "share of number of homes" and legend["shares"][:4] == ["25.0%"] * 4


def _selected(doc: ReportHTML, select_id: str) -> list[str]:
    (sel,) = doc.find("select", id=select_id)
    end = min([k for k in doc.find("select") if k > sel] + [len(doc.elements)])
    return [doc.elements[i][1]["value"] for i in doc.find("option") if sel < i < end and "selected" in doc.elements[i][1]]


def test_linked_default_opens_the_sub_area_shading_on_the_categorys_indicator(small_results):
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    # report_results.py: the map opens on the primary school, whose indicator has no per-area values: no shading
    assert _selected(doc, "category-select") == ["primary_school"]
    assert _selected(doc, "area-indicator-select") == [""]
    assert _data(doc)["links"] == {"primary_school": "cn-health-check|primary_10min",
                                   "health_station": "cn-health-check|health_15min",
                                   "park": "cn-health-check|park_5min"}

    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes["t_primary_school"] = float("inf")  # nobody reaches a school: the map opens on the health station
    homes.to_parquet(small_results / "homes.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    assert _selected(doc, "category-select") == ["health_station"]
    assert _selected(doc, "area-indicator-select") == ["cn-health-check|health_15min"]


def test_grid_and_h3_ids_become_readable_names():
    ids = ["grid500_770_13343", "grid500_771_13344", "grid500_772_13342"]
    assert readable_area_names(ids, ids) == [("网格 2-1", "Grid 2-1"), ("网格 1-2", "Grid 1-2"), ("网格 3-3", "Grid 3-3")]
    cells = ["89089b1a3afffff", "89089b1a3b7ffff", "89089b1a203ffff"]
    short = [n[1] for n in readable_area_names(cells, cells)]
    assert short == ["H3 …a3af", "H3 …a3b7", "H3 …a203"] and len(set(short)) == 3
    assert readable_area_names(["A", "7"], ["West block", "7"]) == [("West block", "West block"), ("7", "7")]
    # tables list grid cells by row from the north, then column from the west; other ids after, as given
    assert reading_order(ids + ["X"]) == [1, 0, 2, 3]


def test_printed_tables_one_per_profile_and_never_too_wide():
    cols = [("p1", f"i{k}", "", "", "") for k in range(20)] + [("p2", "j", "", "", "")]
    parts = AreaTable(columns=cols, rows=[]).print_parts(max_columns=8)
    assert [(p, n, of, len(c)) for p, n, of, c in parts] == [("p1", 1, 3, 7), ("p1", 2, 3, 7), ("p1", 3, 3, 6),
                                                            ("p2", 1, 1, 1)]
    assert [k for _, _, _, c in parts for k in c] == list(range(21))


def test_printed_sub_area_tables_are_in_the_page_with_readable_names(small_results):
    areas = gpd.read_parquet(small_results / "areas.parquet")
    areas["name"] = None  # no names: the ids are shown
    areas.to_parquet(small_results / "areas.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    (section,) = doc.find("section", id="area-tables")
    assert "print-only" in doc.elements[section][1]["class"]
    printed = [i for i in doc.find("table", class_="print-areas")]
    assert [doc.elements[i][1]["data-profile"] for i in printed] == ["cn-health-check"]
    names = [doc.text(i) for i in doc.find("td", class_="c-area")]
    assert names == ["A", "B"]
