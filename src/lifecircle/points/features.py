"""Facilities and buildings from an OpenStreetMap file (.osm.pbf / .osm / .osm.bz2), read with pyosmium.

Facilities are OSM nodes, ways and multipolygon relations whose tags match a row of the tag→category table
``data/osm_tags.csv`` (see :func:`load_tag_rules`). One feature may fall in several categories: the result has one row
per (feature, category), so ``(id, category)`` is the unique key and ``id`` repeats across categories.

Where the walker goes (the ``geometry`` column, the point snapped to the network) and ``access_kind``:

``node``
    a tagged OSM node: its own location.
``entrance``
    a polygon (closed way or multipolygon) with ``entrance=*`` nodes on its outline: a MultiPoint of those
    entrances (one row per facility; :func:`lifecircle.points.snapping.snap_points` snaps the entrance nearest to the
    network). Entrances tagged ``entrance=no|emergency|exit|garage`` are ignored.
``centroid``
    a polygon without mapped entrances: its centroid (or a point on its surface when the centroid falls outside a
    concave outline). :func:`lifecircle.points.snapping.polygon_gates` later replaces it by the points where the outline
    meets the walking network (``gate``) when there are any, which needs the network.
``midpoint``
    an open way (e.g. a platform drawn as a line), or a closed way that gave no valid polygon: the point halfway
    along it.
``partial``
    a way cut by the edge of the extract (some of its nodes are missing from the file): the point halfway along the
    part that is inside the extract. Ways with no node inside are counted in ``attrs["skipped"]``.

The polygon itself is kept in ``footprint`` (None for nodes and lines).

Buildings (:func:`read_buildings`) and land-use polygons (:func:`read_landuse`) come from the same scan and feed
:mod:`lifecircle.points.homes`.

© OpenStreetMap contributors (ODbL 1.0) for every frame derived from OSM data.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPoint, Point

from lifecircle.errors import LifecircleInputError
from lifecircle.network.osm import check_osm_path, reading_osm

#: Columns of the facilities frame, in order (``geometry`` last but one, ``footprint`` last).
FACILITY_COLUMNS = ("id", "category", "name", "capacity", "access_kind", "osm_tags", "geometry", "footprint")
#: Columns of the buildings frame.
BUILDING_COLUMNS = ("id", "building", "levels", "name", "osm_tags", "entrances", "geometry")
#: ``entrance=*`` values that are not a way in for a visitor.
_NOT_AN_ENTRANCE = frozenset({"no", "emergency", "exit", "garage", "service_exit"})
_WGS84 = "EPSG:4326"


# --------------------------------------------------------------------------------------------------- tag rules
@dataclass(frozen=True)
class _Condition:
    key: str
    op: str  # "present", "absent", "in", "match", "nomatch"
    values: tuple[str, ...] = ()
    pattern: re.Pattern | None = None

    def holds(self, tags: dict[str, str]) -> bool:
        val = tags.get(self.key)
        if self.op == "present":
            return val is not None
        if self.op == "absent":
            return val is None
        if self.op == "in":
            return val is not None and val in self.values
        assert self.pattern is not None  # "match" and "nomatch" conditions carry their pattern
        if self.op == "match":
            return val is not None and self.pattern.search(val) is not None
        return val is None or self.pattern.search(val) is None  # nomatch


@dataclass(frozen=True)
class TagRule:
    """One row of ``osm_tags.csv``: features with ``key=value`` (``*`` = any value) of the given geometry kind
    (``any``, ``node``, ``area``) that satisfy every ``requires`` condition belong to ``category``."""

    category: str
    key: str
    value: str
    geometry: str
    requires: tuple[_Condition, ...] = field(default=())
    note: str = ""

    def matches(self, tags: dict[str, str], geometry: str) -> bool:
        if self.geometry != "any" and self.geometry != geometry:
            return False
        val = tags.get(self.key)
        if val is None or (self.value != "*" and val != self.value):
            return False
        return all(c.holds(tags) for c in self.requires)


def _parse_condition(text: str, where: str) -> _Condition:
    """``key``, ``!key``, ``key=a|b``, ``key~regex`` or ``key!~regex``."""
    try:
        return _parse_condition_unchecked(text.strip(), where)
    except re.error as exc:
        raise LifecircleInputError(f"{where}: bad regular expression in '{text}': {exc}. Fix the 'requires' column.") from exc


def _parse_condition_unchecked(text: str, where: str) -> _Condition:
    if "!~" in text:
        key, pat = text.split("!~", 1)
        return _Condition(key.strip(), "nomatch", pattern=re.compile(pat))
    if "~" in text:
        key, pat = text.split("~", 1)
        return _Condition(key.strip(), "match", pattern=re.compile(pat))
    if "=" in text:
        key, vals = text.split("=", 1)
        return _Condition(key.strip(), "in", values=tuple(v.strip() for v in vals.split("|")))
    if text.startswith("!"):
        return _Condition(text[1:].strip(), "absent")
    if not text:
        raise LifecircleInputError(f"{where}: empty condition in the 'requires' column; remove the stray '&'.")
    return _Condition(text, "present")


def _category_ids() -> set[str]:
    with resources.files("lifecircle").joinpath("data/categories.csv").open(encoding="utf-8") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=8)
def _load_rules_cached(path: str | None) -> tuple[TagRule, ...]:
    if path is None:
        fh = resources.files("lifecircle").joinpath("data/osm_tags.csv").open(encoding="utf-8")
        where = "osm_tags.csv"
    else:
        p = Path(path)
        if not p.is_file():
            raise LifecircleInputError(f"Tag table '{p}' does not exist; give a CSV with columns category,key,value,geometry,requires,note.")
        fh = p.open(encoding="utf-8")
        where = str(p)
    known = _category_ids()
    rules = []
    with fh:
        reader = csv.DictReader(fh)
        missing = {"category", "key", "value"} - set(reader.fieldnames or ())
        if missing:
            raise LifecircleInputError(f"{where}: missing column(s) {sorted(missing)}; expected category,key,value,geometry,requires,note.")
        for line, row in enumerate(reader, start=2):
            cat = (row.get("category") or "").strip()
            if cat not in known:
                raise LifecircleInputError(
                    f"{where} line {line}: unknown category '{cat}'. Use one of the ids of data/categories.csv: {', '.join(sorted(known))}."
                )
            geom = (row.get("geometry") or "any").strip() or "any"
            if geom not in ("any", "node", "area"):
                raise LifecircleInputError(f"{where} line {line}: geometry must be any, node or area, got '{geom}'.")
            req = (row.get("requires") or "").strip()
            conds = tuple(_parse_condition(c, f"{where} line {line}") for c in req.split(" & ")) if req else ()
            rules.append(TagRule(cat, row["key"].strip(), row["value"].strip(), geom, conds, (row.get("note") or "").strip()))
    return tuple(rules)


def load_tag_rules(path: str | Path | None = None) -> tuple[TagRule, ...]:
    """The tag→category table: ``data/osm_tags.csv`` by default, or a user's CSV with the same columns.

    Columns: ``category`` (an id of ``data/categories.csv``), ``key``, ``value`` (``*`` = any value),
    ``geometry`` (``any``, ``node`` or ``area``), ``requires`` (extra conditions joined by `` & ``: ``key``,
    ``!key`` (absent), ``key=a|b``, ``key~regex``, ``key!~regex`` (absent or not matching)), ``note``.
    """
    return _load_rules_cached(None if path is None else str(path))


def classify_tags(tags: dict[str, str], geometry: str = "node", rules: tuple[TagRule, ...] | None = None) -> list[str]:
    """The categories (sorted, no repeats) a feature with these tags and geometry kind (``node``/``area``/``line``)
    belongs to. Lines match rules whose geometry is ``any``."""
    by_key = _rules_by_key(load_tag_rules() if rules is None else rules)
    return sorted({r.category for k in tags.keys() & by_key.keys() for r in by_key[k] if r.matches(tags, geometry)})


@lru_cache(maxsize=8)
def _rules_by_key(rules: tuple[TagRule, ...]) -> dict[str, tuple[TagRule, ...]]:
    """Rules grouped by their main key, so a feature is only tested against rules for keys it has."""
    groups: dict[str, list[TagRule]] = {}
    for r in rules:
        groups.setdefault(r.key, []).append(r)
    return {k: tuple(v) for k, v in groups.items()}


# --------------------------------------------------------------------------------------------------- OSM scan
@dataclass
class _Scan:
    facilities: list[dict]
    buildings: list[dict]
    landuse: list[dict]
    entrances: dict[int, tuple[float, float]]
    skipped: int


def _capacity(tags: dict[str, str]) -> float:
    for key in ("capacity", "beds"):
        m = re.search(r"\d+(?:\.\d+)?", tags.get(key, ""))
        if m:
            return float(m.group())
    return math.nan


def _levels(tags: dict[str, str]) -> float:
    m = re.search(r"\d+(?:\.\d+)?", tags.get("building:levels", ""))
    return float(m.group()) if m else math.nan


def _ring_refs(area) -> list[int]:
    refs: list[int] = []
    for outer in area.outer_rings():
        refs.extend(n.ref for n in outer)
        for inner in area.inner_rings(outer):
            refs.extend(n.ref for n in inner)
    return refs


def _scan_osm(path: Path, rules: tuple[TagRule, ...]) -> _Scan:
    wkb = osmium.geom.WKBFactory()
    facilities: list[dict] = []
    buildings: list[dict] = []
    landuse: list[dict] = []
    entrances: dict[int, tuple[float, float]] = {}
    closed_lines: dict[str, dict] = {}  # classified closed ways, used as lines when no area comes out of them
    area_ids: set[str] = set()
    broken_areas: set[str] = set()
    skipped = 0
    with reading_osm(path):
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        for obj in processor:
            if not obj.tags:
                continue
            tags = dict(obj.tags)
            if isinstance(obj, osmium.osm.Node):
                ent = tags.get("entrance")
                if ent is not None and ent not in _NOT_AN_ENTRANCE and obj.location.valid():
                    entrances[obj.id] = (obj.location.lon, obj.location.lat)
                cats = classify_tags(tags, "node", rules)
                if cats and obj.location.valid():
                    facilities.append({"id": f"n{obj.id}", "cats": cats, "tags": tags, "kind": "node",
                                       "geom": Point(obj.location.lon, obj.location.lat), "footprint": None})
            elif isinstance(obj, osmium.osm.Way):
                cats = classify_tags(tags, "area" if obj.is_closed() else "line", rules)
                if not cats:
                    continue
                kind = "midpoint"
                try:
                    line = shapely.from_wkb(wkb.create_linestring(obj))
                except (osmium.InvalidLocationError, RuntimeError):
                    # nodes missing: a way cut by the extract's edge keeps the part inside the extract
                    xy = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                    if len(xy) < 1:
                        skipped += 1
                        continue
                    line = LineString(xy) if len(xy) > 1 else Point(xy[0])
                    kind = "partial"
                row = {"id": f"w{obj.id}", "cats": cats, "tags": tags, "kind": kind,
                       "geom": line.interpolate(0.5, normalized=True) if line.geom_type == "LineString" else line,
                       "footprint": None}
                if obj.is_closed():
                    closed_lines[row["id"]] = row  # normally comes back as an area (below)
                else:
                    facilities.append(row)
            elif isinstance(obj, osmium.osm.Area):
                fid = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
                area_ids.add(fid)
                cats = classify_tags(tags, "area", rules)
                is_building = tags.get("building", "no") != "no"
                is_landuse = "landuse" in tags
                if not (cats or is_building or is_landuse):
                    continue
                try:
                    poly = shapely.from_wkb(wkb.create_multipolygon(obj))
                except (osmium.InvalidLocationError, RuntimeError):
                    poly = None
                if poly is None or poly.is_empty:
                    area_ids.discard(fid)  # a closed way whose polygon is broken falls back to its line
                    broken_areas.add(fid)
                    continue
                if len(poly.geoms) == 1:
                    poly = poly.geoms[0]
                if cats:
                    facilities.append({"id": fid, "cats": cats, "tags": tags, "kind": "area", "geom": poly,
                                       "footprint": poly, "refs": _ring_refs(obj)})
                if is_building:
                    buildings.append({"id": fid, "building": tags["building"], "levels": _levels(tags),
                                      "name": tags.get("name"), "osm_tags": tags, "geometry": poly,
                                      "refs": _ring_refs(obj)})
                if is_landuse:
                    landuse.append({"id": fid, "landuse": tags["landuse"], "name": tags.get("name"), "geometry": poly})
    # closed ways that classify as lines (``any`` rules) but gave no usable area: their midpoint
    facilities.extend(row for fid, row in closed_lines.items() if fid not in area_ids)
    skipped += len(broken_areas - closed_lines.keys())
    return _Scan(facilities, buildings, landuse, entrances, skipped)


@lru_cache(maxsize=2)
def _scan_cached(path: str, mtime_ns: int, size: int, rules: tuple[TagRule, ...]) -> _Scan:
    return _scan_osm(Path(path), rules)


def _scan(path: str | Path, rules: tuple[TagRule, ...]) -> _Scan:
    p = check_osm_path(path).resolve()
    st = p.stat()
    return _scan_cached(str(p), st.st_mtime_ns, st.st_size, rules)


def _access_point(poly) -> Point:
    c = poly.centroid
    return c if poly.contains(c) else poly.point_on_surface()


def _to_crs(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    if crs is None:
        return gdf
    out = gdf.to_crs(crs)
    if "footprint" in out.columns:
        out["footprint"] = gpd.GeoSeries(gdf["footprint"], crs=_WGS84).to_crs(crs).values
    return out


# --------------------------------------------------------------------------------------------------- public API
def read_facilities(
    path: str | Path,
    crs: str | None = None,
    categories: list[str] | tuple[str, ...] | None = None,
    tag_table: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Facilities of an OSM file, classified through the tag→category table.

    Parameters
    ----------
    path
        An OpenStreetMap file (.osm.pbf, .osm, .osm.bz2).
    crs
        CRS of the result; WGS-84 (EPSG:4326) when None. ``footprint`` is transformed too.
    categories
        Keep only these category ids (None = all). An id not in ``data/categories.csv`` raises
        :class:`LifecircleInputError`.
    tag_table
        A user's tag→category CSV replacing ``data/osm_tags.csv`` (same columns).

    Returns
    -------
    GeoDataFrame
        One row per (feature, category): ``id`` (``n123`` node, ``w456`` way, ``r789`` relation), ``category``,
        ``name``, ``capacity`` (people or beds from the ``capacity``/``beds`` tags; NaN when unmapped),
        ``access_kind`` (``node``/``entrance``/``centroid``/``midpoint``/``partial``, see the module docstring),
        ``osm_tags`` (all tags as a JSON string), ``geometry`` (the access point(s)), ``footprint`` (polygon or
        None). ``attrs["skipped"]`` counts classified features none of whose nodes is in the file.
    """
    rules = load_tag_rules(tag_table)
    if categories is not None:
        unknown = sorted(set(categories) - _category_ids())
        if unknown:
            raise LifecircleInputError(f"Unknown facility categories {unknown}. Known ids: {', '.join(sorted(_category_ids()))}.")
    scan = _scan(path, rules)
    rows = []
    for f in scan.facilities:
        kind, geom = f["kind"], f["geom"]
        if kind == "area":
            ents = [scan.entrances[r] for r in dict.fromkeys(f["refs"]) if r in scan.entrances]
            if ents:
                kind, geom = "entrance", (Point(ents[0]) if len(ents) == 1 else MultiPoint(ents))
            else:
                kind, geom = "centroid", _access_point(f["footprint"])
        for cat in f["cats"]:
            if categories is not None and cat not in categories:
                continue
            rows.append({"id": f["id"], "category": cat, "name": f["tags"].get("name"), "capacity": _capacity(f["tags"]),
                         "access_kind": kind, "osm_tags": json.dumps(f["tags"], ensure_ascii=False, sort_keys=True),
                         "geometry": geom, "footprint": f["footprint"]})
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(FACILITY_COLUMNS)), geometry="geometry", crs=_WGS84)
    gdf["capacity"] = gdf["capacity"].astype("float64")
    gdf["footprint"] = gpd.GeoSeries(gdf["footprint"], crs=_WGS84)
    gdf = _to_crs(gdf, crs)
    gdf.attrs["skipped"] = scan.skipped
    gdf.attrs["source"] = str(path)
    return gdf.reset_index(drop=True)


def read_buildings(path: str | Path, crs: str | None = None) -> gpd.GeoDataFrame:
    """Building footprints of an OSM file (every ``building=*`` except ``building=no``).

    Returns ``id``, ``building`` (the tag value), ``levels`` (``building:levels``, NaN when unmapped), ``name``,
    ``osm_tags`` (JSON string), ``entrances`` (Point/MultiPoint of the ``entrance=*`` nodes on the outline, or None)
    and the footprint ``geometry`` (Polygon/MultiPolygon), in ``crs`` (WGS-84 when None).
    """
    scan = _scan(path, load_tag_rules())
    rows = []
    for b in scan.buildings:
        ents = [scan.entrances[r] for r in dict.fromkeys(b["refs"]) if r in scan.entrances]
        entrances = None if not ents else (Point(ents[0]) if len(ents) == 1 else MultiPoint(ents))
        rows.append(dict(b, osm_tags=json.dumps(b["osm_tags"], ensure_ascii=False, sort_keys=True), entrances=entrances))
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(BUILDING_COLUMNS)), geometry="geometry", crs=_WGS84)
    gdf["levels"] = gdf["levels"].astype("float64")
    if crs is not None:
        entrances = gpd.GeoSeries(gdf["entrances"].to_numpy(), index=gdf.index, crs=_WGS84).to_crs(crs)
        gdf = gdf.to_crs(crs)
        gdf["entrances"] = entrances.to_numpy()
    return gdf.reset_index(drop=True)


def read_landuse(path: str | Path, values: tuple[str, ...] = ("residential",), crs: str | None = None) -> gpd.GeoDataFrame:
    """``landuse=*`` polygons of an OSM file whose value is in ``values``: ``id``, ``landuse``, ``name``, geometry."""
    scan = _scan(path, load_tag_rules())
    rows = [r for r in scan.landuse if r["landuse"] in values]
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["id", "landuse", "name", "geometry"]), geometry="geometry", crs=_WGS84)
    return _to_crs(gdf, crs).reset_index(drop=True)


def facilities_from_layer(
    layer: gpd.GeoDataFrame,
    category_column: str | None = "category",
    category: str | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    capacity_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Facilities from a user layer (e.g. :func:`lifecircle.points.layers.read_layer` of an Amap POI export).

    Parameters
    ----------
    layer
        Points or polygons with a CRS.
    category_column
        Column holding a category id of ``data/categories.csv`` per row (ignored when ``category`` is given).
    category
        One category id for the whole layer (a file of schools, of clinics...).
    id_column, name_column, capacity_column
        Columns for ``id`` (default: a column ``id`` if any, else ``u0``, ``u1``...), ``name`` (default: ``name`` or
        ``名称`` if present) and ``capacity`` (people or beds; NaN when absent).

    Returns
    -------
    GeoDataFrame
        The facility columns (:data:`FACILITY_COLUMNS`; ``access_kind`` ``point`` or ``centroid``, ``osm_tags``
        empty) plus the layer's other columns, in the layer's CRS.
    """
    if layer.crs is None:
        raise LifecircleInputError("The facilities layer has no CRS; read it with lifecircle.points.layers.read_layer(..., crs=...).")
    if layer.empty:
        raise LifecircleInputError("The facilities layer is empty: there is no facility to walk to.")
    known = _category_ids()
    if category is not None:
        if category not in known:
            raise LifecircleInputError(f"Unknown facility category '{category}'. Known ids: {', '.join(sorted(known))}.")
        cats = pd.Series(category, index=layer.index, dtype=object)
    else:
        if category_column is None or category_column not in layer.columns:
            raise LifecircleInputError(
                f"The facilities layer has no category column '{category_column}' (columns: {list(layer.columns)}). "
                "Name the column with --category-column NAME (category_column= in Python), or give one category for "
                "the whole layer with --facility-category ID (category= in Python)."
            )
        cats = layer[category_column].astype(object).where(layer[category_column].notna(), "").astype(str).str.strip()
        empty = [i + 1 for i in range(len(cats)) if cats.iloc[i] in ("", "nan", "None")]
        if empty:
            raise LifecircleInputError(
                f"The facilities layer has empty categories in rows {', '.join(map(str, empty[:10]))}"
                f"{' and more' if len(empty) > 10 else ''} (column '{category_column}'): fill them or remove those rows."
            )
        unknown = sorted(set(cats) - known)
        if unknown:
            raise LifecircleInputError(
                f"The facilities layer uses unknown categories {unknown} (column '{category_column}'). Use the ids of "
                f"data/categories.csv: {', '.join(sorted(known))}."
            )

    def column(name: str | None, defaults: tuple[str, ...]) -> str | None:
        if name is not None:
            if name not in layer.columns:
                raise LifecircleInputError(f"The facilities layer has no column '{name}'; its columns are {list(layer.columns)}.")
            return name
        return next((c for c in defaults if c in layer.columns), None)

    id_col, name_col = column(id_column, ("id",)), column(name_column, ("name", "名称"))
    cap_col = column(capacity_column, ())
    geoms = layer.geometry.to_numpy()
    is_poly = [g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in geoms]
    out = gpd.GeoDataFrame({
        "id": layer[id_col].astype(str).to_numpy() if id_col else [f"u{i}" for i in range(len(layer))],
        "category": cats.to_numpy(),
        "name": layer[name_col].to_numpy() if name_col else None,
        "capacity": pd.to_numeric(layer[cap_col], errors="coerce").to_numpy("float64") if cap_col else float("nan"),
        "access_kind": ["centroid" if p else "point" for p in is_poly],
        "osm_tags": "{}",
    }, geometry=[_access_point(g) if p else g for g, p in zip(geoms, is_poly, strict=True)], crs=layer.crs)
    out["footprint"] = gpd.GeoSeries([g if p else None for g, p in zip(geoms, is_poly, strict=True)], crs=layer.crs).values
    if out.duplicated(["id", "category"]).any():
        raise LifecircleInputError(f"The facilities layer repeats ids (column '{id_col}') within a category; give unique ids.")
    for c in layer.columns:
        if c not in out.columns and c != layer.geometry.name:
            out[c] = layer[c].to_numpy()
    out.attrs.update(layer.attrs)
    return out


def category_counts(facilities: gpd.GeoDataFrame) -> pd.Series:
    """Number of facilities per category (distinct ``id``), sorted by category id."""
    if facilities.empty:
        return pd.Series(dtype="int64", name="count")
    return facilities.groupby("category")["id"].nunique().rename("count").sort_index()


__all__ = [
    "FACILITY_COLUMNS",
    "BUILDING_COLUMNS",
    "TagRule",
    "load_tag_rules",
    "classify_tags",
    "read_facilities",
    "read_buildings",
    "read_landuse",
    "facilities_from_layer",
    "category_counts",
]
