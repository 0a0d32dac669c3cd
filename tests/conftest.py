"""Shared fixtures: the embedded Helsinki extract and the real data sets in ../shared/data (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecircle.sample_data import helsinki_pbf

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason when it is absent (a user's fresh machine)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"real data {path} is absent (the test data folder ../shared/data is not beside this checkout)")
    return path


@pytest.fixture(scope="session")
def helsinki_path() -> Path:
    return helsinki_pbf()


@pytest.fixture(scope="session")
def yuzhong_pbf() -> Path:
    return shared_file("yuzhong", "yuzhong.osm.pbf")


@pytest.fixture(scope="session")
def yuzhong_dem() -> Path:
    return shared_file("yuzhong", "yuzhong_srtm1_30m_utm48n.tif")


@pytest.fixture(scope="session")
def yuzhong_boundary() -> Path:
    return shared_file("yuzhong", "yuzhong_boundary.geojson")


@pytest.fixture(scope="session")
def helsinki_population_grid() -> Path:
    return shared_file("helsinki", "helsinki_population_grid_2020.gpkg")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The README's main job (``lifecircle demo``) on the embedded Helsinki extract, run once per session; copy it
    before changing anything in it."""
    from lifecircle.jobs.assess import demo_config, run

    return run(demo_config(tmp_path_factory.mktemp("demo") / "demo-out"), quiet=True)
