"""Walking columns of the homes: the engine's answers written as ``t_``/``f_``/``d_``/``r_`` columns.

For every known facility category the homes get the walking time to the nearest facility (seconds) and its id; for
the categories that an indicator of the profiles measures by network or straight-line distance, also those
distances (metres). The main job, scenarios and monitoring all compute the columns here, so a run and a what-if
on the same inputs give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
from scipy.spatial import cKDTree

from lifecircle import engine
from lifecircle.indicators.profiles import Profile, required_columns
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.points.categories import known_categories
from lifecircle.results.columns import distance_column, facility_column, radius_column, time_column


def nearest_columns(
    g: engine.Graph,
    homes: SnappedPoints,
    facilities: SnappedPoints,
    categories: list[str],
    access: str,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per category: value to the nearest facility (seconds or metres, +inf when none) and that facility's id."""
    fac = facilities.frame
    codes = {c: i for i, c in enumerate(categories)}
    keep = fac["category"].isin(codes).to_numpy()
    fac_edge, fac_frac, fac_acc = facilities.arrays(access)
    fpts = engine.Points(fac_edge[keep], fac_frac[keep], fac_acc[keep])
    cat = fac.loc[keep, "category"].map(codes).to_numpy(np.int64)
    ids = fac.loc[keep, "id"].astype(str).to_numpy()
    res = engine.nearest(g, engine.Points(*homes.arrays(access)), fpts, cat, len(categories))
    values, which = {}, {}
    for c, j in codes.items():
        values[c] = res.time[:, j].astype(np.float64)
        idx = res.facility[:, j]
        which[c] = np.where(idx >= 0, ids[np.clip(idx, 0, None)] if len(ids) else "", "")
    return values, which


def straight_columns(homes: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, categories: list[str]) -> dict[str, np.ndarray]:
    """Per category: straight-line metres from each home's point to the nearest facility point (+inf when none)."""
    hx = np.column_stack([homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy()])
    out = {}
    for c in categories:
        f = facilities.loc[facilities["category"] == c]
        if f.empty or len(hx) == 0:
            out[c] = np.full(len(hx), np.inf)
            continue
        tree = cKDTree(np.column_stack([f.geometry.x.to_numpy(), f.geometry.y.to_numpy()]))
        out[c] = tree.query(hx)[0].astype(np.float64)
    return out


def categories_needed(profiles: Iterable[str | Profile]) -> tuple[list[str], list[str], list[str]]:
    """Categories for walking time (every known one), network distance and straight radius (those whose ``d_``/``r_``
    column an indicator of ``profiles`` reads)."""
    cols: set[str] = set()
    for p in profiles:
        cols |= required_columns(p)
    known = list(known_categories())
    dist = [c for c in known if distance_column(c) in cols]
    radius = [c for c in known if radius_column(c) in cols]
    return known, dist, radius


def walking_columns(net: WalkNetwork, homes: SnappedPoints, facilities: SnappedPoints,
                    profiles: Iterable[str | Profile] = ()) -> gpd.GeoDataFrame:
    """The homes frame with, per category, ``t_<c>`` (seconds) and ``f_<c>`` (facility id) for every known category,
    ``d_<c>`` (network metres) and ``r_<c>`` (straight metres) for the categories the profiles' indicators need.

    Walking times use the network's ``time_s`` (seconds) and the points' ``access_s``; network distances its
    ``length_m`` and ``access_m``; straight distances the points' positions in the network's metric CRS.
    """
    cats, dist_cats, radius_cats = categories_needed(profiles)
    home_frame = homes.frame.copy()
    g_time = engine.Graph.from_network(net, weight="time_s")
    t, f = nearest_columns(g_time, homes, facilities, cats, "access_s")
    for c in cats:
        home_frame[time_column(c)] = t[c]
        home_frame[facility_column(c)] = f[c]
    if dist_cats:
        g_len = engine.Graph.from_network(net, weight="length_m")
        d, _ = nearest_columns(g_len, homes, facilities, dist_cats, "access_m")
        for c in dist_cats:
            home_frame[distance_column(c)] = d[c]
    for c, r in straight_columns(home_frame, facilities.frame, radius_cats).items():
        home_frame[radius_column(c)] = r
    return home_frame
