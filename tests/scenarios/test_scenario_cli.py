"""``lifecircle scenario`` end to end on the two-street district: files, values, exit codes."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from scenario_nets import CRS, X0, Y0, line

from lifecircle.cli.scenario import scenario
from lifecircle.results.staging import sha256_of
from lifecircle.scenarios import load_results


def _lonlat(x, y):
    p = gpd.GeoSeries(gpd.points_from_xy([X0 + x], [Y0 + y]), crs=CRS).to_crs("EPSG:4326")
    return float(p.x.iloc[0]), float(p.y.iloc[0])


@pytest.fixture()
def add_csv(tmp_path):
    lon, lat = _lonlat(100, -5)
    path = tmp_path / "clinic.csv"
    path.write_text(f"name,lon,lat\nnew clinic,{lon:.9f},{lat:.9f}\n", encoding="utf-8")
    return path


def _invoke(*args):
    return CliRunner().invoke(scenario, [str(a) for a in args], catch_exceptions=False)


def test_added_clinic_end_to_end(river_dir, add_csv, tmp_path):
    out = tmp_path / "plan"
    r = _invoke(river_dir, "--add", add_csv, "--add-category", "health_station", "--name", "clinic", "--out", out,
                "--report")
    assert r.exit_code == 0, r.output
    assert (out / "report.html").is_file()
    gaps = gpd.read_parquet(out / "gaps.parquet")
    health = gaps.loc[gaps["indicator"] == "health_15min"]
    assert health["population"].sum() == pytest.approx(50.0)  # the 5 homes x = 1100..1900 still uncovered, 10 people each
    for name in ("comparison.csv", "homes.parquet", "facilities.parquet", "indicators.csv", "scenario.json", "run.json",
                 "network_edges.parquet"):
        assert (out / name).is_file(), name
    comp = pd.read_csv(out / "comparison.csv")
    row = comp.loc[(comp["indicator"] == "health_15min") & (comp["area"] == "ALL")].iloc[0]
    assert (row["before"], row["after"]) == (0.0, pytest.approx(0.5))  # x = 100..900 of 10 homes (scenario_nets)
    assert row["change"] == pytest.approx(0.5)
    after = pd.read_csv(out / "indicators.csv")
    assert after.loc[(after["indicator"] == "health_15min") & (after["area"] == "ALL"), "value"].iloc[0] == pytest.approx(0.5)
    info = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert info["name"] == "clinic" and info["added_ids"] == ["scenario-1"]
    assert info["inputs"]["add"]["sha256"] == sha256_of(add_csv)
    assert "health_15min" in r.output and "50.0%" in r.output  # the rich table, area ALL
    again = load_results(out)  # the folder is itself a run a further scenario can start from
    assert "scenario-1" in set(again.facilities["id"])


def test_remove_and_link(river_dir, tmp_path):
    links = tmp_path / "bridge.geojson"
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[line((0, 0), (0, 100))], crs=CRS).to_crs("EPSG:4326").to_file(links)
    out = tmp_path / "bridge"
    r = _invoke(river_dir, "--link", links, "--remove", "mk-a,mk-b", "--out", out, "--quiet")
    assert r.exit_code == 0, r.output
    homes = gpd.read_parquet(out / "homes.parquet")
    assert homes["t_health_station"].iloc[0] == pytest.approx(310.0, abs=1e-6)  # x + 210 s over the footbridge
    assert (homes["f_fresh_market"] == "").all()
    assert json.loads((out / "scenario.json").read_text())["removed"] == ["mk-a", "mk-b"]


@pytest.mark.parametrize("args, message", [
    (["--remove", "w999"], "Cannot remove facilities ['w999']"),
    ([], "The plan changes nothing"),
    (["--add-category", "health_station"], "give --add FILE too"),
])
def test_bad_input_exits_2(river_dir, tmp_path, args, message):
    r = CliRunner().invoke(scenario, [str(river_dir), *args, "--out", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert message in r.output
    assert not (tmp_path / "x").exists()


def test_out_must_not_be_the_run(river_dir):
    r = CliRunner().invoke(scenario, [str(river_dir), "--remove", "hs-b", "--out", str(river_dir)])
    assert r.exit_code == 2 and "overwrite the run" in r.output


def test_not_a_results_folder_exits_2(tmp_path):
    r = CliRunner().invoke(scenario, [str(tmp_path), "--remove", "x", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "not a complete results folder" in r.output
