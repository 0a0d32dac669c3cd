"""The areas of a batch: a polygon layer (districts, 街道 or cities) read, checked and given ids.

Each area is one task of a batch. :func:`read_areas` refuses what cannot be run (no polygon, no id column, repeated
or empty ids, areas that overlap) with the ids concerned, and repairs invalid polygons (``shapely.make_valid``),
reporting which ones it repaired.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import metric_crs_for
from lifecircle.points.layers import read_layer

#: Column names tried, in order, for an area's id and its name when none is given.
ID_COLUMNS = ("id", "code", "area_id", "adcode", "编码", "代码")
NAME_COLUMNS = ("name", "name_zh", "name_en", "名称")
#: Overlap between two areas tolerated as digitising noise, square metres.
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class Areas:
    """The checked areas.

    Attributes
    ----------
    frame
        ``area_id`` (str, safe as a folder name), ``name``, geometry (WGS-84 polygons), one row per area.
    crs
        The metric CRS every area of the batch is measured in (chosen at the centre of all areas), so lengths are
        identical across areas and with a whole-region run in the same CRS.
    repaired
        Ids of areas whose invalid polygon was repaired.
    """

    frame: gpd.GeoDataFrame
    crs: str
    repaired: tuple[str, ...] = ()

    def metric(self) -> gpd.GeoDataFrame:
        """The areas in :attr:`crs`."""
        return self.frame.to_crs(self.crs)


def _pick(columns: list[str], given: str | None, candidates: tuple[str, ...], what: str, path: Path) -> str | None:
    if given is not None:
        if given not in columns:
            raise LifecircleInputError(f"The areas layer '{path}' has no column '{given}' for the {what}; its columns are {columns}.")
        return given
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


_SAFE = re.compile(r"[^0-9A-Za-z_.\-\u4e00-\u9fff]+")


def safe_id(value: object) -> str:
    """An area id usable as a folder name: characters other than letters, digits, ``_ . -`` and CJK become ``_``."""
    text = _SAFE.sub("_", str(value).strip()).strip("._")
    return text


def read_areas(path: str | Path, id_column: str | None = None, name_column: str | None = None,
               layer_crs: str | None = None) -> Areas:
    """Read and check the areas layer (GeoPackage, GeoJSON, Shapefile...; any CRS).

    Raises
    ------
    LifecircleInputError
        No polygon, no id column, empty or repeated ids, overlapping areas (the pairs are named).
    """
    p = Path(path)
    if not p.exists():
        raise LifecircleInputError(f"The areas layer '{p}' does not exist. Give a polygon layer of districts, 街道 or cities.")
    layer = read_layer(p, crs=layer_crs)
    polys = layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polys.any():
        raise LifecircleInputError(f"The areas layer '{p}' holds no polygon; a batch needs one polygon per area.")
    if not polys.all():
        raise LifecircleInputError(
            f"The areas layer '{p}' mixes polygons with {sorted(set(layer.geometry.geom_type[~polys].astype(str)))}: "
            "keep only the area polygons."
        )
    columns = [c for c in layer.columns if c != layer.geometry.name]
    idc = _pick(columns, id_column, ID_COLUMNS, "area id", p)
    if idc is None:
        raise LifecircleInputError(
            f"The areas layer '{p}' has no id column (tried {', '.join(ID_COLUMNS)}); name it with --id-column. "
            f"Its columns are {columns}."
        )
    namec = _pick(columns, name_column, NAME_COLUMNS, "area name", p)
    ids = [safe_id(v) for v in layer[idc]]
    empty = [str(v) for v, s in zip(layer[idc], ids, strict=True) if not s]
    if empty:
        raise LifecircleInputError(f"Areas with an empty id in column '{idc}' of '{p}': {empty[:10]}. Give every area an id.")
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise LifecircleInputError(f"Area ids repeat in column '{idc}' of '{p}': {', '.join(dupes[:20])}. Each area needs its own id.")
    geoms = layer.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    repaired = tuple(np.asarray(ids)[invalid].tolist())
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        geoms[invalid] = [shapely.union_all([g for g in shapely.get_parts(f) if g.geom_type in ("Polygon", "MultiPolygon")])
                          for f in fixed]
    frame = gpd.GeoDataFrame({"area_id": ids, "name": [str(v) for v in layer[namec]] if namec else ids},
                             geometry=gpd.GeoSeries(geoms, crs=layer.crs).values, crs=layer.crs)
    lon0, lat0, lon1, lat1 = frame.total_bounds
    crs = metric_crs_for((lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0)
    _refuse_overlaps(frame.to_crs(crs), p)
    return Areas(frame=frame, crs=crs, repaired=repaired)


def _refuse_overlaps(metric: gpd.GeoDataFrame, path: Path) -> None:
    geoms = metric.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if not len(left):
        return
    overlap = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    bad = overlap > OVERLAP_TOLERANCE_M2
    if bad.any():
        ids = metric["area_id"].to_numpy()
        named = [f"{ids[a]} & {ids[b]} ({o:,.0f} m²)" for a, b, o in zip(left[bad], right[bad], overlap[bad], strict=True)]
        raise LifecircleInputError(
            f"Areas of '{path}' overlap: {'; '.join(named[:10])}{' ...' if len(named) > 10 else ''}. A home must "
            "belong to one area: fix the boundaries (or split the batch into layers that do not overlap)."
        )
