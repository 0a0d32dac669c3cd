"""The monitoring page from a hand-made store (no pipeline run): content, staged write, bad input, the history
chart's geometry worked out by hand, and the page in a real browser (offline, language switch, map drawn)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv, write_run

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor import import_ledger, import_targets, record_run
from lifecircle.monitor.report import MONITORING_REPORT_NAME, build_monitoring_report, history_svg

TARGET_HEADER = ["indicator", "profile", "area", "value", "period", "direction", "source_document", "note"]


@pytest.fixture
def filled(store, tmp_path):
    for k, (day, v) in enumerate([("2025-03-31", 0.5), ("2025-06-30", 0.6), ("2025-09-30", 0.75)]):
        record_run(store, write_run(tmp_path / f"run{k}", created=day, values={("health_15min", "ALL"): v,
                                                                              ("life_circle_15min", "ALL"): v / 2}))
    import_targets(store, write_csv(tmp_path / "t.csv", TARGET_HEADER, [
        ["health_15min", "cn-health-check", "ALL", "70%", "2025Q3", "at_least", "Programme No. 7", ""],
        ["health_15min", "cn-health-check", "ALL", "95%", "2025Q2", "at_least", "Programme No. 7", ""]]))
    import_ledger(store, write_csv(tmp_path / "l.csv", LEDGER_HEADER, [
        ledger_row("K1", unit="教委", planned="2025-06-30", actual="2025-05-01", status="completed"),
        ledger_row("K2", unit="教委", planned="2025-06-30", status="under_construction", lon="106.5750"),
        ledger_row("C1", category="health_station", unit="卫健委", planned="2025-12-31", lon="106.5800"),
        ledger_row("C2", category="health_station", unit="卫健委", planned="2025-12-31", lon="", lat="",
                   address="某路 2 号")]))
    return store


def test_page_content(filled, tmp_path):
    path = build_monitoring_report(filled, tmp_path / "out", as_of=date(2025, 10, 1), lang="en")
    assert path == tmp_path / "out" / MONITORING_REPORT_NAME
    html = path.read_text(encoding="utf-8")
    assert 'class="lang-en"' in html and "规划实施监测" in html and "Plan implementation monitoring" in html
    # targets: 75% >= 70% met (2025Q3); 95% by 2025Q2 missed (value of 2025-09-30 is the latest)
    assert len(re.findall(r'<tr class="[^"]*state-met"', html)) == 1
    assert len(re.findall(r'<tr class="[^"]*state-missed"', html)) == 1 and "Programme No. 7" in html
    data = json.loads(html.split('id="lc-monitor-data">', 1)[1].split("</script>", 1)[0])
    states = {f["properties"]["id"]: f["properties"]["state"] for f in data["projects"]["features"]}
    assert states == {"K1": "done", "K2": "late", "C1": "not_due"}  # C2 has no coordinates
    assert "project(s) with an address only" in html
    # unit table: 教委 2 projects, 1 done, 1 late
    row = re.search(r"<td>教委</td>(.*?)</tr>", html, flags=re.S).group(1)
    assert [int(x) for x in re.findall(r'c-num[^"]*">(\d+)<', row)] == [2, 1, 0, 1, 0, 0]
    assert "Not computed yet: run lifecircle monitor attribute" in html
    assert re.search(r"K2 project K2</td>.*?>93<", html, flags=re.S)  # late since 2025-06-30: 93 days on 10-01


def test_staged_write_and_bad_input(filled, tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(LifecircleInputError, match="is a file"):
        build_monitoring_report(filled, tmp_path / "afile")
    with pytest.raises(LifecircleInputError, match="language"):
        build_monitoring_report(filled, tmp_path / "o", lang="fr")
    assert not (tmp_path / "o" / MONITORING_REPORT_NAME).exists()
    out = build_monitoring_report(filled, tmp_path / "o")
    assert [p.name for p in (tmp_path / "o").iterdir()] == [MONITORING_REPORT_NAME]
    assert out.stat().st_mode & 0o044  # readable by others like the other results


def test_history_chart_positions_by_hand():
    # width 520, height 220: plot x from 44 to 504 (460 px), y from 30 (100 %) to 186 (0 %, 156 px).
    # Dates 2025-01-01 .. 2025-12-31 span the axis; 2025-07-02 is day 182 of 364 -> x = 44 + 460 * 182/364 = 274.
    h = pd.DataFrame({"data_date": [date(2025, 1, 1), date(2025, 7, 2)], "value": [0.5, 0.25]})
    t = pd.DataFrame({"due_date": [date(2025, 12, 31)], "target": [0.75], "state": ["missed"], "period": ["2025"]})
    svg = history_svg(h, t, "指标", "Indicator", share=True)
    assert 'points="44.0,108.0 274.0,147.0"' in svg  # 0.5 -> 30 + 156 * 0.5 = 108; 0.25 -> 30 + 156 * 0.75 = 147
    # the target diamond centred at (504, 30 + 156 * 0.25 = 69), orange (missed)
    assert 'd="M504.0,63.0L510.0,69.0L504.0,75.0L498.0,69.0Z"' in svg and "#e66101" in svg


CHROMIUM = Path("/usr/bin/chromium")


def test_page_in_a_browser(filled, tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is absent")
    path = build_monitoring_report(filled, tmp_path / "out", as_of=date(2025, 10, 1))
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_timeout(300)
        painted = page.evaluate("""() => Array.from(document.querySelectorAll('#map canvas')).map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let k = 3; k < d.length; k += 4) if (d[k] > 0) n++; return n; })""")
        legend_zh = page.inner_text(".lc-legend")
        page.click('[data-set-lang="en"]')
        cls = page.evaluate("document.documentElement.className")
        legend_en = page.inner_text(".lc-legend")
        visible_en = page.is_visible("h2 .l-en") and not page.is_visible("h2 .l-zh")
        b.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []
    assert painted and max(painted) > 100  # the project markers are drawn
    assert "已完成" in legend_zh and "late" in legend_en and cls == "lang-en" and visible_en


def _with_network_and_report(store, tmp_path) -> Path:
    """The latest run's folder gets a walking network (two streets, metric CRS) and a report.html beside it, as a
    folder of 'lifecircle assess' has them."""
    import geopandas as gpd
    import shapely
    from monitor_fixtures import RUN_CRS

    folder = Path(store.con.execute("SELECT results_dir FROM runs ORDER BY data_date DESC LIMIT 1").fetchone()[0])
    streets = gpd.GeoSeries(shapely.points([(106.5700, 29.5560), (106.5820, 29.5560), (106.5760, 29.5600)]),
                            crs="EPSG:4326").to_crs(RUN_CRS)
    a, b, c = streets
    lines = [shapely.LineString([a, b]), shapely.LineString([b, a]), shapely.LineString([a, c])]
    gpd.GeoDataFrame({"edge_id": [0, 1, 2], "u": [0, 1, 0], "v": [1, 0, 2], "rev": [1, 0, -1],
                      "length_m": [g.length for g in lines]}, geometry=lines, crs=RUN_CRS).to_parquet(
        folder / "network_edges.parquet")
    (folder / "report.html").write_text("<!DOCTYPE html><title>report</title><h1>assessment report</h1>",
                                        encoding="utf-8")
    return folder


def test_dates_gaps_network_and_report_link_on_the_page(filled, tmp_path):
    run_folder = _with_network_and_report(filled, tmp_path)
    path = build_monitoring_report(filled, tmp_path / "pages" / "monitoring", as_of=date(2025, 10, 1))
    html = path.read_text(encoding="utf-8")
    # history: each run labelled by its data date under the axis, each target by its period above its diamond
    (svg, *_) = re.findall(r'<svg[^>]*class="chart history".*?</svg>', html, flags=re.S)
    assert re.findall(r'class="tick run-date">([^<]+)<', svg) == ["2025-03-31", "2025-06-30", "2025-09-30"]
    assert sorted(re.findall(r'class="tick target-period">([^<]+)<', svg)) == ["2025Q2", "2025Q3"]
    # 75 % against >= 70 %: met, 5.0 points above; 75 % against >= 95 %: 20.0 points short
    assert "met, 5.0 pts above target" in html and "已达标，高出目标 5.0 个百分点" in html and "-5.0%" not in html
    assert "20.0 pts short" in html and "差 20.0 个百分点" in html
    # the network of the latest run: two street segments (the two directions of the first are one)
    data = json.loads(html.split('id="lc-monitor-data">', 1)[1].split("</script>", 1)[0])
    assert len(data["network"]["lines"]) == 2
    # the header links to the latest run's report.html, relative to the page
    href = re.search(r'<a class="page-link" id="report-link" href="([^"]+)"', html).group(1)
    assert not href.startswith("/") and (path.parent / href).resolve() == (run_folder / "report.html").resolve()
    # the runs table links each run that still has its report: only the latest here
    runs = re.search(r'<section id="runs">.*?</section>', html, flags=re.S).group(0)
    assert runs.count("<tr>") == 1 + 3 and runs.count('href="') == 1 and f'href="{href}"' in runs


def test_no_network_and_no_link_without_the_files(filled, tmp_path):
    html = build_monitoring_report(filled, tmp_path / "out", as_of=date(2025, 10, 1)).read_text(encoding="utf-8")
    data = json.loads(html.split('id="lc-monitor-data">', 1)[1].split("</script>", 1)[0])
    assert data["network"] is None and 'id="report-link"' not in html


def test_network_link_and_labels_in_a_browser(filled, tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is absent")
    _with_network_and_report(filled, tmp_path)
    path = build_monitoring_report(filled, tmp_path / "out", as_of=date(2025, 10, 1))
    errors = []
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_timeout(300)
        # grey network pixels (#8a939e) on the map canvas, beneath the markers
        grey = page.evaluate("""() => Array.from(document.querySelectorAll('#map canvas')).map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let k = 0; k < d.length; k += 4) if (d[k + 3] > 0 && Math.abs(d[k] - d[k + 2]) < 30
                && d[k] > 110 && d[k] < 200) n++; return n; })""")
        labels = page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart.history .run-date'))
            .map(t => t.getBoundingClientRect()).filter(r => r.width > 0).length""")
        page.click("#report-link")
        page.wait_for_load_state()
        landed = page.url
        b.close()
    assert errors == []
    assert grey and max(grey) > 50
    assert labels == 3
    assert landed.endswith("/run2/report.html")
