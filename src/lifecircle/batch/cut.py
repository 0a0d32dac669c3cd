"""Cut every area of a batch, with its halo, out of one big OpenStreetMap file in two reads, whatever the number of
areas (not one read per area).

Read 1 (pyosmium, node locations on): every way's node ids and coordinates, every tagged node's position, every
relation's members. Then, in bulk with shapely, each way is given the areas whose halo polygon its line (or, for a
closed way, its polygon) meets; each tagged node the halos it lies in; each relation the areas of its members (and
its member ways join those areas, so multipolygons stay whole). Ways are kept whole ("complete ways"): the cut holds
every node of a kept way.

Read 2: each object is written to the ``.osm.pbf`` of every area it belongs to (one :class:`osmium.SimpleWriter`
per area, objects in file order).

The network's main component is decided once for the whole file: a whole-region run keeps the largest weakly
connected piece of the walkable ways (:func:`lifecircle.network.build.build_walk_network`), and an area's cut may
split that piece (its parts meet outside the halo) or hold a fragment the whole run drops. So the walkable ways
outside the region's largest piece are written with ``foot=no`` (the network reader then leaves them out), the parts
of a way broken by missing nodes (a clipped extract) that lie on a fragment are left out of the way, and the area's
network is built keeping every piece. Its edges are then exactly the region's main-network edges near the
area.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lifecircle.atomic import write_text_atomic
from lifecircle.errors import LifecircleInputError
from lifecircle.network.osm import check_osm_path, reading_osm, walk_access
from lifecircle.network.walking import get_walk_profile
from lifecircle.results.staging import sha256_of

#: Extra metres added to every halo: polygon edges are straight in lon/lat, not in metres.
HALO_MARGIN_M = 5.0
#: The tag written on walkable ways outside the region's main network (see the module docstring).
DEMOTE_TAG = ("foot", "no")

ProgressFn = Callable[[str, float], None] | None


def _ints() -> array:
    return array("q")


def _floats() -> array:
    return array("d")


def _flags() -> array:
    return array("b")


@dataclass
class _Read1:
    """What read 1 keeps, in typed arrays (8 bytes a node reference or coordinate, 1 a flag; Python lists would
    take about four times that): per way its id, located-node count and walkability; per located node reference
    its id, lon, lat (degrees) and whether the way breaks before it; per tagged node its id and position."""

    way_ids: array = field(default_factory=_ints)
    way_len: array = field(default_factory=_ints)
    refs: array = field(default_factory=_ints)
    lon: array = field(default_factory=_floats)
    lat: array = field(default_factory=_floats)
    gap: array = field(default_factory=_flags)
    walkable: array = field(default_factory=_flags)
    node_ids: array = field(default_factory=_ints)
    node_lon: array = field(default_factory=_floats)
    node_lat: array = field(default_factory=_floats)
    relations: list[tuple[int, list[tuple[str, int]]]] = field(default_factory=list)


def _read_once(path: Path, steps_passable: bool) -> _Read1:
    r = _Read1()
    with reading_osm(path):
        for obj in osmium.FileProcessor(str(path)).with_locations():
            if isinstance(obj, osmium.osm.Node):
                if len(obj.tags) and obj.location.valid():
                    r.node_ids.append(obj.id)
                    r.node_lon.append(obj.location.lon)
                    r.node_lat.append(obj.location.lat)
            elif isinstance(obj, osmium.osm.Way):
                n = 0
                gap = False
                for nd in obj.nodes:
                    loc = nd.location
                    if loc.valid():
                        r.refs.append(nd.ref)
                        r.lon.append(loc.lon)
                        r.lat.append(loc.lat)
                        r.gap.append(gap and n > 0)
                        gap = False
                        n += 1
                    else:  # a clipped extract: the network reader breaks the way here
                        gap = True
                r.way_ids.append(obj.id)
                r.way_len.append(n)
                walk = False
                if "highway" in obj.tags:
                    tags = dict(obj.tags)
                    walk = walk_access(tags)[2] == "" and (steps_passable or tags["highway"] != "steps")
                r.walkable.append(walk)
            elif isinstance(obj, osmium.osm.Relation):
                r.relations.append((obj.id, [(m.type, m.ref) for m in obj.members]))
    return r


def main_component_refs(way_len: np.ndarray, refs: np.ndarray, walkable: np.ndarray,
                        gap: np.ndarray | None = None) -> np.ndarray:
    """Which located node references of walkable ways lie in the region's largest weakly connected piece, counted in
    network nodes (ends of way parts and nodes shared by ways), as the network builder counts them. ``gap`` marks
    the refs after a node whose location the file lacks (the way is broken there, so two parts of one way may lie
    in different pieces). Returns a bool per ref (False for refs of non-walkable ways)."""
    out = np.zeros(len(refs), bool)
    way_of_ref = np.repeat(np.arange(len(way_len)), way_len)
    keep = walkable[way_of_ref]
    if not keep.any():
        return out
    r, w = refs[keep], way_of_ref[keep]
    g = np.zeros(len(r), bool) if gap is None else np.asarray(gap, bool)[keep]
    keys, node = np.unique(r, return_inverse=True)
    same_way = (w[1:] == w[:-1]) & ~g[1:]
    a, b = node[:-1][same_way], node[1:][same_way]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(keys), len(keys)))
    _, label = connected_components(graph, directed=False)
    uses = np.bincount(node, minlength=len(keys))
    first = np.r_[True, ~same_way]
    last = np.r_[~same_way, True]
    is_graph_node = uses >= 2
    is_graph_node[node[first | last]] = True
    sizes = np.bincount(label[is_graph_node], minlength=label.max() + 1)
    main = int(np.argmax(sizes))
    ref_main = np.zeros(len(refs), bool)
    ref_main[np.flatnonzero(keep)] = label[node] == main
    return ref_main


@dataclass(frozen=True)
class CutResult:
    """The per-area files of a cut and what they hold.

    Attributes
    ----------
    files
        Area id → its ``.osm.pbf``.
    counts
        Area id → ``{"ways": n, "walkable_ways": n, "nodes": n}``.
    fingerprint
        SHA-256 of the source file, the halo polygons and the rules: a cut with the same one is reused.
    """

    files: dict[str, Path]
    counts: dict[str, dict[str, int]]
    fingerprint: str


def halo_polygons(areas: gpd.GeoDataFrame, metric_crs: str, width_m: float) -> gpd.GeoSeries:
    """Each area grown by ``width_m`` metres (plus :data:`HALO_MARGIN_M`) in ``metric_crs``, back in WGS-84."""
    grown = areas.to_crs(metric_crs).geometry.buffer(width_m + HALO_MARGIN_M, quad_segs=16)
    return grown.to_crs("EPSG:4326")


def _fingerprint(source_sha: str, halos: gpd.GeoSeries, ids: list[str], steps_passable: bool) -> str:
    h = hashlib.sha256()
    h.update(source_sha.encode())
    h.update(json.dumps({"ids": ids, "steps_passable": steps_passable, "rules": 2}).encode())
    for g in halos:
        h.update(shapely.to_wkb(g, output_dimension=2, include_srid=False))
    return h.hexdigest()


def cut_areas(osm: str | Path, areas: gpd.GeoDataFrame, metric_crs: str, width_m: float, out_dir: str | Path,
              walk_profile: str = "planning", progress: ProgressFn = None) -> CutResult:
    """Write ``out_dir/<area_id>.osm.pbf`` for every area of ``areas`` (``area_id``, WGS-84 polygons): the objects of
    ``osm`` within ``width_m`` metres of the area (see the module docstring). A finished cut with the same
    fingerprint (``out_dir/cut.json``) is reused as it is.

    Raises
    ------
    LifecircleInputError
        Areas whose halo meets no walkable way of the file (outside the extract), naming them and the file's extent.
    """
    src = check_osm_path(osm)
    out = Path(out_dir)
    ids = [str(i) for i in areas["area_id"]]
    passable = get_walk_profile(walk_profile).steps_passable
    halos = halo_polygons(areas, metric_crs, width_m)
    fp = _fingerprint(sha256_of(src), halos, ids, passable)
    manifest = out / "cut.json"
    if manifest.exists():
        done = json.loads(manifest.read_text(encoding="utf-8"))
        files = {i: out / f"{i}.osm.pbf" for i in ids}
        if done.get("fingerprint") == fp and all(f.exists() for f in files.values()):
            return CutResult(files, done["counts"], fp)

    def tell(step: str, fraction: float) -> None:
        if progress is not None:
            progress(step, fraction)

    tell("Reading the OpenStreetMap file", 0.0)
    r = _read_once(src, passable)
    tell("Assigning ways and nodes to areas", 0.45)
    way_len = np.asarray(r.way_len, np.int64)
    refs = np.asarray(r.refs, np.int64)
    walkable = np.asarray(r.walkable, bool)
    coords = np.column_stack([np.asarray(r.lon, np.float64), np.asarray(r.lat, np.float64)])
    tree = shapely.STRtree(halos.to_numpy())
    way_areas = _way_areas(way_len, refs, coords, tree)
    node_pts = shapely.points(np.asarray(r.node_lon, np.float64), np.asarray(r.node_lat, np.float64))
    np_i, np_a = tree.query(node_pts, predicate="intersects")
    walk_ways = np.flatnonzero(walkable)
    touched = np.zeros(len(way_len), bool)
    touched[way_areas[0]] = True
    if not (touched & walkable).any():
        raise LifecircleInputError(_outside_message(src, ids, coords))
    hit_areas = set(way_areas[1][walkable[way_areas[0]]].tolist())
    missing = [ids[a] for a in range(len(ids)) if a not in hit_areas]
    if missing:
        raise LifecircleInputError(_outside_message(src, missing, coords))
    ref_main = main_component_refs(way_len, refs, walkable, np.asarray(r.gap, bool))
    offsets = np.r_[0, np.cumsum(way_len)]
    demote: set[int] = set()
    trim: dict[int, set[int]] = {}
    for i in walk_ways:
        flags = ref_main[offsets[i]:offsets[i + 1]]
        if not flags.any():
            demote.add(int(r.way_ids[i]))
        elif not flags.all():  # a way broken by missing nodes, one part on a fragment: that part is left out
            trim[int(r.way_ids[i])] = set(refs[offsets[i]:offsets[i + 1]][~flags].tolist())

    way_sets: dict[int, set[int]] = defaultdict(set)
    for wi, a in zip(way_areas[0].tolist(), way_areas[1].tolist(), strict=True):
        way_sets[int(r.way_ids[wi])].add(a)
    node_sets: dict[int, set[int]] = defaultdict(set)
    for ni, a in zip(np_i.tolist(), np_a.tolist(), strict=True):
        node_sets[int(r.node_ids[ni])].add(a)
    rel_sets = _relation_areas(r.relations, way_sets, node_sets)
    index_of_way = {int(w): i for i, w in enumerate(r.way_ids)}
    for wid, sets in list(way_sets.items()):
        k = index_of_way.get(wid, -1)
        if k < 0:  # a relation member the extract does not hold
            continue
        for ref in refs[offsets[k]:offsets[k + 1]].tolist():
            node_sets[ref] |= sets

    tell("Writing one file per area", 0.6)
    out.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    counts = _write(src, out, ids, node_sets, way_sets, rel_sets, demote, trim, walkable, index_of_way)
    files = {i: out / f"{i}.osm.pbf" for i in ids}
    write_text_atomic(json.dumps({"fingerprint": fp, "source": str(src.resolve()), "halo_m": width_m,
                                  "counts": counts}, indent=2), manifest)
    tell("Cut done", 1.0)
    return CutResult(files, counts, fp)


def _way_areas(way_len: np.ndarray, refs: np.ndarray, coords: np.ndarray,
               tree: shapely.STRtree) -> tuple[np.ndarray, np.ndarray]:
    """(way index, area index) pairs: ways whose line, or closed polygon, meets an area's halo."""
    ok = way_len >= 2
    way_of_vertex = np.repeat(np.arange(len(way_len)), way_len)
    take = ok[way_of_vertex]
    lines = np.empty(len(way_len), dtype=object)
    lines[ok] = shapely.linestrings(coords[take], indices=np.repeat(np.arange(int(ok.sum())), way_len[ok]))
    single = way_len == 1
    starts = np.r_[0, np.cumsum(way_len)[:-1]]
    lines[single] = shapely.points(coords[starts[single]])
    present = np.flatnonzero(way_len >= 1)
    wi, ai = tree.query(lines[present], predicate="intersects")
    pairs = {(int(present[w]), int(a)) for w, a in zip(wi, ai, strict=True)}
    long_enough = np.flatnonzero(way_len >= 4)
    closed = long_enough[refs[starts[long_enough]] == refs[starts[long_enough] + way_len[long_enough] - 1]]
    if len(closed):
        # a closed way (a landuse or park polygon) around a whole halo meets it without its outline crossing
        rings = shapely.polygons(shapely.linearrings(coords[np.isin(way_of_vertex, closed)],
                                                     indices=np.repeat(np.arange(len(closed)), way_len[closed])))
        reps = shapely.point_on_surface(np.asarray(tree.geometries))
        ai, ci = shapely.STRtree(rings).query(reps)
        inside = shapely.contains_xy(rings[ci], shapely.get_x(reps[ai]), shapely.get_y(reps[ai]))
        pairs |= {(int(closed[c]), int(a)) for a, c in zip(ai[inside], ci[inside], strict=True)}
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    arr = np.array(sorted(pairs), dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _relation_areas(relations: list[tuple[int, list[tuple[str, int]]]], way_sets: dict[int, set[int]],
                    node_sets: dict[int, set[int]]) -> dict[int, set[int]]:
    """Areas of each relation (those of its members); its member ways and nodes join those areas."""
    rel_sets: dict[int, set[int]] = {}
    for rid, members in relations:
        sets: set[int] = set()
        for mtype, ref in members:
            if mtype == "w":
                sets |= way_sets.get(ref, set())
            elif mtype == "n":
                sets |= node_sets.get(ref, set())
        if sets:
            rel_sets[rid] = sets
            for mtype, ref in members:
                if mtype == "w":
                    way_sets[ref] |= sets
                elif mtype == "n":
                    node_sets[ref] |= sets
    return rel_sets


def _write(src: Path, out: Path, ids: list[str], node_sets: dict[int, set[int]], way_sets: dict[int, set[int]],
           rel_sets: dict[int, set[int]], demote: set[int], trim: dict[int, set[int]], walkable: np.ndarray,
           index_of_way: dict[int, int]) -> dict[str, dict[str, int]]:
    tmp = {i: out / f".{i}.partial.osm.pbf" for i in ids}
    for p in tmp.values():
        p.unlink(missing_ok=True)
    writers = [osmium.SimpleWriter(str(tmp[i])) for i in ids]
    counts = [{"nodes": 0, "ways": 0, "walkable_ways": 0, "relations": 0} for _ in ids]
    try:
        for obj in osmium.FileProcessor(str(src)):
            if isinstance(obj, osmium.osm.Node):
                for a in node_sets.get(obj.id, ()):
                    writers[a].add_node(obj)
                    counts[a]["nodes"] += 1
            elif isinstance(obj, osmium.osm.Way):
                sets = way_sets.get(obj.id)
                if not sets:
                    continue
                item: osmium.osm.Way | osmium.osm.mutable.Way = obj
                if obj.id in demote:
                    tags = dict(obj.tags)
                    tags[DEMOTE_TAG[0]] = DEMOTE_TAG[1]
                    item = obj.replace(tags=tags)
                elif obj.id in trim:
                    drop = trim[obj.id]
                    item = obj.replace(nodes=[n.ref for n in obj.nodes if n.ref not in drop])
                walk = bool(walkable[index_of_way.get(obj.id, 0)]) and obj.id not in demote
                for a in sets:
                    writers[a].add_way(item)
                    counts[a]["ways"] += 1
                    counts[a]["walkable_ways"] += int(walk)
            elif isinstance(obj, osmium.osm.Relation):
                for a in rel_sets.get(obj.id, ()):
                    writers[a].add_relation(obj)
                    counts[a]["relations"] += 1
    finally:
        for w in writers:
            w.close()
    for i in ids:
        os.replace(tmp[i], out / f"{i}.osm.pbf")
    return {i: c for i, c in zip(ids, counts, strict=True)}


def _outside_message(src: Path, ids: list[str], coords: np.ndarray) -> str:
    extent = (f"lon {coords[:, 0].min():.4f}–{coords[:, 0].max():.4f}, lat {coords[:, 1].min():.4f}–"
              f"{coords[:, 1].max():.4f}" if len(coords) else "no located way")
    return (f"These areas lie outside the OpenStreetMap file '{src}' (no walkable way within their halo): "
            f"{', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}. The file covers {extent}. Give a larger "
            "extract or leave those areas out.")
