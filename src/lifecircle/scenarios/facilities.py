"""Facility changes of a scenario: check and place added facilities, check removed ids, and update the homes'
nearest-facility columns incrementally (only the categories and homes a change affects).

Rules (exact, ties aside):

* adding facilities of category ``c`` changes only ``t_c``/``f_c`` (and ``d_c``/``r_c``): the new value is the
  minimum of the old one and the walk to the nearest *added* facility of ``c`` (one :func:`lifecircle.engine.nearest`
  over the added facilities only); an equal time keeps the old facility;
* removing facilities of ``c`` changes only homes whose nearest facility of ``c`` was removed: for ``t_c`` those whose
  ``f_c`` is a removed id; for ``d_c`` (``r_c``) those whose network (straight) distance to the nearest removed
  facility is not more than their ``d_c`` (``r_c``). Only those homes are searched again, over the remaining
  facilities of ``c``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from lifecircle import engine
from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.points.layers import layer_in_crs
from lifecircle.points.snapping import EdgeIndex, snap_points
from lifecircle.results.columns import (
    DISTANCE_PREFIX,
    RADIUS_PREFIX,
    TIME_PREFIX,
    categories_in,
    distance_column,
    facility_column,
    radius_column,
    time_column,
)

#: Relative tolerance under which a removed facility counts as (one of) a home's nearest by distance.
_TIE_REL = 1e-12
#: Absolute tolerance (seconds or metres) for the same.
_TIE_ABS = 1e-9


def removed_rows(facilities: pd.DataFrame, remove_ids) -> np.ndarray:
    """Boolean mask of the facility rows whose ``id`` is in ``remove_ids``; unknown ids raise."""
    if isinstance(remove_ids, str):
        remove_ids = (remove_ids,)
    wanted = [str(i) for i in (remove_ids or ())]
    ids = facilities["id"].astype(str)
    unknown = sorted(set(wanted) - set(ids))
    if unknown:
        some = ", ".join(ids.iloc[:5])
        raise LifecircleInputError(
            f"Cannot remove facilities {unknown}: no facility of the run has that id. Ids are those of "
            f"facilities.parquet (column id; e.g. {some})."
        )
    return ids.isin(wanted).to_numpy()


def prepare_added(net: WalkNetwork, added: gpd.GeoDataFrame | None, existing_ids, snap_max_m: float,
                  category: str | None = None, index: EdgeIndex | None = None) -> gpd.GeoDataFrame:
    """Check and snap added facilities; returns them snapped (``id``, ``category``, ``name``, ``capacity``...).

    Ids default to ``scenario-1``, ``scenario-2``...; a given id must not be among ``existing_ids`` (the facilities
    kept by the plan: a removed facility's id may be reused to move it). ``category`` (when given) sets the
    category of every added facility. Raises on a missing CRS, a missing or unknown category, a duplicate id or a
    point farther than ``snap_max_m`` metres from the network. ``index`` is the edge index of ``net`` when the
    caller keeps one (:class:`lifecircle.points.snapping.EdgeIndex`).
    """
    from lifecircle.points.categories import known_categories

    if added is None or len(added) == 0:
        return gpd.GeoDataFrame({"id": pd.Series([], dtype=str), "category": pd.Series([], dtype=str)}, geometry=[], crs=net.crs)
    pts = layer_in_crs(added, net.crs, "the layer of added facilities").reset_index(drop=True)
    if category is not None:
        pts["category"] = category
    if "category" not in pts.columns:
        raise LifecircleInputError(
            "The added facilities have no 'category' column: add one (a category id such as "
            "'health_station') or give the category of all of them (--add-category ID)."
        )
    known = set(known_categories())
    cats = pts["category"].astype(str)
    unknown = sorted(set(cats) - known)
    if unknown:
        raise LifecircleInputError(
            f"Unknown facility categories {unknown} among the added facilities. Use the ids of "
            f"lifecircle/data/categories.csv: {', '.join(sorted(known))}."
        )
    pts["category"] = cats
    if "id" in pts.columns:
        ids = pts["id"].astype(str)
        dup = sorted(set(ids[ids.duplicated()]))
        clash = sorted(set(ids) & {str(i) for i in existing_ids})
        if dup or clash:
            raise LifecircleInputError(
                f"Added facility ids must be new and unique: {dup or clash} {'repeat' if dup else 'already exist in the run'}. "
                "Rename them, or drop the id column to get scenario-1, scenario-2..."
            )
        pts["id"] = ids
    else:
        pts["id"] = [f"scenario-{k + 1}" for k in range(len(pts))]
    for col, default in (("name", ""), ("capacity", np.nan)):
        if col not in pts.columns:
            pts[col] = default
    pts["capacity"] = pd.to_numeric(pts["capacity"], errors="coerce").astype(np.float64)
    pts["access_kind"] = "scenario"
    snapped = snap_points(net, pts, snap_max_m, index=index)
    if len(snapped.unsnapped):
        bad = snapped.unsnapped
        what = "; ".join(f"{i}: {r}" for i, r in zip(bad["id"], bad["reason"], strict=True))
        raise LifecircleInputError(
            f"Added facilities cannot be placed on the walking network ({what}). Move them next to a walkway or check "
            "the layer's CRS / --coords."
        )
    return snapped.frame


def _points(frame: pd.DataFrame, access: str) -> engine.Points:
    return engine.Points(*SnappedPoints(frame, frame.iloc[:0]).arrays(access))


def _nearest_one(g: engine.Graph, homes: pd.DataFrame, fac: pd.DataFrame, access: str) -> tuple[np.ndarray, np.ndarray]:
    """Cost from each home to the nearest of ``fac`` (one category), and that facility's id ('' when none)."""
    if len(fac) == 0:
        return np.full(len(homes), np.inf), np.full(len(homes), "", dtype=object)
    res = engine.nearest(g, _points(homes, access), _points(fac, access), np.zeros(len(fac), np.int64), 1)
    idx = res.facility[:, 0]
    ids = fac["id"].astype(str).to_numpy()
    return res.time[:, 0].astype(np.float64), np.where(idx >= 0, ids[np.clip(idx, 0, None)], "")


def _straight(homes: pd.DataFrame, fac: gpd.GeoDataFrame) -> np.ndarray:
    if len(fac) == 0:
        return np.full(len(homes), np.inf)
    tree = cKDTree(np.column_stack([fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()]))
    return tree.query(np.column_stack([homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy()]))[0].astype(np.float64)


def _set(homes: pd.DataFrame, col: str, rows: np.ndarray, values) -> None:
    if len(rows):
        homes.loc[homes.index[rows], col] = values


def apply_added(net: WalkNetwork, homes: gpd.GeoDataFrame, added: gpd.GeoDataFrame, graphs: dict) -> list[str]:
    """Update ``homes`` in place for the added facilities (snapped); returns the categories touched."""
    touched = sorted(set(added["category"]))
    t_cats, d_cats, r_cats = (set(categories_in(homes.columns, prefix)) for prefix in (TIME_PREFIX, DISTANCE_PREFIX, RADIUS_PREFIX))
    for c in touched:
        fac = added.loc[added["category"] == c]
        if c in t_cats:
            t_new, f_new = _nearest_one(graphs["time_s"], homes, fac, "access_s")
            better = np.flatnonzero(t_new < homes[time_column(c)].to_numpy(np.float64))
            _set(homes, time_column(c), better, t_new[better])
            _set(homes, facility_column(c), better, f_new[better])
        if c in d_cats:
            d_new, _ = _nearest_one(graphs["length_m"], homes, fac, "access_m")
            homes[distance_column(c)] = np.minimum(homes[distance_column(c)].to_numpy(np.float64), d_new)
        if c in r_cats:
            homes[radius_column(c)] = np.minimum(homes[radius_column(c)].to_numpy(np.float64), _straight(homes, fac))
    return touched


def apply_removed(net: WalkNetwork, homes: gpd.GeoDataFrame, removed: gpd.GeoDataFrame, remaining: gpd.GeoDataFrame,
                  graphs: dict) -> dict[str, int]:
    """Update ``homes`` in place for the removed facilities; returns, per category, how many homes were searched again."""
    t_cats, d_cats, r_cats = (set(categories_in(homes.columns, prefix)) for prefix in (TIME_PREFIX, DISTANCE_PREFIX, RADIUS_PREFIX))
    gone = set(removed["id"].astype(str))
    searched: dict[str, int] = {}
    for c in sorted(set(removed["category"])):
        left = remaining.loc[remaining["category"] == c]
        gone_c = removed.loc[removed["category"] == c]
        n = 0
        if c in t_cats:
            rows = np.flatnonzero(homes[facility_column(c)].astype(str).isin(gone).to_numpy())
            t_new, f_new = _nearest_one(graphs["time_s"], homes.iloc[rows], left, "access_s")
            _set(homes, time_column(c), rows, t_new)
            _set(homes, facility_column(c), rows, f_new)
            n = max(n, len(rows))
        if c in d_cats:
            old = homes[distance_column(c)].to_numpy(np.float64)
            to_gone, _ = _nearest_one(graphs["length_m"], homes, gone_c, "access_m")
            rows = np.flatnonzero(to_gone <= old * (1 + _TIE_REL) + _TIE_ABS)
            d_new, _ = _nearest_one(graphs["length_m"], homes.iloc[rows], left, "access_m")
            _set(homes, distance_column(c), rows, d_new)
            n = max(n, len(rows))
        if c in r_cats:
            old = homes[radius_column(c)].to_numpy(np.float64)
            rows = np.flatnonzero(_straight(homes, gone_c) <= old * (1 + _TIE_REL) + _TIE_ABS)
            _set(homes, radius_column(c), rows, _straight(homes.iloc[rows], left))
            n = max(n, len(rows))
        searched[c] = n
    return searched
