"""Bad input gets a clear message, exit status 2, no traceback and no output file; an interrupted run publishes
nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lifecircle.cli.main import main


def _run(args: list[str]):
    return CliRunner().invoke(main, args)


def _assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


def test_missing_osm_file(tmp_path: Path):
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(tmp_path / "nope.osm.pbf"), "--out", str(out)])
    _assert_user_error(r, "does not exist")
    assert not out.exists()


def test_no_input_at_all(tmp_path: Path):
    r = _run(["assess", "--out", str(tmp_path / "out")])
    _assert_user_error(r, "--osm")


def test_unknown_profile(tmp_path: Path, helsinki_path: Path):
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(helsinki_path), "--profile", "no-such-profile", "--out", str(out)])
    _assert_user_error(r, "no-such-profile", "cn-health-check")
    assert not out.exists()


def test_corrupt_osm_file(tmp_path: Path):
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"this is not a protobuf file" * 10)
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(bad), "--out", str(out), "--quiet"])
    _assert_user_error(r, "broken.osm.pbf")
    assert not out.exists() or not any(out.iterdir())
    assert not list(tmp_path.glob(".out.partial-*"))


def test_report_of_a_folder_that_is_not_there(tmp_path: Path):
    r = _run(["report", str(tmp_path / "nothing")])
    _assert_user_error(r, "not a results folder")


def test_facilities_layer_without_category_column(tmp_path: Path, helsinki_path: Path):
    csv = tmp_path / "pois.csv"
    csv.write_text("name,lon,lat\nA,24.94,60.17\n", encoding="utf-8")
    homes = tmp_path / "homes.csv"
    homes.write_text("id,lon,lat,population\nh1,24.941,60.171,10\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(helsinki_path), "--facilities", str(csv), "--homes", str(homes),
              "--out", str(out), "--quiet"])
    _assert_user_error(r, "category")
    assert not out.exists() or not any(out.iterdir())


def test_interrupted_run_publishes_nothing(tmp_path: Path):
    out = tmp_path / "results"
    # Ctrl-C as a terminal sends it: a suite started as a background job ignores SIGINT, and so would the child
    proc = subprocess.Popen([sys.executable, "-m", "lifecircle.cli.main", "demo", "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".results.partial-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail(f"the demo ended before it could be interrupted: {proc.communicate()[1][-2000:]}")
    time.sleep(1.0)  # well inside the run: the network is being built
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    assert not list(tmp_path.glob(".results.partial-*"))


def test_boundary_that_misses_the_data(tmp_path: Path, helsinki_path: Path):
    far = tmp_path / "far.geojson"
    far.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
                   '{"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]}}]}',
                   encoding="utf-8")
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(helsinki_path), "--boundary", str(far), "--out", str(out), "--quiet"])
    _assert_user_error(r, "boundary")
    assert not out.exists() or not any(out.iterdir())


def test_swapped_lon_lat_in_a_csv_layer(tmp_path: Path, helsinki_path: Path):
    csv = tmp_path / "pois.csv"
    csv.write_text("name,lon,lat\nA,29.56,106.55\n", encoding="utf-8")  # Chongqing with lon and lat swapped
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(helsinki_path), "--facilities", str(csv), "--facility-category", "park",
              "--out", str(out), "--quiet"])
    _assert_user_error(r, "pois.csv")
    assert not out.exists() or not any(out.iterdir())


def test_layer_without_crs(tmp_path: Path, helsinki_path: Path):
    import geopandas as gpd
    from shapely.geometry import Point

    shp = tmp_path / "schools.shp"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(385000, 6672000)]).to_file(shp)  # no .prj written
    out = tmp_path / "out"
    r = _run(["assess", "--osm", str(helsinki_path), "--facilities", str(shp), "--facility-category", "primary_school",
              "--out", str(out), "--quiet"])
    _assert_user_error(r, "schools.shp", "CRS")
    assert not out.exists() or not any(out.iterdir())


def test_output_folder_that_cannot_be_written(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    r = _run(["demo", "--out", str(blocker / "results"), "--quiet"])
    _assert_user_error(r, "cannot read or write")


def test_messages_name_the_cli_options(tmp_path: Path, helsinki_path: Path):
    """A user of the command line is told the option to use, not a Python argument."""
    csv = tmp_path / "pois.csv"
    csv.write_text("name,kind,lon,lat\nA,park,24.94,60.17\n", encoding="utf-8")
    r = _run(["assess", "--osm", str(helsinki_path), "--facilities", str(csv), "--out", str(tmp_path / "a"), "--quiet"])
    _assert_user_error(r, "--category-column", "--facility-category")
    r = _run(["assess", "--osm", str(helsinki_path), "--facilities", str(csv), "--category-column", "kind",
              "--areas", str(_areas_without_id(tmp_path)), "--out", str(tmp_path / "b"), "--quiet"])
    _assert_user_error(r, "--areas-id-column")
    homes = tmp_path / "homes.csv"
    homes.write_text("id,lon,lat,population\nh1,24.941,60.171,10\nh1,24.942,60.172,5\n", encoding="utf-8")
    r = _run(["assess", "--osm", str(helsinki_path), "--homes", str(homes), "--out", str(tmp_path / "c"), "--quiet"])
    _assert_user_error(r, "--homes-id-column")


def _areas_without_id(tmp_path: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(24.9, 60.1, 25.0, 60.2)], crs="EPSG:4326").to_file(path)
    return path


def test_profiles_lists_a_profiles_indicators():
    from lifecircle.indicators import load_profile

    r = CliRunner().invoke(main, ["profiles", "cn-health-check"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for ind in load_profile("cn-health-check").indicators:
        assert ind.id in r.output
    assert "15 min walk" in r.output and "residential land area" in r.output and "[tdt1063-2021]" in r.output
    _assert_user_error(CliRunner().invoke(main, ["profiles", "no-such-profile"]), "no-such-profile")
