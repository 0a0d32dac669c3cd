"""Fixtures of the batch tests: a real Dask LocalCluster (worker processes on 127.0.0.1, no dashboard port
exposed beyond loopback), the 2 × 2 Helsinki areas, their undisturbed batch and the whole-region reference run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from batch_helpers import HELSINKI_BOUNDS, SHORT_WALK, grid_areas, helsinki_config, local_cluster  # noqa: E402

from lifecircle.batch import run_batch  # noqa: E402
from lifecircle.batch.areas import read_areas  # noqa: E402
from lifecircle.jobs.assess import AssessConfig, run  # noqa: E402
from lifecircle.results import ResultsFolder  # noqa: E402


@pytest.fixture(scope="session")
def helsinki_areas(tmp_path_factory, helsinki_path) -> Path:
    return grid_areas(HELSINKI_BOUNDS, 2, 2, tmp_path_factory.mktemp("areas") / "areas.gpkg")


@pytest.fixture(scope="session")
def helsinki_batch(tmp_path_factory, helsinki_areas, helsinki_path) -> Path:
    """The undisturbed batch of the four Helsinki areas (2 workers)."""
    out = tmp_path_factory.mktemp("batch") / "run"
    with local_cluster(2) as client:
        result = run_batch(helsinki_config(helsinki_areas, out, osm=helsinki_path), quiet=True, client=client)
    assert sorted(result.finished) == ["a0", "a1", "a2", "a3"] and not result.failed
    return out


@pytest.fixture(scope="session")
def helsinki_whole(tmp_path_factory, helsinki_areas, helsinki_path):
    """The whole-region run (same profile, snapping and metric CRS as the batch): its homes frame."""
    out = tmp_path_factory.mktemp("whole") / "run"
    crs = read_areas(helsinki_areas).crs
    run(AssessConfig(out=out, osm=helsinki_path, profiles=(SHORT_WALK,), snap_max_m=50.0,
                     unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa", crs=crs), quiet=True)
    return ResultsFolder(out).homes()
