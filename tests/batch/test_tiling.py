"""Exact tiling: ``assess --tile-km`` on the embedded Helsinki extract, run as Dask tasks on a real LocalCluster and
stitched, gives the untiled run's walking times (≤ the largest threshold) and indicators."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from batch_helpers import SHORT_WALK, local_cluster

from lifecircle.batch.halo import halo_for
from lifecircle.batch.tiling import plan_tiles, run_tiled, tile_walking_columns, tile_walking_file, write_tile
from lifecircle.jobs.assess import AssessConfig, run
from lifecircle.results import ResultsFolder
from lifecircle.results.columns import TIME_PREFIX, categories_in


def _assert_same(untiled: ResultsFolder, tiled: ResultsFolder, limit_s: float) -> int:
    a, b = untiled.homes(), tiled.homes()
    assert list(a["id"]) == list(b["id"])
    compared = 0
    for c in categories_in(a.columns, TIME_PREFIX):
        x, y = a[TIME_PREFIX + c].to_numpy(), b[TIME_PREFIX + c].to_numpy()
        within = x <= limit_s
        np.testing.assert_allclose(y[within], x[within], rtol=0, atol=1e-6)
        assert np.isinf(y[~within]).all()
        compared += int(within.sum())
    ia, ib = untiled.indicators(), tiled.indicators()
    pd.testing.assert_frame_equal(ia[["profile", "indicator", "area", "value"]], ib[["profile", "indicator", "area", "value"]],
                                  check_exact=False, rtol=1e-12, atol=1e-12)
    return compared


def test_tiled_run_equals_untiled_on_helsinki(tmp_path, helsinki_path):
    base = AssessConfig(out=tmp_path / "untiled", osm=helsinki_path, profiles=(SHORT_WALK,), snap_max_m=50.0,
                        unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa", areas="grid:500")
    run(base, quiet=True)
    with local_cluster(2) as client:
        run_tiled(replace(base, out=tmp_path / "tiled"), 0.4, quiet=True, client=client)
    compared = _assert_same(ResultsFolder(tmp_path / "untiled"), ResultsFolder(tmp_path / "tiled"), 240.0)
    assert compared > 2000
    assert ResultsFolder(tmp_path / "tiled").run.counts["values_beyond_exact_limit"] > 0
    assert not list(tmp_path.glob(".tiled.tiles-*"))  # the tiles' files are removed after the run


def test_tiles_hold_less_than_the_city(tmp_path, helsinki_path):
    """Each tile's network is a part of the city's: what bounds a worker's memory."""
    from lifecircle.jobs.assess import _facilities, _homes, _network, _snap

    cfg = AssessConfig(out=tmp_path / "x", osm=helsinki_path, profiles=(SHORT_WALK,), snap_max_m=50.0,
                       unspecified_buildings_as_homes=True, m2_per_person="fi-uusimaa")
    net = _network(cfg, None, lambda _f: None)
    homes = _snap(net, _homes(cfg, None), cfg.snap_max_m)
    fac = _snap(net, _facilities(cfg, net).frame, cfg.snap_max_m)
    halo = halo_for([SHORT_WALK], "planning", False, 50.0)
    tiles = plan_tiles(net, homes, fac, 400.0, halo)
    assert len(tiles) >= 6
    assert sum(len(th.frame) for _, _, th, _ in tiles) == len(homes.frame)
    assert max(sub.n_edges for _, sub, _, _ in tiles) < 0.6 * net.n_edges
    # a worker reads its tile from the file the driver wrote, and gets what the tile in memory gives
    tile = max(tiles, key=lambda t: len(t[2].frame))
    from_file = tile_walking_file(str(write_tile(tmp_path / "tile.pkl", tile)), [SHORT_WALK])
    pd.testing.assert_frame_equal(from_file, tile_walking_columns(tile[1], tile[2], tile[3], [SHORT_WALK]))
    assert list(from_file["_row"]) == list(tile[2].frame["_row"])


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_tile_size_must_be_positive(tmp_path, helsinki_path, bad):
    from lifecircle.errors import LifecircleInputError

    with pytest.raises(LifecircleInputError, match="--tile-km"):
        run_tiled(AssessConfig(out=tmp_path / "t", osm=helsinki_path), bad, quiet=True)
    assert not (tmp_path / "t").exists()
