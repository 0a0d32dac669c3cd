"""Gap areas: the homes a facility category leaves uncovered, grouped into contiguous areas with their population.

Two uncovered homes belong to the same gap when a chain of uncovered homes links them with steps of at most
``link_m`` metres (connected components of the KD-tree radius graph, ``scipy.spatial.cKDTree.query_pairs``). Each gap
is drawn as the union of ``link_m / 2`` discs around its homes (``shape="buffer"``, contiguous by construction), or
as their convex / concave hull widened by ``link_m / 2`` — and ranked by population.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import is_metric
from lifecircle.results import columns

#: Columns of the :func:`gap_areas` result besides ``geometry``.
GAP_COLUMNS = ("gap_id", "indicator", "category", "threshold_s", "population", "n_homes", "share_of_uncovered", "area_m2",
               "median_time_s", "n_unreachable")
#: Columns that count things (whole numbers).
GAP_INTEGER_COLUMNS = ("gap_id", "n_homes", "n_unreachable")


def _typed(gaps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Gap rows with their counts as int64 (an empty frame or a concatenation would leave them float)."""
    return gaps.astype({c: "int64" for c in GAP_INTEGER_COLUMNS if c in gaps.columns})
_SHAPES = ("buffer", "convex", "concave")


def _uncovered(homes: gpd.GeoDataFrame, category: str | None, threshold_s: float | None,
               covered: np.ndarray | None, time_column: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(uncovered mask, time seconds per home — NaN when not given)."""
    if homes.crs is None or not is_metric(homes.crs):
        raise LifecircleInputError("homes must be in a metric projected CRS (metres) to group gaps; reproject with "
                                   "homes.to_crs(lifecircle.network.crs.metric_crs_for(lon, lat)).")
    n = len(homes)
    if covered is not None:
        cov = np.asarray(covered, dtype=bool)
        if cov.shape != (n,):
            raise LifecircleInputError(f"covered must have one flag per home ({n}), got shape {cov.shape}.")
        col = time_column or (columns.time_column(category) if category else None)
        t = homes[col].to_numpy(np.float64) if col and col in homes.columns else np.full(n, np.nan)
        return ~cov, t
    col = time_column or (columns.time_column(category) if category else None)
    if col is None or threshold_s is None:
        raise LifecircleInputError("give covered=..., or a category (or time_column) and threshold_s (seconds).")
    if col not in homes.columns:
        raise LifecircleInputError(f"homes have no column '{col}' (walking seconds to the nearest {category}); "
                                   "compute it with the accessibility engine first, or pass time_column=.")
    if not (np.isfinite(threshold_s) and threshold_s >= 0):
        raise LifecircleInputError(f"threshold_s must be a finite number of seconds >= 0, got {threshold_s}.")
    t = homes[col].to_numpy(np.float64)
    # NaN (no time computed) counts as uncovered, like +inf (unreachable)
    return ~(t <= threshold_s), t


def _components(xy: np.ndarray, link_m: float) -> np.ndarray:
    """Connected-component label of each point in the graph joining points at most ``link_m`` metres apart."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(r=link_m, output_type="ndarray")
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


def _check(link_m: float, shape: str) -> None:
    if not (np.isfinite(link_m) and link_m > 0):
        raise LifecircleInputError(f"link_m must be a positive distance in metres (e.g. 150), got {link_m}.")
    if shape not in _SHAPES:
        raise LifecircleInputError(f"shape must be one of {', '.join(_SHAPES)}; got {shape!r}.")


def _rank(labels: np.ndarray, pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map component labels to ranks 1..N by population (desc), then home count (desc), then label."""
    n_comp = int(labels.max()) + 1 if len(labels) else 0
    comp_pop = np.bincount(labels, weights=pop, minlength=n_comp)
    comp_n = np.bincount(labels, minlength=n_comp)
    order = np.lexsort((np.arange(n_comp), -comp_n, -comp_pop))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[order] = np.arange(1, n_comp + 1)
    return rank, order


def gap_labels(homes: gpd.GeoDataFrame, category: str | None = None, threshold_s: float | None = None,
               link_m: float = 150.0, covered: np.ndarray | None = None,
               time_column: str | None = None) -> pd.Series:
    """The gap each home belongs to: ``gap_id`` (1 = most populous gap) or −1 for covered homes.

    Parameters are those of :func:`gap_areas`; the ids match its ``gap_id``.
    """
    _check(link_m, "buffer")
    unc, _ = _uncovered(homes, category, threshold_s, covered, time_column)
    out = np.full(len(homes), -1, dtype=np.int64)
    idx = np.flatnonzero(unc)
    if len(idx):
        pts = homes.geometry.iloc[idx]
        pts = pts if (pts.geom_type == "Point").all() else pts.representative_point()
        xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
        lab = _components(xy, link_m)
        pop = _population(homes)[idx]
        rank, _ = _rank(lab, pop)
        out[idx] = rank[lab]
    return pd.Series(out, index=homes.index, name="gap_id")


def _population(homes: gpd.GeoDataFrame) -> np.ndarray:
    if "population" not in homes.columns:
        raise LifecircleInputError("homes need a 'population' column (people per home) to rank gaps.")
    pop = homes["population"].to_numpy(np.float64)
    return np.where(np.isfinite(pop), pop, 0.0)


def gap_areas(homes: gpd.GeoDataFrame, category: str | None = None, threshold_s: float | None = None,
              link_m: float = 150.0, covered: np.ndarray | None = None, time_column: str | None = None,
              shape: str = "buffer", concave_ratio: float = 0.3, indicator: str | None = None) -> gpd.GeoDataFrame:
    """Uncovered homes grouped into contiguous gap areas, ranked by population.

    Parameters
    ----------
    homes
        GeoDataFrame in a metric CRS with ``population`` (people; NaN counts as 0) and, unless ``covered`` is given,
        ``t_<category>`` (seconds of walking to the nearest facility; +inf unreachable, NaN counts as uncovered).
    category
        Facility category id (``data/categories.csv``), used for the time column and the output column.
    threshold_s
        Walking-time threshold in seconds; homes with a time above it are uncovered.
    link_m
        Metres: uncovered homes at most this far apart belong to the same gap; each gap polygon extends
        ``link_m / 2`` around its homes. A planner's choice (about one street block), not a standard.
    covered
        Optional ``(n_homes,)`` bool, instead of the time column (e.g. a composite indicator's result).
    time_column
        Column of seconds to use instead of ``t_<category>``.
    shape
        ``"buffer"`` (union of discs, contiguous), ``"convex"`` or ``"concave"`` (``shapely.concave_hull`` with
        ``concave_ratio``) hull of the homes widened by ``link_m / 2``.
    concave_ratio
        0–1, for ``shape="concave"``: smaller is tighter.
    indicator
        Optional indicator id written in the ``indicator`` column (the report matches gaps to indicators by it).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per gap, in the homes' CRS, sorted by rank: ``gap_id`` (1 = most people), ``indicator``, ``category``,
        ``threshold_s`` (seconds), ``population`` (people), ``n_homes``, ``share_of_uncovered`` (of the uncovered
        population, 0–1), ``area_m2`` (m²), ``median_time_s`` (seconds; inf when most are unreachable),
        ``n_unreachable`` (homes with no facility reachable), ``geometry``.
    """
    _check(link_m, shape)
    unc, t = _uncovered(homes, category, threshold_s, covered, time_column)
    idx = np.flatnonzero(unc)
    cols = list(GAP_COLUMNS) + ["geometry"]
    if len(idx) == 0:
        return _typed(gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=gpd.GeoSeries([], crs=homes.crs),
                                       crs=homes.crs)[cols])
    geoms = homes.geometry.iloc[idx]
    pts = geoms if (geoms.geom_type == "Point").all() else geoms.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    lab = _components(xy, link_m)
    pop = _population(homes)[idx]
    tt = t[idx]
    rank, order = _rank(lab, pop)
    half = link_m / 2.0
    # buffers are 32-gons (quad_segs=8) inscribed in the disc; widen them so each contains its true disc and homes
    # link_m apart still touch (the union stays one polygon)
    half_poly = half / math.cos(math.pi / 32.0) * (1.0 + 1e-6)
    polys = []
    for comp in order:
        members = lab == comp
        if shape == "buffer":
            g = shapely.union_all(shapely.buffer(geoms.to_numpy()[members], half_poly))
        else:
            mp = shapely.multipoints(xy[members])
            hull = shapely.convex_hull(mp) if shape == "convex" else shapely.concave_hull(mp, ratio=concave_ratio)
            g = shapely.buffer(hull, half_poly)
        polys.append(g)
    total_unc = float(pop.sum())
    rows = []
    for comp in order:
        members = lab == comp
        p = float(pop[members].sum())
        tm = tt[members]
        rows.append({
            "gap_id": int(rank[comp]),
            "indicator": indicator,
            "category": category,
            "threshold_s": float(threshold_s) if threshold_s is not None else np.nan,
            "population": p,
            "n_homes": int(members.sum()),
            "share_of_uncovered": p / total_unc if total_unc > 0 else np.nan,
            "median_time_s": float(np.median(tm)) if not np.all(np.isnan(tm)) else np.nan,
            "n_unreachable": int(np.isposinf(tm).sum()),
        })
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=gpd.GeoSeries(polys, crs=homes.crs), crs=homes.crs)
    out["area_m2"] = out.geometry.area
    return _typed(out[cols].reset_index(drop=True))


def indicator_gaps(homes: gpd.GeoDataFrame, profile, indicators: list[str] | None = None, link_m: float = 150.0,
                   shape: str = "buffer", denominator: str | None = None) -> gpd.GeoDataFrame:
    """Gap areas of every coverage / composite / f15 indicator of a profile, as one layer (the report's
    ``gaps.parquet``).

    Parameters
    ----------
    homes
        Homes in a metric CRS with ``population`` and the engine's ``t_``/``d_``/``r_`` columns the profile needs.
    profile
        A :class:`lifecircle.indicators.Profile` or the name/path of one.
    indicators
        Indicator ids; default every indicator except Gini coefficients.
    link_m, shape
        As for :func:`gap_areas`.
    denominator
        As for :func:`lifecircle.indicators.uncovered_homes`.

    Returns
    -------
    geopandas.GeoDataFrame
        The :func:`gap_areas` columns, ``gap_id`` ranked within each indicator; ``category`` holds the indicator's
        categories joined by ``+``; ``threshold_s`` the indicator's threshold when it is a walking time (seconds).
    """
    from lifecircle.indicators import load_profile, uncovered_homes

    p = load_profile(profile)
    if not homes.index.is_unique:
        raise LifecircleInputError("homes must have a unique index (homes.reset_index(drop=True)).")
    ids = indicators if indicators is not None else [i.id for i in p.indicators if i.kind != "gini"]
    parts = []
    for code in ids:
        ind = p.indicator(code)
        unc = uncovered_homes(homes, p, code, denominator=denominator)
        covered = ~homes.index.isin(unc.index)
        frame = homes[["population", homes.geometry.name]].copy()
        frame["_t"] = unc["nearest"].reindex(homes.index).to_numpy(np.float64)
        is_time = ind.kind == "f15" or (ind.kind == "coverage" and ind.threshold_kind == "walk_time_s")
        g = gap_areas(frame, covered=covered, time_column="_t", link_m=link_m, shape=shape, indicator=code)
        g["category"] = "+".join(ind.categories) if ind.categories else None
        g["threshold_s"] = float(ind.threshold) if is_time else np.nan
        if not is_time:
            g["median_time_s"] = np.nan  # the nearest values are metres (or absent), not seconds
        parts.append(g)
    if not parts:
        return gap_areas(homes[["population", homes.geometry.name]], covered=np.ones(len(homes), bool))
    return _typed(gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=homes.crs))
