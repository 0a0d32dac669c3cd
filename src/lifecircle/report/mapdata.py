"""The map's layers as compact JSON: WGS-84 coordinates rounded to about 1 m and delta-encoded.

Coordinates are integers in units of 1e-5 degree (:data:`COORD_SCALE`): 1.1 m of latitude, and 1.1·cos(latitude) m
of longitude. A sequence of points is stored as its first integer followed by the differences (delta encoding),
which keeps a city's homes and network to a few hundred kilobytes. ``report.js`` undoes it (cumulative sum / 1e5).
Homes are stored as columns (arrays), never as one GeoJSON feature per home. Walking times are whole seconds
rounded up, so that ``t ≤ T`` holds for the stored value exactly when it holds for the real one (T whole seconds);
unreachable is −1.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.results.columns import time_column

#: Integer units per degree of the stored coordinates (1e-5° ≈ 1.1 m of latitude).
COORD_SCALE = 100_000
#: Geometry simplification tolerance of the network base layer and polygons (metres, in the metric CRS).
SIMPLIFY_M = 2.0
#: Stored walking time of a home that cannot reach any facility of the category.
UNREACHABLE = -1


def delta_encode(values: np.ndarray) -> list[int]:
    """Integers ``[v0, v1 − v0, v2 − v1, ...]`` of an integer array (empty list for an empty array)."""
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return []
    return np.diff(v, prepend=np.int64(0)).tolist()


def delta_decode(deltas: list[int]) -> np.ndarray:
    """Inverse of :func:`delta_encode`."""
    return np.cumsum(np.asarray(deltas, dtype=np.int64))


def quantize_degrees(degrees: np.ndarray) -> np.ndarray:
    """Degrees → integers of 1e-5 degree (rounded to nearest)."""
    return np.rint(np.asarray(degrees, dtype=np.float64) * COORD_SCALE).astype(np.int64)


def ceil_seconds(times_s: np.ndarray) -> np.ndarray:
    """Walking times (seconds, +inf or NaN unreachable) → whole seconds rounded up, −1 for unreachable."""
    t = np.asarray(times_s, dtype=np.float64)
    out = np.full(t.shape, UNREACHABLE, dtype=np.int64)
    ok = np.isfinite(t)
    out[ok] = np.ceil(np.maximum(t[ok], 0.0) - 1e-9).astype(np.int64)
    return out


def undirected_edges(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per street segment: drops the reverse direction of each two-way pair.

    The results folder has one row per walkable direction (``u→v`` and ``v→u``, same geometry reversed). Two
    directions are one segment when they join the same two nodes with the same length (to 0.1 m), so parallel ways
    between the same nodes are kept apart.
    """
    u = edges["u"].to_numpy(np.int64)
    v = edges["v"].to_numpy(np.int64)
    key = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v),
                        "l": np.round(edges["length_m"].to_numpy(np.float64), 1)})
    return edges.loc[~key.duplicated().to_numpy()]


def network_layer(edges: gpd.GeoDataFrame, simplify_m: float = SIMPLIFY_M) -> dict[str, Any]:
    """The faint network base layer: ``{"lines": [[x0, y0, dx1, dy1, ...], ...]}`` in 1e-5 degree.

    Each line is one undirected street segment, simplified by ``simplify_m`` metres (Douglas–Peucker, in the metric
    CRS) before projection to WGS-84; its ``x, y`` integers interleave and each pair after the first is the
    difference to the previous point. Segments that collapse to one point after rounding are dropped.
    """
    seg = undirected_edges(edges)
    geoms = shapely.simplify(seg.geometry.to_numpy(), simplify_m, preserve_topology=False)
    wgs = gpd.GeoSeries(geoms, crs=seg.crs).to_crs(4326)
    lines: list[list[int]] = []
    for g in wgs:
        if g is None or g.is_empty:
            continue
        parts = g.geoms if hasattr(g, "geoms") else [g]
        for part in parts:
            xy = shapely.get_coordinates(part)
            q = np.column_stack([quantize_degrees(xy[:, 0]), quantize_degrees(xy[:, 1])])
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = np.any(q[1:] != q[:-1], axis=1)
            q = q[keep]
            if len(q) < 2:
                continue
            d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
            lines.append(d.ravel().tolist())
    return {"lines": lines}


def _points_wgs84(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lon, lat (degrees) of each row: the point itself, or a point inside a polygon (homes may be buildings)."""
    geoms = gdf.geometry
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    wgs = gpd.GeoSeries(geoms.to_numpy(), crs=gdf.crs).to_crs(4326)
    return wgs.x.to_numpy(), wgs.y.to_numpy()


def homes_layer(homes: gpd.GeoDataFrame, category_ids: list[str]) -> dict[str, Any]:
    """Homes as columns: delta-encoded ``x``/``y`` (1e-5°), ``pop`` (people, 1 decimal), ``id`` and, per category,
    ``t[c]`` = walking time to the nearest facility in whole seconds rounded up (−1 unreachable)."""
    lon, lat = _points_wgs84(homes)
    order = np.lexsort((lat, lon))  # sorted by longitude: small deltas
    pop = pd.to_numeric(homes["population"], errors="coerce").fillna(0.0).to_numpy(np.float64)[order]
    ids = homes["id"].to_numpy()[order]
    return {
        "n": int(len(homes)),
        "x": delta_encode(quantize_degrees(lon[order])),
        "y": delta_encode(quantize_degrees(lat[order])),
        "pop": [round(float(p), 1) for p in pop],
        "id": [_json_scalar(i) for i in ids],
        "t": {c: ceil_seconds(homes[time_column(c)].to_numpy(np.float64)[order]).tolist() for c in category_ids},
    }


def facilities_layer(facilities: gpd.GeoDataFrame, category_ids: list[str]) -> dict[str, Any]:
    """Facilities of each category: ``{c: {"x", "y" (1e-5°, delta-encoded), "name", "capacity"}}``."""
    lon, lat = _points_wgs84(facilities) if len(facilities) else (np.array([]), np.array([]))
    cats = facilities["category"].astype(str).to_numpy()
    names = facilities["name"].to_numpy() if "name" in facilities.columns else np.full(len(facilities), None)
    caps = facilities["capacity"].to_numpy() if "capacity" in facilities.columns else np.full(len(facilities), None)
    out: dict[str, Any] = {}
    for c in category_ids:
        sel = np.flatnonzero(cats == c)
        out[c] = {
            "x": delta_encode(quantize_degrees(lon[sel])),
            "y": delta_encode(quantize_degrees(lat[sel])),
            "name": [_json_scalar(n) if _present(n) else "" for n in names[sel]],
            "capacity": [_json_scalar(k) if _present(k) else None for k in caps[sel]],
        }
    return out


def polygons_geojson(gdf: gpd.GeoDataFrame, properties: list[dict[str, Any]],
                     simplify_m: float = SIMPLIFY_M) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (WGS-84, coordinates rounded to 1e-5°) of ``gdf``'s polygons.

    ``properties[i]`` becomes the properties of row ``i``; polygons are simplified by ``simplify_m`` metres first.
    """
    geoms = shapely.simplify(gdf.geometry.to_numpy(), simplify_m, preserve_topology=True)
    wgs = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(4326)
    rounded = shapely.set_precision(wgs.to_numpy(), 1.0 / COORD_SCALE)
    features = []
    for geom, props in zip(rounded, properties):
        if geom is None or geom.is_empty:
            continue
        mapped = shapely.geometry.mapping(geom)
        mapped["coordinates"] = _round_coords(mapped["coordinates"])
        features.append({"type": "Feature", "properties": props, "geometry": mapped})
    return {"type": "FeatureCollection", "features": features}


def bounds_wgs84(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` (degrees) of a layer, as Leaflet's fitBounds takes it."""
    minx, miny, maxx, maxy = gdf.to_crs(4326).total_bounds
    return [[round(float(miny), 6), round(float(minx), 6)], [round(float(maxy), 6), round(float(maxx), 6)]]


def _round_coords(coords: Any) -> Any:
    """Nested coordinate tuples → lists with every number rounded to 5 decimals (1e-5 degree)."""
    if isinstance(coords, (tuple, list)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), 5) for c in coords]
    return [_round_coords(c) for c in coords]


def _present(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x is not pd.NA


def _json_scalar(x: Any) -> Any:
    """A numpy/pandas scalar as a plain JSON value (ints stay ints, other objects become strings)."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        f = float(x)
        return int(f) if f.is_integer() else f
    if isinstance(x, (int, str)):
        return x
    return str(x)
