"""The main job: from map data to a results folder (network, facilities, homes with walking times, indicators, report).

One function, :func:`run`, runs the steps in order (``lifecircle assess`` and ``lifecircle demo`` call it). Each
step is a call into the module that owns it; this module only validates inputs and passes frames between steps,
and :mod:`lifecircle.results.writer` writes the folder (schema: ``docs/outputs.md``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
from lifecircle.points.homes import home_anchors
from lifecircle.progress import Steps
from lifecircle.report import build_report
from lifecircle.results.folder import REPORT_FILE, RunRecord
from lifecircle.results.writer import input_record, write_results


@dataclass
class AssessConfig:
    """Everything a run needs. Paths are the user's files; ``out`` is the results folder.

    Either ``osm`` (an .osm.pbf / .osm file giving network, facilities and homes) or the three user layers
    (``network``, ``facilities``, ``homes``); a user layer overrides what OSM would give. Facility layers replace
    OSM's facilities only for the categories they contain (``facilities_only`` drops OSM's entirely); each file
    of ``facilities`` is a POI export of the provider at the same position of ``poi_source`` (``amap``, ``baidu``,
    ``tencent``; one value applies to every file) or, without one, a layer with a category column. ``homes`` with
    ``landuse_code`` and ``landuse_system`` is a land-use survey layer whose residential parcels are the homes.
    ``age_columns`` (``"60+=老年人口"``) name the age-group columns of the ``population`` layer (recognised by
    name when empty).

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
    facilities: Path | tuple[Path, ...] | None = None
    facility_category: str | None = None
    category_column: str = "category"
    poi_source: str | tuple[str, ...] | None = None
    poi_map: Path | None = None
    facilities_only: bool = False
    landuse_code: str | None = None
    landuse_system: str | None = None
    age_columns: tuple[str, ...] = ()
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

    @property
    def facility_files(self) -> tuple[Path, ...]:
        """The facility files given (none, one or several)."""
        if self.facilities is None:
            return ()
        if isinstance(self.facilities, (str, Path)):
            return (Path(self.facilities),)
        return tuple(Path(f) for f in self.facilities)

    def poi_providers(self) -> tuple[str | None, ...]:
        """Per facility file, its POI provider (None: a layer with a category column)."""
        files = self.facility_files
        given = (self.poi_source,) if isinstance(self.poi_source, str) else tuple(self.poi_source or ())
        if not given:
            return (None,) * len(files)
        if len(given) == 1:
            return given * len(files)
        if len(given) != len(files):
            raise LifecircleInputError(
                f"{len(files)} facility files but {len(given)} --poi-source values: give one provider for all files, or "
                "one per file in the same order.")
        return given

    def input_files(self) -> dict[str, Path]:
        files = self.facility_files
        named = {
            "osm": self.osm,
            "network": self.network,
            **{("facilities" if k == 0 else f"facilities:{k + 1}"): f for k, f in enumerate(files)},
            "poi_map": self.poi_map,
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
    if cfg.osm is None and (cfg.network is None or not cfg.facility_files or cfg.homes is None):
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
    cfg.poi_providers()
    if cfg.facilities_only and not cfg.facility_files:
        raise LifecircleInputError("--facilities-only drops OpenStreetMap's facilities, but no --facilities file was given.")
    if (cfg.landuse_code is None) != (cfg.landuse_system is None):
        raise LifecircleInputError(
            "A land-use layer needs both --landuse-code (the code column, e.g. DLBM) and --landuse-system "
            "(sandiao for 三调 / 年度变更调查, yongdi2023 for 国土空间用地用海分类): the two systems number 0702 differently.")
    if cfg.landuse_system is not None:
        from lifecircle.points.landuse import residential_codes

        residential_codes(cfg.landuse_system)
        if cfg.homes is None:
            raise LifecircleInputError("--landuse-code/--landuse-system describe the --homes layer; give it with --homes landuse.gpkg.")
    if cfg.age_columns:
        from lifecircle.points.population import parse_age_columns

        parse_age_columns(cfg.age_columns)
        if cfg.population is None:
            raise LifecircleInputError("--age-column names columns of the --population layer; give it with --population.")


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


@dataclass
class FacilityInputs:
    """The facilities of a run and where they came from."""

    frame: gpd.GeoDataFrame
    sources: dict[str, str]
    poi_reports: list = field(default_factory=list)
    duplicates_merged: int = 0
    replaced_osm: list[str] = field(default_factory=list)


def _user_facilities(cfg: AssessConfig) -> tuple[list[gpd.GeoDataFrame], list]:
    """Each facility file as a facilities frame in WGS-84 with its ``facility_source`` (``user``, ``poi:amap``...)."""
    from lifecircle.points.features import facilities_from_layer
    from lifecircle.points.layers import read_layer
    from lifecircle.points.poi import read_poi_export, read_poi_rules

    extra = read_poi_rules(cfg.poi_map) if cfg.poi_map is not None else None
    parts, reports = [], []
    files = cfg.facility_files
    for k, (path, provider) in enumerate(zip(files, cfg.poi_providers(), strict=True)):
        if provider is not None:
            fac, report = read_poi_export(path, provider, extra)
            reports.append(report)
            label = f"poi:{provider}"
        else:
            fac = facilities_from_layer(read_layer(path, crs=cfg.layer_crs, coords=cfg.coords), category=cfg.facility_category,
                                        category_column=cfg.category_column)
            label = "user"
            if len(files) > 1:
                fac["id"] = [f"f{k + 1}:{i}" for i in fac["id"]]
        parts.append(fac.to_crs("EPSG:4326").assign(facility_source=label))
    return parts, reports


def _facilities(cfg: AssessConfig, net: WalkNetwork) -> FacilityInputs:
    """Facilities from the user's files and the OSM file, in the network's CRS, polygon gates applied.

    A user file replaces OSM's facilities only for the categories it holds; ``facilities_only`` drops OSM's
    entirely. Same-named facilities of one category a few metres apart in two files are merged."""
    from lifecircle.points.features import read_facilities
    from lifecircle.points.poi import merge_duplicates
    from lifecircle.points.snapping import apply_polygon_gates

    parts, reports = _user_facilities(cfg)
    merged = 0
    user_cats: set[str] = set()
    if parts:
        user = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        if len(parts) > 1:
            user, merged = merge_duplicates(user)
        user_cats = set(user["category"])
        parts = [user]
    replaced: list[str] = []
    if cfg.osm is not None and not cfg.facilities_only:
        osm = read_facilities(cfg.osm)
        replaced = sorted(set(osm["category"]) & user_cats)
        parts.insert(0, osm.loc[~osm["category"].isin(user_cats)].assign(facility_source="osm"))
    fac = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    fac["footprint"] = gpd.GeoSeries(fac["footprint"].to_numpy(), crs="EPSG:4326").values
    sources = {c: "+".join(sorted(set(g))) for c, g in fac.groupby("category")["facility_source"]}
    return FacilityInputs(apply_polygon_gates(net, fac), dict(sorted(sources.items())), reports, merged, replaced)


def _network(cfg: AssessConfig, boundary, update) -> WalkNetwork:
    """The walking network: from the user's line layer (``--network``) when given, else from the OSM file."""
    if cfg.network is not None:
        from lifecircle.network.lines import network_from_lines
        from lifecircle.points.layers import read_layer

        layer = read_layer(cfg.network, crs=cfg.layer_crs, coords=cfg.coords)
        return network_from_lines(
            layer, walk_profile=cfg.walk_profile, dem=cfg.dem, boundary=boundary, keep=cfg.components, crs=cfg.crs,
            highway_column="highway" if "highway" in layer.columns else None,
            oneway_column="oneway" if "oneway" in layer.columns else None,
            progress=lambda _step, fraction: update(fraction),
        )
    from lifecircle.network.osm import read_walk_network

    if cfg.osm is None:  # _validate refuses this before any work
        raise LifecircleInputError("No walking network: give an OpenStreetMap file with --osm, or your lines with --network.")
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


def _read_homes(cfg: AssessConfig) -> gpd.GeoDataFrame:
    """Homes from the user's layer (a land-use survey layer when its code column and system are named) or OSM."""
    from lifecircle.points.homes import homes_from_layer, homes_from_osm

    if cfg.homes is None:
        if cfg.osm is None:  # _validate refuses this before any work
            raise LifecircleInputError("No homes: give your homes layer with --homes, or an OpenStreetMap file with --osm.")
        return homes_from_osm(cfg.osm, unspecified_as_homes=cfg.unspecified_buildings_as_homes, metric_crs=cfg.crs)
    from lifecircle.points.layers import read_layer

    layer = read_layer(cfg.homes, crs=cfg.layer_crs, coords=cfg.coords)
    if cfg.landuse_code is not None and cfg.landuse_system is not None:
        from lifecircle.points.landuse import homes_from_landuse

        return homes_from_landuse(layer, cfg.landuse_code, cfg.landuse_system, id_column=cfg.homes_id_column,
                                  metric_crs=cfg.crs)
    return homes_from_layer(layer, id_column=cfg.homes_id_column, metric_crs=cfg.crs)


def _homes(cfg: AssessConfig, boundary) -> gpd.GeoDataFrame:
    """Homes with population (and people per age group when the population layer gives them), from the user's
    layer or the OSM file; those outside the boundary are left out. ``attrs["age_groups"]`` names the groups
    spread (empty when the population has none)."""
    from lifecircle.points.homes import assign_population

    homes = _read_homes(cfg)
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
        out = assign_population(homes, grid=grid, grid_column=cfg.population_column,
                                default_levels=cfg.default_levels, metric_crs=cfg.crs)
    else:
        column = cfg.population_column if grid is None else None
        out = assign_population(homes, column=column, grid=grid, m2_per_person=m2,
                                default_levels=cfg.default_levels, metric_crs=cfg.crs)
    out.attrs["age_groups"] = {}
    if isinstance(grid, gpd.GeoDataFrame):
        from lifecircle.points.population import detect_age_columns, parse_age_columns, spread_age_groups

        groups = parse_age_columns(cfg.age_columns) if cfg.age_columns else detect_age_columns(grid.columns)
        if groups:
            out = spread_age_groups(out, grid, groups)
    if cfg.home_area is not None:
        groups_spread = out.attrs["age_groups"]
        area = read_boundary(cfg.home_area)
        out = out.loc[shapely.within(home_anchors(out), area)].reset_index(drop=True)
        out.attrs["age_groups"] = groups_spread
        if out.empty:
            raise LifecircleInputError(f"No home lies inside the area '{cfg.home_area}'.")
    return out


def _age_warning(profiles, homes: gpd.GeoDataFrame) -> str:
    """A sentence when the profiles name age groups the population does not give (empty when all are given)."""
    from lifecircle.points.population import age_column

    wanted = sorted({i.age_group for p in profiles for i in p.indicators if i.age_group})
    absent = [g for g in wanted if age_column(g) not in homes.columns
              and not (g in ("60+", "65+") and age_column("65+" if g == "60+" else "60+") in homes.columns)]
    if not absent:
        return ""
    return (f"The population gives no age group {', '.join(absent)}: the coverage of the people these facilities serve "
            "is not computed, and those indicators use the standard's denominator only. Give a population layer with "
            "age-group columns (--population 社区人口.gpkg --age-column 60+=COLUMN).")


def _data_warnings(profiles, fac_counts: dict[str, int]) -> tuple[list[str], dict[str, object]]:
    """Warnings about categories with no facility, and their record for ``run.json`` counts."""
    from lifecircle.indicators.completeness import empty_categories

    empty = empty_categories(profiles, fac_counts)
    hint = ("OpenStreetMap often lacks such facilities (in China nearly always): bring your own layer with --facilities, "
            "or a web-map POI export with --facilities pois.xlsx --poi-source amap (README: the Yuzhong tutorial).")
    warnings = empty.warnings(hint)
    return warnings, {"empty_categories": empty.categories, "indicators_without_facilities": empty.indicators}


def _jsonable(value: object) -> object:
    """A parameter as ``run.json`` holds it: paths as text, tuples as lists."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def _report_facility_inputs(fac: FacilityInputs, counts: dict[str, object], steps: Steps) -> None:
    """Record (``counts["poi"]``, ``counts["facility_duplicates_merged"]``) and print what the facility files gave:
    categories taken from them instead of OSM, POI types no rule maps, duplicates merged."""
    if fac.poi_reports:
        counts["poi"] = [r.to_json() for r in fac.poi_reports]
    if fac.duplicates_merged:
        counts["facility_duplicates_merged"] = fac.duplicates_merged
        steps.info(f"[yellow]Note:[/] {fac.duplicates_merged} facilities listed in two files (same name, a few metres apart) merged.")
    if fac.replaced_osm:
        steps.info(f"Your facilities replace OpenStreetMap's for: {', '.join(fac.replaced_osm)}; OpenStreetMap's kept for the other categories.")
    for r in fac.poi_reports:
        steps.info(f"{r.path} ({r.provider}): {r.rows} POIs, {sum(r.by_category.values())} facilities, "
                   f"{r.not_facilities} not life-circle facilities, {r.duplicates_merged} duplicates merged, "
                   f"{r.unmapped_rows} of types no rule maps.")
        if r.unmapped:
            top = "; ".join(f"{t} ({n})" for t, n in list(r.unmapped.items())[:8])
            more = f" and {len(r.unmapped) - 8} more types" if len(r.unmapped) > 8 else ""
            steps.info(f"  [yellow]Unmapped POI types:[/] {top}{more}. Map them with --poi-map my.csv "
                       "(columns as lifecircle/data/poi_types.csv).")


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
            fac_inputs = _facilities(cfg, net)
        _report_facility_inputs(fac_inputs, counts, steps)
        with steps.step("Homes and population"):
            homes = _homes(cfg, boundary)
            if cfg.landuse_system is not None:  # parcels: access points where the outline meets the network
                from lifecircle.points.snapping import apply_polygon_gates

                homes = apply_polygon_gates(net, homes)
                counts["homes_with_gates"] = int((homes["access_kind"] == "gate").sum())
        counts["age_groups"] = dict(homes.attrs.get("age_groups") or {})
        with steps.step("Snapping homes and facilities to the network"):
            snapped_homes = _snap(net, homes, cfg.snap_max_m)
            snapped_fac = _snap(net, fac_inputs.frame, cfg.snap_max_m)
        by_category: dict[str, int] = snapped_fac.frame.groupby("category")["id"].nunique().to_dict()
        counts.update(
            homes=len(snapped_homes.frame), homes_unsnapped=len(snapped_homes.unsnapped),
            facilities=len(snapped_fac.frame), facilities_unsnapped=len(snapped_fac.unsnapped),
            facilities_by_category=by_category,
            homes_on_dropped_fragments=int(snapped_homes.frame["on_dropped_fragment"].sum()),
            facilities_on_dropped_fragments=int(snapped_fac.frame["on_dropped_fragment"].sum()),
            population=float(snapped_homes.frame["population"].sum()),
            population_unsnapped=float(snapped_homes.unsnapped["population"].sum()) if len(snapped_homes.unsnapped) else 0.0,
        )
        warnings, empty_record = _data_warnings(profiles, by_category)
        counts.update(empty_record)
        age_note = _age_warning(profiles, homes)
        if age_note:
            warnings.append(age_note)
        for w in warnings:
            steps.console.print(f"[bold yellow]Warning:[/] {w}")
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
            area_ids = assign_areas(home_frame, cfg.areas, cfg.areas_id_column) if areas is not None else None
            if area_ids is not None:
                home_frame["area_id"] = area_ids.to_numpy()
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
                parameters={k: _jsonable(v) for k, v in asdict(cfg).items()},
                profiles=[p.id for p in profiles],
                walk_profile=net.walk_profile,
                crs=net.crs,
                counts=counts,
                network={k: v for k, v in net.meta.items() if k != "dropped"},
                versions=_versions(),
                timings_s=steps.timings_s,
                attribution=[OSM_ATTRIBUTION] if cfg.osm is not None else [],
                facility_sources=fac_inputs.sources,
                data_warnings=warnings,
            )
            out.outputs(net, home_frame, snapped_fac.frame, indicators, unsnapped, areas, gaps, record)
        with steps.step("Report"):
            build_report(out.staging, out_path=out.path(REPORT_FILE))
    return cfg.out
