"""The workspace in Debian's Chromium (Playwright) against a real server on loopback: a unit editor changes a
project's status and a viewer sees it; a planner adds a facility on the map and sees the coverage that
``lifecircle scenario`` computes for the same point; the language switches; no console error, no request leaves
the machine.

Skips when /usr/bin/chromium or the ``playwright`` package is missing (the system Chromium is used).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from live_server import LiveServer

from lifecircle.cli.main import main
from lifecircle.report.tables import is_share
from lifecircle.results.folder import ResultsFolder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is absent: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is absent: pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _sign_in(browser, server, user: str, password: str, events: dict[str, list[str]]):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("response", lambda r: events["errors"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(server.url + "/")
    page.fill("#user_name", user)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#targets-table tr")
    return page


def _cell_texts(page, project_id: str) -> list[str]:
    return page.evaluate(
        """(pid) => { const row = [...document.querySelectorAll('#projects-table tr')]
                         .find(r => r.cells[0] && r.cells[0].textContent === pid);
                      return [...row.cells].map(c => { const s = c.querySelector('select');
                                                       return s ? s.value : c.textContent; }); }""", project_id)


def test_editor_edit_viewer_sees_it_planner_whatif_matches_cli(browser, demo, tmp_path):
    store = tmp_path / "lifecircle.duckdb"
    shutil.copy(demo.store, store)
    events: dict[str, list[str]] = {"errors": [], "requests": []}
    with LiveServer(store, demo.results) as server:
        # a unit editor changes the status of one of its projects
        page = _sign_in(browser, server, "unit1", demo.accounts["unit1"], events)
        page.click("button[data-view=projects]")
        page.wait_for_selector("button.save-project")
        pid = page.get_attribute("button.save-project", "data-id")
        page.select_option(f"#projects-table tr:has(button[data-id='{pid}']) select", "cancelled")
        page.click(f"button[data-id='{pid}']")
        page.wait_for_function("(pid) => document.getElementById('message').textContent.includes(pid)", arg=pid)
        assert "error" not in page.get_attribute("#message", "class"), page.text_content("#message")

        # a viewer sees it, and cannot edit
        viewer = _sign_in(browser, server, "viewer", demo.accounts["viewer"], events)
        viewer.click("button[data-view=projects]")
        viewer.wait_for_selector("#projects-table tr:nth-child(2)")
        cells = _cell_texts(viewer, pid)
        assert "cancelled" in cells
        assert viewer.locator("button.save-project").count() == 0
        # the language switch
        viewer.click("#lang")
        assert viewer.text_content("button[data-view=overview]") in ("Overview", "总览")
        first = viewer.text_content("button[data-view=overview]")
        viewer.click("#lang")
        assert viewer.text_content("button[data-view=overview]") != first

        # a planner adds a kindergarten on the map at the home farthest from one
        homes = ResultsFolder(demo.results).homes()
        far = homes["t_kindergarten"].fillna(-1).replace(float("inf"), -1).idxmax()
        pt = gpd.GeoSeries([homes.geometry.loc[far].representative_point()], crs=homes.crs).to_crs(4326).iloc[0]
        page.click("button[data-view=map]")
        page.wait_for_function("() => window.lifecircleWorkspace.ready()")
        # the map opens on a category that has facilities (one without any would paint every home grey)
        opened = page.evaluate("() => { const s = document.getElementById('category-select');"
                               " return s.options[s.selectedIndex].textContent; }")
        assert not opened.endswith("(0)"), opened
        page.select_option("#category-select", "kindergarten")
        page.check("input[name=tool][value=add]")
        x, y = page.evaluate(
            """([lat, lon]) => { const m = window.lifecircleWorkspace.map(); m.setView([lat, lon], 17, {animate: false});
                                 const p = m.latLngToContainerPoint([lat, lon]);
                                 const b = document.getElementById('map').getBoundingClientRect();
                                 return [b.left + p.x, b.top + p.y]; }""", [pt.y, pt.x])
        with page.expect_request(lambda r: r.url.endswith("/whatif")) as req:
            page.mouse.click(x, y)
        sent = json.loads(req.value.post_data)
        page.wait_for_function("() => window.lifecircleWorkspace.answer() !== null")
        page.wait_for_selector("#whatif-table tr.changed")
        shown = page.evaluate("""() => [...document.querySelectorAll('#whatif-table tr.changed')]
                                         .map(r => [...r.cells].map(c => c.textContent))""")
        answer = page.evaluate("() => window.lifecircleWorkspace.answer()")
        page.screenshot(path=str(tmp_path / "whatif.png"))

    # the same point through `lifecircle scenario`
    add = sent["add"][0]
    layer = tmp_path / "add.geojson"
    gpd.GeoDataFrame({"category": [add["category"]]}, geometry=gpd.points_from_xy([add["lon"]], [add["lat"]]),
                     crs=4326).to_file(layer)
    out = tmp_path / "scenario"
    cli = CliRunner().invoke(main, ["scenario", str(demo.results), "--add", str(layer), "--out", str(out), "-q"])
    assert cli.exit_code == 0, cli.output
    ref = pd.read_csv(out / "comparison.csv")
    ref = ref[(ref["area"] == "ALL") & (ref["change"].fillna(0) != 0)]
    assert len(ref) == len(shown) > 0
    api = {(r["profile"], r["indicator"]): r["after"] for r in answer["comparison"] if r["area"] == "ALL"}
    for r in ref.itertuples():
        assert api[(r.profile, r.indicator)] == pytest.approx(r.after, rel=1e-12)
    # the page shows the coverage after the plan as the command computes it (percent, one decimal)
    shown_after = {row[2] for row in shown}
    for r in ref.itertuples():
        if is_share(r.after, r.unit, r.threshold_kind):
            assert f"{r.after * 100:.1f}%" in shown_after

    assert events["errors"] == []
    outside = [u for u in events["requests"] if not u.startswith(server.url) and not u.startswith("data:")]
    assert outside == []
