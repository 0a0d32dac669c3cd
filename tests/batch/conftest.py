"""Fixtures of the batch tests: a real Dask LocalCluster (worker processes on 127.0.0.1, no dashboard port
exposed beyond loopback), the 2 × 2 Helsinki areas, their undisturbed batch and the whole-region reference run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from batch_helpers import HELSINKI_BOUNDS, SHORT_WALK, grid_areas  # noqa: E402

from lifecircle.batch import BatchConfig, run_batch  # noqa: E402
from lifecircle.batch.areas import read_areas  # noqa: E402
from lifecircle.jobs.assess import AssessConfig, run  # noqa: E402
from lifecircle.results import ResultsFolder  # noqa: E402


def local_cluster(workers: int = 2):
    """A LocalCluster of ``workers`` single-threaded processes on loopback and its client (close both after)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=50, env={"NUMBA_NUM_THREADS": "1"})
    return cluster, Client(cluster)


def helsinki_config(areas: Path, out: Path, **extra) -> BatchConfig:
    return BatchConfig(areas=areas, osm=extra.pop("osm"), out=out, profiles=(SHORT_WALK,), snap_max_m=50.0,
                       unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa", **extra)


@pytest.fixture(scope="session")
def helsinki_areas(tmp_path_factory, helsinki_path) -> Path:
    return grid_areas(HELSINKI_BOUNDS, 2, 2, tmp_path_factory.mktemp("areas") / "areas.gpkg")


@pytest.fixture(scope="session")
def helsinki_batch(tmp_path_factory, helsinki_areas, helsinki_path) -> Path:
    """The undisturbed batch of the four Helsinki areas (2 workers)."""
    out = tmp_path_factory.mktemp("batch") / "run"
    cluster, client = local_cluster(2)
    try:
        result = run_batch(helsinki_config(helsinki_areas, out, osm=helsinki_path), quiet=True, client=client)
    finally:
        client.close()
        cluster.close()
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
