"""Build the pedestrian network from an OpenStreetMap file (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

Pedestrian-access rules, applied to every way with a ``highway`` tag:

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

This module reads the file and applies the rules; everything after "walkable ways with node ids and coordinates"
(splitting, boundary, wheelchair steps, components, metric CRS, DEM, directed edges, times) is
:func:`lifecircle.network.build.build_walk_network`, shared with :func:`lifecircle.network.lines.network_from_lines`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import osmium
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.network.build import (
    EDGE_TAGS,
    WAY_COLUMNS,
    WayVertices,
    build_walk_network,
)
from lifecircle.network.model import WalkNetwork
from lifecircle.network.walking import get_walk_profile

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
#: File name endings pyosmium reads.
#: The licence notice every output derived from OpenStreetMap data carries.
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".osc", ".o5m", ".opl")
#: What pyosmium raises on a damaged, truncated or foreign file (its InvalidLocationError, for a coordinate it cannot
#: parse, derives from Exception only).
OSM_READ_ERRORS: tuple[type[Exception], ...] = (RuntimeError, ValueError, OSError, osmium.InvalidLocationError)

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


@contextmanager
def reading_osm(path: str | Path) -> Iterator[None]:
    """Turn every error of pyosmium while reading ``path`` into one clear :class:`LifecircleInputError`."""
    try:
        yield
    except OSM_READ_ERRORS as exc:
        raise LifecircleInputError(
            f"Could not read OpenStreetMap file '{path}': {exc}. The file is corrupt, truncated or not OSM data "
            "(a coordinate, reference or block that cannot be read): download or export it again."
        ) from exc


def check_osm_path(path: str | Path) -> Path:
    """The OpenStreetMap file ``path``, once it is known to exist and look like OSM data (else a clear error)."""
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
    excluded: Counter[str] = Counter()
    stats: Counter[str] = Counter()
    with reading_osm(path):
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in fp:
            assert isinstance(way, osmium.osm.Way)  # the entity filter passes ways only
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
    stats["missing_node_locations"] = buf.missing_locations
    return buf, {"excluded_ways": dict(excluded.most_common()), **stats}


def read_walk_network(
    path: str | Path,
    walk_profile: str = "planning",
    dem: str | Path | None = None,
    boundary=None,
    keep: str = "largest",
    progress: ProgressFn = None,
    crs: str | None = None,
) -> WalkNetwork:
    """Read an OpenStreetMap file and build the directed pedestrian network with walking times.

    Parameters
    ----------
    path
        ``.osm.pbf`` or ``.osm`` (XML, optionally .gz/.bz2) file.
    walk_profile
        Name of a profile in ``data/walk_profiles.toml`` (``planning`` 1.0 m/s, ``adult``, ``elderly``,
        ``wheelchair``) or a :class:`lifecircle.network.walking.WalkProfile`. Profiles whose ``steps_passable`` is false
        lose every ``highway=steps`` edge before the component filter.
    dem
        Optional DEM GeoTIFF (metres); with it, times follow Tobler's hiking function per direction
        (:mod:`lifecircle.network.elevation`) and nodes get ``z``.
    boundary
        Optional study area: a polygon file (GeoJSON, GeoPackage...), a GeoDataFrame of polygons, or a shapely
        (Multi)Polygon in WGS-84 lon/lat; edges with at least one end node inside are kept.
    keep
        ``"largest"``: keep the largest *weakly* connected component (by nodes) — walking is two-way on all but a few
        ``oneway:foot`` ways, so a strongly-connected filter would only drop the dead-end one-way paths that a
        walker can in fact leave; ``"all"``: keep every component.
    progress
        Optional ``callable(step_name, fraction)`` told about the steps, fraction 0–1 of the whole build.
    crs
        The metric CRS to measure in (default: chosen at the data's centre), as in
        :func:`lifecircle.network.build.build_walk_network`.

    Returns
    -------
    WalkNetwork
        In the metric CRS :func:`lifecircle.network.crs.metric_crs_for` picks at the data's centre. ``meta`` records the
        input, the rules' counts (``excluded_ways`` by reason, ``area_outlines``, ``missing_node_locations``), what the
        boundary and the profile dropped, ``dropped_components`` (``components``, ``nodes``, directed ``edges`` dropped,
        ``kept_nodes``) and the DEM report ``elevation`` (:func:`lifecircle.network.elevation.edge_elevation`).
        ``dropped`` holds the pieces the boundary, the profile (wheelchair steps) and the component filter left out.

    Raises
    ------
    LifecircleInputError
        Missing/corrupt file, unknown profile, no walkable way, a boundary that misses the data, a bad DEM.
    """
    if keep not in ("largest", "all"):
        raise LifecircleInputError(f"keep must be 'largest' or 'all', got {keep!r}.")
    profile = get_walk_profile(walk_profile)
    p = check_osm_path(path)

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
    ways = WayVertices(
        node_key=np.asarray(buf.refs, dtype=np.int64),
        lon=np.asarray(buf.lon, dtype=np.float64),
        lat=np.asarray(buf.lat, dtype=np.float64),
        part_len=np.asarray(buf.part_len, dtype=np.int64),
        attrs=pd.DataFrame.from_records(buf.rows, columns=list(WAY_COLUMNS)),
        node_keys_are_osm_ids=True,
    )
    return build_walk_network(ways, profile, dem=dem, boundary=boundary, keep=keep, source=str(p), meta=read_stats,
                              progress=progress, crs=crs)
