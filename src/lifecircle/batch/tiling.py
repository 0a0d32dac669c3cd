"""Exact tiling of one huge area: ``lifecircle assess ... --tile-km K``.

The driver builds the network and snaps homes and facilities once (as the untiled job does); the walking-times
step, the engine's work, runs per tile as Dask tasks. Each tile is a ``K`` km square of the network's metric CRS; its
task gets the edges within the halo of the square (:mod:`lifecircle.batch.halo`), the facilities snapped onto those
edges and the homes inside the square, and returns their walking columns. A tile's network is a subgraph of the
whole with the same snapping, so a time ≤ the halo's limit is the whole-network time; longer ones are set to +inf
(the job's ``exact_within``). The stitched homes then go through the ordinary job (indicators, files, report): one
results folder, identical to the untiled run for every value within the limits, while a worker holds one tile.

Memory: the driver cuts one tile at a time, writes it to a file of the run's tile folder (next to the results
folder, removed at the end) and submits the file's path, so neither the driver nor the scheduler holds per-tile
copies, and a worker reads only its tile. With a remote cluster (``--scheduler``) that folder must be on a file
system the workers share, as a batch folder is.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.accessibility import walking_columns
from lifecircle.batch.halo import Halo, halo_for
from lifecircle.errors import LifecircleInputError
from lifecircle.jobs.assess import AssessConfig, run
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.results.columns import DISTANCE_PREFIX, FACILITY_PREFIX, RADIUS_PREFIX, TIME_PREFIX


def tile_of(x: np.ndarray, y: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of the ``size_m`` square (metric CRS, anchored at the origin) holding each point."""
    return np.floor(x / size_m).astype(np.int64), np.floor(y / size_m).astype(np.int64)


def subnetwork(net: WalkNetwork, keep_edges: np.ndarray) -> tuple[WalkNetwork, np.ndarray]:
    """The network of the edges ``keep_edges`` (bool per edge; both directions of a pair are kept or neither),
    renumbered; returns it and the new id of every old edge (−1 when dropped)."""
    edges = net.edges.loc[keep_edges].copy()
    new_edge = np.full(len(net.edges), -1, np.int64)
    new_edge[np.flatnonzero(keep_edges)] = np.arange(int(keep_edges.sum()))
    nodes_used = np.unique(np.concatenate([edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)]))
    new_node = np.full(len(net.nodes), -1, np.int64)
    new_node[nodes_used] = np.arange(len(nodes_used))
    nodes = net.nodes.iloc[nodes_used].copy()
    nodes["node_id"] = np.arange(len(nodes))
    edges["edge_id"] = np.arange(len(edges))
    edges["u"] = new_node[edges["u"].to_numpy(np.int64)]
    edges["v"] = new_node[edges["v"].to_numpy(np.int64)]
    rev = edges["rev"].to_numpy(np.int64)
    edges["rev"] = np.where(rev >= 0, new_edge[np.clip(rev, 0, None)], -1)
    sub = WalkNetwork(crs=net.crs, nodes=nodes.reset_index(drop=True), edges=edges.reset_index(drop=True),
                      walk_profile=net.walk_profile, meta=dict(net.meta), dropped=None)
    return sub, new_edge


def _remap(points: SnappedPoints, rows: np.ndarray, new_edge: np.ndarray) -> SnappedPoints:
    frame = points.frame.iloc[rows].copy()
    frame["edge_id"] = new_edge[frame["edge_id"].to_numpy(np.int64)]
    return SnappedPoints(frame=frame.reset_index(drop=True), unsnapped=points.unsnapped.iloc[:0])


def tile_walking_columns(net: WalkNetwork, homes: SnappedPoints, facilities: SnappedPoints,
                         profiles: list) -> pd.DataFrame:
    """One tile's walking columns of its homes (see :func:`lifecircle.accessibility.walking_columns`), returned
    with the homes' positions in the whole run's frame (``_row``) and without geometry."""
    frame = walking_columns(net, homes, facilities, profiles)
    cols = ["_row"] + [c for c in frame.columns
                       if c.startswith((TIME_PREFIX, FACILITY_PREFIX, DISTANCE_PREFIX, RADIUS_PREFIX))]
    return pd.DataFrame(frame[cols])


#: One tile: (column, row), its network, its homes (``_row``: position in the whole frame) and its facilities.
Tile = tuple[tuple[int, int], WalkNetwork, SnappedPoints, SnappedPoints]


def iter_tiles(net: WalkNetwork, homes: SnappedPoints, facilities: SnappedPoints, size_m: float,
               halo: Halo) -> Iterator[Tile]:
    """The tiles holding at least one home, made one at a time (``size_m``: the square's side, metres of the
    network's CRS; ``halo``: how far its network and facilities reach beyond the square)."""
    hx = homes.frame.geometry.x.to_numpy()
    hy = homes.frame.geometry.y.to_numpy()
    col, row = tile_of(hx, hy, size_m)
    tree = shapely.STRtree(net.edges.geometry.to_numpy())
    fac_edge = facilities.frame["edge_id"].to_numpy(np.int64)
    rev = net.edges["rev"].to_numpy(np.int64)
    for c, r in sorted(set(zip(col.tolist(), row.tolist(), strict=True))):
        square = shapely.box(c * size_m, r * size_m, (c + 1) * size_m, (r + 1) * size_m)
        keep = np.zeros(len(net.edges), bool)
        keep[tree.query(square.buffer(halo.width_m, quad_segs=16), predicate="intersects")] = True
        keep[rev[keep & (rev >= 0)]] = True
        sub, new_edge = subnetwork(net, keep)
        mine = np.flatnonzero((col == c) & (row == r))
        tile_homes = _remap(homes, mine, new_edge)
        tile_homes.frame["_row"] = mine
        if (tile_homes.frame["edge_id"] < 0).any():  # cannot happen: a home's edge is within snap_max of it
            raise RuntimeError(f"tile {c},{r}: a home's edge lies outside the tile's halo")
        tile_fac = _remap(facilities, np.flatnonzero(new_edge[fac_edge] >= 0), new_edge)
        yield (c, r), sub, tile_homes, tile_fac


def plan_tiles(net: WalkNetwork, homes: SnappedPoints, facilities: SnappedPoints, size_m: float,
               halo: Halo) -> list[Tile]:
    """Every tile of :func:`iter_tiles` at once (for inspection; a run streams them)."""
    return list(iter_tiles(net, homes, facilities, size_m, halo))


def write_tile(path: Path, tile: Tile) -> Path:
    """Write one tile's inputs (network, homes, facilities) to ``path`` (a pickle); returns ``path``."""
    with open(path, "wb") as fh:
        pickle.dump(tile[1:], fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def tile_walking_file(path: str, profiles: list) -> pd.DataFrame:
    """A tile's task on a worker: read the tile written by :func:`write_tile` and return its homes' walking
    columns (:func:`tile_walking_columns`)."""
    with open(path, "rb") as fh:
        sub, th, tf = pickle.load(fh)  # a file this run wrote
    return tile_walking_columns(sub, th, tf, profiles)


def tiled_walking(client: Any, size_m: float, halo: Halo, tile_dir: Path, retries: int = 2,
                  progress: Callable[[int, int], None] | None = None):
    """A ``walking`` step for :func:`lifecircle.jobs.assess.run` that runs the tiles on ``client`` (their inputs
    written to ``tile_dir``, one file each) and stitches them."""
    from distributed import as_completed

    def walking(net: WalkNetwork, homes: SnappedPoints, facilities: SnappedPoints, profiles: list) -> gpd.GeoDataFrame:
        futures = []
        for tile in iter_tiles(net, homes, facilities, size_m, halo):
            c, r = tile[0]
            path = write_tile(tile_dir / f"tile_{c}_{r}.pkl", tile)
            del tile
            futures.append(client.submit(tile_walking_file, str(path), profiles, pure=False, retries=retries,
                                         key=f"lifecircle-tile-{c}-{r}-{time.time_ns()}"))
        parts = []
        for i, fut in enumerate(as_completed(futures), start=1):
            parts.append(fut.result())
            fut.release()
            if progress is not None:
                progress(i, len(futures))
        stitched = pd.concat(parts, ignore_index=True).sort_values("_row")
        frame = homes.frame.copy()
        for c in stitched.columns:
            if c != "_row":
                frame[c] = stitched[c].to_numpy()
        return frame

    return walking


def run_tiled(cfg: AssessConfig, tile_km: float, scheduler: str | None = None, workers: int | None = None,
              quiet: bool = False, client: Any = None) -> Path:
    """``assess --tile-km``: the ordinary job with the walking-times step run tile by tile on Dask (see the module
    docstring). Values beyond the halo's limits are +inf, as in a batch area. The tiles' files live in a folder
    ``.<out>.tiles-*`` next to ``cfg.out``, removed when the run ends (finished or failed)."""
    from lifecircle.batch.cluster import dask_client

    if not (tile_km > 0):
        raise LifecircleInputError(f"--tile-km must be a positive number of kilometres, got {tile_km}.")
    halo = halo_for(cfg.profiles, cfg.walk_profile, cfg.dem is not None, cfg.snap_max_m)
    cfg = replace(cfg, exact_within=dict(halo.limits))
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    tile_dir = Path(tempfile.mkdtemp(prefix=f".{cfg.out.name}.tiles-", dir=cfg.out.parent))
    try:
        if client is not None:
            return run(cfg, quiet=quiet, walking=tiled_walking(client, tile_km * 1000.0, halo, tile_dir))
        with dask_client(scheduler, workers) as own:
            return run(cfg, quiet=quiet, walking=tiled_walking(own, tile_km * 1000.0, halo, tile_dir))
    finally:
        shutil.rmtree(tile_dir, ignore_errors=True)
