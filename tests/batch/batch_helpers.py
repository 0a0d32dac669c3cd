"""Helpers of the batch tests: grid areas, a whole-region reference run, and the exactness check of one area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from lifecircle.batch import BatchConfig
from lifecircle.batch.cluster import dask_client
from lifecircle.indicators.table import indicator_table
from lifecircle.points.homes import home_anchors
from lifecircle.results import ResultsFolder
from lifecircle.results.columns import TIME_PREFIX, categories_in

SHORT_WALK = str(Path(__file__).with_name("data") / "short-walk.toml")
#: The embedded Helsinki extract's walkable core (lon/lat), cut into a 2 × 2 grid of areas.
HELSINKI_BOUNDS = (24.935, 60.164, 24.953, 60.179)


def grid_areas(bounds: tuple[float, float, float, float], nx: int, ny: int, path: Path, clip=None) -> Path:
    """A GeoPackage of ``nx × ny`` rectangular areas over ``bounds`` (lon/lat), ids ``a0``..., optionally clipped."""
    x0, y0, x1, y1 = bounds
    xs, ys = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
    geoms = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(nx) for j in range(ny)]
    if clip is not None:
        geoms = [g.intersection(clip) for g in geoms]
    keep = [i for i, g in enumerate(geoms) if not g.is_empty and g.area > 0]
    frame = gpd.GeoDataFrame({"id": [f"a{i}" for i in range(len(keep))], "name": [f"Area {i}" for i in range(len(keep))]},
                             geometry=[geoms[i] for i in keep], crs="EPSG:4326")
    frame.to_file(path, driver="GPKG")
    return path


def check_area(area_dir: Path, whole: gpd.GeoDataFrame, polygon, limit_s: float, profiles: list[str],
               denominator: str | None = None) -> int:
    """Assert the area's homes are the whole run's homes inside ``polygon``; every time ≤ ``limit_s`` equals the whole
    run's to 1e-6 s and every longer one is +inf; every whole-area indicator equals the one computed from the whole
    run restricted to those homes. Returns how many times were compared."""
    folder = ResultsFolder(area_dir)
    area = folder.homes().set_index("id")
    inside = shapely.within(home_anchors(whole), polygon)
    ref = whole.loc[inside]
    assert set(area.index) == set(ref["id"]), (area_dir, set(area.index) ^ set(ref["id"]))
    ref = ref.set_index("id").loc[area.index]
    compared = 0
    for c in categories_in(ref.columns, TIME_PREFIX):
        col = TIME_PREFIX + c
        x, y = area[col].to_numpy(np.float64), ref[col].to_numpy(np.float64)
        within = y <= limit_s
        np.testing.assert_allclose(x[within], y[within], rtol=0, atol=1e-6, err_msg=f"{area_dir} {col}")
        assert np.isinf(x[~within]).all(), f"{area_dir} {col}: a time beyond {limit_s} s is not reported as beyond"
        compared += int(within.sum())
    got = folder.indicators()
    got = got.loc[got["area"] == "ALL"].set_index(["profile", "indicator"])["value"]
    want = indicator_table(ref.reset_index(), profiles, None, denominator)
    want = want.loc[want["area"] == "ALL"].set_index(["profile", "indicator"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_exact=False, rtol=1e-12, atol=1e-12)
    return compared


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[Any]:
    """A client of the batch's own LocalCluster of ``workers`` single-threaded processes on loopback; both closed
    on exit."""
    with dask_client(workers=workers) as client:
        yield client


def helsinki_config(areas: Path, out: Path, **extra) -> BatchConfig:
    return BatchConfig(areas=areas, osm=extra.pop("osm"), out=out, profiles=(SHORT_WALK,), snap_max_m=50.0,
                       unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa", **extra)
