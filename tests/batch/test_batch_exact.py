"""Border exactness of a batch on the embedded Helsinki extract: four areas cut with their halo, each run as a task
on a real LocalCluster, give the whole-region walking times (≤ the largest threshold) and indicators; a rerun skips
them; the summary has one row per area per indicator."""

from __future__ import annotations

import json

import geopandas as gpd
import osmium
import pandas as pd
from batch_helpers import SHORT_WALK, check_area

from lifecircle.batch import BatchConfig, run_batch
from lifecircle.batch.halo import halo_for
from lifecircle.batch.summary import SUMMARY_COLUMNS


def test_every_area_equals_the_whole_region_run(helsinki_batch, helsinki_whole, helsinki_areas, helsinki_path):
    halo = halo_for([SHORT_WALK], "planning", False, 50.0)
    assert halo.limits["walk_time_s"] == 240.0 and halo.width_m == 290.0
    areas = gpd.read_file(helsinki_areas)
    compared = 0
    for aid, geom in zip(areas["id"], areas.geometry, strict=True):
        compared += check_area(helsinki_batch / "areas" / aid, helsinki_whole, geom, 240.0, [SHORT_WALK])
    assert compared > 1000
    # the cuts are real cuts: no area holds the whole extract
    cuts = json.loads((helsinki_batch / "cuts" / "cut.json").read_text())["counts"]
    whole_ways = sum(1 for _ in osmium.FileProcessor(str(helsinki_path), osmium.osm.WAY))
    assert max(c["ways"] for c in cuts.values()) < 0.8 * whole_ways


def test_summary_and_report(helsinki_batch):
    table = pd.read_csv(helsinki_batch / "summary.csv")
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert len(table) == 4 * 3 and set(table["area_id"]) == {"a0", "a1", "a2", "a3"}
    for _, rows in table.groupby("indicator"):
        assert sorted(rows["rank"]) == sorted(rows["value"].rank(ascending=False, method="min").astype(int))
    geo = gpd.read_file(helsinki_batch / "summary.gpkg")
    assert len(geo) == len(table) and geo.geometry.notna().all()
    html = (helsinki_batch / "report.html").read_text(encoding="utf-8")
    for aid in ("a0", "a1", "a2", "a3"):
        assert f'href="areas/{aid}/report.html"' in html
        assert (helsinki_batch / "areas" / aid / "report.html").is_file()
    assert html.count("<svg") == 3


def test_rerun_skips_finished_areas(helsinki_batch, helsinki_areas, helsinki_path):
    before = {p.name: p.stat().st_mtime_ns for p in (helsinki_batch / "areas").glob("*/homes.parquet")}
    cfg = BatchConfig(areas=helsinki_areas, osm=helsinki_path, out=helsinki_batch, profiles=(SHORT_WALK,), snap_max_m=50.0,
                      unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa")
    result = run_batch(cfg, quiet=True)  # nothing to run: no cluster is started
    assert sorted(result.skipped) == ["a0", "a1", "a2", "a3"] and not result.finished
    after = {p.name: p.stat().st_mtime_ns for p in (helsinki_batch / "areas").glob("*/homes.parquet")}
    assert before == after


def test_monitor_records_one_run_per_area(helsinki_batch, tmp_path):
    from click.testing import CliRunner

    from lifecircle.cli.main import main
    from lifecircle.monitor.store import open_store

    store = tmp_path / "store.duckdb"
    assert CliRunner().invoke(main, ["monitor", "init", "--store", str(store)]).exit_code == 0
    r = CliRunner().invoke(main, ["monitor", "record", str(helsinki_batch), "--store", str(store)])
    assert r.exit_code == 0, r.output
    with open_store(store) as s:
        areas = sorted(v[0] for v in s.con.execute("SELECT study_area FROM runs").fetchall())
        n_values = s.con.execute("SELECT count(*) FROM indicator_values").fetchone()[0]
    assert areas == ["Area 0", "Area 1", "Area 2", "Area 3"]
    assert n_values >= 4 * 3
    again = CliRunner().invoke(main, ["monitor", "record", str(helsinki_batch), "--store", str(store)])
    assert again.exit_code == 0 and again.output.count("Already recorded") == 4
