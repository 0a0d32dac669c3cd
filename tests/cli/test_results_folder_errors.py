"""Every command that reads a results folder answers a truncated, foreign or incomplete file with a message that
names the file, exit status 2 and no traceback; and damaged map data gets the same treatment."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from lifecircle.cli.main import main


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def _assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


def _copy(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    return copy


def _truncate(path: Path, keep_bytes: int = 1000) -> None:
    path.write_bytes(path.read_bytes()[:keep_bytes])


def _clinic(tmp_path: Path, run: Path) -> Path:
    """One added facility on the run's network, as a GeoJSON point in WGS-84."""
    node = gpd.read_parquet(run / "network_nodes.parquet").to_crs("EPSG:4326").geometry.iloc[100]
    path = tmp_path / "clinic.geojson"
    gpd.GeoDataFrame({"name": ["new clinic"]}, geometry=[node], crs="EPSG:4326").to_file(path)
    return path


COMMANDS = {
    "plan": lambda folder, tmp: ("plan", str(folder), "--category", "elderly_care", "--sites", "2", "--quiet",
                                 "--out", str(tmp / "plan")),
    "scenario": lambda folder, tmp: ("scenario", str(folder), "--remove", "x", "--out", str(tmp / "sc"), "--quiet"),
    "report": lambda folder, tmp: ("report", str(folder)),
    "monitor record": lambda folder, tmp: ("monitor", "record", str(folder), "--store", str(tmp / "s.duckdb")),
}
#: The file each command cannot do without, damaged in the tests below.
READS = {"plan": "network_edges.parquet", "scenario": "network_edges.parquet", "report": "homes.parquet",
         "monitor record": "indicators.csv"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_truncated_file_is_named(command: str, demo_run: Path, tmp_path: Path):
    folder = _copy(demo_run, tmp_path)
    name = READS[command]
    _truncate(folder / name, 1000 if name.endswith(".parquet") else 20)
    if command == "monitor record":
        assert _invoke("monitor", "init", "--store", str(tmp_path / "s.duckdb")).exit_code == 0
    result = _invoke(*COMMANDS[command](folder, tmp_path))
    _assert_user_error(result, name)


@pytest.mark.parametrize("command", ["plan", "scenario", "report"])
def test_foreign_parquet_is_named(command: str, demo_run: Path, tmp_path: Path):
    folder = _copy(demo_run, tmp_path)
    name = "homes.parquet"
    pd.DataFrame({"something": [1, 2]}).to_parquet(folder / name)
    result = _invoke(*COMMANDS[command](folder, tmp_path))
    _assert_user_error(result, name)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_missing_file_is_named(command: str, demo_run: Path, tmp_path: Path):
    folder = _copy(demo_run, tmp_path)
    (folder / "run.json").unlink()
    if command == "monitor record":
        assert _invoke("monitor", "init", "--store", str(tmp_path / "s.duckdb")).exit_code == 0
    _assert_user_error(_invoke(*COMMANDS[command](folder, tmp_path)), "run.json")


def test_malformed_osm_xml(tmp_path: Path):
    bad = tmp_path / "bad.osm"
    bad.write_text('<osm version="0.6"><node id="1" lat="abc" lon="1"/><way id="2"><nd ref="1"/><nd ref="99"/>'
                   '<tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    out = tmp_path / "x"
    _assert_user_error(_invoke("assess", "--osm", str(bad), "--out", str(out), "--quiet"), "bad.osm")
    assert not out.exists() or not any(out.iterdir())


def test_scenario_on_a_run_with_point_homes(helsinki_path: Path, demo_run: Path, tmp_path: Path):
    """Homes given as points have no land area: the run rates by population, and so must its scenarios."""
    homes = gpd.read_parquet(demo_run / "homes.parquet")[["id", "population", "geometry"]]
    homes = homes.set_geometry(shapely.centroid(homes.geometry.to_numpy())).to_crs("EPSG:4326")
    points = tmp_path / "homes_points.gpkg"
    homes.to_file(points)
    run = tmp_path / "run"
    r = _invoke("assess", "--osm", str(helsinki_path), "--homes", str(points), "--population-column", "population",
                "--profile", "cn-health-check", "--out", str(run), "--quiet")
    assert r.exit_code == 0, r.output
    out = tmp_path / "scenario"
    r = _invoke("scenario", str(run), "--add", str(_clinic(tmp_path, run)), "--add-category", "health_station",
                "--out", str(out), "--quiet")
    assert r.exit_code == 0, r.output
    comparison = pd.read_csv(out / "comparison.csv")
    health = comparison[(comparison["indicator"] == "health_15min") & (comparison["area"] == "ALL")]
    after = pd.read_parquet(out / "homes.parquet")
    covered = after["t_health_station"].to_numpy() <= 900
    assert health["after"].iloc[0] == pytest.approx(after["population"][covered].sum() / after["population"].sum())
    assert (out / "gaps.parquet").exists() or health["after"].iloc[0] == 1.0
