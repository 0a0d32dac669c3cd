"""Sub-areas of a study area for per-area indicators: user polygons (街道 / 社区), H3 cells or a square grid."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import is_metric

#: Area label of the whole study area in indicator tables.
ALL_AREAS = "ALL"


def _grid_ids(homes: gpd.GeoDataFrame, cell_m: float) -> pd.Series:
    if homes.crs is None or not is_metric(homes.crs):
        raise LifecircleInputError(
            f"areas='grid:{cell_m:g}' needs homes in a metric projected CRS (metres); theirs is {homes.crs}. "
            "Reproject the homes first (lifecircle.network.crs.metric_crs_for gives one)."
        )
    x = homes.geometry.x.to_numpy()
    y = homes.geometry.y.to_numpy()
    ix = np.floor(x / cell_m).astype(np.int64)
    iy = np.floor(y / cell_m).astype(np.int64)
    return pd.Series([f"grid{cell_m:g}_{a}_{b}" for a, b in zip(ix, iy)], index=homes.index, dtype=object)


def _h3_ids(homes: gpd.GeoDataFrame, resolution: int) -> pd.Series:
    if homes.crs is None:
        raise LifecircleInputError("areas='h3:N' needs homes with a CRS; set it (homes.set_crs(...)) first.")
    ll = homes.geometry.to_crs("EPSG:4326")
    cells = [h3.latlng_to_cell(lat, lon, resolution) for lon, lat in zip(ll.x.to_numpy(), ll.y.to_numpy())]
    return pd.Series(cells, index=homes.index, dtype=object)


def _polygon_ids(homes: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, id_column: str) -> pd.Series:
    if id_column not in areas.columns:
        raise LifecircleInputError(
            f"The sub-area polygons have no '{id_column}' column (they have: {', '.join(map(str, areas.columns))}). "
            "Add an id column (街道/社区 name or code), or name the column that holds the ids with "
            "--areas-id-column NAME (area_id_column= in Python)."
        )
    if areas.crs is None or homes.crs is None:
        raise LifecircleInputError("Sub-area polygons and homes both need a CRS to be matched; set them first.")
    if not areas.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise LifecircleInputError("Sub-areas must be polygons (街道/社区 boundaries); some geometries are not.")
    polys = areas[[id_column, "geometry"]].to_crs(homes.crs).reset_index(drop=True)
    pts = gpd.GeoDataFrame({"_row": np.arange(len(homes))}, geometry=homes.geometry.to_numpy(), crs=homes.crs)
    joined = gpd.sjoin(pts, polys, how="left", predicate="intersects")
    # A home on a shared boundary touches two polygons: keep the first polygon in the user's order.
    joined = joined.sort_values(["_row", "index_right"]).drop_duplicates("_row", keep="first")
    ids = joined.set_index("_row")[id_column].reindex(np.arange(len(homes)))
    labels = [None if pd.isna(v) else str(v) for v in ids.to_numpy(dtype=object)]
    return pd.Series(labels, index=homes.index, dtype=object)


def assign_areas(homes: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | str | None,
                 area_id_column: str = "id") -> pd.Series | None:
    """The sub-area id (text) of every home, or ``None`` when ``areas`` is ``None``.

    Parameters
    ----------
    homes
        Origins (points) in a projected CRS.
    areas
        ``None``; a GeoDataFrame (or the path of a file) of polygons with an ``area_id_column`` (homes outside every polygon get ``None``;
        a home on a shared boundary goes to the first polygon in the frame's order); ``"h3:R"`` (H3 cell at
        resolution R = 0..15 containing the home); or ``"grid:S"`` (square cell of S metres in the homes' CRS, cells
        aligned on multiples of S, id ``grid<S>_<ix>_<iy>`` with ``ix = floor(x / S)``).
    area_id_column
        Id column of the polygons.
    """
    if areas is None:
        return None
    if isinstance(areas, str):
        kind, _, arg = areas.partition(":")
        if kind == "h3":
            try:
                res = int(arg)
            except ValueError:
                res = -1
            if not 0 <= res <= 15:
                raise LifecircleInputError(f"areas={areas!r}: the H3 resolution must be an integer 0..15, e.g. 'h3:8'.")
            return _h3_ids(homes, res)
        if kind == "grid":
            try:
                size = float(arg)
            except ValueError:
                size = math.nan
            if not (size > 0 and math.isfinite(size)):
                raise LifecircleInputError(f"areas={areas!r}: the grid cell must be a positive size in metres, e.g. 'grid:500'.")
            return _grid_ids(homes, size)
        if Path(areas).is_file():
            return _polygon_ids(homes, gpd.read_file(areas), area_id_column)
        raise LifecircleInputError(
            f"areas={areas!r} is not understood (nor an existing file). Give sub-area polygons (a GeoDataFrame or file), 'h3:<resolution>' "
            "or 'grid:<metres>'."
        )
    if isinstance(areas, gpd.GeoDataFrame):
        return _polygon_ids(homes, areas, area_id_column)
    raise LifecircleInputError(
        f"areas must be None, a GeoDataFrame of polygons, 'h3:<resolution>' or 'grid:<metres>', not {type(areas).__name__}."
    )


def area_polygons(homes: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | str | None,
                  area_id_column: str = "id") -> gpd.GeoDataFrame | None:
    """The polygons of the sub-areas that hold at least one home, for maps: ``area_id`` (the id
    :func:`assign_areas` gives), ``name`` and ``geometry`` in the homes' CRS; ``None`` when ``areas`` is ``None``.

    Grid cells are the squares ``[ix·S, (ix+1)·S) × [iy·S, (iy+1)·S)``; H3 cells their hexagon boundary; user polygons
    are returned as given (every polygon, even one without homes, so the map shows the whole district).
    """
    ids = assign_areas(homes, areas, area_id_column)
    if ids is None:
        return None
    present = sorted({i for i in ids.dropna()})
    if isinstance(areas, str) and areas.startswith("grid:"):
        size = float(areas.partition(":")[2])
        boxes = []
        for aid in present:
            ix, iy = (int(p) for p in aid.rsplit("_", 2)[1:])
            boxes.append(shapely.box(ix * size, iy * size, (ix + 1) * size, (iy + 1) * size))
        return gpd.GeoDataFrame({"area_id": present, "name": present}, geometry=boxes, crs=homes.crs)
    if isinstance(areas, str) and areas.startswith("h3:"):
        hexes = [shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c)]) for c in present]
        return gpd.GeoDataFrame({"area_id": present, "name": present}, geometry=hexes, crs="EPSG:4326").to_crs(homes.crs)
    polys = gpd.read_file(areas) if isinstance(areas, str) else areas
    assert polys is not None  # grid and h3 sub-areas returned above
    name_col = next((c for c in ("name", "名称", "NAME") if c in polys.columns), area_id_column)
    out = gpd.GeoDataFrame({"area_id": polys[area_id_column].astype(str).to_numpy(),
                            "name": polys[name_col].astype(str).to_numpy()},
                           geometry=polys.geometry.to_numpy(), crs=polys.crs)
    return out.to_crs(homes.crs)
