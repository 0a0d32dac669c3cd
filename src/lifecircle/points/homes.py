"""Homes (the origins of every walk) and how many people live in each.

Origins come from, in this order of preference:

1. a user layer (points or polygons: :func:`homes_from_layer`);
2. OpenStreetMap residential buildings (:func:`homes_from_osm`): ``building`` values that are homes
   (:data:`RESIDENTIAL_BUILDINGS`), plus ``building=yes`` whose footprint's representative point lies inside a
   ``landuse=residential`` polygon;
3. OpenStreetMap ``landuse=residential`` polygons, when the file maps no residential building.

Population per origin (:func:`assign_population`, the method used is written in ``population_source``):

(a) ``column``: a user column of people per origin;
(b) ``grid``: a population grid (GeoTIFF of people per pixel, or polygons with a people column) distributed over the
    homes by floor area: each cell's people are shared among the homes in proportion to the floor area of the part of
    their footprint inside the cell (footprint ∩ cell area × levels). Every person of a cell that holds at least one
    home is assigned, so the grid's total over cells with homes is preserved exactly; people of cells without any
    home are reported as lost (``attrs["population_lost"]``, ``attrs["cells_without_homes"]``);
(c) ``floor_area``: floor area ÷ floor area per person (``data/floor_area_per_person.csv``; default ``cn-urban``,
    36.52 m² of housing construction area per urban resident, China's 2020 census 🟡).

Floor area = footprint area × ``building:levels``; where levels are unmapped, ``default_levels`` (default: the median
of the mapped levels among the homes, or 1 when none is mapped: a reasoned choice, not a standard number).
Footprint × levels is a *gross* floor area, like China's 建筑面积; Finland's statistics count net dwelling area, so
method (c) with ``fi`` overestimates people by the gross/net ratio (typically 1.2–1.3).
"""

from __future__ import annotations

import csv
import json
import math
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import metric_crs_for

#: ``building=*`` values that are homes (OSM wiki "Key:building", section Accommodation).
RESIDENTIAL_BUILDINGS = frozenset({
    "residential", "apartments", "house", "detached", "dormitory", "terrace", "semidetached_house", "bungalow",
    "farm", "static_caravan", "houseboat", "stilt_house", "trullo", "ger",
})
#: Tag keys that say a ``building=yes`` is used for something other than dwellings.
_OTHER_USE_KEYS = frozenset({"amenity", "shop", "office", "tourism", "leisure", "craft", "industrial", "man_made",
                             "public_transport", "railway", "healthcare", "religion", "historic"})
#: Columns of a homes frame, in order.
HOME_COLUMNS = ("id", "population", "area_m2", "floor_area_m2", "levels", "population_source", "access_kind", "kind",
                "geometry", "footprint")
#: Default floor area per person (id of ``data/floor_area_per_person.csv``).
DEFAULT_FLOOR_AREA_ID = "cn-urban"
_WGS84 = "EPSG:4326"


# --------------------------------------------------------------------------------------------------- helpers
def floor_area_per_person_table() -> pd.DataFrame:
    """``data/floor_area_per_person.csv``: ``id``, ``m2_per_person`` (m² of floor area per resident), ``year``,
    ``measure``, ``source``, ``confidence``."""
    with resources.files("lifecircle").joinpath("data/floor_area_per_person.csv").open(encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh))).astype({"m2_per_person": "float64"})


def _m2_per_person(value: float | str) -> tuple[float, str]:
    if isinstance(value, str):
        table = floor_area_per_person_table().set_index("id")
        if value not in table.index:
            raise LifecircleInputError(
                f"Unknown floor-area-per-person id '{value}'. Use one of {', '.join(table.index)} or a number of m² per person."
            )
        row = table.loc[value]
        return float(row.m2_per_person), f"{value}: {row.m2_per_person:g} m²/person ({row.source}) {row.confidence}"
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise LifecircleInputError(f"Floor area per person must be a positive number of m², got {value}.")
    return v, f"user: {v:g} m²/person"


def _metric_crs(gdf: gpd.GeoDataFrame, chosen: str | None = None) -> str:
    """``chosen`` when given, else the metric CRS :func:`lifecircle.network.crs.metric_crs_for` picks at the centre of
    the frame's bounding box."""
    if chosen is not None:
        return chosen
    bounds = gdf.to_crs(_WGS84).total_bounds if len(gdf) else np.full(4, np.nan)
    if not np.isfinite(bounds).all():
        raise LifecircleInputError("The homes have no geometry to measure (empty or missing geometries).")
    return metric_crs_for((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)


def _access_point(poly):
    c = poly.centroid
    return c if poly.contains(c) else poly.point_on_surface()


def _frame(ids, footprints, access, access_kind, kind, levels, crs, metric) -> gpd.GeoDataFrame:
    fp = gpd.GeoSeries(footprints, crs=crs)
    area = fp.to_crs(metric).area.to_numpy() if len(fp) else np.array([])
    area = np.where(fp.isna().to_numpy(), np.nan, area) if len(fp) else area
    out = gpd.GeoDataFrame(
        {"id": list(ids), "population": np.nan, "area_m2": area, "floor_area_m2": np.nan,
         "levels": np.asarray(levels, dtype=np.float64), "population_source": "", "access_kind": list(access_kind),
         "kind": list(kind)},
        geometry=gpd.GeoSeries(access, crs=crs).values, crs=crs,
    )
    out["footprint"] = fp.values
    return out[list(HOME_COLUMNS)]


def _fill_floor_area(homes: gpd.GeoDataFrame, default_levels: float | None) -> tuple[gpd.GeoDataFrame, float]:
    levels = homes["levels"].to_numpy(np.float64)
    mapped = levels[np.isfinite(levels) & (levels > 0)]
    if default_levels is None:
        default_levels = float(np.median(mapped)) if len(mapped) else 1.0
    elif not (math.isfinite(default_levels) and default_levels > 0):
        raise LifecircleInputError(f"default_levels must be a positive number of storeys, got {default_levels}.")
    used = np.where(np.isfinite(levels) & (levels > 0), levels, default_levels)
    out = homes.copy()
    out["floor_area_m2"] = out["area_m2"].to_numpy(np.float64) * used
    return out, float(default_levels)


# --------------------------------------------------------------------------------------------------- origins
def select_residential_buildings(buildings: gpd.GeoDataFrame, residential_land: gpd.GeoDataFrame | None = None,
                                 unspecified_as_homes: bool = False) -> gpd.GeoDataFrame:
    """Buildings that are homes: ``building`` in :data:`RESIDENTIAL_BUILDINGS`, or ``building=yes`` whose
    representative point lies in a ``residential_land`` polygon. Frames as :func:`lifecircle.points.features.read_buildings`.

    With ``unspecified_as_homes``, every other ``building=yes`` (use not mapped) that carries no tag of another use
    (:data:`_OTHER_USE_KEYS`: amenity, shop, office...) is a home too: OpenStreetMap rarely maps what a building is
    used for (in the embedded Helsinki extract 334 of 446 buildings are ``building=yes``), and in a city centre most
    such buildings hold dwellings. The result's ``unspecified_use`` column marks them, so reports can say so.
    """
    is_home = buildings["building"].isin(RESIDENTIAL_BUILDINGS).to_numpy().copy()
    unspecified = np.zeros(len(buildings), bool)
    if residential_land is not None and len(residential_land):
        cand = buildings["building"].eq("yes").to_numpy() & ~is_home
        if cand.any():
            land = residential_land.to_crs(buildings.crs)
            pts = shapely.point_on_surface(buildings.geometry.to_numpy()[cand])
            tree = shapely.STRtree(land.geometry.to_numpy())
            hit = np.unique(tree.query(pts, predicate="within")[0])
            idx = np.flatnonzero(cand)[hit]
            is_home[idx] = True
    if unspecified_as_homes:
        other_use = buildings["osm_tags"].map(lambda t: bool(_OTHER_USE_KEYS & set(json.loads(t or "{}")))).to_numpy(bool)
        unspecified = buildings["building"].eq("yes").to_numpy() & ~is_home & ~other_use
        is_home |= unspecified
    out = buildings.assign(unspecified_use=unspecified)
    return out.loc[is_home].reset_index(drop=True)


def homes_from_osm(path: str | Path, crs: str | None = None, use_landuse: bool = True,
                   unspecified_as_homes: bool = False, metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """Origins from an OSM file: residential buildings, or residential land when no residential building is mapped.

    Returns the homes frame (:data:`HOME_COLUMNS`) without population: ``id`` (``w123``/``r456``), ``area_m2``
    (footprint or land area, m²), ``levels`` (``building:levels`` or NaN), ``access_kind`` (``entrance`` when
    ``entrance=*`` nodes lie on the outline — a MultiPoint of them — else ``centroid``), ``kind`` (``building``, ``building_unspecified_use`` or
    ``residential_land``), ``geometry`` (access point), ``footprint``. In ``crs`` (WGS-84 when None). Areas are
    measured in ``metric_crs`` (default: chosen at the homes' centre).
    """
    from lifecircle.points.features import read_buildings, read_landuse

    buildings = read_buildings(path)
    land = read_landuse(path, ("residential",))
    homes = select_residential_buildings(buildings, land if use_landuse else None, unspecified_as_homes)
    if len(homes):
        access = [e if e is not None else _access_point(g) for e, g in zip(homes["entrances"], homes.geometry, strict=True)]
        kinds = ["entrance" if e is not None else "centroid" for e in homes["entrances"]]
        kind = np.where(homes["unspecified_use"].to_numpy(bool), "building_unspecified_use", "building")
        out = _frame(homes["id"], homes.geometry.values, access, kinds, kind, homes["levels"],
                     _WGS84, _metric_crs(homes, metric_crs))
    elif use_landuse and len(land):
        out = _frame(land["id"], land.geometry.values, [_access_point(g) for g in land.geometry],
                     ["centroid"] * len(land), ["residential_land"] * len(land), [np.nan] * len(land), _WGS84,
                     _metric_crs(land, metric_crs))
    else:
        raise LifecircleInputError(
            f"{path} maps no residential building (building=residential|apartments|house|..., or building=yes inside "
            "landuse=residential) and no landuse=residential: there are no homes to measure from. Give your own homes "
            "layer (--homes) or a population grid."
        )
    out.attrs["source"] = str(path)
    return out if crs is None else _to_crs(out, crs)


def _to_crs(homes: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    fp = gpd.GeoSeries(homes["footprint"].to_numpy(), index=homes.index, crs=homes.crs).to_crs(crs)
    out = homes.to_crs(crs)
    out["footprint"] = fp.values
    return out


def homes_from_layer(layer: gpd.GeoDataFrame, id_column: str | None = None, levels_column: str | None = None,
                     metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """Origins from a user layer (points, or polygons such as buildings or residential parcels).

    ``id`` comes from ``id_column`` (default: a column named ``id`` if any, else ``h0``, ``h1``...); polygons give
    ``area_m2`` and ``footprint`` and their centroid as the access point; ``levels_column`` gives storeys. All other
    columns of the layer are kept (e.g. a population column for :func:`assign_population`).
    """
    if layer.crs is None:
        raise LifecircleInputError("The homes layer has no CRS; read it with lifecircle.points.layers.read_layer(..., crs=...).")
    if layer.empty:
        raise LifecircleInputError("The homes layer is empty: there are no homes to measure from.")
    if id_column is not None and id_column not in layer.columns:
        raise LifecircleInputError(f"The homes layer has no column '{id_column}' (--homes-id-column); its columns are "
                                   f"{list(layer.columns)}.")
    col = id_column or ("id" if "id" in layer.columns else None)
    ids = layer[col].astype(str).to_numpy() if col else np.array([f"h{i}" for i in range(len(layer))])
    if len(set(ids)) != len(ids):
        raise LifecircleInputError(f"The homes layer's ids (column '{col}') repeat; name a column of unique ids with --homes-id-column NAME (id_column= in Python), or drop the id column to "
                                   "number the homes h0, h1...")
    geoms = layer.geometry.to_numpy()
    is_poly = np.array([g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in geoms])
    footprints = np.where(is_poly, geoms, None)
    access = [_access_point(g) if p else g for g, p in zip(geoms, is_poly, strict=True)]
    levels = layer[levels_column].to_numpy(np.float64) if levels_column else np.full(len(layer), np.nan)
    out = _frame(ids, footprints, access, np.where(is_poly, "centroid", "point"), np.where(is_poly, "polygon", "point"),
                 levels, layer.crs, _metric_crs(layer, metric_crs))
    # the user's columns are kept; those named like a column of the homes frame (population, floor_area_m2, area_m2)
    # replace the placeholder, so a 'population' column can be used with population_from_column
    placeholders = {"population", "floor_area_m2", "area_m2"}
    extra = [c for c in layer.columns if (c not in out.columns or c in placeholders) and c != layer.geometry.name]
    for c in extra:
        out[c] = layer[c].to_numpy()
    out.attrs.update(layer.attrs)
    return out


# --------------------------------------------------------------------------------------------------- population
def population_from_column(homes: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """(a) People per home from the user's ``column`` (non-negative numbers)."""
    if column not in homes.columns:
        raise LifecircleInputError(f"No population column '{column}' in the homes layer; its columns are {list(homes.columns)}.")
    values = pd.to_numeric(homes[column], errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if len(bad):
        raise LifecircleInputError(
            f"Population column '{column}' has missing, non-numeric or negative values in rows {', '.join(map(str, bad[:10] + 1))}"
            f"{' and more' if len(bad) > 10 else ''}: fix them (0 for an empty home)."
        )
    out = homes.copy()
    out["population"] = values
    out["population_source"] = f"column:{column}"
    return out


def population_from_floor_area(homes: gpd.GeoDataFrame, m2_per_person: float | str = DEFAULT_FLOOR_AREA_ID,
                               default_levels: float | None = None) -> gpd.GeoDataFrame:
    """(c) People = floor area (m², footprint × levels) ÷ ``m2_per_person`` (a number, or an id of
    ``data/floor_area_per_person.csv``). Needs footprints (buildings), not points or land parcels."""
    if homes["area_m2"].isna().any() or (homes["kind"] == "residential_land").any():
        raise LifecircleInputError(
            "Estimating population from floor area needs building footprints; these homes are points or residential land "
            "parcels. Give a population column or a population grid instead."
        )
    per_person, source = _m2_per_person(m2_per_person)
    out, used_levels = _fill_floor_area(homes, default_levels)
    out["population"] = out["floor_area_m2"] / per_person
    out["population_source"] = f"floor_area: {source}; unmapped levels = {used_levels:g}"
    return out


def _grid_cells(grid, column: str, homes_metric: gpd.GeoDataFrame, metric: str) -> gpd.GeoDataFrame:
    """Population cells (polygons with a ``people`` column) in the metric CRS, near the homes for rasters."""
    if isinstance(grid, gpd.GeoDataFrame):
        cells = grid
        name = "the population grid"
    else:
        p = Path(grid)
        if not p.is_file():
            raise LifecircleInputError(f"Population grid '{p}' does not exist; give a GeoTIFF or a polygon layer with a people column.")
        name = str(p)
        if p.suffix.lower() in (".tif", ".tiff", ".vrt", ".img", ".asc"):
            return _raster_cells(p, homes_metric, metric)
        from lifecircle.points.layers import read_layer

        cells = read_layer(p, to_crs=None)
    if cells.crs is None:
        raise LifecircleInputError(f"{name} has no CRS; set one.")
    if column not in cells.columns:
        raise LifecircleInputError(f"{name} has no column '{column}' of people per cell; its columns are {list(cells.columns)}. Name it with --population-column NAME (grid_column= in Python).")
    people = pd.to_numeric(cells[column], errors="coerce").to_numpy(np.float64)
    if (~np.isfinite(people) | (people < 0)).any():
        raise LifecircleInputError(f"{name}: column '{column}' has missing, non-numeric or negative values.")
    return gpd.GeoDataFrame({"people": people}, geometry=cells.geometry.values, crs=cells.crs).to_crs(metric)


def _pixel_of(affine, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply an affine transform (rasterio's ``Affine``) to coordinate arrays."""
    return affine.a * x + affine.b * y + affine.c, affine.d * x + affine.e * y + affine.f


def _raster_cells(path: Path, homes_metric: gpd.GeoDataFrame, metric: str) -> gpd.GeoDataFrame:
    """Pixels (people per pixel, > 0, not nodata) of the raster's first band over the homes' extent, as polygons."""
    import rasterio
    from rasterio.windows import Window

    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise LifecircleInputError(f"Cannot open population raster {path}: {exc}") from exc
    with src:
        if src.crs is None:
            raise LifecircleInputError(f"Population raster {path} has no CRS; set one (gdal_edit.py -a_srs EPSG:....).")
        fp = gpd.GeoSeries(homes_metric["footprint"].to_numpy(), crs=metric).to_crs(src.crs)
        xmin, ymin, xmax, ymax = fp.total_bounds
        cs, rs = _pixel_of(~src.transform, np.array([xmin, xmin, xmax, xmax]), np.array([ymin, ymax, ymin, ymax]))
        c0, c1 = max(int(np.floor(min(cs))), 0), min(int(np.ceil(max(cs))), src.width)
        r0, r1 = max(int(np.floor(min(rs))), 0), min(int(np.ceil(max(rs))), src.height)
        window = Window(c0, r0, max(c1 - c0, 0), max(r1 - r0, 0))
        band = src.read(1, window=window, masked=True).astype(np.float64)
        t = src.window_transform(window)
        crs = src.crs
    valid = ~np.ma.getmaskarray(band) & (band.filled(0) > 0)
    rows, cols = np.nonzero(valid)
    people = band.filled(0)[rows, cols]
    x0, y0 = _pixel_of(t, cols.astype(np.float64), rows.astype(np.float64))
    x1, y1 = _pixel_of(t, cols + 1.0, rows + 1.0)
    polys = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
    return gpd.GeoDataFrame({"people": people}, geometry=polys, crs=crs).to_crs(metric)


def population_from_grid(homes: gpd.GeoDataFrame, grid, grid_column: str = "population",
                         default_levels: float | None = None, metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """(b) Distribute a population grid over the homes by floor area (see the module docstring).

    Parameters
    ----------
    homes
        Homes with footprints (buildings or land parcels; land parcels weigh by land area, levels 1).
    grid
        A GeoTIFF (people per pixel), a polygon layer file, or a GeoDataFrame of cells.
    grid_column
        Column of people per cell for polygon grids.
    metric_crs
        CRS the footprints and cells are intersected in (default: chosen at the homes' centre).

    Returns
    -------
    GeoDataFrame
        ``homes`` with ``population`` (people) and ``floor_area_m2``; ``attrs``: ``grid_population`` (people in all
        cells read), ``population_assigned``, ``population_lost`` (people of cells holding no home, e.g. outside the
        study area), ``cells_without_homes``. A polygon grid is read whole; a raster only over the bounding box of
        the homes (a national raster stays cheap), so its ``grid_population`` and ``population_lost`` cover that
        box.
    """
    if homes["footprint"].isna().any():
        raise LifecircleInputError("Distributing a population grid needs home footprints (polygons); some homes are points. Use a population column instead.")
    metric = _metric_crs(homes, metric_crs)
    hm = _to_crs(homes, metric)
    if (hm["kind"] == "residential_land").any():
        hm["levels"] = np.where(hm["kind"] == "residential_land", 1.0, hm["levels"])
    hm, used_levels = _fill_floor_area(hm, default_levels)
    cells = _grid_cells(grid, grid_column, hm, metric)
    fps = hm["footprint"].to_numpy()
    levels_used = (hm["floor_area_m2"] / hm["area_m2"]).fillna(0.0).to_numpy(np.float64)
    tree = shapely.STRtree(fps)
    ci, hi = tree.query(cells.geometry.to_numpy(), predicate="intersects")
    piece = shapely.area(shapely.intersection(fps[hi], cells.geometry.to_numpy()[ci])) * levels_used[hi]
    keep = piece > 0
    ci, hi, piece = ci[keep], hi[keep], piece[keep]
    cell_weight = np.bincount(ci, weights=piece, minlength=len(cells))
    people = cells["people"].to_numpy(np.float64)
    share = people[ci] * piece / cell_weight[ci]
    pop = np.bincount(hi, weights=share, minlength=len(homes))
    lost_cells = (cell_weight <= 0) & (people > 0)
    out = homes.copy()
    out["floor_area_m2"] = hm["floor_area_m2"].to_numpy()
    out["population"] = pop
    label = grid if isinstance(grid, (str, Path)) else grid.attrs.get("source", "GeoDataFrame")
    out["population_source"] = f"grid:{label} by floor area; unmapped levels = {used_levels:g}"
    out.attrs.update({
        "grid_population": float(people.sum()),
        "population_assigned": float(pop.sum()),
        "population_lost": float(people[lost_cells].sum()),
        "cells_without_homes": int(lost_cells.sum()),
    })
    return out


def assign_population(homes: gpd.GeoDataFrame, column: str | None = None, grid=None, grid_column: str = "population",
                      m2_per_person: float | str = DEFAULT_FLOOR_AREA_ID, default_levels: float | None = None,
                      metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """People per home by the best method the inputs allow: (a) ``column`` when given, else (b) ``grid`` when given,
    else (c) floor area × persons per m². ``population_source`` says which was used and with what numbers."""
    if column is not None:
        return population_from_column(homes, column)
    if grid is not None:
        return population_from_grid(homes, grid, grid_column, default_levels, metric_crs=metric_crs)
    return population_from_floor_area(homes, m2_per_person, default_levels)


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
