"""The main job: from map data to a results folder (network, facilities, homes with walking times, indicators, report).

One function, :func:`run`, runs the steps in order (``lifecircle assess`` and ``lifecircle demo`` call it). Each
step is a call into the module that owns it; this module only validates inputs and passes frames between steps,
and :mod:`lifecircle.results.writer` writes the folder (schema: ``docs/outputs.md``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import lifecircle
from lifecircle.accessibility import walking_columns
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import area_polygons, assign_areas, load_profile
from lifecircle.indicators.table import choose_denominator, gap_table, indicator_table
from lifecircle.network.boundary import read_boundary
from lifecircle.network.model import SnappedPoints, WalkNetwork
from lifecircle.network.osm import OSM_ATTRIBUTION
from lifecircle.progress import Steps
from lifecircle.report import build_report
from lifecircle.results.folder import REPORT_FILE, RunRecord
from lifecircle.results.writer import input_record, write_results

@dataclass
class AssessConfig:
    """Everything a run needs. Paths are the user's files; ``out`` is the results folder.

    Either ``osm`` (an .osm.pbf / .osm file giving network, facilities and homes) or the three user layers
    (``network``, ``facilities``, ``homes``); a user layer overrides what OSM would give.

    ``default_levels``: storeys of homes whose levels are unmapped (default: the median of the mapped ones).

    The last four fields serve runs on a piece cut from a larger region (an area of ``lifecircle batch``, a tile
    of ``assess --tile-km``): ``crs`` fixes the metric CRS so every piece measures lengths alike; ``components``
    is the network builder's ``keep`` ("all" when the cut already holds only the region's main network);
    ``home_area`` (a polygon file) keeps only the homes inside it, after population was spread, while the network
    and facilities around it stay; ``exact_within`` maps a threshold kind (``walk_time_s``,
    ``network_distance_m``, ``straight_radius_m``) to the largest value the cut's halo keeps exact: values beyond
    become +inf (read as "beyond that limit") and the nearest facility's id is cleared.
    """

    out: Path
    osm: Path | None = None
    network: Path | None = None
    facilities: Path | None = None
    facility_category: str | None = None
    category_column: str = "category"
    homes: Path | None = None
    homes_id_column: str | None = None
    boundary: Path | None = None
    areas: str | None = None
    areas_id_column: str = "id"
    population: Path | None = None
    population_column: str | None = None
    m2_per_person: str = "cn-urban"
    unspecified_buildings_as_homes: bool = False
    dem: Path | None = None
    profiles: tuple[str, ...] = ("cn-health-check",)
    walk_profile: str = "planning"
    snap_max_m: float = 200.0
    denominator: str | None = None
    coords: str = "wgs84"
    layer_crs: str | None = None
    study_area: str = ""
    default_levels: float | None = None
    crs: str | None = None
    components: str = "largest"
    home_area: Path | None = None
    exact_within: dict[str, float] | None = None

    def input_files(self) -> dict[str, Path]:
        named = {
            "osm": self.osm,
            "network": self.network,
            "facilities": self.facilities,
            "homes": self.homes,
            "boundary": self.boundary,
            "population": self.population,
            "dem": self.dem,
            "home_area": self.home_area,
        }
        if self.areas and not str(self.areas).startswith(("h3:", "grid:")):
            named["areas"] = Path(self.areas)
        for p in self.profiles:
            if Path(p).suffix.lower() == ".toml":
                named[f"profile:{p}"] = Path(p)
        return {k: Path(v) for k, v in named.items() if v is not None}


def _validate(cfg: AssessConfig) -> None:
    if cfg.osm is None and (cfg.network is None or cfg.facilities is None or cfg.homes is None):
        raise LifecircleInputError(
            "No input map data. Give an OpenStreetMap file with --osm FILE.osm.pbf, or all three of your own layers "
            "with --network LINES --facilities POINTS --homes POINTS_OR_POLYGONS."
        )
    for name, path in cfg.input_files().items():
        if not path.exists():
            raise LifecircleInputError(f"The {name} input '{path}' does not exist. Check the path (it is read as given, relative to {Path.cwd()}).")
        if path.is_dir():
            raise LifecircleInputError(f"The {name} input '{path}' is a folder; give a file.")
    if cfg.out.exists() and not cfg.out.is_dir():
        raise LifecircleInputError(f"The output '{cfg.out}' exists and is not a folder; choose another --out.")
    if cfg.snap_max_m <= 0:
        raise LifecircleInputError(f"--snap-max must be a positive distance in metres, got {cfg.snap_max_m}.")


def demo_config(out: Path, walk_profile: str = "planning") -> AssessConfig:
    """The README's main job: the embedded Helsinki extract with the cn-health-check and bruno-15min profiles."""
    from lifecircle.sample_data import helsinki_pbf

    return AssessConfig(
        out=Path(out),
        osm=helsinki_pbf(),
        profiles=("cn-health-check", "bruno-15min"),
        walk_profile=walk_profile,
        areas="grid:500",
        m2_per_person="fi-uusimaa",
        unspecified_buildings_as_homes=True,
        study_area="Helsinki (embedded OpenStreetMap extract)",
    )


def _facilities(cfg: AssessConfig, net: WalkNetwork) -> gpd.GeoDataFrame:
    """Facilities from the user's layer or from the OSM file, in the network's CRS, polygon gates applied."""
    from lifecircle.points.features import facilities_from_layer, read_facilities
    from lifecircle.points.snapping import apply_polygon_gates

    if cfg.facilities is not None:
        from lifecircle.points.layers import read_layer

        layer = read_layer(cfg.facilities, crs=cfg.layer_crs, coords=cfg.coords)
        fac = facilities_from_layer(layer, category=cfg.facility_category, category_column=cfg.category_column)
    else:
        fac = read_facilities(cfg.osm)
    return apply_polygon_gates(net, fac)


def _network(cfg: AssessConfig, boundary, update) -> WalkNetwork:
    """The walking network: from the user's line layer (``--network``) when given, else from the OSM file."""
    if cfg.network is not None:
        from lifecircle.points.layers import read_layer
        from lifecircle.network.lines import network_from_lines

        layer = read_layer(cfg.network, crs=cfg.layer_crs, coords=cfg.coords)
        return network_from_lines(
            layer, walk_profile=cfg.walk_profile, dem=cfg.dem, boundary=boundary, keep=cfg.components, crs=cfg.crs,
            highway_column="highway" if "highway" in layer.columns else None,
            oneway_column="oneway" if "oneway" in layer.columns else None,
            progress=lambda _step, fraction: update(fraction),
        )
    from lifecircle.network.osm import read_walk_network

    return read_walk_network(cfg.osm, walk_profile=cfg.walk_profile, dem=cfg.dem, boundary=boundary,
                             keep=cfg.components, crs=cfg.crs, progress=lambda _step, fraction: update(fraction))


_ON_FRAGMENT = "on a network fragment disconnected from the main network"


def _snap(net: WalkNetwork, points: gpd.GeoDataFrame, max_distance_m: float) -> SnappedPoints:
    """Snap to the kept network and mark the points whose nearest line is a fragment the component filter dropped.

    Such points stay snapped to the main network when it is within ``max_distance_m`` (column
    ``on_dropped_fragment`` True); otherwise they are unsnapped with the reason that they sat on a fragment.
    """
    from lifecircle.points.snapping import points_on_dropped, snap_points

    points = points.reset_index(drop=True)
    on_fragment = points_on_dropped(net, points, max_distance_m) if net.dropped is not None else np.zeros(len(points), bool)
    snapped = snap_points(net, points.assign(on_dropped_fragment=on_fragment), max_distance_m)
    if len(snapped.unsnapped):
        mark = snapped.unsnapped["on_dropped_fragment"].to_numpy(bool)
        snapped.unsnapped.loc[mark, "reason"] = _ON_FRAGMENT
    return snapped


def _homes(cfg: AssessConfig, boundary) -> gpd.GeoDataFrame:
    """Homes with population, from the user's layer or the OSM file; those outside the boundary are left out."""
    from lifecircle.points.homes import assign_population, homes_from_layer, homes_from_osm

    if cfg.homes is not None:
        from lifecircle.points.layers import read_layer

        homes = homes_from_layer(read_layer(cfg.homes, crs=cfg.layer_crs, coords=cfg.coords), id_column=cfg.homes_id_column,
                                 metric_crs=cfg.crs)
    else:
        homes = homes_from_osm(cfg.osm, unspecified_as_homes=cfg.unspecified_buildings_as_homes, metric_crs=cfg.crs)
    if boundary is not None:
        inside = homes.to_crs("EPSG:4326").geometry.within(boundary).to_numpy()
        homes = homes.loc[inside].reset_index(drop=True)
        if homes.empty:
            raise LifecircleInputError("No home lies inside the boundary polygon: check that the boundary covers the study area.")
    grid = None
    if cfg.population is not None:
        grid = cfg.population if cfg.population.suffix.lower() in (".tif", ".tiff") else None
        if grid is None:
            from lifecircle.points.layers import read_layer

            grid = read_layer(cfg.population, crs=cfg.layer_crs, coords=cfg.coords)
    try:
        m2: float | str = float(cfg.m2_per_person)
    except ValueError:
        m2 = cfg.m2_per_person
    if grid is not None and cfg.population_column:
        homes = assign_population(homes, grid=grid, grid_column=cfg.population_column,
                                  default_levels=cfg.default_levels, metric_crs=cfg.crs)
    else:
        column = cfg.population_column if grid is None else None
        homes = assign_population(homes, column=column, grid=grid, m2_per_person=m2,
                                  default_levels=cfg.default_levels, metric_crs=cfg.crs)
    if cfg.home_area is not None:
        area = read_boundary(cfg.home_area)
        homes = homes.loc[shapely.within(home_anchors(homes), area)].reset_index(drop=True)
        if homes.empty:
            raise LifecircleInputError(f"No home lies inside the area '{cfg.home_area}'.")
    return homes


def home_anchors(homes: gpd.GeoDataFrame) -> np.ndarray:
    """One WGS-84 point per home that decides which area it belongs to: the centroid of its footprint (a point on
    the footprint when the centroid falls outside it), or the home's point when it has no footprint. A home with
    several entrances on two sides of an area border thus still belongs to exactly one area."""
    geoms = homes.to_crs("EPSG:4326").geometry.to_numpy()
    if "footprint" in homes:
        fp = gpd.GeoSeries(homes["footprint"].to_numpy(), crs=homes.crs).to_crs("EPSG:4326").to_numpy()
        has = ~shapely.is_missing(fp) & ~shapely.is_empty(fp)
        centre = shapely.centroid(fp[has])
        inside = shapely.contains(fp[has], centre)
        geoms = geoms.copy()
        geoms[has] = np.where(inside, centre, shapely.point_on_surface(fp[has]))
    return shapely.centroid(geoms)


def _beyond_limits(homes: gpd.GeoDataFrame, limits: dict[str, float] | None) -> int:
    """Set walking times / distances beyond ``limits`` (see :class:`AssessConfig` ``exact_within``) to +inf and
    clear the facility id next to a time so capped; returns how many values were capped."""
    from lifecircle.results.columns import PREFIX_OF_KIND, categories_in, facility_column

    capped = 0
    for kind, limit in (limits or {}).items():
        prefix = PREFIX_OF_KIND[kind]
        for c in categories_in(homes.columns, prefix):
            col = prefix + c
            beyond = homes[col].to_numpy(np.float64) > limit
            capped += int(np.count_nonzero(beyond & np.isfinite(homes[col].to_numpy(np.float64))))
            homes.loc[beyond, col] = np.inf
            if prefix == PREFIX_OF_KIND["walk_time_s"] and facility_column(c) in homes:
                homes.loc[beyond, facility_column(c)] = ""
    return capped


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "lifecircle": lifecircle.__version__}
    for pkg in ("numpy", "scipy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "osmium", "numba", "rasterio"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "absent"
    return out


#: ``walking(net, homes, facilities, profiles)`` → the homes frame with its walking columns
#: (:func:`lifecircle.accessibility.walking_columns` or a tiled equivalent).
WalkingFn = Callable[[WalkNetwork, SnappedPoints, SnappedPoints, list], gpd.GeoDataFrame]


def run(cfg: AssessConfig, quiet: bool = False, walking: WalkingFn | None = None) -> Path:
    """Run the whole job and publish the results folder ``cfg.out``; returns its path.

    Steps: walking network → facilities → homes and population → snapping → walking times (engine) →
    indicators → files → report. Raises :class:`LifecircleInputError` on bad input before anything is published.
    ``walking`` replaces the walking-times step (``assess --tile-km`` runs it tile by tile on Dask).
    """

    _validate(cfg)
    profiles = [load_profile(p) for p in cfg.profiles]
    counts: dict[str, object] = {}
    with Steps(quiet=quiet) as steps, write_results(cfg.out) as out:
        boundary = read_boundary(cfg.boundary) if cfg.boundary is not None else None
        with steps.step("Walking network") as update:
            net = _network(cfg, boundary, update)
        counts.update(nodes=net.n_nodes, edges=net.n_edges)
        with steps.step("Facilities"):
            facilities = _facilities(cfg, net)
        with steps.step("Homes and population"):
            homes = _homes(cfg, boundary)
        with steps.step("Snapping homes and facilities to the network"):
            snapped_homes = _snap(net, homes, cfg.snap_max_m)
            snapped_fac = _snap(net, facilities, cfg.snap_max_m)
        counts.update(
            homes=len(snapped_homes.frame), homes_unsnapped=len(snapped_homes.unsnapped),
            facilities=len(snapped_fac.frame), facilities_unsnapped=len(snapped_fac.unsnapped),
            facilities_by_category=snapped_fac.frame.groupby("category")["id"].nunique().to_dict(),
            homes_on_dropped_fragments=int(snapped_homes.frame["on_dropped_fragment"].sum()),
            facilities_on_dropped_fragments=int(snapped_fac.frame["on_dropped_fragment"].sum()),
            population=float(snapped_homes.frame["population"].sum()),
            population_unsnapped=float(snapped_homes.unsnapped["population"].sum()) if len(snapped_homes.unsnapped) else 0.0,
        )
        with steps.step("Walking times to every category (engine)"):
            home_frame = (walking or walking_columns)(net, snapped_homes, snapped_fac, profiles)
            if cfg.exact_within:
                counts["values_beyond_exact_limit"] = _beyond_limits(home_frame, cfg.exact_within)
        with steps.step("Indicators"):
            denominator, note = choose_denominator(home_frame, cfg.denominator)
            if note:
                counts["denominator_note"] = note
                steps.info(f"[yellow]Note:[/] {note}")
            indicators = indicator_table(home_frame, profiles, cfg.areas, denominator, cfg.areas_id_column)
            gaps = gap_table(home_frame, profiles, denominator)
            areas = area_polygons(home_frame, cfg.areas, cfg.areas_id_column)
            if areas is not None:
                home_frame["area_id"] = assign_areas(home_frame, cfg.areas, cfg.areas_id_column).to_numpy()
        with steps.step("Writing results"):
            unsnapped = pd.concat(
                [snapped_homes.unsnapped.assign(kind="home"), snapped_fac.unsnapped.assign(kind="facility")],
                ignore_index=True,
            )
            unsnapped = (gpd.GeoDataFrame(unsnapped, geometry="geometry").to_crs(net.crs) if len(unsnapped)
                         else gpd.GeoDataFrame({"kind": [], "id": [], "reason": []}, geometry=[], crs=net.crs))
            record = RunRecord(
                created=RunRecord.now(),
                study_area=cfg.study_area,
                inputs=input_record(dict(cfg.input_files())),
                parameters={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
                profiles=[p.id for p in profiles],
                walk_profile=net.walk_profile,
                crs=net.crs,
                counts=counts,
                network={k: v for k, v in net.meta.items() if k != "dropped"},
                versions=_versions(),
                timings_s=steps.timings_s,
                attribution=[OSM_ATTRIBUTION] if cfg.osm is not None else [],
            )
            out.outputs(net, home_frame, snapped_fac.frame, indicators, unsnapped, areas, gaps, record)
        with steps.step("Report"):
            build_report(out.staging, out_path=out.path(REPORT_FILE))
    return cfg.out
