"""report.html in a real browser: headless Debian Chromium driven by Playwright, no network.

Skips with the reason when /usr/bin/chromium (``apt-get install -y chromium``) or the ``playwright`` Python package
(``pip install playwright``; never ``playwright install``: the system Chromium is used) is missing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lifecircle.report import build_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Home colours by walking-time class (lifecircle.report.build.TIME_CLASS_COLORS): ≤5, 5–10, 10–15, >15 min.
BLUE, LIGHT_BLUE, ORANGE, RED = "#2c7bb6", "#abd9e9", "#fdae61", "#d7191c"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is absent: pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, path: Path, events: dict[str, list[str]]):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function("window.lifecircleReport !== undefined")
    page.wait_for_timeout(300)  # Leaflet redraws its canvases on the next animation frames
    return page


def _painted_pixels(page) -> list[int]:
    """Pixels with some opacity on each canvas of the map (the homes' pane is the only canvas)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#map canvas')).map(c => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
             for (let k = 3; k < d.length; k += 4) if (d[k] > 0) n++;
             return n; })"""
    )


def _next_frames(page) -> None:
    """Let two animation frames pass: the browser then has run its rendering steps (canvas redraws, media query
    change events)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _home_index(page, home_id: str) -> int:
    return page.evaluate(f"JSON.parse(document.getElementById('lc-data').textContent).homes.id.indexOf({home_id!r})")


def _pixel_at_home(page, home_index: int) -> tuple[int, int, int]:
    """Colour of the page pixel at the centre of home ``home_index``'s marker (PIL RGB), once the map has settled:
    two samples 100 ms apart agree (Leaflet redraws its canvases on later animation frames, later still on a busy
    machine)."""
    last = _pixel_once(page, home_index)
    for _ in range(20):
        page.wait_for_timeout(100)
        now = _pixel_once(page, home_index)
        if now == last:
            return now
        last = now
    return last


def _pixel_once(page, home_index: int) -> tuple[int, int, int]:
    from PIL import Image

    _next_frames(page)  # Leaflet redraws a canvas on the next animation frame
    x, y = page.evaluate(
        """(i) => { const r = window.lifecircleReport, m = r.map;
                    const ll = r.homeLatLng(i); const p = m.latLngToContainerPoint(ll);
                    const box = document.getElementById('map').getBoundingClientRect();
                    return [box.left + p.x + window.scrollX, box.top + p.y + window.scrollY]; }""",
        home_index,
    )
    png = page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3}, full_page=True)
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((1, 1))


def test_report_draws_switches_category_and_language_offline(browser, small_results, tmp_path):
    report = build_report(small_results, lang="zh")
    events: dict[str, list[str]] = {"errors": [], "requests": []}
    page = _open(browser, report, events)

    counts = page.evaluate("window.lifecircleReport.counts()")
    # report_results.py: 5 street segments, 4 homes, 1 primary school (the first category), 2 areas; the one gap
    # belongs to the health indicator, so it waits for the health category.
    assert counts == {"networkLines": 5, "homes": 4, "facilities": 1, "areas": 2, "gaps": 0}
    painted = _painted_pixels(page)
    assert len(painted) == 1 and painted[0] > 0, painted  # the homes' canvas (every other layer is SVG), drawn

    # Colours by hand from report_results.HOMES: primary school 1420 / 540 s; health station 120 / 1000 s.
    h1, h4 = _home_index(page, "h1"), _home_index(page, "h4")
    assert page.evaluate("document.getElementById('category-select').value") == "primary_school"
    assert page.evaluate(f"[window.lifecircleReport.homeFill({h1}), window.lifecircleReport.homeFill({h4})]") == [RED, LIGHT_BLUE]
    r, g, b = _pixel_at_home(page, h1)
    assert r > 150 and b < 100, (r, g, b)  # red on the canvas
    page.select_option("#category-select", "health_station")
    page.wait_for_timeout(200)
    assert page.evaluate(f"[window.lifecircleReport.homeFill({h1}), window.lifecircleReport.homeFill({h4})]") == [BLUE, RED]
    r, g, b = _pixel_at_home(page, h1)
    assert b > 150 and r < 100, (r, g, b)  # now blue on the canvas
    assert page.evaluate("window.lifecircleReport.counts()")["gaps"] == 1
    legend = page.inner_text(".lc-legend")
    # h1, the only home ≤ 5 min, holds 100 of the 1000 m² of residential land the health indicator divides by
    assert "社区卫生服务站" in legend and "10.0%" in legend and "居住用地面积占比" in legend

    assert page.inner_text("#indicators h2") == "指标与目标"
    assert page.inner_text("#map-section h2") == "地图"
    # citations: the number and short label beside the indicator, the reference in the page's language at the end
    cite = "tr[data-indicator=health_15min] a.cite"
    assert page.inner_text(cite).replace("\n", "") == "[1]TD/T 1063-2021"
    assert page.inner_text("#sources h2") == "参考文献"
    assert page.inner_text("#src-tdt1063-2021").startswith("中华人民共和国自然资源部. 国土空间规划城市体检评估规程: TD/T 1063-2021[S]. 2021.")
    assert "Ministry of Natural Resources" not in page.inner_text("#src-tdt1063-2021")
    assert page.get_attribute(f"{cite} >> nth=0 >> span.l-zh", "title").startswith("中华人民共和国自然资源部.")
    page.click(f"{cite} >> nth=0")
    assert page.evaluate("location.hash") == "#src-tdt1063-2021"
    page.click("[data-set-lang=en]")
    page.wait_for_timeout(100)
    assert page.inner_text("#indicators h2") == "Indicators against targets"
    assert page.inner_text("#map-section h2") == "Map"
    assert page.inner_text("#sources h2") == "References"
    assert page.inner_text("#src-tdt1063-2021").startswith("Ministry of Natural Resources of the People's Republic of China")
    assert page.is_visible(f"{cite} >> nth=0 >> span.l-en") and not page.is_visible(f"{cite} >> nth=0 >> span.l-zh")
    assert page.inner_text("#category-select option[value=health_station]") == "Community health station / clinic"
    assert "Walking network" in page.inner_text(".leaflet-control-layers")
    assert page.title().startswith("15-minute life circle report")

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.emulate_media(media="print")
    page.wait_for_timeout(100)
    _next_frames(page)
    assert _painted_pixels(page)[0] > 0
    # on paper the homes' canvas is a picture of it (Chromium prints a canvas redrawn for print as opaque white)
    swapped = "[document.querySelectorAll('#map img.lc-print-canvas').length, document.querySelector('#map canvas').style.visibility]"
    assert page.evaluate(swapped) == [1, "hidden"]
    page.screenshot(path=str(tmp_path / "report-print.png"), full_page=True)
    page.pdf(path=str(tmp_path / "report.pdf"), format="A4", print_background=True)
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
    page.emulate_media(media="screen")
    page.wait_for_timeout(100)
    _next_frames(page)
    assert page.evaluate(swapped) == [0, ""]
    page.close()

    assert events["errors"] == []
    assert all(u.startswith(("file:", "data:")) for u in events["requests"]), events["requests"]


def test_layers_stack_in_panes_and_the_category_drives_the_sub_area_shading(browser, small_results, tmp_path):
    report = build_report(small_results, lang="en")
    events: dict[str, list[str]] = {"errors": [], "requests": []}
    page = _open(browser, report, events)
    r = "window.lifecircleReport"

    # bottom to top: sub-areas < gaps < network < homes < facilities < proposed sites, with what each draws
    # (report_results.py: 2 areas, 1 street polyline, 4 homes, 1 school; the health gap waits for its category)
    panes = page.evaluate(f"{r}.panes()")
    assert [p[0] for p in panes] == ["lc-areas", "lc-gaps", "lc-network", "lc-homes", "lc-facilities", "lc-plan"]
    assert [p[2] for p in panes] == [2, 0, 1, 4, 1, 0]
    assert [p[1] for p in panes] == sorted(p[1] for p in panes) and panes[-1][1] < 600  # below Leaflet's markers
    assert page.evaluate("document.querySelectorAll('#map .leaflet-lc-areas-pane path').length") == 2

    # linked: the map opens on the primary school, whose indicator has no per-area values: no shading
    assert page.evaluate("document.getElementById('category-select').value") == "primary_school"
    assert page.evaluate(f"{r}.areaKey()") is None
    assert page.evaluate("document.getElementById('area-indicator-select').value") == ""
    page.select_option("#category-select", "health_station")
    page.wait_for_timeout(200)
    assert page.evaluate(f"{r}.areaKey()") == "cn-health-check|health_15min"
    assert page.evaluate("document.getElementById('area-indicator-select').value") == "cn-health-check|health_15min"
    legend = page.inner_text(".lc-legend")
    assert "share of residential land area" in legend and "60.0%" in legend and "by residential land area" in legend
    panes = page.evaluate(f"{r}.panes()")
    assert [p[2] for p in panes] == [2, 1, 1, 4, 1, 0]  # the health gap is drawn now

    # h4 lies inside the gap polygon: its dot is drawn above the gap, so hiding the gap hardly changes its centre
    # (the dot is 95 % opaque: 5 % of the gap's 14 % purple shows through; drawn below the gap it would be 14 %)
    h4 = _home_index(page, "h4")
    with_gap = _pixel_at_home(page, h4)
    page.evaluate(f"{r}.map.getPane('lc-gaps').style.display = 'none'")
    without_gap = _pixel_at_home(page, h4)
    page.evaluate(f"{r}.map.getPane('lc-gaps').style.display = ''")
    assert with_gap[0] > 190 and with_gap[1] < 60, with_gap  # red
    assert max(abs(a - b) for a, b in zip(with_gap, without_gap)) <= 3, (with_gap, without_gap)
    page.select_option("#area-indicator-select", "")  # the shading can still be switched off by hand
    assert page.evaluate(f"{r}.areaKey()") is None

    # the area popup reads as the sub-area table: name and the table's rounding, with the denominator
    page.select_option("#area-indicator-select", "cn-health-check|health_15min")
    page.evaluate(f"""() => {{ const m = {r}.map; m.eachLayer(l => {{
        if (l.feature && l.feature.properties && l.feature.properties.id === 'B') l.fire('click', {{latlng: l.getBounds().getCenter()}}); }}); }}""")
    popup = page.inner_text(".leaflet-popup-content")
    assert "East block" in popup and "42.9%" in popup and "by residential land area" in popup
    page.close()
    assert events["errors"] == []
