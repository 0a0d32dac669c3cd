"""Build the walking network from the user's own line layer (a planning office's pedestrian network).

:func:`network_from_lines` takes a GeoDataFrame of lines (as :func:`lifecircle.points.layers.read_layer` returns it, any
CRS) and turns it into the *ways* the OpenStreetMap reader produces, so that the rest of the build — boundary,
wheelchair steps, components, metric CRS, DEM, directed edges, walking times — is the one
:func:`lifecircle.network.build.build_walk_network` shared with :func:`lifecircle.network.osm.read_walk_network`.

From lines to ways:

* MultiLineStrings are exploded into their parts; rows without a line (points, polygons, empty geometries) are
  skipped and counted in ``meta["skipped_rows"]``.
* Coordinates are projected to the metric CRS :func:`lifecircle.network.crs.metric_crs_for` picks at the layer's centre
  (through WGS-84, the coordinates the shared build starts from). Vertices closer than ``snap_tolerance_m`` are one node (the pairs are found with a k-d tree and merged
  transitively, so a chain of close vertices becomes one node); every vertex of a node is moved to the node's first
  vertex in layer order. A node is a *junction* when it is used at two places (two lines, or one line twice): lines
  are split there, whether it is an end or an interior vertex of the line. Lines that cross without a shared
  vertex do not meet (a bridge over a road, or a digitising gap: add the vertex to connect them).
* Consecutive vertices that fell on the same node are merged; a line left with one node (shorter than the tolerance)
  is zero-length and dropped (``meta["zero_length_parts_dropped"]``).
* Lines with the same node sequence (either way round) are one line: a layer drawn as one line per walking
  direction, such as a network exported by :func:`lifecircle.network.io.export_gpkg`, gives one two-way piece; their
  walkable directions are united (``meta["duplicate_parts_merged"]``). Partly overlapping lines are not merged.

Edges carry ``way_id`` = the layer's row number (0-based position of the row in the layer, so a row can be found
again with ``layer.iloc[way_id]``); nodes have ``osm_id`` = −1. Columns named like the OSM tags ``name``,
``footway``, ``incline``, ``layer``, ``bridge``, ``tunnel`` and ``area`` are carried onto the edges (``bridge``,
``tunnel`` and ``layer`` tell the DEM step which edges do not follow the terrain).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from lifecircle.errors import LifecircleInputError
from lifecircle.network.build import EDGE_TAGS, WAY_COLUMNS, WayVertices, build_walk_network
from lifecircle.network.crs import metric_crs_for
from lifecircle.network.model import WalkNetwork
from lifecircle.network.walking import get_walk_profile

#: ``highway`` of lines when the layer has no highway column or the value is missing.
DEFAULT_HIGHWAY = "footway"
#: Default vertex-merging distance, metres: digitising snaps usually put shared vertices at the very same place;
#: half a metre also joins lines that a careless digitiser ended "on" each other, and is far below any real gap
#: between two footpaths.
DEFAULT_SNAP_TOLERANCE_M = 0.5
#: One-way column values (compared lower-case, stripped) meaning "walkable only along the digitised direction".
ONEWAY_FORWARD = frozenset({"yes", "true", "1", "y", "t", "1.0"})
#: Values meaning "walkable both ways" (missing values too).
ONEWAY_NO = frozenset({"no", "false", "0", "n", "f", "", "0.0"})
#: Values meaning "walkable only against the digitised direction" (OSM's ``oneway=-1``).
ONEWAY_BACKWARD = frozenset({"-1", "reverse", "-1.0"})

_LINE_TYPES = ("LineString", "MultiLineString", "LinearRing")

ProgressFn = Callable[[str, float], None] | None


def _column(layer: gpd.GeoDataFrame, name: str | None, what: str) -> pd.Series | None:
    if name is None:
        return None
    if name not in layer.columns or name == layer.geometry.name:
        cols = [c for c in layer.columns if c != layer.geometry.name]
        raise LifecircleInputError(f"The line layer has no column '{name}' for the {what}; its columns are {cols}.")
    return layer[name]


def _text(values: pd.Series) -> np.ndarray:
    """Values as stripped lower-case strings; missing values as ``""``."""
    arr = values.to_numpy(dtype=object)
    missing = pd.isna(values).to_numpy()
    return np.array(["" if m else str(v).strip().lower() for v, m in zip(arr, missing, strict=True)], dtype=object)


def _direction_flags(values: pd.Series | None, n: int, name: str | None) -> tuple[np.ndarray, np.ndarray]:
    """``(fwd, bwd)`` per row from the one-way column (all two-way without one)."""
    if values is None:
        return np.ones(n, bool), np.ones(n, bool)
    text = _text(values)  # booleans read as "true"/"false", numbers as "1", "1.0", "-1"...
    forward_only = np.isin(text, list(ONEWAY_FORWARD))
    backward_only = np.isin(text, list(ONEWAY_BACKWARD))
    bad = ~(forward_only | backward_only | np.isin(text, list(ONEWAY_NO)))
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = sorted({str(v) for v in values.to_numpy(dtype=object)[rows]})[:5]
        raise LifecircleInputError(
            f"One-way column '{name}' has values that say neither yes nor no: {shown} (rows {rows[:10].tolist()}). "
            "Use yes/true/1 for lines walkable only in their drawing direction, no/false/0 or empty for two-way, -1 "
            "for only against it."
        )
    return ~backward_only, ~forward_only


def _tag_values(layer: gpd.GeoDataFrame, tag: str) -> np.ndarray:
    """The row values of an OSM-like tag column (None where missing or absent); ``area`` as ``"yes"`` or None."""
    n = len(layer)
    if tag not in layer.columns or tag == layer.geometry.name:
        return np.full(n, None, dtype=object)
    col = layer[tag]
    if tag == "area":
        yes = np.isin(_text(col), list(ONEWAY_FORWARD))  # the same truthy spellings: yes, true, 1...
        out = np.full(n, None, dtype=object)
        out[yes] = "yes"
        return out
    out = col.to_numpy(dtype=object).copy()
    out[pd.isna(col).to_numpy()] = None
    return out


def _merge_close_vertices(xy: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Node key per vertex (0.. in order of first appearance) and the index of each node's first vertex."""
    n = len(xy)
    pairs = cKDTree(xy).query_pairs(tolerance_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else coo_matrix((n, n))
    _, label = connected_components(graph, directed=False)
    _, first = np.unique(label, return_index=True)  # first vertex of each label
    order = np.argsort(first, kind="stable")
    key_of_label = np.empty(len(first), np.int64)
    key_of_label[order] = np.arange(len(first))
    return key_of_label[label], first[order]


def _merge_duplicate_parts(key: np.ndarray, part_start: np.ndarray, part_len: np.ndarray, fwd: np.ndarray,
                           bwd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the first of parts with the same node sequence (either way round), uniting their directions.

    Returns ``(keep, fwd, bwd)`` over parts (directions relative to each kept part's own vertex order).
    """
    keep = np.ones(len(part_len), bool)
    fwd, bwd = fwd.copy(), bwd.copy()
    seen: dict[tuple, tuple[int, bool]] = {}
    for i, (s, n) in enumerate(zip(part_start.tolist(), part_len.tolist(), strict=True)):
        seq = tuple(key[s:s + n].tolist())
        back = seq[::-1]
        flipped = back < seq
        canon = back if flipped else seq
        if canon not in seen:
            seen[canon] = (i, flipped)
            continue
        j, j_flipped = seen[canon]
        same_way = flipped == j_flipped
        fwd[j] |= fwd[i] if same_way else bwd[i]
        bwd[j] |= bwd[i] if same_way else fwd[i]
        keep[i] = False
    return keep, fwd, bwd


def network_from_lines(
    layer: gpd.GeoDataFrame,
    walk_profile="planning",
    dem=None,
    boundary=None,
    keep: str = "largest",
    highway_column: str | None = None,
    oneway_column: str | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    progress: ProgressFn = None,
    crs: str | None = None,
) -> WalkNetwork:
    """Build the directed walking network with walking times from a line layer.

    Parameters
    ----------
    layer
        GeoDataFrame of LineStrings / MultiLineStrings with a CRS (any CRS pyproj knows; e.g. from
        :func:`lifecircle.points.layers.read_layer`). Every line is taken as walkable: remove roads pedestrians may not use
        before.
    walk_profile
        Name of a profile in ``data/walk_profiles.toml`` or a :class:`lifecircle.network.walking.WalkProfile` (flat speed
        in m/s, stairs factor; ``wheelchair`` drops ``steps`` lines).
    dem
        Optional DEM GeoTIFF (metres); times then follow Tobler's hiking function per direction.
    boundary
        Optional study area: a polygon file, a GeoDataFrame of polygons, or a shapely (Multi)Polygon in WGS-84
        lon/lat; pieces with at least one end inside are kept.
    keep
        ``"largest"`` (the largest weakly connected component; the rest goes to ``dropped`` with reason
        ``component``) or ``"all"``.
    highway_column
        Column with OSM-like ``highway`` values (``footway``, ``steps``, ``residential``...); ``steps`` gets the
        profile's stairs factor. Without it (or where empty) lines are ``footway``.
    oneway_column
        Column saying a line may be walked only in its digitised direction: ``yes``/``true``/``1`` (only along),
        ``-1``/``reverse`` (only against), ``no``/``false``/``0``/empty (both ways). Without it every line is two-way.
    snap_tolerance_m
        Vertices closer than this (metres, ≥ 0) are one node: shared ends and interior vertices join lines.
    progress
        Optional ``callable(step_name, fraction)``.
    crs
        The metric CRS to measure in (default: chosen at the layer's centre).

    Returns
    -------
    WalkNetwork
        As :func:`lifecircle.network.osm.read_walk_network`: nodes with ``osm_id`` −1, edges with ``way_id`` = the layer's
        row number (0-based), ``dropped`` pieces, ``meta`` with the line counts (``line_rows``, ``skipped_rows``,
        ``line_parts``, ``merged_vertices``, ``zero_length_parts_dropped``, ``duplicate_parts_merged``,
        ``one_direction_parts``).

    Raises
    ------
    LifecircleInputError
        Not a GeoDataFrame, an empty layer, no CRS, no line geometry, an unknown column, one-way values that are
        neither yes nor no, a bad tolerance, plus the build's errors (boundary missing the data, bad DEM...).
    """
    if not isinstance(layer, gpd.GeoDataFrame):
        raise LifecircleInputError("The line layer must be a GeoDataFrame; read the file with lifecircle.points.layers.read_layer(path).")
    source = str(layer.attrs.get("source", "the line layer"))
    if len(layer) == 0:
        raise LifecircleInputError(f"{source} is empty: a walking network needs lines.")
    if layer.crs is None:
        raise LifecircleInputError(f"{source} has no CRS; set it (gdf.set_crs('EPSG:....')) or read it with read_layer(..., crs=...).")
    if keep not in ("largest", "all"):
        raise LifecircleInputError(f"keep must be 'largest' or 'all', got {keep!r}.")
    if not (isinstance(snap_tolerance_m, (int, float)) and np.isfinite(snap_tolerance_m) and snap_tolerance_m >= 0):
        raise LifecircleInputError(f"snap_tolerance_m must be a number of metres ≥ 0, got {snap_tolerance_m!r}.")
    profile = get_walk_profile(walk_profile)
    highway_values = _column(layer, highway_column, "highway values")
    oneway_values = _column(layer, oneway_column, "one-way flags")
    if progress is not None:
        progress("Reading the line layer", 0.0)

    geoms = layer.geometry.to_numpy()
    types = np.array([None if g is None else g.geom_type for g in geoms], dtype=object)
    is_line = np.isin(types, _LINE_TYPES) & ~shapely.is_empty(geoms)
    if not is_line.any():
        found = pd.Series(types).fillna("missing").value_counts().to_dict()
        raise LifecircleInputError(f"{source} has no line geometries (found {found}); a walking network needs LineStrings.")
    rows = np.flatnonzero(is_line)
    fwd_row, bwd_row = _direction_flags(oneway_values, len(layer), oneway_column)

    lonlat_lines = gpd.GeoSeries(geoms[rows], crs=layer.crs).to_crs("EPSG:4326")
    parts, part_row = shapely.get_parts(lonlat_lines.to_numpy(), return_index=True)
    lonlat, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    if not (np.isfinite(lonlat).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        raise LifecircleInputError(
            f"{source}: some lines do not fall on Earth in their declared CRS ({layer.crs.to_string()}); check the CRS "
            "and the geometries."
        )
    if crs is None:
        crs = metric_crs_for(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    xy = np.column_stack([x, y])

    key, first_vertex = _merge_close_vertices(xy, float(snap_tolerance_m))
    lonlat = lonlat[first_vertex[key]]  # every vertex of a node at the node's first vertex
    merged_vertices = int((first_vertex[key] != np.arange(len(key))).sum())
    keep_vertex = np.ones(len(key), bool)
    keep_vertex[1:] = ~((part_of_vertex[1:] == part_of_vertex[:-1]) & (key[1:] == key[:-1]))
    key, lonlat, part_of_vertex = key[keep_vertex], lonlat[keep_vertex], part_of_vertex[keep_vertex]
    part_len = np.bincount(part_of_vertex, minlength=len(parts))
    part_start = np.cumsum(part_len) - part_len
    row_of_part = rows[part_row]
    long_enough = part_len >= 2
    fwd, bwd = fwd_row[row_of_part], bwd_row[row_of_part]
    unique, fwd, bwd = _merge_duplicate_parts(key, part_start, part_len, fwd, bwd)
    keep_part = long_enough & unique
    if not keep_part.any():
        raise LifecircleInputError(f"{source}: every line is shorter than the snapping tolerance ({snap_tolerance_m} m).")
    vertex_kept = keep_part[part_of_vertex]

    highway = np.full(len(layer), DEFAULT_HIGHWAY, dtype=object)
    if highway_values is not None:
        text = _text(highway_values)
        highway = np.where(text == "", DEFAULT_HIGHWAY, text).astype(object)
    kept_rows = row_of_part[keep_part]
    attrs = pd.DataFrame({
        "way_id": kept_rows.astype(np.int64),
        "highway": highway[kept_rows],
        "fwd": fwd[keep_part],
        "bwd": bwd[keep_part],
        **{tag: _tag_values(layer, tag)[kept_rows] for tag in EDGE_TAGS},
    })[list(WAY_COLUMNS)]
    ways = WayVertices(node_key=key[vertex_kept], lon=lonlat[vertex_kept, 0], lat=lonlat[vertex_kept, 1],
                       part_len=part_len[keep_part].astype(np.int64), attrs=attrs, node_keys_are_osm_ids=False)
    meta = {
        "line_rows": int(len(rows)),
        "skipped_rows": int(len(layer) - len(rows)),
        "line_parts": int(len(parts)),
        "snap_tolerance_m": float(snap_tolerance_m),
        "merged_vertices": merged_vertices,
        "zero_length_parts_dropped": int((~long_enough).sum()),
        "duplicate_parts_merged": int((long_enough & ~unique).sum()),
        "one_direction_parts": int((fwd[keep_part] != bwd[keep_part]).sum()),
        "highway_column": highway_column,
        "oneway_column": oneway_column,
    }
    return build_walk_network(ways, profile, dem=dem, boundary=boundary, keep=keep, source=source, meta=meta,
                              progress=progress, crs=crs)
