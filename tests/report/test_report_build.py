"""report.html from the hand-made results folder of report_results.py: content, languages, no external request."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from _report_html import ReportHTML
from pyproj import Transformer
from report_results import CRS, HOMES, X0, Y0

from lifecircle.errors import LifecircleInputError
from lifecircle.report import build_report
from lifecircle.report.mapdata import delta_decode
from lifecircle.sources import load_sources


@pytest.fixture
def report(small_results: Path) -> tuple[Path, str, ReportHTML]:
    path = build_report(small_results)
    text = path.read_text(encoding="utf-8")
    return path, text, ReportHTML(text)


def _data(doc: ReportHTML) -> dict:
    (i,) = doc.find("script", id="lc-data")
    return json.loads("".join(doc.texts[i]))


def test_report_is_written_into_the_results_folder_and_parses(small_results, report):
    path, text, doc = report
    assert path == small_results / "report.html"
    assert doc.doctype.lower() == "doctype html"
    assert doc.errors == []
    assert not list(small_results.glob(".report.html.*")), "temporary file left behind"
    assert path.stat().st_mode & 0o044 == (small_results / "run.json").stat().st_mode & 0o044  # readable like the rest


def test_indicator_values_appear_formatted(report):
    _, _, doc = report
    values = {doc.elements[i][1]["data-indicator"]: doc.text(i) for i in doc.find("tr") if "data-indicator" in doc.elements[i][1]}
    # By hand (report_results.py): health 600/1000, primary 400/1000, park 0/1000, Gini 0.25.
    assert "60.0%" in values["health_15min"] and "80%" in values["health_15min"]
    assert "40.0%" in values["primary_10min"] and "30%" in values["primary_10min"]
    assert "0.0%" in values["park_5min"]
    assert "0.25" in values["gini_access"]
    assert "600 / 1,000 m²" in values["health_15min"] and "600 / 1,000 平方米" in values["health_15min"]
    assert "15 min walk" in values["health_15min"] and "步行 15 分钟" in values["health_15min"]
    status = {doc.elements[i][1]["data-indicator"]: doc.elements[i][1]["class"] for i in doc.find("tr")
              if "data-indicator" in doc.elements[i][1]}
    assert status == {"health_15min": "status-unmet", "primary_10min": "status-met", "park_5min": "status-no_target",
                      "gini_access": "status-no_target"}


def test_every_category_with_times_is_in_the_dropdown(report):
    _, _, doc = report
    (select,) = doc.find("select", id="category-select")
    options = [doc.elements[i][1] for i in doc.find("option") if i > select][:3]
    assert {o["value"] for o in options} == {"health_station", "primary_school", "park"}
    names = {o["value"]: (o["data-zh"], o["data-en"]) for o in options}
    assert names["health_station"] == ("社区卫生服务站", "Community health station / clinic")
    assert names["park"] == ("公园绿地", "Park / green space")


def test_no_external_reference(report):
    _, text, doc = report
    for tag, attrs in doc.elements:
        for name in ("src", "href", "action", "poster", "data"):
            value = attrs.get(name)
            assert value is None or not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value}>"
        assert tag not in ("link", "iframe", "img", "object", "embed"), f"unexpected <{tag}>"
    css_urls = re.findall(r"url\(\s*['\"]?([^)'\"]*)", "".join("".join(doc.texts[i]) for i in doc.find("style")))
    assert css_urls and all(u.startswith(("data:", "#")) for u in css_urls), css_urls
    assert "@import" not in text
    # Outside the vendored Leaflet code and stylesheet (whose comments cite bug trackers), the only web addresses
    # written are the SVG namespace and the addresses of the cited sources, as text of the references (never in a
    # src or href, checked above). (The browser test checks that no request leaves the page at all.)
    leaflet_js = (resources.files("lifecircle.report") / "vendor" / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert leaflet_js in text
    own = text.replace(leaflet_js, "")
    own = re.sub(r"<style>\s*/\* required styles \*/.*?</style>", "", own, flags=re.S)
    bibliography = {u for s in load_sources().values() for u in (*s.urls, s.url) if u}
    written = {u.rstrip(".") for u in re.findall(r"https?://[^\s\"'<>)]+", own)}
    assert written - bibliography == {"http://www.w3.org/2000/svg"}


def test_both_languages_are_present(report):
    _, text, doc = report
    for zh, en in [("指标与目标", "Indicators against targets"), ("地图", "Map"), ("方法说明", "Method"),
                   ("社区卫生服务设施步行15分钟覆盖率", "Community health facilities within a 15-minute walk")]:
        assert zh in text and en in text
    zh_spans = doc.find("span", class_="l-zh")
    en_spans = doc.find("span", class_="l-en")
    assert len(zh_spans) == len(en_spans) > 20
    assert doc.find("html", class_="lang-zh")


def test_header_states_area_date_profiles_walking_crs_and_attribution(report):
    _, _, doc = report
    (facts,) = doc.find("section", id="facts")
    facts_text = doc.text(facts)
    for expected in ("Kamppi test street", "2026-11-27 02:00", "cn-health-check, bruno-15min", "planning", "1 m/s",
                     "stairs time ×2.5",
                     "EPSG:32635", "© OpenStreetMap contributors (ODbL 1.0)", "not straight-line buffers"):
        assert expected in facts_text, expected
    # Summary cards: 4 homes, 10+20+30+40 = 100 people, 2 facilities, 5 × 300 m = 1.5 km of street.
    figures = [doc.text(i) for i in doc.find("div", class_="figure")]
    assert figures == ["4", "100", "2", "1.5 km"]


def test_map_data_homes_match_the_results_folder(report):
    _, _, doc = report
    data = _data(doc)
    homes = data["homes"]
    assert homes["n"] == 4
    lon = delta_decode(homes["x"]) / 1e5
    lat = delta_decode(homes["y"]) / 1e5
    to_wgs = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    exp_lon, exp_lat = to_wgs.transform([X0 + h[1] for h in HOMES], [Y0 + 20.0] * len(HOMES))
    order = [homes["id"].index(h[0]) for h in HOMES]
    np.testing.assert_allclose(lon[order], exp_lon, atol=0.6e-5)
    np.testing.assert_allclose(lat[order], exp_lat, atol=0.6e-5)
    assert [homes["t"]["health_station"][k] for k in order] == [120, 400, 800, 1000]
    assert [homes["t"]["primary_school"][k] for k in order] == [1420, 1140, 740, 540]
    assert homes["t"]["park"] == [-1, -1, -1, -1]
    assert [homes["pop"][k] for k in order] == [10.0, 20.0, 30.0, 40.0]
    assert len(data["network"]["lines"]) == 5  # 10 directed edges = 5 street segments
    assert [c["n_facilities"] for c in data["categories"]] == [1, 1, 0]  # primary_school, health_station, park
    assert [c["id"] for c in data["categories"]] == ["primary_school", "health_station", "park"]


def test_sub_areas_carry_their_indicator_values_and_gaps_their_population(report):
    _, _, doc = report
    data = _data(doc)
    values = {f["properties"]["id"]: f["properties"]["v"] for f in data["areas"]["features"]}
    assert values["A"]["cn-health-check|health_15min"] == pytest.approx(1.0)
    assert values["B"]["cn-health-check|health_15min"] == pytest.approx(300 / 700)
    assert [a["key"] for a in data["area_indicators"]] == ["cn-health-check|health_15min"]
    (gap,) = data["gaps"]["features"]
    assert gap["properties"]["population"] == 40.0
    assert gap["properties"]["categories"] == ["health_station", "health_centre"]
    assert gap["properties"]["en"] == "Community health facilities within a 15-minute walk"
    assert doc.find("select", id="area-indicator-select")


def test_optional_layers_may_be_absent(small_results_minimal):
    doc = ReportHTML(build_report(small_results_minimal).read_text(encoding="utf-8"))
    assert doc.errors == []
    data = _data(doc)
    assert data["areas"] is None and data["gaps"] is None
    assert not doc.find("select", id="area-indicator-select")


def test_english_on_opening_and_custom_output_path(small_results, tmp_path):
    out = build_report(small_results, out_path=tmp_path / "elsewhere" / "r.html", lang="en")
    assert out == tmp_path / "elsewhere" / "r.html"
    doc = ReportHTML(out.read_text(encoding="utf-8"))
    assert doc.find("html", class_="lang-en", lang="en")
    (i,) = doc.find("option", value="health_station")
    assert doc.text(i) == "Community health station / clinic"


@pytest.mark.parametrize("name", ["run.json", "indicators.csv", "homes.parquet", "facilities.parquet",
                                  "network_edges.parquet"])
def test_missing_required_file_is_named(small_results, name):
    (small_results / name).unlink()
    with pytest.raises(LifecircleInputError, match=re.escape(name)):
        build_report(small_results)


def test_missing_column_and_bad_language_and_not_a_folder(small_results, tmp_path):
    with pytest.raises(LifecircleInputError, match="language 'fr'"):
        build_report(small_results, lang="fr")
    with pytest.raises(LifecircleInputError, match="not a results folder"):
        build_report(tmp_path / "nowhere")
    ind = (small_results / "indicators.csv").read_text(encoding="utf-8").replace("threshold_kind", "kind")
    (small_results / "indicators.csv").write_text(ind, encoding="utf-8")
    with pytest.raises(LifecircleInputError, match="threshold_kind"):
        build_report(small_results)


def test_homes_without_population_count_homes(small_results):
    import geopandas as gpd

    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes["population"] = 0.0
    homes.to_parquet(small_results / "homes.parquet", index=False)
    text = build_report(small_results).read_text(encoding="utf-8")
    assert "No population data: shares count homes." in text


def test_map_opens_on_the_first_category_some_home_reaches(small_results):
    import geopandas as gpd

    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes["t_primary_school"] = float("inf")  # first category in categories.csv order, now reached by nobody
    homes.to_parquet(small_results / "homes.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    selected = [doc.elements[i][1]["value"] for i in doc.find("option") if "selected" in doc.elements[i][1]]
    assert selected[0] == "health_station"


def test_per_area_table_lists_each_area_with_its_value_and_status(report):
    _, _, doc = report
    table = doc.find("table", class_="areas")[0]  # the screen's wide table (the printed ones follow)
    cells = [(doc.text(i), doc.elements[i][1].get("class")) for i in doc.find("td") if i > table]
    # Area A: 300/300 = 100 % ≥ 80 % target; area B: 300/700 = 42.9 % < 80 %.
    assert cells[:4] == [("West block A", None), ("100.0%", "c-num status-met"),
                         ("East block B", None), ("42.9%", "c-num status-unmet")]


def test_indicator_notes_are_shown_in_both_languages(small_results):
    import pandas as pd

    ind = pd.read_csv(small_results / "indicators.csv")
    ind["note"] = ""
    ind.loc[ind["indicator"] == "park_5min", "note"] = (
        "no facility of 'park' reachable from any home (category absent from the data?); "
        "no facility of 'plaza' reachable from any home (category absent from the data?)")
    ind.to_csv(small_results / "indicators.csv", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    notes = [doc.text(i) for i in doc.find("div", class_="note")]
    assert notes == ["数据中没有可达的设施：公园绿地、广场。No facility reachable in the data: Park / green space, Plaza."]


def test_text_from_the_data_cannot_break_out_of_the_page(small_results):
    import geopandas as gpd

    evil = "</script><script>alert(1)</script><!--"
    fac = gpd.read_parquet(small_results / "facilities.parquet")
    fac["name"] = evil
    fac.to_parquet(small_results / "facilities.parquet", index=False)
    run = json.loads((small_results / "run.json").read_text(encoding="utf-8"))
    run["study_area"] = "<b>Kamppi</b> & co"
    (small_results / "run.json").write_text(json.dumps(run), encoding="utf-8")
    text = build_report(small_results).read_text(encoding="utf-8")
    doc = ReportHTML(text)
    assert doc.errors == []
    assert len(doc.find("script")) == 3  # data, Leaflet, report: no injected one
    assert "&lt;b&gt;Kamppi&lt;/b&gt; &amp; co" in text
    assert {n for c in _data(doc)["facilities"].values() for n in c["name"]} == {evil}


def test_a_folder_without_homes_still_reports(small_results):
    import geopandas as gpd

    homes = gpd.read_parquet(small_results / "homes.parquet")
    homes.iloc[0:0].to_parquet(small_results / "homes.parquet", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    assert doc.errors == []
    assert _data(doc)["homes"]["n"] == 0


def test_built_in_profiles_are_titled_from_their_files(report):
    _, _, doc = report
    titles = [doc.text(i) for i in doc.find("h3", class_="profile-title")]
    # cn-health-check.toml names itself; bruno-15min too (both ship with lifecircle).
    assert titles[0].startswith("城市体检") and "City health check" in titles[0] and titles[0].endswith("cn-health-check")
    assert titles[1].endswith("bruno-15min") and len(titles[1]) > len("bruno-15min")


def _row_span(doc: ReportHTML, indicator: str) -> tuple[int, int]:
    """Element indexes of the indicator table row ``indicator``: its <tr> and the next element after the row."""
    trs = [i for i in doc.find("tr") if "data-indicator" in doc.elements[i][1]]
    start = next(i for i in trs if doc.elements[i][1]["data-indicator"] == indicator)
    later = [i for tag in ("tr", "table", "h3", "p", "section") for i in doc.find(tag) if i > start]
    return start, min(later, default=len(doc.elements))


def test_each_indicator_cites_its_sources_as_numbers_with_the_full_citation(report):
    _, _, doc = report
    bib = load_sources()
    start, end = _row_span(doc, "health_15min")
    cites = [i for i in doc.find("a", class_="cite") if start < i < end]
    assert [doc.elements[i][1]["href"] for i in cites] == ["#src-tdt1063-2021", "#src-tdt1063-indicator-tree"]
    assert [doc.text(i) for i in doc.find("sup") if start < i < end] == ["[1]", "[2]"]
    # the short label in the cell, the full reference in both languages on hover
    spans = [doc.elements[i][1] for i in range(cites[0], cites[1])
             if doc.elements[i][0] == "span" and doc.elements[i][1].get("class") in ("l-zh", "l-en")]
    assert [s.get("title") for s in spans] == [bib["tdt1063-2021"].citation("zh"), bib["tdt1063-2021"].citation("en")]
    assert "TD/T 1063-2021" in doc.text(start)
    # a source cell written before the bibliography (free text) is shown as written, without a number
    start, end = _row_span(doc, "park_5min")
    assert not [i for i in doc.find("a", class_="cite") if start < i < end]
    assert "TD/T 1063-2021 [P12]" in doc.text(start)
    start, end = _row_span(doc, "gini_access")
    assert [doc.elements[i][1]["href"] for i in doc.find("a", class_="cite") if start < i < end] == ["#src-bruno2024"]


def test_references_list_only_the_cited_sources_in_order_of_citation(report):
    _, text, doc = report
    bib = load_sources()
    items = [i for i in doc.find("li") if doc.elements[i][1].get("id", "").startswith("src-")]
    keys = [doc.elements[i][1]["id"][4:] for i in items]
    # rows first (health and primary cite TD/T 1063 and its implementation, Gini cites Bruno et al.), then the
    # profiles' own sources (cn-health-check adds the 编制指南, bruno-15min the nine-categories page)
    assert keys == ["tdt1063-2021", "tdt1063-indicator-tree", "bruno2024", "mnr-2020-46", "bruno2024-categories"]
    assert [doc.elements[i][1]["value"] for i in items] == ["1", "2", "3", "4", "5"]
    (section,) = doc.find("section", id="sources")
    assert items[0] > section and "参考文献" in doc.text(section) and "References" in doc.text(section)
    for i, key in zip(items, keys):
        item = doc.text(i)
        src = bib[key]
        assert src.citation("zh") in item and src.citation("en") in item, key
        assert " ".join(re.sub("[✅🟡🔴]", "", src.reason).split()) in item  # marks are drawn as dots
    assert "gb50180-2018" not in keys and 'id="src-gb50180-2018"' not in text  # not cited: not listed
    # the profile titles cite the profiles' own sources
    cited_by_titles = [doc.elements[i][1]["href"] for i in doc.find("a", class_="cite")
                       if any(j < i for j in doc.find("p", class_="profile-sources"))]
    assert "#src-mnr-2020-46" in cited_by_titles and "#src-bruno2024-categories" in cited_by_titles


def test_clause_and_free_text_source_are_shown_beside_the_indicator(small_results):
    import pandas as pd

    ind = pd.read_csv(small_results / "indicators.csv")
    ind["source_clause"] = ""
    ind["source_text"] = ""
    ind.loc[ind["indicator"] == "primary_10min", "source_clause"] = "Appendix B, B.3"
    ind.loc[ind["indicator"] == "primary_10min", "source_text"] = "District programme 2025"
    ind.to_csv(small_results / "indicators.csv", index=False)
    doc = ReportHTML(build_report(small_results).read_text(encoding="utf-8"))
    start, end = _row_span(doc, "primary_10min")
    (clause,) = [i for i in doc.find("div", class_="clause") if start < i < end]
    assert doc.text(clause) == "条款Clause: Appendix B, B.3"  # the zh and en label (one shows), then the clause
    (note,) = [i for i in doc.find("div", class_="source-note") if start < i < end]
    assert doc.text(note) == "District programme 2025"
