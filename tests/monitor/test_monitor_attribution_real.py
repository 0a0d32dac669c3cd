"""The proof of attribution on real data: a sequence of real ``assess`` runs whose facilities differ by the projects
of a ledger, recorded in a store, then attributed.

Yuzhong (../shared/data) when present, else the embedded Helsinki extract. Every run goes through the real pipeline
(:func:`lifecircle.jobs.assess.run`) with the same OpenStreetMap network and homes and a user facility layer (the
OSM facilities of the file) to which each run adds the projects completed by its data date, as elderly-care points
at chosen homes:

* run 1 (2025-03-31): the base layer;
* run 2 (2025-06-30): + P1 and P2, completed in May, at the two homes farthest apart (their 5-minute areas cannot
  overlap);
* run 3 (2025-09-30): + P3 and P4, completed in August, at two homes a few dozen metres apart (they overlap);
* run 4 (not recorded): + P5 and P6, still planned / under construction, the reference for "everything built".

What is checked: for every indicator and sub-area the attributed parts sum to the change the pipeline measured
between the recorded runs; the disjoint projects leave no joint remainder on the elderly-care indicator and the
overlapping ones leave a positive one; "everything on the list built" equals what the pipeline measures with those
facilities built (run 4).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from monitor_fixtures import LEDGER_HEADER, ledger_row, write_csv
from walking_evaluator import WalkingEvaluator

from lifecircle.cli.monitor import monitor
from lifecircle.jobs.assess import AssessConfig, demo_config, run
from lifecircle.monitor import import_ledger, import_targets, init_store, open_store, record_run
from lifecircle.monitor.attribution import (
    ALL_COMPLETED,
    JOINT_REMAINDER,
    LEAVE_ONE_OUT,
    attribute_runs,
    evaluate_planned,
    measured_change,
    unit_gains,
)
from lifecircle.monitor.evaluate import scenarios_evaluator
from lifecircle.points.features import read_facilities

#: ../shared/data, as tests/conftest.py finds it.
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TARGET_HEADER = ["indicator", "profile", "area", "value", "period", "direction", "source_document", "note"]
INDICATOR = "elderly_care_5min"  # one category (elderly care), 300 s: the overlap of two projects is visible


def _config(out: Path, facilities: Path) -> AssessConfig:
    pbf = SHARED_DATA / "yuzhong" / "yuzhong.osm.pbf"
    boundary = SHARED_DATA / "yuzhong" / "yuzhong_boundary.geojson"
    if pbf.is_file() and boundary.is_file():
        return AssessConfig(out=out, osm=pbf, boundary=boundary, facilities=facilities, areas="grid:1000",
                            study_area="渝中区 Yuzhong")
    cfg = demo_config(out)
    cfg.facilities = facilities
    cfg.profiles = ("cn-health-check",)
    return cfg


def _layer(base: gpd.GeoDataFrame, projects: list[tuple[str, object]], crs: str, path: Path) -> Path:
    """The base facilities plus the projects' elderly-care points (given in ``crs``), as a GeoParquet layer."""
    extra = gpd.GeoDataFrame({"id": [p for p, _ in projects], "category": ["elderly_care"] * len(projects),
                              "name": [f"project {p}" for p, _ in projects]},
                             geometry=[g for _, g in projects], crs=crs)
    pd.concat([base, extra.to_crs(base.crs)], ignore_index=True).pipe(gpd.GeoDataFrame, crs=base.crs).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sequence")
    cfg0 = _config(tmp / "run1", tmp / "base.parquet")
    base = read_facilities(cfg0.osm)[["id", "category", "name", "geometry"]]
    base = base[base["category"] != "elderly_care"].reset_index(drop=True)  # the projects are the elderly care
    base.to_parquet(tmp / "base.parquet")
    run(cfg0, quiet=True)
    homes = gpd.read_parquet(tmp / "run1" / "homes.parquet")
    reach = np.isfinite(homes.filter(like="t_").replace(np.inf, np.nan).to_numpy(float)).any(axis=1)
    homes = homes[reach].sort_values("id").reset_index(drop=True)  # on the connected network
    x = homes.geometry.x.to_numpy()
    a, b = int(np.argmin(x)), int(np.argmax(x))  # the two ends of the district
    # c, d: two homes 100-200 m apart (their 5-minute walking areas overlap), the pair nearest the middle
    xy = np.column_stack([x, homes.geometry.y.to_numpy()])
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    pairs = np.argwhere((dist > 100) & (dist < 200))
    middle = (xy[a] + xy[b]) / 2
    c, d = (int(i) for i in pairs[np.argmin(np.hypot(*(xy[pairs[:, 0]] - middle).T))])
    g = {k: homes.geometry.iloc[i] for k, i in (("P1", a), ("P2", b), ("P3", c), ("P4", d))}
    # P5 and P6: two other homes, between c and the ends
    g["P5"] = homes.geometry.iloc[int(homes.geometry.distance(homes.geometry.iloc[[a, c]].union_all().centroid).idxmin())]
    g["P6"] = homes.geometry.iloc[int(homes.geometry.distance(homes.geometry.iloc[[b, c]].union_all().centroid).idxmin())]
    for name, ids in (("run2", ["P1", "P2"]), ("run3", ["P1", "P2", "P3", "P4"]),
                      ("run4", ["P1", "P2", "P3", "P4", "P5", "P6"])):
        run(_config(tmp / name, _layer(base, [(p, g[p]) for p in ids], homes.crs, tmp / f"{name}.parquet")), quiet=True)

    store = init_store(tmp / "lc.duckdb")
    r1 = record_run(store, tmp / "run1", data_date="2025-03-31").run_id
    r2 = record_run(store, tmp / "run2", data_date="2025-06-30").run_id
    r3 = record_run(store, tmp / "run3", data_date="2025-09-30").run_id
    ll = gpd.GeoSeries(list(g.values()), index=list(g), crs=homes.crs).to_crs("EPSG:4326")

    def row(pid, unit, status, actual="", planned="2025-09-30", at=None):
        pt = ll[at or pid]
        return ledger_row(pid, category="elderly_care", lon=f"{pt.x:.7f}", lat=f"{pt.y:.7f}", unit=unit,
                          status=status, actual=actual, planned=planned)

    rows = [row("P1", "区民政局", "completed", "2025-05-10", "2025-06-30"),
            row("P2", "解放碑街道", "completed", "2025-05-20", "2025-06-30"),
            row("P3", "区民政局", "completed", "2025-08-01"),
            row("P4", "解放碑街道", "completed", "2025-08-15"),
            row("P5", "区民政局", "planned", planned="2025-12-31"),
            row("P6", "解放碑街道", "under_construction", planned="2025-12-31"),
            row("P7", "区民政局", "cancelled", planned="2025-12-31", at="P6"),
            ledger_row("P8", category="elderly_care", lon="", lat="", address="某街 1 号", unit="区民政局",
                       planned="2025-12-31")]
    import_ledger(store, write_csv(tmp / "ledger.csv", LEDGER_HEADER, rows))
    import_targets(store, write_csv(tmp / "targets.csv", TARGET_HEADER, [
        [INDICATOR, "cn-health-check", "ALL", "5%", "2025Q3", "at_least", "Test programme 2025-01", ""],
        [INDICATOR, "cn-health-check", "ALL", "50%", "2026", "at_least", "Test programme 2025-01", ""]]))
    store.close()
    return tmp / "lc.duckdb", (r1, r2, r3), tmp


@pytest.fixture
def seq(sequence):
    path, runs, tmp = sequence
    with open_store(path) as store:
        yield store, runs, tmp, path


#: Both evaluators: the engine and indicator steps of assess, and the planning scenario engine (incremental).
EVALUATORS = pytest.mark.parametrize("factory", [WalkingEvaluator, scenarios_evaluator], ids=["walking", "scenarios"])


def _check_parts_sum_to_measured(store, effects: pd.DataFrame, before: int, after: int) -> None:
    key = ["profile", "indicator", "area"]
    total = effects[effects["method"] == ALL_COMPLETED].set_index(key)["gain"]
    parts = effects[effects["method"].isin([LEAVE_ONE_OUT, JOINT_REMAINDER])].groupby(key)["gain"].sum()
    assert np.allclose(parts.reindex(total.index).to_numpy(), total.to_numpy(), atol=1e-12, equal_nan=True)
    iv = store.con.execute("SELECT run_id, profile, indicator, area, value FROM indicator_values WHERE run_id IN (?, ?)",
                           [before, after]).df()
    measured = (iv[iv.run_id == after].set_index(key)["value"] - iv[iv.run_id == before].set_index(key)["value"])
    both = pd.concat([total.rename("attributed"), measured.rename("measured")], axis=1)
    assert len(both) == len(total) == len(measured)  # same indicators and sub-areas
    assert np.allclose(both["attributed"], both["measured"], atol=1e-9, equal_nan=True), both[
        ~np.isclose(both["attributed"], both["measured"], atol=1e-9, equal_nan=True)]


@EVALUATORS
def test_disjoint_projects_sum_to_the_measured_change(seq, factory):
    store, (r1, r2, _), _, _ = seq
    att = attribute_runs(store, r1, r2, evaluator_factory=factory)
    assert sorted(att.projects["project_id"]) == ["P1", "P2"]
    assert att.projects["facility_id"].tolist() == ["P1", "P2"] and (att.projects["match_m"] < 1.0).all()
    _check_parts_sum_to_measured(store, att.effects, r1, r2)
    e = att.effects[(att.effects["indicator"] == INDICATOR) & (att.effects["area"] == "ALL")].set_index(
        ["method", "project_id"])["gain"]
    assert e[(LEAVE_ONE_OUT, "P1")] > 0 and e[(LEAVE_ONE_OUT, "P2")] > 0
    assert abs(e[(JOINT_REMAINDER, "")]) < 1e-12  # 5-minute areas at the two ends of the district do not meet
    assert e[(LEAVE_ONE_OUT, "P1")] + e[(LEAVE_ONE_OUT, "P2")] == pytest.approx(e[(ALL_COMPLETED, "")], abs=1e-12)
    # stored, and summed per responsible unit
    units = unit_gains(store, r2).query("indicator == @INDICATOR").set_index("responsible_unit")
    assert units.loc["区民政局", "gain"] == pytest.approx(e[(LEAVE_ONE_OUT, "P1")])
    assert units.loc["解放碑街道", "gain"] == pytest.approx(e[(LEAVE_ONE_OUT, "P2")])
    mc = measured_change(store, r1, r2).set_index("indicator")
    assert mc.loc[INDICATOR, "change"] == pytest.approx(e[(ALL_COMPLETED, "")], abs=1e-9)


@EVALUATORS
def test_overlapping_projects_leave_a_joint_remainder_and_still_sum(seq, factory):
    store, (_, r2, r3), _, _ = seq
    att = attribute_runs(store, r2, r3, evaluator_factory=factory)
    assert sorted(att.projects["project_id"]) == ["P3", "P4"]  # P1, P2 were completed before run 2
    _check_parts_sum_to_measured(store, att.effects, r2, r3)
    e = att.effects[(att.effects["indicator"] == INDICATOR) & (att.effects["area"] == "ALL")].set_index(
        ["method", "project_id"])["gain"]
    total, g3, g4, joint = (e[(ALL_COMPLETED, "")], e[(LEAVE_ONE_OUT, "P3")], e[(LEAVE_ONE_OUT, "P4")],
                            e[(JOINT_REMAINDER, "")])
    assert joint > 0  # homes near both: either project alone would keep them covered
    assert 0 <= g3 < total and 0 <= g4 < total and g3 + g4 > 0  # homes that only one of them reaches
    units = unit_gains(store, r3).query("indicator == @INDICATOR").set_index("responsible_unit")
    assert units.loc["", "gain"] == pytest.approx(joint) and units.loc["", "n_projects"] == 0
    assert units["gain"].sum() == pytest.approx(total)


@EVALUATORS
def test_everything_on_the_list_built_matches_the_pipeline(seq, factory):
    store, (_, _, r3), tmp, _ = seq
    planned = evaluate_planned(store, r3, evaluator_factory=factory)
    assert sorted(planned.projects["project_id"]) == ["P5", "P6"]  # P7 cancelled; P1-P4 already in run 3
    assert planned.skipped == ("P8",)  # address only
    ref = pd.read_csv(tmp / "run4" / "indicators.csv").set_index(["profile", "indicator", "area"])["value"]
    got = planned.effects.set_index(["profile", "indicator", "area"])["value_with"]
    assert np.allclose(got.reindex(ref.index).to_numpy(), ref.to_numpy(), atol=1e-9, equal_nan=True)
    stored = store.con.execute("SELECT count(*) FROM project_effects WHERE method = 'all_planned' AND run_id = ?",
                               [r3]).fetchone()[0]
    assert stored == len(planned.effects)


def test_empty_scenario_gives_back_the_run(sequence):
    _, _, tmp = sequence
    ev = WalkingEvaluator(tmp / "run3")
    got = ev("nothing", None, ()).set_index(["profile", "indicator", "area"])["value"]
    ref = pd.read_csv(tmp / "run3" / "indicators.csv").set_index(["profile", "indicator", "area"])["value"]
    assert np.allclose(got.reindex(ref.index).to_numpy(), ref.to_numpy(), atol=1e-12, equal_nan=True)


def test_cli_attribute_status_and_report(sequence, tmp_path):
    path, (r1, r2, r3), _ = sequence
    runner = CliRunner()
    r = runner.invoke(monitor, ["attribute", str(r2), str(r3), "--store", str(path), "--width", "200"])
    assert r.exit_code == 0, r.output
    assert f"Attributed 2 project(s) completed between run {r2} and run {r3}" in r.stderr
    assert "Everything on the list built: 2 project(s) added" in r.stderr and "P8" in r.stderr
    assert INDICATOR in r.stdout and "joint (shared)" in r.stdout and "区民政局" in r.stdout
    r = runner.invoke(monitor, ["status", "--as-of", "2025-10-01", "--store", str(path), "--width", "200"])
    assert r.exit_code == 0, r.output
    assert "Coverage delivered" in r.stdout and "If everything on the list is built" in r.stdout
    r = runner.invoke(monitor, ["report", "--out", str(tmp_path / "mon"), "--as-of", "2025-10-01",
                                "--store", str(path)])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "mon" / "monitoring.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "l-zh" in html and "l-en" in html
    assert "P3" in html and "P4" in html and "区民政局" in html and "解放碑街道" in html
    # offline: no src/href to the web; outside the vendored Leaflet (whose comments cite bug trackers) the only web
    # address is the SVG namespace
    leaflet_js = (resources.files("lifecircle.report") / "vendor" / "leaflet" / "leaflet.js").read_text("utf-8")
    assert leaflet_js in html
    own = re.sub(r"<style>\s*/\* required styles \*/.*?</style>", "", html.replace(leaflet_js, ""), flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", own)
    assert "<link" not in own and "<img" not in own and "@import" not in own
    assert set(re.findall(r"https?://[^\s\"'<>)]+", own)) <= {"http://www.w3.org/2000/svg"}
    data = json.loads(html.split('id="lc-monitor-data">', 1)[1].split("</script>", 1)[0])
    states = {f["properties"]["id"]: f["properties"]["state"] for f in data["projects"]["features"]}
    # as of 2025-10-01: P1-P4 done; P5, P6 due 2025-12-31 (not yet due / under construction); P7 cancelled
    assert states == {"P1": "done", "P2": "done", "P3": "done", "P4": "done", "P5": "not_due",
                      "P6": "in_progress", "P7": "cancelled"}
    assert data["boundary"] is not None or "yuzhong" not in str(path).lower()
    assert not list((tmp_path / "mon").glob(".*partial"))
    # the history chart of the targeted indicator: one point per recorded run, a diamond per target
    (svg,) = re.findall(r'<svg[^>]*class="chart history".*?</svg>', html, flags=re.S)
    assert svg.count("<circle") == 3 and svg.count("<path") == 2
    assert "Test programme 2025-01" in html
