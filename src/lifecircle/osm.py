"""Build the pedestrian network from an OpenStreetMap file (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

Pedestrian-access rules (issue 2), applied to every way with a ``highway`` tag:

* **Walkable** ``highway`` values: footway (with ``footway=sidewalk|crossing``), path, pedestrian, steps,
  living_street, residential, service, unclassified, road, tertiary, secondary, primary and their ``_link``, track,
  cycleway, corridor, elevator, platform, crossing (a common mistag of a crossing footway).
  ``platform``: a bus/tram platform is walked on to board; when it does not touch the rest of the network it falls
  into a small component and is dropped with it, when it does (Helsinki's tram platforms meet the crossings) it is a
  real link.
* ``bridleway`` only with ``foot=yes|designated|permissive``.
* ``motorway``, ``motorway_link``: only with ``foot=yes|designated|permissive``. ``trunk``, ``trunk_link``: the same,
  or with ``sidewalk=yes|both|left|right`` (a trunk with a sidewalk on it; ``sidewalk=separate`` means the sidewalk is
  its own footway, which is kept instead).
* Never: ``construction``, ``proposed``, ``abandoned``, ``disused``, ``razed``, ``raceway``, ``bus_guideway``,
  ``busway``, ``escape``, ``via_ferrata``, ``rest_area``, ``services``, and any value not listed above (e.g. the
  non-standard ``trail``): excluded ways are counted by reason in ``meta["excluded_ways"]``.
* ``foot=no``, ``foot=private`` and ``foot=use_sidepath`` (walk on the separately mapped sidewalk) exclude a way;
  ``access=no|private`` excludes it unless ``foot=yes|designated|permissive``.
* ``area=yes`` (e.g. a pedestrian square): its outline is kept as a walkable ring (walkers can cross a square, the
  outline under-states that; squares are small in a 15-min budget). Multipolygon areas (relations) are not read.
* ``oneway`` does not restrict walking. ``oneway:foot=yes|1|true`` or ``foot:backward=no`` keep only the u→v
  direction; ``oneway:foot=-1`` or ``foot:forward=no`` only v→u.

Ways are split at every node shared with another walkable way (or used twice by the same way) and at their ends;
intermediate nodes stay in the edge's LineString. Nodes whose location is missing from the file (a clipped extract)
break the way there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lifecircle.crs import metric_crs_for
from lifecircle.elevation import edge_elevation, read_dem
from lifecircle.errors import LifecircleInputError
from lifecircle.network import WalkNetwork
from lifecircle.walking import edge_times, get_walk_profile, load_slope_model

#: Highway values pedestrians may use unless a foot/access tag says otherwise.
WALKABLE_HIGHWAYS = frozenset({
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service", "unclassified", "road",
    "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "track", "cycleway",
    "corridor", "elevator", "platform", "crossing",
})
#: Highway values walkable only with explicit foot permission (trunk also with a sidewalk on it).
FOOT_PERMISSION_HIGHWAYS = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "bridleway"})
#: Values of ``foot`` that grant access whatever ``access`` or the road class says.
FOOT_YES = frozenset({"yes", "designated", "permissive"})
#: Values of ``sidewalk`` meaning a footway is part of this (trunk) way.
SIDEWALK_ON_WAY = frozenset({"yes", "both", "left", "right"})
#: Tags copied onto the edges (besides highway and way_id).
EDGE_TAGS = ("name", "footway", "incline", "layer", "bridge", "tunnel", "area")
#: File name endings pyosmium reads.
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".osc")

ProgressFn = Callable[[str, float], None] | None


def walk_access(tags: dict[str, str]) -> tuple[bool, bool, str]:
    """Whether a way can be walked u→v and v→u, and the reason when it cannot.

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    (forward, backward, reason)
        ``reason`` is ``""`` for walkable ways, else a short label such as ``"foot=no"`` or ``"highway=motorway"``.
    """
    hw = tags.get("highway")
    if hw is None:
        return False, False, "no highway tag"
    foot = tags.get("foot")
    if foot in ("no", "use_sidepath", "private"):
        return False, False, f"foot={foot}"
    foot_ok = foot in FOOT_YES
    if hw in FOOT_PERMISSION_HIGHWAYS:
        trunk_sidewalk = hw.startswith("trunk") and tags.get("sidewalk") in SIDEWALK_ON_WAY
        if not (foot_ok or trunk_sidewalk):
            return False, False, f"highway={hw}"
    elif hw not in WALKABLE_HIGHWAYS:
        return False, False, f"highway={hw}"
    if tags.get("access") in ("no", "private") and not foot_ok:
        return False, False, f"access={tags.get('access')}"
    one = tags.get("oneway:foot")
    forward = not (one == "-1" or tags.get("foot:forward") == "no")
    backward = not (one in ("yes", "1", "true") or tags.get("foot:backward") == "no")
    if not (forward or backward):
        return False, False, "foot:forward=no and foot:backward=no"
    return forward, backward, ""


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise LifecircleInputError(f"OpenStreetMap file '{p}' does not exist. Check the path, or download an extract (e.g. from download.geofabrik.de or extract.bbbike.org).")
    if p.is_dir():
        raise LifecircleInputError(f"'{p}' is a folder; give an OpenStreetMap file (.osm.pbf or .osm).")
    if not p.name.lower().endswith(OSM_SUFFIXES):
        raise LifecircleInputError(f"'{p}' is not an OpenStreetMap file: expected a name ending in {', '.join(OSM_SUFFIXES)}.")
    if p.stat().st_size == 0:
        raise LifecircleInputError(f"OpenStreetMap file '{p}' is empty. Download the extract again.")
    return p


class _WayBuffer:
    """Walkable ways as flat arrays: node refs, lon, lat, and one row of attributes per way part."""

    def __init__(self) -> None:
        self.refs: list[int] = []
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.part_len: list[int] = []
        self.rows: list[tuple] = []
        self.missing_locations = 0

    def add(self, way_id: int, nodes, attrs: tuple) -> None:
        run_refs: list[int] = []
        run_lon: list[float] = []
        run_lat: list[float] = []
        for nd in nodes:
            loc = nd.location
            if not loc.valid():
                self.missing_locations += 1
                self._flush(way_id, run_refs, run_lon, run_lat, attrs)
                run_refs, run_lon, run_lat = [], [], []
                continue
            run_refs.append(nd.ref)
            run_lon.append(loc.lon)
            run_lat.append(loc.lat)
        self._flush(way_id, run_refs, run_lon, run_lat, attrs)

    def _flush(self, way_id: int, refs: list[int], lon: list[float], lat: list[float], attrs: tuple) -> None:
        if len(refs) < 2:
            return
        self.refs.extend(refs)
        self.lon.extend(lon)
        self.lat.extend(lat)
        self.part_len.append(len(refs))
        self.rows.append((way_id, *attrs))


def _read_walkable_ways(path: Path) -> tuple[_WayBuffer, dict]:
    buf = _WayBuffer()
    excluded: Counter = Counter()
    stats = Counter()
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in fp:
            tags = dict(way.tags)
            stats["highway_ways"] += 1
            fwd, bwd, reason = walk_access(tags)
            if reason:
                excluded[reason] += 1
                continue
            stats["walkable_ways"] += 1
            if tags.get("area") == "yes":
                stats["area_outlines"] += 1
            if not (fwd and bwd):
                stats["one_direction_ways"] += 1
            attrs = (tags["highway"], fwd, bwd) + tuple(tags.get(k) for k in EDGE_TAGS)
            buf.add(way.id, way.nodes, attrs)
    except (RuntimeError, ValueError, OSError) as exc:
        raise LifecircleInputError(
            f"Could not read OpenStreetMap file '{path}': {exc}. The file is corrupt, truncated or not OSM data; download it again."
        ) from exc
    stats["missing_node_locations"] = buf.missing_locations
    return buf, {"excluded_ways": dict(excluded.most_common()), **stats}


def _split_at_junctions(buf: _WayBuffer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split way parts at shared nodes.

    Returns ``(start, end, part_of_piece, vertex_index)``: piece ``k`` runs over global vertices
    ``start[k]..end[k]`` (inclusive) of part ``part_of_piece[k]``; ``vertex_index`` lists, piece after piece, the
    global vertex indices of every piece's LineString.
    """
    refs = np.asarray(buf.refs, dtype=np.int64)
    part_len = np.asarray(buf.part_len, dtype=np.int64)
    part_end = np.cumsum(part_len)
    part_start = part_end - part_len
    _, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
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


def read_walk_network(
    path: str | Path,
    walk_profile: str = "planning",
    dem: str | Path | None = None,
    boundary=None,
    keep: str = "largest",
    progress: ProgressFn = None,
) -> WalkNetwork:
    """Read an OpenStreetMap file and build the directed pedestrian network with walking times.

    Parameters
    ----------
    path
        ``.osm.pbf`` or ``.osm`` (XML, optionally .gz/.bz2) file.
    walk_profile
        Name of a profile in ``data/walk_profiles.toml`` (``planning`` 1.0 m/s, ``adult``, ``elderly``,
        ``wheelchair``) or a :class:`lifecircle.walking.WalkProfile`. Profiles whose ``steps_passable`` is false
        lose every ``highway=steps`` edge before the component filter.
    dem
        Optional DEM GeoTIFF (metres); with it, times follow Tobler's hiking function per direction
        (:mod:`lifecircle.elevation`) and nodes get ``z``.
    boundary
        Optional shapely (Multi)Polygon in WGS-84 lon/lat: keep edges with at least one end node inside.
    keep
        ``"largest"``: keep the largest *weakly* connected component (by nodes) — walking is two-way on all but a few
        ``oneway:foot`` ways, so a strongly-connected filter would only drop the dead-end one-way paths that a
        walker can in fact leave; ``"all"``: keep every component.
    progress
        Optional ``callable(step_name, fraction)`` told about the steps, fraction 0–1 of the whole build.

    Returns
    -------
    WalkNetwork
        In the metric CRS :func:`lifecircle.crs.metric_crs_for` picks at the data's centre. ``meta`` records the
        input, the rules' counts (``excluded_ways`` by reason, ``area_outlines``, ``missing_node_locations``), what the
        boundary and the profile dropped, ``dropped_components`` (``components``, ``nodes``, directed ``edges`` dropped,
        ``kept_nodes``) and the DEM report ``elevation`` (:func:`lifecircle.elevation.edge_elevation`).

    Raises
    ------
    LifecircleInputError
        Missing/corrupt file, unknown profile, no walkable way, a boundary that misses the data, a bad DEM.
    """
    if keep not in ("largest", "all"):
        raise LifecircleInputError(f"keep must be 'largest' or 'all', got {keep!r}.")
    profile = get_walk_profile(walk_profile)
    p = _check_path(path)

    def tell(step: str, fraction: float) -> None:
        if progress is not None:
            progress(step, fraction)

    tell("Reading OpenStreetMap ways", 0.0)
    buf, read_stats = _read_walkable_ways(p)
    if not buf.rows:
        raise LifecircleInputError(
            f"'{p}' contains no walkable way ({read_stats.get('highway_ways', 0)} highway ways read, excluded: "
            f"{read_stats['excluded_ways'] or 'none'}). Check that the extract covers a built-up area."
        )
    tell("Splitting ways at junctions", 0.4)
    start, end, part, vidx = _split_at_junctions(buf)
    refs = np.asarray(buf.refs, dtype=np.int64)
    lon = np.asarray(buf.lon, dtype=np.float64)
    lat = np.asarray(buf.lat, dtype=np.float64)
    attrs = pd.DataFrame.from_records(buf.rows, columns=["way_id", "highway", "fwd", "bwd", *EDGE_TAGS])
    pieces = attrs.iloc[part].reset_index(drop=True)
    u_osm = refs[start]
    v_osm = refs[end]
    n_vertices = end - start + 1
    piece_of_vertex = np.repeat(np.arange(len(start)), n_vertices)

    meta: dict = {"source": str(p), "walk_profile": profile.name, "keep": keep, **read_stats}
    keep_piece = np.ones(len(pieces), bool)
    if boundary is not None:
        if not hasattr(boundary, "geom_type") or boundary.geom_type not in ("Polygon", "MultiPolygon"):
            raise LifecircleInputError("boundary must be a shapely Polygon or MultiPolygon in WGS-84 lon/lat.")
        inside_u = shapely.contains_xy(boundary, lon[start], lat[start])
        inside_v = shapely.contains_xy(boundary, lon[end], lat[end])
        keep_piece &= inside_u | inside_v
        meta["boundary_dropped_pieces"] = int((~keep_piece).sum())
        if not keep_piece.any():
            b = boundary.bounds
            raise LifecircleInputError(
                f"The boundary (lon {b[0]:.4f}–{b[2]:.4f}, lat {b[1]:.4f}–{b[3]:.4f}) contains no walkable node of '{p}' "
                f"(data lon {lon.min():.4f}–{lon.max():.4f}, lat {lat.min():.4f}–{lat.max():.4f}). Is it the right area, "
                "in WGS-84 lon/lat order?"
            )
    steps_mask = pieces["highway"].to_numpy() == "steps"
    if not profile.steps_passable:
        meta["impassable_steps_pieces_dropped"] = int((steps_mask & keep_piece).sum())
        keep_piece &= ~steps_mask
    zero = (u_osm == v_osm) & (n_vertices <= 2)
    keep_piece &= ~zero
    if not keep_piece.any():
        raise LifecircleInputError(f"No walkable edge of '{p}' is left for profile '{profile.name}'.")

    # Nodes of the kept pieces, numbered by OSM id order.
    osm_ids, node_of = np.unique(np.concatenate([u_osm[keep_piece], v_osm[keep_piece]]), return_inverse=True)
    k = int(keep_piece.sum())
    pu, pv = node_of[:k], node_of[k:]
    kept = np.flatnonzero(keep_piece)

    if keep == "largest":
        tell("Keeping the largest connected piece", 0.5)
        comp = _largest_component(len(osm_ids), pu, pv)
        in_main = comp[pu] == 0
        edges_per_piece = pieces["fwd"].to_numpy(bool)[kept].astype(int) + pieces["bwd"].to_numpy(bool)[kept].astype(int)
        meta["dropped_components"] = {
            "components": int(comp.max()),
            "nodes": int((comp != 0).sum()),
            "edges": int(edges_per_piece[~in_main].sum()),
            "kept_nodes": int((comp == 0).sum()),
        }
        kept = kept[in_main]
        osm_ids, node_of = np.unique(np.concatenate([u_osm[kept], v_osm[kept]]), return_inverse=True)
        pu, pv = node_of[: len(kept)], node_of[len(kept):]
    else:
        meta["dropped_components"] = {"components": 0, "nodes": 0, "edges": 0, "kept_nodes": len(osm_ids)}

    # Metric CRS at the centre of the kept nodes, projected coordinates.
    node_first_vertex = np.empty(len(osm_ids), np.int64)
    node_first_vertex[pu] = start[kept]
    node_first_vertex[pv] = end[kept]
    nlon, nlat = lon[node_first_vertex], lat[node_first_vertex]
    crs = metric_crs_for(float((nlon.min() + nlon.max()) / 2), float((nlat.min() + nlat.max()) / 2))
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    nx_, ny_ = to_metric.transform(nlon, nlat)
    nodes = pd.DataFrame({
        "node_id": np.arange(len(osm_ids), dtype=np.int64),
        "osm_id": osm_ids.astype(np.int64),
        "x": np.asarray(nx_, np.float64),
        "y": np.asarray(ny_, np.float64),
        "lon": nlon,
        "lat": nlat,
    })

    tell("Building edge geometries", 0.6)
    keep_vertex = np.isin(piece_of_vertex, kept)
    gv = vidx[keep_vertex]
    gx, gy = to_metric.transform(lon[gv], lat[gv])
    # renumber piece indices 0..len(kept)-1 in kept order
    piece_pos = np.full(len(start), -1, np.int64)
    piece_pos[kept] = np.arange(len(kept))
    lines = shapely.linestrings(np.column_stack([gx, gy]), indices=piece_pos[piece_of_vertex[keep_vertex]])
    und = pieces.iloc[kept].reset_index(drop=True)
    und["u"] = pu
    und["v"] = pv
    und = gpd.GeoDataFrame(und, geometry=lines, crs=crs)
    und["length_m"] = shapely.length(lines).astype(np.float64)
    und["steps"] = und["highway"].to_numpy() == "steps"
    und["area"] = und["area"].to_numpy() == "yes"

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
    return WalkNetwork(crs=crs, nodes=nodes, edges=edges, walk_profile=profile.name, meta=meta)


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
