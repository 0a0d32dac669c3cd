"""Fixtures of the scenario tests: the hand-made two-street district and a real Helsinki run (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_nets import write_results


@pytest.fixture()
def river_dir(tmp_path) -> Path:
    return write_results(tmp_path / "river")


@pytest.fixture(scope="session")
def helsinki_run(tmp_path_factory, helsinki_path) -> Path:
    """The demo job on the embedded Helsinki extract, with cn-gb50180 too (its network-distance indicators give d_
    columns) and 500 m grid sub-areas."""
    from lifecircle.jobs.assess import demo_config, run

    cfg = demo_config(tmp_path_factory.mktemp("helsinki") / "run")
    cfg.profiles = ("cn-health-check", "bruno-15min", "cn-gb50180")
    return run(cfg, quiet=True)


@pytest.fixture(scope="session")
def yuzhong_run(tmp_path_factory, yuzhong_pbf, yuzhong_dem, yuzhong_boundary) -> Path:
    """Yuzhong (Chongqing) with its stairs, the SRTM DEM (Tobler slope) and 1 km grid sub-areas (skipped when the
    shared data is absent)."""
    from lifecircle.jobs.assess import AssessConfig, run

    cfg = AssessConfig(out=tmp_path_factory.mktemp("yuzhong") / "run", osm=yuzhong_pbf, dem=yuzhong_dem,
                       boundary=yuzhong_boundary, areas="grid:1000", unspecified_buildings_as_homes=True,
                       profiles=("cn-health-check", "cn-gb50180"))
    return run(cfg, quiet=True)
