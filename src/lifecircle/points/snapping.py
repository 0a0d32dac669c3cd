"""Attach homes and facilities to the nearest *edge* of the walking network (not the nearest node).

:func:`snap_points` projects each point onto the nearest undirected edge and records where it lands (``edge_id``,
``edge_frac``) and how long the straight leg from the point to the network is (``access_m``, ``access_s``), as
:class:`lifecircle.network.model.SnappedPoints` defines. Points farther than ``max_distance_m`` are reported in
``unsnapped`` with the reason, never silently dropped.

:func:`polygon_gates` and :func:`apply_polygon_gates` give polygon facilities without a mapped entrance (a park, a
school yard) their gates: the points where the outline meets the network.

:func:`points_on_dropped` finds the homes and facilities that sat on a fragment the network builder dropped
(``WalkNetwork.dropped``): they are reported, not snapped silently onto the main network.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import POINT_COLUMNS, SnappedPoints, WalkNetwork
from lifecircle.points.layers import layer_in_crs

#: Default snapping distance (metres): points farther than this from every walkway are reported as unsnapped (a
#: planning convention, configurable with ``--snap-max``; not a standard's number).
DEFAULT_MAX_DISTANCE_M = 200.0


def undirected_edge_ids(net: WalkNetwork) -> np.ndarray:
    """Edge ids standing for each physical edge once: the lower id of a two-way pair, and every one-way edge."""
    eid = net.edges["edge_id"].to_numpy(np.int64)
    rev = net.edges["rev"].to_numpy(np.int64)
    return eid[(rev < 0) | (eid < rev)]


@dataclass(frozen=True)
class EdgeIndex:
    """The spatial index of a network's edges that snapping searches: ``ids`` (each physical edge once, see
    :func:`undirected_edge_ids`), their ``geoms`` and an STR-tree over them. Made by :meth:`of`; one index serves every
    snapping onto the same network."""

    ids: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree | None

    @classmethod
    def of(cls, net: WalkNetwork) -> EdgeIndex:
        ids = undirected_edge_ids(net)
        geoms = net.edges["geometry"].to_numpy()[ids] if len(ids) else np.array([], dtype=object)
        return cls(ids, geoms, shapely.STRtree(geoms) if len(geoms) else None)


def flat_speed_mps(net: WalkNetwork, speed_mps: float | None = None) -> float:
    """Walking speed (m/s) on the straight access leg: ``speed_mps`` when given, else the flat-ground speed the
    network was built with (``net.meta["speed_m_s"]``, set by :func:`lifecircle.network.osm.read_walk_network`), else that
    of the profile named ``net.walk_profile`` (``lifecircle.network.walking``)."""
    if speed_mps is not None:
        if not (np.isfinite(speed_mps) and speed_mps > 0):
            raise LifecircleInputError(f"The walking speed must be a positive number of metres per second, got {speed_mps}.")
        return float(speed_mps)
    meta_speed = (net.meta or {}).get("speed_m_s")
    if meta_speed is not None and np.isfinite(meta_speed) and meta_speed > 0:
        return float(meta_speed)
    from lifecircle.network.walking import get_walk_profile

    try:
        return float(get_walk_profile(net.walk_profile).speed_m_s)
    except LifecircleInputError as exc:
        raise LifecircleInputError(
            f"The network was built with walking profile '{net.walk_profile}', which is not a known profile, so the "
            f"access-leg speed is unknown: pass speed_mps=... ({exc})"
        ) from exc


def _explode_access_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten (Multi)Point geometries into single points: returns (points, index of the row each came from).

    Non-point geometries contribute their centroid. Empty / missing geometries contribute nothing."""
    pts: list = []
    owner: list[int] = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        if g.geom_type == "Point":
            pts.append(g)
            owner.append(i)
        elif g.geom_type == "MultiPoint":
            for p in g.geoms:
                pts.append(p)
                owner.append(i)
        else:
            pts.append(g.centroid)
            owner.append(i)
    return np.array(pts, dtype=object), np.array(owner, dtype=np.int64)


def snap_points(
    net: WalkNetwork,
    points: gpd.GeoDataFrame,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    speed_mps: float | None = None,
    index: EdgeIndex | None = None,
) -> SnappedPoints:
    """Attach every point to the nearest edge of ``net``.

    Parameters
    ----------
    net
        The walking network (metric CRS).
    points
        GeoDataFrame with a CRS; geometries are Points, or MultiPoints of alternative access points (entrances,
        gates) of which the one nearest to the network is used. Other geometries use their centroid. All columns
        are kept.
    max_distance_m
        Points whose nearest edge is farther than this (metres) go to ``unsnapped``.
    speed_mps
        Speed on the access leg (m/s); default: the flat-ground speed of the network's walking profile.
    index
        The edge index of ``net`` (:meth:`EdgeIndex.of`) when the caller keeps one for many snappings; made here
        when None.

    Returns
    -------
    SnappedPoints
        ``frame``: the caller's columns plus ``edge_id`` (directed edge: the lower id of a two-way pair),
        ``edge_frac`` (0–1, distance along the edge geometry from ``u`` / its length), ``access_m`` (metres, the
        straight distance from the point to the edge), ``access_s`` (seconds, ``access_m / speed``); ``geometry``
        becomes the access point used, in ``net.crs``. ``unsnapped``: the other rows with ``reason`` and
        ``nearest_m`` (metres to the nearest edge, NaN when there is none).

    Notes
    -----
    Equidistant edges (a point exactly at a junction, or halfway between two parallel paths) go to the lowest
    edge id, so results do not depend on the spatial index's order.
    """
    if not (np.isfinite(max_distance_m) and max_distance_m > 0):
        raise LifecircleInputError(f"The snapping distance must be a positive number of metres, got {max_distance_m}.")
    speed = flat_speed_mps(net, speed_mps)
    pts = layer_in_crs(points, net.crs, "the layer of points to snap").reset_index(drop=True)
    n = len(pts)
    index = index if index is not None else EdgeIndex.of(net)
    ids, edge_geoms = index.ids, index.geoms

    best_edge = np.full(n, -1, dtype=np.int64)
    best_dist = np.full(n, np.inf)
    best_point = np.empty(n, dtype=object)
    single, owner = _explode_access_points(pts.geometry.to_numpy())
    if len(single) and index.tree is not None:
        (qi, ti), dist = index.tree.query_nearest(single, return_distance=True, all_matches=True)
        cand_edge = ids[ti]
        cand_owner = owner[qi]
        # lowest distance first, then lowest edge id: ties resolve to the lowest edge id, deterministically
        order = np.lexsort((cand_edge, dist, cand_owner))
        first = order[np.unique(cand_owner[order], return_index=True)[1]]
        o = cand_owner[first]
        best_dist[o], best_edge[o] = dist[first], cand_edge[first]
        best_point[o] = single[qi[first]]

    ok = (best_edge >= 0) & (best_dist <= max_distance_m)
    frac = np.zeros(n)
    if ok.any():
        sel = np.flatnonzero(ok)
        lines = net.edges["geometry"].to_numpy()[best_edge[sel]]
        along = shapely.line_locate_point(lines, best_point[sel])
        length = shapely.length(lines)
        frac[sel] = np.clip(np.divide(along, length, out=np.zeros_like(along), where=length > 0), 0.0, 1.0)

    frame = pts.loc[ok].copy()
    frame["edge_id"] = best_edge[ok]
    frame["edge_frac"] = frac[ok]
    frame["access_m"] = best_dist[ok]
    frame["access_s"] = best_dist[ok] / speed
    frame = frame.set_geometry(gpd.GeoSeries(best_point[ok], index=frame.index, crs=net.crs))

    unsnapped = pts.loc[~ok].copy()
    nearest = np.where(np.isfinite(best_dist), best_dist, np.nan)[~ok]
    reasons = []
    for has_geom, d in zip(best_edge[~ok] >= 0, nearest, strict=True):
        if not len(edge_geoms):
            reasons.append("the network has no edges")
        elif not has_geom:
            reasons.append("empty or missing geometry")
        else:
            reasons.append(f"farther than {max_distance_m:g} m from the walking network (nearest edge {d:.0f} m)")
    unsnapped["reason"] = pd.Series(reasons, index=unsnapped.index, dtype="object")
    unsnapped["nearest_m"] = nearest
    for col in POINT_COLUMNS:
        frame[col] = frame[col].astype("int64" if col == "edge_id" else "float64")
    return SnappedPoints(frame=frame.reset_index(drop=True), unsnapped=unsnapped.reset_index(drop=True))


def polygon_gates(net: WalkNetwork, polygons: gpd.GeoSeries) -> gpd.GeoSeries:
    """The points where each polygon's outline meets the walking network (park gates), in ``net.crs``.

    A path that crosses or ends on the outline gives its crossing point; an edge running along the outline gives
    the two ends of the shared stretch. Returns, per polygon, a Point, a MultiPoint, or None when the outline meets
    no edge. Coincident points (within 1 mm) are merged.
    """
    if polygons.crs is None:
        raise LifecircleInputError("The polygons have no CRS; set one before looking for gates.")
    polys = polygons.to_crs(net.crs)
    ids = undirected_edge_ids(net)
    edge_geoms = net.edges["geometry"].to_numpy()[ids]
    tree = shapely.STRtree(edge_geoms)
    outlines = shapely.boundary(polys.to_numpy())
    out = np.empty(len(polys), dtype=object)
    if len(edge_geoms) == 0:
        return gpd.GeoSeries(out, index=polygons.index, crs=net.crs)
    pi, ei = tree.query(outlines, predicate="intersects")
    hits: dict[int, list] = {}
    for p, e in zip(pi, ei, strict=True):
        inter = shapely.intersection(outlines[p], edge_geoms[e])
        for part in shapely.get_parts(inter):
            if part.geom_type == "Point":
                hits.setdefault(int(p), []).append(part)
            elif not part.is_empty:  # a stretch along the outline: its two ends
                hits.setdefault(int(p), []).extend(shapely.get_parts(shapely.boundary(part)))
    for p, pts in hits.items():
        merged = shapely.get_parts(shapely.union_all(shapely.set_precision(np.array(pts, dtype=object), 0.001)))
        out[p] = merged[0] if len(merged) == 1 else MultiPoint(list(merged))
    return gpd.GeoSeries(out, index=polygons.index, crs=net.crs)


def apply_polygon_gates(net: WalkNetwork, facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Replace the centroid of polygon facilities (``access_kind == "centroid"`` with a ``footprint``) by their
    gates on ``net`` where the outline meets the network (``access_kind`` becomes ``"gate"``); facilities whose
    outline meets no edge keep their centroid. Returns a copy in ``net.crs``."""
    if "access_kind" not in facilities.columns or "footprint" not in facilities.columns:
        raise LifecircleInputError("apply_polygon_gates needs the 'access_kind' and 'footprint' columns of lifecircle.points.features.read_facilities.")
    out = layer_in_crs(facilities, net.crs, "the facilities layer").copy()
    fp = gpd.GeoSeries(facilities["footprint"].to_numpy(), index=facilities.index, crs=facilities.crs).to_crs(net.crs)
    out["footprint"] = fp.values
    todo = (out["access_kind"] == "centroid") & fp.notna().to_numpy() & ~fp.is_empty.to_numpy()
    if todo.any():
        gates = polygon_gates(net, fp[todo.to_numpy()])
        has = gates.notna().to_numpy()
        idx = out.index[todo.to_numpy()][has]
        out.loc[idx, "geometry"] = gates.to_numpy()[has]
        out.loc[idx, "access_kind"] = "gate"
    return out


def points_on_small_fragments(net_all: WalkNetwork, points: gpd.GeoDataFrame,
                              max_distance_m: float = DEFAULT_MAX_DISTANCE_M) -> gpd.GeoDataFrame:
    """The points whose nearest edge lies on a fragment other than the largest connected piece of ``net_all``.

    Build ``net_all`` with every component (``read_walk_network(..., keep="all")``): this says how many homes or
    facilities sat on the fragments that keeping only the largest component drops (they are reported, not
    hidden). Returns those rows with ``fragment`` (component number, 1 = second largest...) and
    ``fragment_nodes`` (its size); points beyond ``max_distance_m`` of any edge are not counted here (they are
    unsnapped anyway).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = net_all.n_nodes
    u, v, _, _ = net_all.edge_arrays()
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="weak")
    sizes = np.bincount(label)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))  # 0 = largest
    sp = snap_points(net_all, points, max_distance_m=max_distance_m, speed_mps=1.0)
    comp = label[net_all.edges["u"].to_numpy(np.int64)[sp.frame["edge_id"].to_numpy(np.int64)]]
    on_small = rank[comp] > 0
    out = sp.frame.loc[on_small, [c for c in sp.frame.columns if c not in POINT_COLUMNS]].copy()
    out["fragment"] = rank[comp[on_small]]
    out["fragment_nodes"] = sizes[comp[on_small]]
    return out.reset_index(drop=True)


#: Default reasons of :func:`points_on_dropped`: only pieces cut off from the kept network. Steps a wheelchair
#: cannot climb are left out (a home beside them still reaches the kept edges; where the steps were its only way
#: out, the cut-off side is a dropped ``component`` anyway), and so are pieces outside the study boundary.
DROPPED_FRAGMENT_REASONS = ("component",)


def points_on_dropped(net: WalkNetwork, points: gpd.GeoDataFrame, max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
                      reasons: tuple[str, ...] | None = DROPPED_FRAGMENT_REASONS) -> np.ndarray:
    """Which points "sat on" a piece the network builder dropped: their nearest line is a dropped piece.

    Parameters
    ----------
    net
        A network from :func:`lifecircle.network.osm.read_walk_network` or :func:`lifecircle.network.lines.network_from_lines`,
        whose ``dropped`` lists the left-out pieces.
    points
        GeoDataFrame with a CRS (Points, or MultiPoints of alternative access points: the one nearest to any line
        counts, as in :func:`snap_points`; other geometries use their centroid).
    max_distance_m
        Points farther than this (metres) from every line are False (they are unsnapped anyway).
    reasons
        The ``dropped`` reasons that count (default ``("component",)``: fragments disconnected from the main
        network); None takes every dropped piece (``component``, ``boundary``, ``wheelchair_steps``). Dropped
        pieces with other reasons are ignored, as if absent.

    Returns
    -------
    numpy.ndarray of bool
        One value per row of ``points`` (in order): True where the nearest line among the kept edges and the
        counted dropped pieces is a dropped piece, within ``max_distance_m``. A point exactly as far from a kept
        edge as from a dropped piece is False (it can be snapped to the kept network).

    Raises
    ------
    LifecircleInputError
        ``net.dropped`` is None (a network loaded from files or built by hand carries no record of dropped pieces),
        points without a CRS, a bad distance.
    """
    if not (np.isfinite(max_distance_m) and max_distance_m > 0):
        raise LifecircleInputError(f"The snapping distance must be a positive number of metres, got {max_distance_m}.")
    if net.dropped is None:
        raise LifecircleInputError(
            "This network has no record of the pieces its builder dropped (it was loaded from files or made by hand); "
            "build it with lifecircle.network.osm.read_walk_network or lifecircle.network.lines.network_from_lines to count the points on them."
        )
    pts = layer_in_crs(points, net.crs, "the layer of points to snap")
    n = len(pts)
    dropped = net.dropped if reasons is None else net.dropped[net.dropped["reason"].isin(list(reasons))]
    kept_geoms = net.edges["geometry"].to_numpy()[undirected_edge_ids(net)]
    dropped_geoms = dropped.to_crs(net.crs).geometry.to_numpy()
    lines = np.concatenate([kept_geoms, dropped_geoms])
    is_dropped = np.concatenate([np.zeros(len(kept_geoms), bool), np.ones(len(dropped_geoms), bool)])
    out = np.zeros(n, bool)
    single, owner = _explode_access_points(pts.geometry.to_numpy())
    if not (len(single) and len(dropped_geoms)):
        return out
    (qi, ti), dist = shapely.STRtree(lines).query_nearest(single, return_distance=True, all_matches=True)
    cand_owner = owner[qi]
    cand_dropped = is_dropped[ti]
    # nearest first; among equally near lines a kept edge (False sorts first) wins
    order = np.lexsort((cand_dropped, dist, cand_owner))
    first = order[np.unique(cand_owner[order], return_index=True)[1]]
    out[cand_owner[first]] = cand_dropped[first] & (dist[first] <= max_distance_m)
    return out
