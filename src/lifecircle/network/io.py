"""Save and load a :class:`~lifecircle.network.model.WalkNetwork` (GeoParquet) and export it to a GeoPackage for QGIS.

Folder layout written by :func:`save_network`:

* ``network_nodes.parquet`` — GeoParquet, one Point per node (x, y in the network CRS) with the columns of
  :data:`lifecircle.network.model.NODE_COLUMNS` (+ ``z`` metres when a DEM was used).
* ``network_edges.parquet`` — GeoParquet, one u→v LineString per directed edge with :data:`EDGE_COLUMNS` and the tag
  columns (``name``, ``steps``, ``incline``, ``layer``, ``bridge``, ``tunnel``, ``flat_equiv_m``, ``rise_m``...).
  ``length_m``, ``time_s`` (and every float column) are float64.
* ``network_meta.json`` — ``walk_profile``, ``crs``, ``schema_version`` and the build's ``meta``.

The CRS is in each file's GeoParquet metadata. Every file is written under a temporary name in the same folder and
moved into place with :func:`os.replace`, so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from lifecircle.atomic import write_atomic, write_text_atomic
from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import EDGE_COLUMNS, NODE_COLUMNS, WalkNetwork

NODES_FILE = "network_nodes.parquet"
EDGES_FILE = "network_edges.parquet"
META_FILE = "network_meta.json"
SCHEMA_VERSION = 1


def write_geoparquet_atomic(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``gdf`` to GeoParquet at ``path`` atomically (temporary file in the same folder, then ``os.replace``).

    The index is not written. Returns the final path.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError("write_geoparquet_atomic needs a GeoDataFrame")
    p = Path(path)
    write_atomic(p, lambda tmp: gdf.to_parquet(tmp, index=False))
    return p


def _nodes_gdf(net: WalkNetwork) -> gpd.GeoDataFrame:
    nodes = net.nodes.reset_index(drop=True)
    return gpd.GeoDataFrame(nodes, geometry=gpd.points_from_xy(nodes["x"], nodes["y"]), crs=net.crs)


def save_network(net: WalkNetwork, folder: str | Path) -> Path:
    """Write ``net`` to ``folder`` (created if missing) as ``network_nodes.parquet``, ``network_edges.parquet`` and
    ``network_meta.json``. Returns the folder."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"'{out}' exists and is not a folder; choose another place to save the network.")
    edges = net.edges.reset_index(drop=True)
    for col in ("length_m", "time_s"):
        edges[col] = edges[col].astype(np.float64)
    write_geoparquet_atomic(_nodes_gdf(net), out / NODES_FILE)
    write_geoparquet_atomic(edges, out / EDGES_FILE)
    meta = {"schema_version": SCHEMA_VERSION, "crs": net.crs, "walk_profile": net.walk_profile, "meta": net.meta}
    write_text_atomic(json.dumps(meta, ensure_ascii=False, indent=1, default=str), out / META_FILE)
    return out


def load_network(folder: str | Path) -> WalkNetwork:
    """Read a network written by :func:`save_network`.

    Raises
    ------
    LifecircleInputError
        A file is missing or lacks a required column.
    """
    src = Path(folder)
    for name in (NODES_FILE, EDGES_FILE, META_FILE):
        if not (src / name).is_file():
            raise LifecircleInputError(f"'{src / name}' is missing: '{src}' is not a saved walking network (save one with lifecircle.network.io.save_network).")
    info = json.loads((src / META_FILE).read_text(encoding="utf-8"))
    nodes = gpd.read_parquet(src / NODES_FILE)
    edges = gpd.read_parquet(src / EDGES_FILE)
    for what, frame, cols in (("nodes", nodes, NODE_COLUMNS), ("edges", edges, EDGE_COLUMNS)):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise LifecircleInputError(f"The saved network {what} in '{src}' lack the columns {missing}; save the network again.")
    nodes = pd.DataFrame(nodes.drop(columns=nodes.geometry.name))
    crs = info.get("crs") or edges.crs.to_string()
    return WalkNetwork(crs=crs, nodes=nodes, edges=edges, walk_profile=info.get("walk_profile", "planning"), meta=info.get("meta", {}))


def export_gpkg(net: WalkNetwork, path: str | Path, layers: Iterable[str] = ("edges", "nodes")) -> Path:
    """Export the network to a GeoPackage for QGIS: layers ``network_edges`` and/or ``network_nodes``.

    The file is built under a temporary name and moved into place. Returns the path.
    """
    wanted = list(layers)
    unknown = set(wanted) - {"edges", "nodes"}
    if unknown or not wanted:
        raise LifecircleInputError(f"GeoPackage layers must be among 'edges', 'nodes' (got {wanted}).")
    p = Path(path)
    if p.suffix.lower() != ".gpkg":
        raise LifecircleInputError(f"'{p}' should end in .gpkg (a GeoPackage).")
    frames = {"edges": net.edges.reset_index(drop=True), "nodes": _nodes_gdf(net)}

    def write(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)  # GDAL creates the GeoPackage itself
        for name in wanted:
            pyogrio.write_dataframe(frames[name], tmp, layer=f"network_{name}", driver="GPKG", append=tmp.exists())

    write_atomic(p, write)
    return p
