"""Bad input to ``lifecircle batch``: a clear message, exit 2, nothing written."""

from __future__ import annotations

import geopandas as gpd
import pytest
from batch_helpers import SHORT_WALK
from click.testing import CliRunner
from shapely.geometry import Polygon, box

from lifecircle.batch import cluster
from lifecircle.batch.areas import read_areas
from lifecircle.cli.main import main


def _layer(tmp_path, ids, geoms, name="areas.gpkg"):
    path = tmp_path / name
    gpd.GeoDataFrame({"id": ids, "name": [str(i) for i in ids]}, geometry=geoms, crs="EPSG:4326").to_file(path)
    return path


def _batch(areas, out, osm, *extra):
    return CliRunner().invoke(main, ["batch", str(areas), "--osm", str(osm), "--out", str(out), "--profile", SHORT_WALK,
                                     "--snap-max", "50", "-q", *extra])


def test_duplicate_ids_are_refused(tmp_path, helsinki_path):
    areas = _layer(tmp_path, ["a", "a", "b"], [box(24.935, 60.164, 24.94, 60.17), box(24.94, 60.164, 24.945, 60.17),
                                              box(24.945, 60.164, 24.95, 60.17)])
    r = _batch(areas, tmp_path / "out", helsinki_path)
    assert r.exit_code == 2 and "Area ids repeat" in r.output and "a" in r.output
    assert not (tmp_path / "out").exists()


def test_overlapping_areas_are_refused_with_their_ids(tmp_path, helsinki_path):
    areas = _layer(tmp_path, ["north", "south"], [box(24.935, 60.164, 24.95, 60.172), box(24.935, 60.170, 24.95, 60.178)])
    r = _batch(areas, tmp_path / "out", helsinki_path)
    assert r.exit_code == 2 and "overlap" in r.output and "north & south" in r.output
    assert not (tmp_path / "out").exists()


def test_invalid_polygon_is_repaired_and_named(tmp_path):
    bowtie = Polygon([(24.935, 60.164), (24.945, 60.172), (24.945, 60.164), (24.935, 60.172)])
    areas = read_areas(_layer(tmp_path, ["bow", "ok"], [bowtie, box(24.946, 60.164, 24.95, 60.17)]))
    assert areas.repaired == ("bow",)
    assert areas.frame.geometry.is_valid.all() and areas.frame.geometry.area.iloc[0] > 0


def test_area_outside_the_extract_is_refused(tmp_path, helsinki_path):
    areas = _layer(tmp_path, ["in", "far"], [box(24.94, 60.166, 24.945, 60.17), box(25.5, 61.0, 25.51, 61.01)])
    r = _batch(areas, tmp_path / "out", helsinki_path)
    assert r.exit_code == 2 and "outside the OpenStreetMap file" in r.output and "far" in r.output
    assert "in," not in r.output
    assert not (tmp_path / "out").exists()


def test_missing_id_column_is_named(tmp_path, helsinki_path):
    path = tmp_path / "noid.gpkg"
    gpd.GeoDataFrame({"label": ["x"]}, geometry=[box(24.94, 60.166, 24.945, 60.17)], crs="EPSG:4326").to_file(path)
    r = _batch(path, tmp_path / "out", helsinki_path)
    assert r.exit_code == 2 and "--id-column" in r.output
    assert not (tmp_path / "out").exists()


@pytest.fixture
def short_connect_timeout(monkeypatch):
    """A refused address is given up on after 1 s instead of the default wait."""
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)


def test_unreachable_scheduler_writes_nothing(tmp_path, helsinki_path, short_connect_timeout):
    areas = _layer(tmp_path, ["in"], [box(24.94, 60.166, 24.945, 60.17)])
    r = _batch(areas, tmp_path / "out", helsinki_path, "--scheduler", "tcp://127.0.0.1:9")
    assert r.exit_code == 2 and "Cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_assess_tile_km_unreachable_scheduler(tmp_path, helsinki_path, short_connect_timeout):
    r = CliRunner().invoke(main, ["assess", "--osm", str(helsinki_path), "--out", str(tmp_path / "o"), "--tile-km", "0.5",
                                  "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert r.exit_code == 2 and "Cannot reach the Dask scheduler" in r.output
    assert not (tmp_path / "o").exists()
