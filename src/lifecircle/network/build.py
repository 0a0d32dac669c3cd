"""Turn walkable ways (runs of vertices with node keys and WGS-84 coordinates) into a :class:`WalkNetwork`.

This is the one build both network sources share: :func:`lifecircle.network.osm.read_walk_network` (OpenStreetMap ways,
node keys = OSM node ids) and :func:`lifecircle.network.lines.network_from_lines` (a user's line layer, node keys = merged
vertex positions). :func:`build_walk_network` does, in order:

1. split every way part at nodes used more than once (by another part or twice by the same part) and at its ends;
   the vertices between stay in the piece's LineString;
2. drop pieces with no end node inside ``boundary`` (reason ``boundary``), ``highway=steps`` pieces when the walking
   profile cannot pass steps (reason ``wheelchair_steps``), and zero-length pieces (a node to itself, two vertices);
3. with ``keep="largest"``, keep the largest weakly connected component (reason ``component`` for the others);
4. choose the metric CRS at the centre of the kept nodes (:func:`lifecircle.network.crs.metric_crs_for`), project nodes and
   geometries;
5. with a DEM, sample elevations (:func:`lifecircle.network.elevation.edge_elevation`);
6. make the directed edges (two per two-way piece, each other's ``rev``) and their walking times
   (:func:`lifecircle.network.walking.edge_times`).

The dropped pieces (steps 2 and 3) are returned in :attr:`WalkNetwork.dropped` so that homes and facilities that sat
on them can be counted (:func:`lifecircle.points.snapping.points_on_dropped`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lifecircle.errors import LifecircleInputError
from lifecircle.network.boundary import boundary_polygon
from lifecircle.network.crs import metric_crs_for
from lifecircle.network.elevation import edge_elevation, read_dem
from lifecircle.network.model import WalkNetwork
from lifecircle.network.walking import WalkProfile, edge_times, load_slope_model

#: OSM tags copied onto the edges besides ``highway`` and ``way_id`` (``layer``, ``bridge``, ``tunnel`` also tell the
#: DEM step which edges do not follow the terrain; ``area`` marks the outline of a pedestrian square).
EDGE_TAGS = ("name", "footway", "incline", "layer", "bridge", "tunnel", "area")
#: Columns of :attr:`WayVertices.attrs`.
WAY_COLUMNS = ("way_id", "highway", "fwd", "bwd", *EDGE_TAGS)
#: Values of :attr:`WalkNetwork.dropped` ``reason``.
DROP_REASONS = ("boundary", "wheelchair_steps", "component")
#: Columns of :attr:`WalkNetwork.dropped` besides ``geometry``.
DROPPED_COLUMNS = ("way_id", "highway", "reason")

ProgressFn = Callable[[str, float], None] | None


@dataclass
class WayVertices:
    """Walkable ways as flat vertex arrays: the input of :func:`build_walk_network`.

    Attributes
    ----------
    node_key
        int64 per vertex: vertices with the same key are the same node (OSM node id, or a merged vertex position).
    lon, lat
        float64 per vertex, WGS-84 degrees. Vertices with the same key must have the same coordinates.
    part_len
        int64 per way part: its number of vertices (≥ 2); parts follow each other in the vertex arrays.
    attrs
        One row per way part with the columns :data:`WAY_COLUMNS`: ``way_id`` (int), ``highway`` (str), ``fwd``,
        ``bwd`` (bool: walkable along / against the vertex order) and the :data:`EDGE_TAGS` (``area`` is ``"yes"``
        for an area outline, anything else otherwise).
    node_keys_are_osm_ids
        True when ``node_key`` holds OSM node ids (copied to ``nodes.osm_id``); otherwise ``osm_id`` is −1.
    """

    node_key: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    part_len: np.ndarray
    attrs: pd.DataFrame
    node_keys_are_osm_ids: bool = True


def _split_at_junctions(node_key: np.ndarray, part_len: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split way parts at shared nodes.

    Returns ``(start, end, part_of_piece, vertex_index)``: piece ``k`` runs over global vertices
    ``start[k]..end[k]`` (inclusive) of part ``part_of_piece[k]``; ``vertex_index`` lists, piece after piece, the
    global vertex indices of every piece's LineString.
    """
    part_end = np.cumsum(part_len)
    part_start = part_end - part_len
    _, inverse, counts = np.unique(node_key, return_inverse=True, return_counts=True)
    split = counts[inverse] >= 2
    split[part_start] = True
    split[part_end - 1] = True
    part_of_vertex = np.repeat(np.arange(len(part_len)), part_len)
    split_idx = np.flatnonzero(split)
    # Consecutive split vertices of the same part bound one piece.
    same_part = part_of_vertex[split_idx[:-1]] == part_of_vertex[split_idx[1:]]
    start = split_idx[:-1][same_part]
    end = split_idx[1:][same_part]
    lengths = end - start + 1
    offsets = np.repeat(start - (np.cumsum(lengths) - lengths), lengths)
    vertex_index = offsets + np.arange(int(lengths.sum()))
    return start, end, part_of_vertex[start], vertex_index


def _largest_component(n_nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Label of each node's weakly connected component, relabelled so 0 is the largest (by nodes)."""
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=True, connection="weak")
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels]


def _reverse_incline(value):
    """The ``incline`` tag seen from the other end: up↔down, 10%↔-10%; other values unchanged."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    s = str(value).strip()
    if s == "up":
        return "down"
    if s == "down":
        return "up"
    if s[:1] == "-":
        return s[1:]
    if s[:1].isdigit():
        return "-" + s
    return s


def _piece_lines(pieces: np.ndarray, n_pieces: int, piece_of_vertex: np.ndarray, vertex_index: np.ndarray,
                 lon: np.ndarray, lat: np.ndarray, to_metric: Transformer) -> np.ndarray:
    """Metric LineStrings of the pieces ``pieces`` (in that order), from the vertices listed in ``vertex_index``."""
    if len(pieces) == 0:
        return np.array([], dtype=object)
    keep_vertex = np.isin(piece_of_vertex, pieces)
    gv = vertex_index[keep_vertex]
    gx, gy = to_metric.transform(lon[gv], lat[gv])
    piece_pos = np.full(n_pieces, -1, np.int64)
    piece_pos[pieces] = np.arange(len(pieces))
    return shapely.linestrings(np.column_stack([gx, gy]), indices=piece_pos[piece_of_vertex[keep_vertex]])


def build_walk_network(
    ways: WayVertices,
    profile: WalkProfile,
    dem=None,
    boundary=None,
    keep: str = "largest",
    source: str = "",
    meta: dict | None = None,
    progress: ProgressFn = None,
    crs: str | None = None,
) -> WalkNetwork:
    """Build the directed pedestrian network with walking times from walkable ways (steps in the module docstring).

    Parameters
    ----------
    ways
        The walkable ways (:class:`WayVertices`), at least one part.
    profile
        The resolved walking profile (flat speed in m/s, stairs factor, whether steps are passable).
    dem
        Optional DEM GeoTIFF path (metres above sea level).
    boundary
        Optional study area: a polygon file, a GeoDataFrame of polygons, or a shapely (Multi)Polygon in WGS-84
        lon/lat; pieces with at least one end node inside are kept.
    keep
        ``"largest"`` (largest weakly connected component, by nodes) or ``"all"``.
    source
        The input's name for messages (a file path).
    meta
        The reader's counts; the build adds its own and the result's ``meta`` holds both.
    progress
        Optional ``callable(step_name, fraction)``, fractions 0.4–1.0 of the whole build (reading is 0–0.4).
    crs
        The metric CRS to measure in; default the one :func:`lifecircle.network.crs.metric_crs_for` picks at the
        centre of the kept nodes. Runs that must give identical lengths (the areas of a batch, the tiles of a city)
        pass the same one.

    Returns
    -------
    WalkNetwork
        With ``dropped``: one row per dropped undirected piece (``way_id``, ``highway``, ``reason`` ∈
        :data:`DROP_REASONS`, metric LineString in the network's CRS). ``meta`` gains ``boundary_dropped_pieces``,
        ``impassable_steps_pieces_dropped``, ``dropped_components``, ``elevation``, ``crs``, ``n_nodes``,
        ``n_edges``, ``speed_m_s``, ``stairs_factor``.

    Raises
    ------
    LifecircleInputError
        A boundary that misses every node, nothing left for the profile, a DEM that misses the network.
    """
    if keep not in ("largest", "all"):
        raise LifecircleInputError(f"keep must be 'largest' or 'all', got {keep!r}.")

    def tell(step: str, fraction: float) -> None:
        if progress is not None:
            progress(step, fraction)

    tell("Splitting ways at junctions", 0.4)
    node_key = np.asarray(ways.node_key, dtype=np.int64)
    lon = np.asarray(ways.lon, dtype=np.float64)
    lat = np.asarray(ways.lat, dtype=np.float64)
    start, end, part, vidx = _split_at_junctions(node_key, np.asarray(ways.part_len, dtype=np.int64))
    pieces = ways.attrs.iloc[part].reset_index(drop=True)
    u_key = node_key[start]
    v_key = node_key[end]
    n_vertices = end - start + 1
    n_pieces = len(start)
    piece_of_vertex = np.repeat(np.arange(n_pieces), n_vertices)

    meta = {"source": source, "walk_profile": profile.name, "keep": keep, **(meta or {})}
    reason = np.full(n_pieces, "", dtype=object)
    boundary = boundary_polygon(boundary)
    if boundary is not None:
        inside_u = shapely.contains_xy(boundary, lon[start], lat[start])
        inside_v = shapely.contains_xy(boundary, lon[end], lat[end])
        reason[~(inside_u | inside_v)] = "boundary"
        meta["boundary_dropped_pieces"] = int((reason == "boundary").sum())
        if (reason == "boundary").all():
            b = boundary.bounds
            raise LifecircleInputError(
                f"The boundary (lon {b[0]:.4f}–{b[2]:.4f}, lat {b[1]:.4f}–{b[3]:.4f}) contains no walkable node of '{source}' "
                f"(data lon {lon.min():.4f}–{lon.max():.4f}, lat {lat.min():.4f}–{lat.max():.4f}). Is it the right area, "
                "in WGS-84 lon/lat order?"
            )
    steps_mask = pieces["highway"].to_numpy() == "steps"
    if not profile.steps_passable:
        impassable = steps_mask & (reason == "")
        meta["impassable_steps_pieces_dropped"] = int(impassable.sum())
        reason[impassable] = "wheelchair_steps"
    zero = (u_key == v_key) & (n_vertices <= 2)
    keep_piece = (reason == "") & ~zero
    if not keep_piece.any():
        raise LifecircleInputError(f"No walkable edge of '{source}' is left for profile '{profile.name}'.")

    # Nodes of the kept pieces, numbered by node-key order.
    keys, node_of = np.unique(np.concatenate([u_key[keep_piece], v_key[keep_piece]]), return_inverse=True)
    k = int(keep_piece.sum())
    pu, pv = node_of[:k], node_of[k:]
    kept = np.flatnonzero(keep_piece)

    if keep == "largest":
        tell("Keeping the largest connected piece", 0.5)
        comp = _largest_component(len(keys), pu, pv)
        in_main = comp[pu] == 0
        edges_per_piece = pieces["fwd"].to_numpy(bool)[kept].astype(int) + pieces["bwd"].to_numpy(bool)[kept].astype(int)
        meta["dropped_components"] = {
            "components": int(comp.max()),
            "nodes": int((comp != 0).sum()),
            "edges": int(edges_per_piece[~in_main].sum()),
            "kept_nodes": int((comp == 0).sum()),
        }
        reason[kept[~in_main]] = "component"
        kept = kept[in_main]
        keys, node_of = np.unique(np.concatenate([u_key[kept], v_key[kept]]), return_inverse=True)
        pu, pv = node_of[: len(kept)], node_of[len(kept):]
    else:
        meta["dropped_components"] = {"components": 0, "nodes": 0, "edges": 0, "kept_nodes": len(keys)}

    # Metric CRS at the centre of the kept nodes, projected coordinates.
    node_first_vertex = np.empty(len(keys), np.int64)
    node_first_vertex[pu] = start[kept]
    node_first_vertex[pv] = end[kept]
    nlon, nlat = lon[node_first_vertex], lat[node_first_vertex]
    if crs is None:
        crs = metric_crs_for(float((nlon.min() + nlon.max()) / 2), float((nlat.min() + nlat.max()) / 2))
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    nx_, ny_ = to_metric.transform(nlon, nlat)
    nodes = pd.DataFrame({
        "node_id": np.arange(len(keys), dtype=np.int64),
        "osm_id": keys.astype(np.int64) if ways.node_keys_are_osm_ids else np.full(len(keys), -1, np.int64),
        "x": np.asarray(nx_, np.float64),
        "y": np.asarray(ny_, np.float64),
        "lon": nlon,
        "lat": nlat,
    })

    tell("Building edge geometries", 0.6)
    lines = _piece_lines(kept, n_pieces, piece_of_vertex, vidx, lon, lat, to_metric)
    und = pieces.iloc[kept].reset_index(drop=True)
    und["u"] = pu
    und["v"] = pv
    und = gpd.GeoDataFrame(und, geometry=lines, crs=crs)
    und["length_m"] = shapely.length(lines).astype(np.float64)
    und["steps"] = und["highway"].to_numpy() == "steps"
    und["area"] = und["area"].to_numpy() == "yes"
    dropped = _dropped_frame(pieces, np.where(zero, "", reason), n_pieces, piece_of_vertex, vidx, lon, lat, to_metric, crs)

    flat_fwd = und["length_m"].to_numpy()
    flat_bwd = flat_fwd
    rise = np.full(len(und), np.nan)
    elev_source = np.full(len(und), "none", dtype=object)
    if dem is not None:
        tell("Sampling the DEM", 0.7)
        terrain = read_dem(dem, nodes["x"].to_numpy(), nodes["y"].to_numpy(), crs=crs)
        cols, report = edge_elevation(nodes, und, crs, terrain, load_slope_model())
        nodes["z"] = cols["z"]
        flat_fwd, flat_bwd = cols["flat_equiv_fwd_m"], cols["flat_equiv_bwd_m"]
        rise, elev_source = cols["rise_m"], cols["elev_source"]
        meta["elevation"] = report
        if report["nodes_outside_dem"] == len(nodes):
            raise LifecircleInputError(
                f"DEM '{dem}' covers none of the network's {len(nodes)} nodes. Check that it is the right area and that its CRS is set correctly."
            )

    tell("Directed edges and walking times", 0.85)
    edges = _directed_edges(und, flat_fwd, flat_bwd, rise, elev_source)
    edges["time_s"] = edge_times(edges, profile)
    meta.update({"crs": crs, "n_nodes": len(nodes), "n_edges": len(edges), "speed_m_s": profile.speed_m_s,
                 "stairs_factor": profile.stairs_factor})
    tell("Walking network ready", 1.0)
    return WalkNetwork(crs=crs, nodes=nodes, edges=edges, walk_profile=profile.name, meta=meta, dropped=dropped)


def _dropped_frame(pieces: pd.DataFrame, reason: np.ndarray, n_pieces: int, piece_of_vertex: np.ndarray,
                   vertex_index: np.ndarray, lon: np.ndarray, lat: np.ndarray, to_metric: Transformer,
                   crs: str) -> gpd.GeoDataFrame:
    """One row per dropped undirected piece: ``way_id``, ``highway``, ``reason``, metric LineString."""
    which = np.flatnonzero(reason != "")
    lines = _piece_lines(which, n_pieces, piece_of_vertex, vertex_index, lon, lat, to_metric)
    return gpd.GeoDataFrame({
        "way_id": pieces["way_id"].to_numpy(np.int64)[which],
        "highway": pieces["highway"].to_numpy(dtype=object)[which],
        "reason": reason[which].astype(object),
    }, geometry=gpd.GeoSeries(lines, crs=crs), crs=crs)


def _directed_edges(und: gpd.GeoDataFrame, flat_fwd, flat_bwd, rise, elev_source) -> gpd.GeoDataFrame:
    """Two directed edges per two-way piece (u→v then v→u, each other's ``rev``), one for one-direction pieces."""
    fwd = und["fwd"].to_numpy(bool)
    bwd = und["bwd"].to_numpy(bool)
    n_per = fwd.astype(np.int64) + bwd.astype(np.int64)
    first = np.cumsum(n_per) - n_per
    f_ids = np.flatnonzero(fwd)
    b_ids = np.flatnonzero(bwd)
    f_edge = first[f_ids]
    b_edge = first[b_ids] + fwd[b_ids].astype(np.int64)
    m = int(n_per.sum())
    piece = np.empty(m, np.int64)
    piece[f_edge] = f_ids
    piece[b_edge] = b_ids
    is_back = np.zeros(m, bool)
    is_back[b_edge] = True
    rev = np.full(m, -1, np.int64)
    both = fwd & bwd
    rev[first[both]] = first[both] + 1
    rev[first[both] + 1] = first[both]

    base = und.drop(columns=["fwd", "bwd", "u", "v", "geometry"]).iloc[piece].reset_index(drop=True)
    u = np.where(is_back, und["v"].to_numpy()[piece], und["u"].to_numpy()[piece])
    v = np.where(is_back, und["u"].to_numpy()[piece], und["v"].to_numpy()[piece])
    geoms = und.geometry.to_numpy()[piece]
    geoms = np.where(is_back, shapely.reverse(geoms), geoms)
    incline = base["incline"].to_numpy(dtype=object)
    incline = np.where(is_back, [_reverse_incline(x) for x in incline], incline)
    rise = np.asarray(rise, np.float64)[piece]
    out = pd.DataFrame({
        "edge_id": np.arange(m, dtype=np.int64),
        "u": u.astype(np.int64),
        "v": v.astype(np.int64),
        "rev": rev,
        "length_m": base["length_m"].to_numpy(np.float64),
        "time_s": np.zeros(m),
        "highway": base["highway"].to_numpy(dtype=object),
        "way_id": base["way_id"].to_numpy(np.int64),
        "name": base["name"].to_numpy(dtype=object),
        "footway": base["footway"].to_numpy(dtype=object),
        "steps": base["steps"].to_numpy(bool),
        "incline": incline,
        "layer": base["layer"].to_numpy(dtype=object),
        "bridge": base["bridge"].to_numpy(dtype=object),
        "tunnel": base["tunnel"].to_numpy(dtype=object),
        "area": base["area"].to_numpy(bool),
        "flat_equiv_m": np.where(is_back, np.asarray(flat_bwd, np.float64)[piece], np.asarray(flat_fwd, np.float64)[piece]),
        "rise_m": np.where(is_back, -rise, rise),
        "elev_source": np.asarray(elev_source, dtype=object)[piece],
    })
    return gpd.GeoDataFrame(out, geometry=geoms, crs=und.crs)
