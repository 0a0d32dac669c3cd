"""Read the user's own layers: GeoPackage, Shapefile, GeoJSON, GeoParquet, and CSV with longitude/latitude columns.

:func:`read_layer` returns a GeoDataFrame in WGS-84 (EPSG:4326) by default, whatever the input CRS (any CRS pyproj
knows, CGCS2000 EPSG:4490 and its Gauss-Krüger zones included). Points exported from Chinese web maps are in
GCJ-02 (Amap/高德, Tencent) or BD-09 (Baidu/百度): say so with ``coords="gcj02"`` or ``coords="bd09"`` and they are
converted to WGS-84 (:mod:`lifecircle.points.coords`).

Every problem with the file raises :class:`~lifecircle.errors.LifecircleInputError` naming the file and what to do.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from lifecircle.errors import LifecircleInputError
from lifecircle.points.coords import COORDINATE_SYSTEMS, to_wgs84

#: Column names recognised as longitude / latitude in CSV files (compared case-insensitively, spaces ignored).
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "wgs84_lng", "wgs84_lon", "gcj02_lng", "bd09_lng", "point_x", "lon_wgs84")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "wgs84_lat", "gcj02_lat", "bd09_lat", "point_y", "lat_wgs84")
#: A single column holding "lon,lat" text, as Amap's POI search returns (``location``).
LOCATION_NAMES = ("location", "坐标", "经纬度", "lnglat", "lonlat")

_VECTOR_SUFFIXES = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
_PARQUET_SUFFIXES = (".parquet", ".geoparquet")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_SUPPORTED = ".gpkg, .shp, .geojson, .json, .parquet, .geoparquet, .csv, .tsv, .txt"
_WGS84 = "EPSG:4326"
_MAX_ROWS_LISTED = 10


def _rows_text(rows: np.ndarray) -> str:
    """1-based data row numbers (the header is not counted), the first few of them."""
    shown = ", ".join(str(int(r) + 1) for r in rows[:_MAX_ROWS_LISTED])
    more = f" and {len(rows) - _MAX_ROWS_LISTED} more" if len(rows) > _MAX_ROWS_LISTED else ""
    return f"{shown}{more}"


def _normalise_coords(coords: str, path: Path) -> str:
    key = str(coords).lower().replace("-", "").replace("_", "")
    if key not in COORDINATE_SYSTEMS:
        raise LifecircleInputError(
            f"{path}: unknown coords='{coords}'. Use 'wgs84' (GPS, OpenStreetMap), 'gcj02' (Amap/高德, Tencent) or 'bd09' (Baidu/百度)."
        )
    return key


def _parse_crs(crs, path: Path) -> CRS | None:
    if crs is None:
        return None
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise LifecircleInputError(f"{path}: crs='{crs}' is not a CRS pyproj knows ({exc}). Use e.g. 'EPSG:4490' (CGCS2000) or 'EPSG:4326'.") from exc


def _find_column(columns, wanted: tuple[str, ...], override: str | None, what: str, path: Path) -> str | None:
    if override is not None:
        if override not in columns:
            raise LifecircleInputError(f"{path}: no column '{override}' for the {what}; the columns are {list(columns)}.")
        return override
    norm = {re.sub(r"\s+", "", str(c)).lower(): c for c in columns}
    for name in wanted:
        if name in norm:
            return norm[name]
    return None


def _read_csv_frame(path: Path) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise LifecircleInputError(f"{path} is empty: it has no header and no rows.")
    sep = {".tsv": "\t", ".csv": ","}.get(path.suffix.lower())  # .txt: let the sniffer find the delimiter
    last_exc: Exception | None = None
    for enc in ("utf-8-sig", "gb18030"):  # Chinese exports are often GBK/GB18030
        try:
            return pd.read_csv(path, sep=sep, engine="python", encoding=enc, dtype=str, keep_default_na=False)
        except UnicodeDecodeError as exc:
            last_exc = exc
        except pd.errors.EmptyDataError as exc:
            raise LifecircleInputError(f"{path} is empty: it has no header and no rows.") from exc
        except (pd.errors.ParserError, csv.Error) as exc:
            raise LifecircleInputError(f"{path} is not a readable CSV: {exc}") from exc
    raise LifecircleInputError(f"{path}: cannot decode the text (tried UTF-8 and GB18030): {last_exc}. Save it as UTF-8.")


def _numbers(series: pd.Series, column: str, path: Path) -> np.ndarray:
    text = series.astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        examples = ", ".join(repr(v) for v in text.iloc[bad[:3]])
        raise LifecircleInputError(
            f"{path}: column '{column}' has values that are not numbers in data row(s) {_rows_text(bad)} (e.g. {examples}). "
            "Fix or delete those rows; use a dot as the decimal separator."
        )
    return values


def _read_csv(path: Path, lon: str | None, lat: str | None, crs: CRS | None) -> gpd.GeoDataFrame:
    df = _read_csv_frame(path)
    if df.empty:
        raise LifecircleInputError(f"{path} has a header but no rows: nothing to read.")
    lon_col = _find_column(df.columns, LON_NAMES, lon, "longitude", path)
    lat_col = _find_column(df.columns, LAT_NAMES, lat, "latitude", path)
    if lon_col is not None and lat_col is not None:
        x = _numbers(df[lon_col], lon_col, path)
        y = _numbers(df[lat_col], lat_col, path)
        projected_names = lon_col.lower() in ("x", "point_x") and lat_col.lower() in ("y", "point_y")
    else:
        loc_col = _find_column(df.columns, LOCATION_NAMES, None, "location", path) if lon is None and lat is None else None
        if loc_col is None:
            raise LifecircleInputError(
                f"{path}: no longitude/latitude columns found among {list(df.columns)}. Name them lon/lat (or lng, longitude, "
                "x, 经度 / latitude, y, 纬度), or say which with lon='...' and lat='...'."
            )
        parts = df[loc_col].astype(str).str.split(r"[,;\s]+", n=1, expand=True, regex=True)
        if parts.shape[1] < 2:
            parts[1] = ""
        x = _numbers(parts[0], f"{loc_col} (longitude part)", path)
        y = _numbers(parts[1], f"{loc_col} (latitude part)", path)
        lon_col = lat_col = loc_col
        projected_names = False
    if crs is None:
        if projected_names:
            raise LifecircleInputError(
                f"{path}: coordinates in columns '{lon_col}'/'{lat_col}' have no CRS. Say which with crs='EPSG:....' (on the command line: --crs EPSG:....) "
                "(e.g. EPSG:4547 for CGCS2000 / 3-degree Gauss-Kruger CM 114E, EPSG:4326 for GPS degrees)."
            )
        crs = CRS.from_user_input(_WGS84)
    if crs.is_geographic:
        _check_lonlat(x, y, path)
    geometry = gpd.points_from_xy(x, y)
    return gpd.GeoDataFrame(df, geometry=geometry, crs=crs)


def _check_lonlat(x: np.ndarray, y: np.ndarray, path: Path) -> None:
    bad = np.flatnonzero((np.abs(x) > 180.0) | (np.abs(y) > 90.0))
    if len(bad):
        swapped = bool(np.all(np.abs(y[bad]) <= 180.0) and np.all(np.abs(x[bad]) <= 90.0))
        hint = (" They look swapped: longitude is the east-west value (e.g. 106.5 for Chongqing), latitude the north-south one (29.5)."
                if swapped else " If they are metres of a projected CRS, say which with crs='EPSG:....'.")
        raise LifecircleInputError(
            f"{path}: coordinates outside the valid range (longitude −180..180, latitude −90..90) in data row(s) {_rows_text(bad)}.{hint}"
        )


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    kind = _VECTOR_SUFFIXES[path.suffix.lower()]
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise LifecircleInputError(f"Cannot open {path} as a {kind}: {exc}. Is the file complete (for a Shapefile: .shp, .shx and .dbf together)?") from exc
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if not names:
        raise LifecircleInputError(f"{path} contains no layer: nothing to read.")
    if layer is None:
        if len(names) > 1:
            raise LifecircleInputError(f"{path} has {len(names)} layers ({', '.join(names)}); choose one with layer='...'.")
        layer = names[0]
    elif layer not in names:
        raise LifecircleInputError(f"{path} has no layer '{layer}'; its layers are {', '.join(names)}.")
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise LifecircleInputError(f"Cannot read layer '{layer}' of {path}: {exc}") from exc


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except ValueError as exc:
        raise LifecircleInputError(f"{path} is not a GeoParquet file (no geometry metadata): {exc}. Write it with GeoDataFrame.to_parquet().") from exc
    except Exception as exc:
        raise LifecircleInputError(f"Cannot read {path} as GeoParquet: {exc}") from exc


def _shift_lonlat(gdf: gpd.GeoDataFrame, coords: str) -> gpd.GeoDataFrame:
    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out["geometry"] = shapely.transform(gdf.geometry.to_numpy(), fn)
    return out.set_crs(_WGS84, allow_override=True)


def read_layer(
    path: str | Path,
    layer: str | None = None,
    crs=None,
    coords: str = "wgs84",
    lon: str | None = None,
    lat: str | None = None,
    to_crs=_WGS84,
) -> gpd.GeoDataFrame:
    """Read a user's layer of points, lines or polygons.

    Parameters
    ----------
    path
        ``.gpkg`` (GeoPackage), ``.shp`` (Shapefile), ``.geojson``/``.json`` (GeoJSON), ``.parquet``/``.geoparquet``
        (GeoParquet), ``.csv``/``.tsv``/``.txt`` (a table with longitude/latitude columns, UTF-8 or GB18030).
    layer
        Layer name in a multi-layer file (GeoPackage); required when the file has more than one.
    crs
        CRS of an input that carries none (a Shapefile without .prj, a CSV of projected x/y): anything pyproj
        understands, e.g. ``"EPSG:4490"`` (CGCS2000 geographic). A CSV with lon/lat-named columns defaults to
        WGS-84. Giving a CRS that contradicts the file's own raises.
    coords
        ``"wgs84"`` (default), ``"gcj02"`` (Amap/高德, Tencent exports) or ``"bd09"`` (Baidu/百度 exports): the
        web-map coordinate system of geographic coordinates, converted to WGS-84.
    lon, lat
        CSV column names of longitude and latitude when the automatic detection (lon/lng/longitude/x/经度,
        lat/latitude/y/纬度, or a single ``location`` column of "lon,lat") does not fit.
    to_crs
        CRS of the result (default WGS-84); None keeps the input CRS (only when ``coords="wgs84"``).

    Returns
    -------
    GeoDataFrame
        All attribute columns of the input; ``attrs["source"]`` names the file.
    """
    p = Path(path)
    if not p.exists():
        raise LifecircleInputError(f"Layer file '{p}' does not exist. Check the path (it is read relative to {Path.cwd()}).")
    if p.is_dir():
        raise LifecircleInputError(f"'{p}' is a folder; give a layer file ({_SUPPORTED}).")
    coords = _normalise_coords(coords, p)
    user_crs = _parse_crs(crs, p)
    suffix = p.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        gdf = _read_csv(p, lon, lat, user_crs)
    elif suffix in _VECTOR_SUFFIXES:
        gdf = _read_vector(p, layer)
    elif suffix in _PARQUET_SUFFIXES:
        gdf = _read_parquet(p)
    else:
        raise LifecircleInputError(f"'{p}': unknown file type '{suffix or '(none)'}'. Supported: {_SUPPORTED}.")
    if gdf.empty:
        raise LifecircleInputError(f"{p} has no features: the layer is empty.")
    if suffix not in _CSV_SUFFIXES:
        if gdf.crs is None:
            if user_crs is None:
                raise LifecircleInputError(
                    f"{p} has no CRS (for a Shapefile: the .prj file is missing). Say which with crs='EPSG:....' (on the command line: --crs EPSG:....) "
                    "(EPSG:4326 for GPS degrees, EPSG:4490 for CGCS2000)."
                )
            gdf = gdf.set_crs(user_crs)
        elif user_crs is not None and not CRS.from_user_input(gdf.crs).equals(user_crs, ignore_axis_order=True):
            raise LifecircleInputError(
                f"{p} declares CRS {CRS.from_user_input(gdf.crs).to_string()} but crs='{crs}' was given. Leave crs out "
                "(it is only for files without a CRS) or fix the file."
            )
    if gdf.geometry.isna().all() or gdf.geometry.is_empty.all():
        raise LifecircleInputError(f"{p}: every geometry is empty; the layer has nothing to place on a map.")
    if coords != "wgs84":
        if not CRS.from_user_input(gdf.crs).is_geographic:
            raise LifecircleInputError(
                f"{p}: coords='{coords}' applies to longitude/latitude degrees, but the layer's CRS is projected "
                f"({CRS.from_user_input(gdf.crs).to_string()}). Export the points as degrees, or leave coords='wgs84'."
            )
        gdf = _shift_lonlat(gdf.to_crs(_WGS84), coords)
    if to_crs is not None:
        gdf = gdf.to_crs(to_crs)
        if CRS.from_user_input(to_crs).is_geographic:
            b = gdf.geometry.bounds
            bad = np.flatnonzero(~np.isfinite(b.to_numpy()).all(axis=1) & ~gdf.geometry.is_empty.to_numpy()
                                 | (b.minx < -180).to_numpy() | (b.maxx > 180).to_numpy()
                                 | (b.miny < -90).to_numpy() | (b.maxy > 90).to_numpy())
            if len(bad):
                raise LifecircleInputError(
                    f"{p}: features {_rows_text(bad)} fall outside the valid longitude/latitude range after conversion "
                    "to WGS-84. Is the declared CRS right (degrees vs metres, swapped axes)?"
                )
    gdf.attrs["source"] = str(p)
    return gdf


def layer_in_crs(layer: gpd.GeoDataFrame, crs: str, what: str = "the layer") -> gpd.GeoDataFrame:
    """``layer`` in ``crs``, every geometry column with it (e.g. a building's ``footprint`` beside its access point).

    Raises
    ------
    LifecircleInputError
        When ``layer`` is not a GeoDataFrame, or has no CRS (``what`` names it in the message).
    """
    if not isinstance(layer, gpd.GeoDataFrame):
        raise LifecircleInputError(f"{what[:1].upper() + what[1:]} must be a GeoDataFrame with a geometry column "
                                   "(read a file with lifecircle.points.layers.read_layer).")
    if layer.crs is None:
        raise LifecircleInputError(
            f"{what[:1].upper() + what[1:]} has no CRS, so it cannot be placed on the network. Set it (e.g. "
            "gdf.set_crs('EPSG:4326')) or read the file with lifecircle.points.layers.read_layer(..., crs=...) "
            "(--crs on the command line).")
    out = layer.to_crs(crs)
    for col in out.columns:
        if col != out.geometry.name and isinstance(out[col].dtype, gpd.array.GeometryDtype):
            series = gpd.GeoSeries(out[col].values, index=out.index)
            if series.crs is None:
                series = series.set_crs(layer.crs)
            out[col] = series.to_crs(crs).values
    return out
