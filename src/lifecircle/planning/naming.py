"""Names a planner recognises for proposed sites: the nearest named street (OSM ``name`` of the nearest edge of the
walking network), unless the candidate parcel carries a name or address of its own."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

#: Columns of a candidates layer that name a parcel, in order of preference.
PARCEL_NAME_COLUMNS = ("name", "address", "addr", "地址", "名称")


def parcel_names(layer: pd.DataFrame) -> np.ndarray:
    """Each parcel's own name or address (``""`` when it has none), from :data:`PARCEL_NAME_COLUMNS`."""
    out = np.full(len(layer), "", dtype=object)
    for col in PARCEL_NAME_COLUMNS:
        if col in layer.columns:
            values = layer[col].astype("string").fillna("").str.strip().to_numpy(object)
            out = np.where(out == "", values, out)
    return out


def nearest_street_names(edges: gpd.GeoDataFrame, points: gpd.GeoSeries) -> np.ndarray:
    """The OSM ``name`` of the named network edge nearest each point (``""`` when no edge has a name).

    ``edges`` and ``points`` must share a metric CRS (the run's).
    """
    out = np.full(len(points), "", dtype=object)
    if len(points) == 0 or "name" not in edges.columns:
        return out
    names = edges["name"].astype("string").fillna("").str.strip()
    named = edges.loc[(names != "").to_numpy(), ["geometry"]].assign(street=names[names != ""].to_numpy())
    if len(named) == 0:
        return out
    pts = gpd.GeoDataFrame(geometry=gpd.GeoSeries(points).reset_index(drop=True), crs=edges.crs)
    idx_pts, idx_edges = named.reset_index(drop=True).sindex.nearest(pts.geometry, return_all=False)
    out[idx_pts] = named["street"].to_numpy(object)[idx_edges]
    return out
