"""The study-area boundary that ledger coordinates are checked against (WGS-84 longitude/latitude, degrees)."""

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
        raise LifecircleInputError(f"The boundary '{p}' holds no polygon; give the study-area polygon.")
    return shapely.make_valid(gdf.to_crs("EPSG:4326").union_all())


def boundary_from_wkt(wkt: str | None) -> BaseGeometry | None:
    """A boundary stored as WKT in the store, or None."""
    return shapely.from_wkt(wkt) if wkt else None
