"""The report's pieces on hand-checkable cases: encoding of map data, chart numbers and SVG, table formatting."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from lifecircle.report import charts, mapdata, tables
from lifecircle.report.i18n import STRINGS

SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------- map data


def test_delta_encoding_round_trip_and_values():
    assert mapdata.delta_encode(np.array([2493512, 2493515, 2493510])) == [2493512, 3, -5]
    assert mapdata.delta_encode(np.array([], dtype=np.int64)) == []
    np.testing.assert_array_equal(mapdata.delta_decode([2493512, 3, -5]), [2493512, 2493515, 2493510])


def test_quantize_degrees_is_1e5_degree():
    np.testing.assert_array_equal(mapdata.quantize_degrees(np.array([24.935124, 60.1699951, -0.000004])),
                                  [2493512, 6017000, 0])


def test_ceil_seconds_keeps_threshold_comparisons_exact():
    t = np.array([300.0, 300.4, 299.6, 0.0, math.inf, math.nan])
    # t ≤ 300 s holds for 300.0 and 299.6 only; ceil keeps that: 300, 301, 300.
    assert mapdata.ceil_seconds(t).tolist() == [300, 301, 300, 0, -1, -1]


def test_undirected_edges_drop_reverse_directions_but_keep_parallel_ways():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (0, 0)]),
             LineString([(0, 0), (50, 40), (100, 0)]), LineString([(100, 0), (200, 0)])]
    edges = gpd.GeoDataFrame({"u": [0, 1, 0, 1], "v": [1, 0, 1, 2], "length_m": [100.0, 100.0, 128.06, 100.0]},
                             geometry=lines, crs="EPSG:32635")
    kept = mapdata.undirected_edges(edges)
    assert kept.index.tolist() == [0, 2, 3]


def test_network_layer_simplifies_and_encodes_lines():
    # A straight 300 m street with a 0.5 m kink in the middle: the 2 m simplification removes the kink.
    line = LineString([(385000, 6672000), (385150, 6672000.5), (385300, 6672000)])
    edges = gpd.GeoDataFrame({"u": [0], "v": [1], "length_m": [300.0]}, geometry=[line], crs="EPSG:32635")
    (encoded,) = mapdata.network_layer(edges)["lines"]
    assert len(encoded) == 4  # two points, x and y each
    ends = gpd.GeoSeries.from_xy([385000, 385300], [6672000, 6672000], crs="EPSG:32635").to_crs(4326)
    assert encoded[0] == round(ends.x[0] * 1e5) and encoded[1] == round(ends.y[0] * 1e5)
    assert encoded[0] + encoded[2] == round(ends.x[1] * 1e5)


def test_polygons_are_rounded_to_five_decimals():
    areas = gpd.GeoDataFrame(geometry=[box(385000, 6672000, 385100, 6672100)], crs="EPSG:32635")
    fc = mapdata.polygons_geojson(areas, [{"id": "a"}])
    ring = fc["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5
    assert all(round(c, 5) == c for pt in ring for c in pt)
    assert fc["features"][0]["properties"] == {"id": "a"}


# ---------------------------------------------------------------- charts


def test_share_within_by_hand():
    times = np.array([60.0, 120.0, math.inf, 30.0])
    people = np.array([1.0, 2.0, 1.0, 0.0])
    # Σw = 4: within 0 s nobody; within 60 s the first home (1); within 119 s still 1; within 120 s 1 + 2 = 3.
    np.testing.assert_allclose(charts.share_within(times, people, np.array([0, 60, 119, 120, 1e9])),
                               [0.0, 0.25, 0.25, 0.75, 0.75])
    assert np.isnan(charts.share_within(times, np.zeros(4), np.array([60.0]))).all()


def test_distribution_svg_is_well_formed_and_bilingual():
    svg = charts.distribution_svg(np.array([120.0, 400.0, 800.0, math.inf]), np.array([10.0, 20.0, 30.0, 40.0]),
                                  "社区卫生服务站", "Community health station")
    root = ET.fromstring(svg)
    texts = {(t.get("class"), t.text) for t in root.iter(f"{SVG}text")}
    assert ("l-zh ttl", "社区卫生服务站") in texts and ("l-en ttl", "Community health station") in texts
    # Within 15 min: 10 + 20 + 30 = 60 of 100 people; unreachable 40 of 100.
    assert ("l-en sub", "60.0% within 15 min · 40.0% unreachable") in texts  # rounded as the indicator table
    assert ("l-zh sub", "15分钟内 60.0% · 不可达 40.0%") in texts
    # Three dashed tier lines (5, 10, 15 min).
    assert sum(1 for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray")) == 3


def _row(indicator, value, target, unit="share", kind="walk_time_s"):
    df = pd.DataFrame([{"profile": "p", "indicator": indicator, "area": "ALL", "value": value, "numerator": 1.0,
                        "denominator": 2.0, "threshold": 900.0, "threshold_kind": kind, "source": "S",
                        "target": target, "unit": unit, "denominator_kind": "population"}])
    return tables.indicator_rows(df)[0]


def test_coverage_bars_colour_by_target_and_leave_out_non_shares():
    rows = [_row("a", 0.6, 0.8), _row("b", 0.4, 0.3), _row("c", 0.1, math.nan), _row("g", 0.25, math.nan, unit="index")]
    root = ET.fromstring(charts.coverage_bars_svg(rows, width=720))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in ("#eef1f4",)]
    assert [b.get("fill") for b in bars] == [charts.COLOR_UNMET, charts.COLOR_MET, charts.COLOR_NO_TARGET]
    # Plot width 720 − 8 − 56 = 656 px: 60 % is 393.6 px.
    assert float(bars[0].get("width")) == pytest.approx(0.6 * 656, abs=0.06)
    assert len([e for e in root.iter(f"{SVG}line") if e.get("stroke-width") == "2.2"]) == 2  # two targets


# ---------------------------------------------------------------- table


def test_threshold_and_quantity_formatting():
    assert tables.format_threshold(900.0, "walk_time_s") == ("步行 15 分钟", "15 min walk")
    assert tables.format_threshold(450.0, "walk_time_s") == ("步行 7.5 分钟", "7.5 min walk")
    assert tables.format_threshold(1000.0, "network_distance_m") == ("网络距离 1000 米", "1000 m network distance")
    assert tables.format_threshold(800.0, "straight_radius_m") == ("直线半径 800 米", "800 m straight radius")
    assert tables.format_threshold(math.nan, "walk_time_s") == ("—", "—")
    assert tables.format_covered(1234.5, 20000.0, "residential_land_area") == ("1,234 / 20,000 平方米",
                                                                               "1,234 / 20,000 m²")
    assert tables.format_covered(30.0, 100.0, "population") == ("30 / 100 人", "30 / 100 people")
    assert tables.format_percent(0.6) == "60.0%" and tables.format_percent(math.nan) == "—"


def test_rows_status_and_share_detection():
    assert _row("a", 0.8, 0.8).status == "met"
    assert _row("a", 0.79, 0.8).status == "unmet"
    assert _row("a", 0.5, math.nan).status == "no_target"
    assert _row("a", math.nan, 0.8).status == "no_value"
    gini = _row("g", 0.25, math.nan, unit="index", kind=None)
    assert not gini.is_share and gini.value_text == "0.25"
    assert tables.is_share(0.4, None, "walk_time_s") and not tables.is_share(3.0, None, "walk_time_s")
    assert [tables.confidence_level(m) for m in ("✅", "🟡 probable", "🔴", "?")] == ["verified", "probable",
                                                                                    "uncertain", ""]


def test_every_label_has_both_languages():
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert zh != en or key in (), key


def test_confidence_marks_become_dots_and_text_stays_escaped():
    html = str(tables.marks_html("[G1] STANDARDS §3.2 ✅ <b>; mapping 🟡"))
    assert '<span class="conf-dot conf-verified" title="verified"></span>' in html
    assert '<span class="conf-dot conf-probable" title="probable"></span>' in html
    assert "&lt;b&gt;" in html and "✅" not in html


def test_notes_about_absent_categories_are_gathered_and_named_in_both_languages():
    names = {"kindergarten": ("幼儿园", "Kindergarten"), "park": ("公园绿地", "Park / green space")}
    note = ("no facility of 'kindergarten' reachable from any home (category absent from the data?); "
            "no facility of 'park' reachable from any home (category absent from the data?); 3 homes without area")
    assert tables.condense_note(note, names) == (
        "数据中没有可达的设施：幼儿园、公园绿地。3 homes without area",
        "No facility reachable in the data: Kindergarten, Park / green space. 3 homes without area",
    )
    assert tables.condense_note("floor area missing", names) == ("floor area missing", "floor area missing")


def test_source_cells_split_into_bibliography_keys_and_free_text():
    assert tables.split_source("tdt1063-2021; tdt1063-indicator-tree") == (("tdt1063-2021", "tdt1063-indicator-tree"), "")
    assert tables.split_source("gb50180-2018, local decision") == (("gb50180-2018",), "local decision")
    # results written before the bibliography keep their text, commas and all
    assert tables.split_source("Bruno et al., Nature Cities (2024) [I5]") == ((), "Bruno et al., Nature Cities (2024) [I5]")
    assert tables.split_source("") == ((), "")


def test_bibliography_numbers_sources_in_order_of_first_citation():
    rows = tables.indicator_rows(pd.DataFrame([
        {"profile": "p", "indicator": "a", "area": "ALL", "value": 0.5, "source": "bruno2024; tdt1063-2021"},
        {"profile": "p", "indicator": "b", "area": "ALL", "value": 0.5, "source": "tdt1063-2021"},
        {"profile": "p", "indicator": "c", "area": "ALL", "value": 0.5, "source": "a local plan"},
    ]))
    assert [r.source_keys for r in rows] == [("bruno2024", "tdt1063-2021"), ("tdt1063-2021",), ()]
    assert rows[2].source_note == "a local plan"
    numbered = tables.bibliography(rows, ["moreno2021", "bruno2024", "not-a-key"])
    assert [(n, s.key) for n, s in numbered] == [(1, "bruno2024"), (2, "tdt1063-2021"), (3, "moreno2021")]
