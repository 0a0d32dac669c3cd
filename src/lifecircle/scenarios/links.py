"""Insert new links (a footbridge, an elevator, a flight of stairs) into a walking network.

Each end of a link is attached to the network where it lies within ``snap_m`` metres of an edge: to the edge's end
node when the projection falls within ``node_merge_m`` of it, otherwise the edge is split at the projection point.
The link's interior touches nothing it crosses (a footbridge passes over the roads below).

Edge ids stay stable: a split edge ``e = u→v`` keeps its id for the piece ``u→w`` and the piece ``w→v`` is
APPENDED (its reverse likewise), so every untouched edge keeps its id; the link's edges are appended after them.
Length, ``time_s``, ``flat_equiv_m`` and ``rise_m`` of a split edge are shared between the pieces in proportion to
their lengths (exact without a DEM; with a DEM it assumes an even slope along the edge). Homes and facilities keep
their access point and access leg; one that sat on a split edge moves to the piece holding its position
(:func:`remap_points`), so its walking times change only through the new paths.

A link is timed with the run's walking profile (:func:`lifecircle.network.walking.edge_times`: ``highway=steps`` takes the
profile's stairs factor); the DEM is NOT re-sampled for new links (their slope is taken as flat), and an elevator's
horizontal length says nothing of its ride: give its seconds in a ``time_s`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from lifecircle.errors import LifecircleInputError
from lifecircle.network.model import WalkNetwork
from lifecircle.points.layers import layer_in_crs

#: Default distance (metres) within which a link's end must lie from a network edge.
DEFAULT_LINK_SNAP_M = 25.0
#: Default distance (metres) along an edge within which a link's end joins the edge's end node instead of splitting.
DEFAULT_NODE_MERGE_M = 1.0
#: Highway tag of a link without one.
DEFAULT_HIGHWAY = "footway"


@dataclass
class _Split:
    """Directed edge ``edge`` (x→y) was cut at ``frac`` from x: it became x→w and ``new_edge`` w→y."""

    edge: int
    frac: float
    new_edge: int


def _check_links(links: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    out = layer_in_crs(links, crs, "the links layer").reset_index(drop=True)
    bad = [i + 1 for i, g in enumerate(out.geometry) if g is None or g.is_empty or g.geom_type != "LineString"]
    if bad:
        raise LifecircleInputError(
            f"The links layer must hold single LineStrings (one per new footbridge, elevator or stair link); features "
            f"{bad[:10]} are not (explode MultiLineStrings into single lines)."
        )
    return out


def _attach(edges: pd.DataFrame, geoms: np.ndarray, point, snap_m: float, node_merge_m: float, what: str):
    """Where a link end meets the network: ``("node", node_id)`` or ``("split", edge_id, frac)``."""
    rev = edges["rev"].to_numpy(np.int64)
    eid = np.arange(len(edges))
    cand = eid[(rev < 0) | (eid < rev)]
    tree = shapely.STRtree(geoms[cand])
    idx, dist = tree.query_nearest(point, return_distance=True, all_matches=True)
    if len(idx) == 0 or dist[0] > snap_m:
        near = f"the nearest edge is {dist[0]:.0f} m away" if len(idx) else "the network has no edges"
        raise LifecircleInputError(
            f"{what} touches no network within {snap_m:g} m ({near}). Draw the link from a path to a path (its ends on "
            "or near existing walkways), check the layer's CRS, or raise the tolerance (link_snap_m / --link-snap)."
        )
    e = int(cand[np.sort(idx)[0]])  # equidistant edges: the lowest id, deterministically
    line = geoms[e]
    along = float(shapely.line_locate_point(line, point))
    length = float(line.length)
    if along <= node_merge_m:
        return ("node", int(edges["u"].iat[e]))
    if along >= length - node_merge_m:
        return ("node", int(edges["v"].iat[e]))
    return ("split", e, along / length)


def _split_edge(nodes: pd.DataFrame, edges: gpd.GeoDataFrame, e: int, frac: float, crs: str):
    """Cut edge ``e`` (and its reverse) at ``frac``; returns new nodes, edges, the new node id and the splits."""
    from pyproj import Transformer

    row = edges.iloc[e]
    line = row.geometry
    w_pt = line.interpolate(frac, normalized=True)
    w = len(nodes)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(w_pt.x, w_pt.y)
    new_node = {c: np.nan for c in nodes.columns}
    new_node.update(node_id=w, osm_id=-1, x=w_pt.x, y=w_pt.y, lon=lon, lat=lat)
    nodes = pd.concat([nodes, pd.DataFrame([new_node]).astype(nodes.dtypes.to_dict())], ignore_index=True)

    r = int(row["rev"])
    directions = [(e, frac)] + ([(r, 1.0 - frac)] if r >= 0 else [])
    m = len(edges)
    splits = [_Split(d, f, m + k) for k, (d, f) in enumerate(directions)]
    scaled = [c for c in ("length_m", "time_s", "flat_equiv_m", "rise_m") if c in edges.columns]
    first_rows, second_rows = [], []
    for s in splits:
        old = edges.iloc[s.edge]
        g = old.geometry
        a, b = old.copy(), old.copy()
        a["geometry"], b["geometry"] = substring(g, 0.0, s.frac, normalized=True), substring(g, s.frac, 1.0, normalized=True)
        a["v"], b["u"] = w, w
        for c in scaled:
            a[c], b[c] = old[c] * s.frac, old[c] * (1.0 - s.frac)
        b["edge_id"] = s.new_edge
        first_rows.append(a)
        second_rows.append(b)
    if r >= 0:
        # e: u→w pairs with the appended w→u; r: v→w pairs with the appended w→v
        first_rows[0]["rev"], second_rows[1]["rev"] = splits[1].new_edge, e
        first_rows[1]["rev"], second_rows[0]["rev"] = splits[0].new_edge, r
    else:
        first_rows[0]["rev"], second_rows[0]["rev"] = -1, -1
    edges = edges.copy()
    for s, a in zip(splits, first_rows, strict=True):
        edges.iloc[s.edge] = a
    appended = gpd.GeoDataFrame(pd.DataFrame(second_rows), geometry="geometry", crs=edges.crs)
    edges = gpd.GeoDataFrame(pd.concat([edges, appended], ignore_index=True), geometry="geometry", crs=edges.crs)
    return nodes, edges, w, splits


def _truthy(value) -> bool:
    """A ``oneway`` cell: True for true/yes/1 (any case), False for empty, false/no/0."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "no", "false", "0"):
            return False
        if text in ("yes", "true", "1"):
            return True
        raise LifecircleInputError(f"A link's oneway must be yes/no (true/false, 1/0), got {value!r}.")
    return bool(value)


def _link_rows(edges: gpd.GeoDataFrame, a: int, b: int, geom: LineString, attrs: dict, walk_profile: str) -> gpd.GeoDataFrame:
    from lifecircle.network.walking import edge_times, get_walk_profile

    highway = str(attrs.get("highway") or DEFAULT_HIGHWAY)
    steps = highway == "steps"
    prof = get_walk_profile(walk_profile)
    if steps and not prof.steps_passable:
        raise LifecircleInputError(
            f"A steps link cannot be walked under the run's walking profile '{walk_profile}' (it does not pass steps); "
            "give the link as an elevator or ramp (highway=elevator / footway), or evaluate a run with another profile."
        )
    oneway = _truthy(attrs.get("oneway"))
    m = len(edges)
    fwd_geom, back_geom = geom, LineString(list(geom.coords)[::-1])
    length = float(geom.length)
    base = {c: (pd.NA if edges[c].dtype == object else np.nan) for c in edges.columns if c != "geometry"}
    rows = []
    for k, (u, v, g) in enumerate(((a, b, fwd_geom), (b, a, back_geom))):
        if oneway and k == 1:
            break
        row = dict(base)
        row.update(edge_id=m + k, u=u, v=v, rev=(-1 if oneway else m + 1 - k), length_m=length, highway=highway,
                   way_id=-1, geometry=g)
        if "steps" in edges.columns:
            row["steps"] = steps
        if "flat_equiv_m" in edges.columns:
            row["flat_equiv_m"] = length  # no DEM sampling for new links: taken as flat
        if "area" in edges.columns:
            row["area"] = False
        if "elev_source" in edges.columns:
            row["elev_source"] = "scenario link (flat)"
        if "name" in edges.columns and attrs.get("name") is not None:
            row["name"] = attrs.get("name")
        rows.append(row)
    frame = pd.DataFrame(rows)
    given = attrs.get("time_s")
    if given is not None and pd.notna(given):
        if not (float(given) >= 0 and np.isfinite(float(given))):
            raise LifecircleInputError(f"A link's time_s must be a finite number of seconds >= 0, got {given!r}.")
        frame["time_s"] = float(given)
    else:
        frame["time_s"] = edge_times(pd.DataFrame({"length_m": frame["length_m"], "steps": [steps] * len(frame)}), prof)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=edges.crs)


def insert_links(
    net: WalkNetwork,
    links: gpd.GeoDataFrame,
    walk_profile: str | None = None,
    snap_m: float = DEFAULT_LINK_SNAP_M,
    node_merge_m: float = DEFAULT_NODE_MERGE_M,
) -> tuple[WalkNetwork, list[_Split]]:
    """A copy of ``net`` with ``links`` inserted, and the edge splits made (for :func:`remap_points`).

    Parameters
    ----------
    net
        The walking network.
    links
        LineStrings in any CRS; optional columns ``highway`` (``footway`` by default; ``steps`` takes the stairs
        factor), ``time_s`` (seconds per direction, overrides the computed time: an elevator's ride and wait),
        ``oneway`` (true: walkable only from the first to the last vertex), ``name``.
    walk_profile
        Profile that times the links (default the network's).
    snap_m
        Metres within which each end of a link must lie from an edge.
    node_merge_m
        Metres along the edge within which an end joins the edge's end node rather than splitting the edge.

    Raises
    ------
    LifecircleInputError
        No CRS, not LineStrings, an end farther than ``snap_m`` from every edge, both ends at the same node, or a
        steps link under a profile that cannot pass steps.
    """
    if not (snap_m > 0 and np.isfinite(snap_m)) or not (node_merge_m >= 0 and np.isfinite(node_merge_m)):
        raise LifecircleInputError(f"Link tolerances must be positive metres (snap {snap_m}, node merge {node_merge_m}).")
    lines = _check_links(links, net.crs)
    profile = walk_profile or net.walk_profile
    nodes = net.nodes.copy()
    edges = net.edges.copy()
    splits: list[_Split] = []
    for i, row in lines.iterrows():
        coords = list(row.geometry.coords)
        ends = []
        for which, xy in (("start", coords[0]), ("end", coords[-1])):
            where = _attach(edges, edges.geometry.to_numpy(), shapely.Point(xy), snap_m, node_merge_m,
                            f"The {which} of link {i + 1}")
            if where[0] == "split":
                nodes, edges, w, new = _split_edge(nodes, edges, where[1], where[2], net.crs)
                splits.extend(new)
                ends.append(w)
            else:
                ends.append(where[1])
        a, b = ends
        if a == b:
            raise LifecircleInputError(
                f"Both ends of link {i + 1} join the network at the same node: the link connects nothing new. Draw it "
                "between two separate paths."
            )
        pa = (float(nodes["x"].iat[a]), float(nodes["y"].iat[a]))
        pb = (float(nodes["x"].iat[b]), float(nodes["y"].iat[b]))
        geom = LineString([pa, *coords[1:-1], pb])
        attrs = {c: row[c] for c in ("highway", "time_s", "oneway", "name") if c in lines.columns}
        new_edges = _link_rows(edges, a, b, geom, attrs, profile)
        edges = gpd.GeoDataFrame(pd.concat([edges, new_edges], ignore_index=True), geometry="geometry", crs=net.edges.crs)
    for col in ("edge_id", "u", "v", "rev", "way_id"):
        edges[col] = edges[col].astype(np.int64)
    for col in ("length_m", "time_s"):
        edges[col] = edges[col].astype(np.float64)
    if "steps" in edges.columns:
        edges["steps"] = edges["steps"].astype(bool)
    meta = dict(net.meta or {})
    meta["scenario_links"] = {"links": len(lines), "edges_split": len({s.edge for s in splits}), "dem_resampled": False}
    return WalkNetwork(crs=net.crs, nodes=nodes, edges=edges, walk_profile=net.walk_profile, meta=meta), splits


def remap_points(frame: pd.DataFrame, splits: list[_Split], rev: np.ndarray) -> pd.DataFrame:
    """Move snapped points (``edge_id``, ``edge_frac``) off split edges onto the piece holding them, same position.

    ``rev`` is the new network's ``rev`` column; a point ends on the lower id of its piece's two-way pair (the
    :class:`~lifecircle.network.model.SnappedPoints` convention), with its fraction mirrored when that is the reverse.
    """
    out = frame.copy()
    edge = out["edge_id"].to_numpy(np.int64).copy()
    frac = out["edge_frac"].to_numpy(np.float64).copy()
    for s in splits:  # in the order made: a later split of a piece sees the earlier remapping
        on = edge == s.edge
        if not on.any():
            continue
        first = on & (frac <= s.frac)
        second = on & (frac > s.frac)
        frac[first] = frac[first] / s.frac
        frac[second] = (frac[second] - s.frac) / (1.0 - s.frac)
        edge[second] = s.new_edge
    r = rev[edge]
    flip = (r >= 0) & (r < edge)
    edge = np.where(flip, r, edge)
    frac = np.clip(np.where(flip, 1.0 - frac, frac), 0.0, 1.0)
    out["edge_id"] = edge
    out["edge_frac"] = frac
    return out
