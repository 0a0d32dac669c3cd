"""The study-area boundary: a polygon in WGS-84 longitude/latitude (degrees), from a file or a geometry."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from lifecircle.errors import LifecircleInputError


def read_boundary(path: str | Path) -> BaseGeometry:
    """The union of the polygons of a vector file (GeoJSON, GeoPackage, Shapefile...) in WGS-84.

    Raises
    ------
    LifecircleInputError
        When the file is absent, unreadable, has no CRS, or holds no polygon.
    """
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"The boundary file '{p}' does not exist; give the study-area polygon file.")
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises its own error types for unreadable files
        raise LifecircleInputError(f"'{p}' cannot be read as a polygon layer ({exc}).") from exc
    if gdf.crs is None:
        raise LifecircleInputError(f"The boundary '{p}' has no coordinate reference system; set one (e.g. in QGIS).")
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise LifecircleInputError(f"The boundary '{p}' holds no polygon; give the study area as a polygon layer.")
    return shapely.make_valid(gdf.to_crs("EPSG:4326").union_all())


def boundary_polygon(boundary: str | Path | BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None) -> BaseGeometry | None:
    """The study-area polygon in WGS-84 from what a user passes: a file path, a GeoDataFrame/GeoSeries (any CRS) or
    a shapely (Multi)Polygon already in WGS-84 lon/lat; None stays None."""
    if boundary is None:
        return None
    if isinstance(boundary, (str, Path)):
        return read_boundary(boundary)
    if isinstance(boundary, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if boundary.crs is None:
            raise LifecircleInputError("The boundary layer has no CRS; set one (e.g. boundary.set_crs('EPSG:4326')).")
        geoms = boundary.to_crs("EPSG:4326").geometry if isinstance(boundary, gpd.GeoDataFrame) else boundary.to_crs("EPSG:4326")
        boundary = shapely.make_valid(geoms[geoms.geom_type.isin(["Polygon", "MultiPolygon"])].union_all())
    if not isinstance(boundary, BaseGeometry) or boundary.is_empty or boundary.geom_type not in ("Polygon", "MultiPolygon"):
        raise LifecircleInputError("The boundary must be a polygon: a polygon file, a GeoDataFrame of polygons, or a "
                                   "shapely (Multi)Polygon in WGS-84 longitude/latitude.")
    return boundary
