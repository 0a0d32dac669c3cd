"""Homes from land-use survey polygons: the residential parcels of 三调 / 年度变更调查, or of a plan's 用地用海分类.

The two code systems number residential land differently, so the system is always named, never guessed
(``data/landuse_codes.csv``, each row with its source):

* ``sandiao`` — GB/T 21010-2017 and the 第三次全国国土调查 work classification (``DLBM`` field): 0701 城镇住宅用地,
  0702 农村宅基地;
* ``yongdi2023`` — 国土空间调查、规划、用途管制用地用海分类指南 (2023): 0701 城镇住宅用地 (070101-070103),
  0703 农村宅基地 (070301-070302); here 0702 is 城镇社区服务设施用地, not homes.

A parcel is a home when its code starts with a residential code of the named system (0701 matches 070102). Each
parcel is one origin whose ``area_m2`` is its land area (m², the TD/T 1063 denominator); its access points are
where its outline meets the walking network (:func:`lifecircle.points.snapping.apply_polygon_gates`, applied by the
job once the network is built), its centroid when none does.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

import geopandas as gpd
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.points.homes import homes_from_layer

#: Code columns seen in survey and plan layers, named in error messages.
USUAL_CODE_COLUMNS = ("DLBM", "YDYHFLDM", "DLDM", "YDDM")
_ID_COLUMNS = ("id", "BSM", "bsm", "TBBH")


@lru_cache(maxsize=1)
def landuse_code_table() -> pd.DataFrame:
    """``data/landuse_codes.csv``: ``system``, ``code``, ``name_zh``, ``name_en``, ``home`` (``urban``, ``rural`` or
    empty for a code that is not homes), ``source``, ``confidence``."""
    text = resources.files("lifecircle").joinpath("data", "landuse_codes.csv").read_text(encoding="utf-8")
    return pd.DataFrame(list(csv.DictReader(text.splitlines()))).fillna("")


def landuse_systems() -> tuple[str, ...]:
    """The code systems the table knows (``sandiao``, ``yongdi2023``)."""
    return tuple(dict.fromkeys(landuse_code_table()["system"]))


def residential_codes(system: str) -> pd.DataFrame:
    """The residential rows (``home`` not empty) of ``system``; a clear error for an unknown system."""
    table = landuse_code_table()
    if system not in landuse_systems():
        raise LifecircleInputError(
            f"Unknown land-use code system '{system}'. Name the system of your layer: "
            + ", ".join(landuse_systems())
            + " (sandiao = 三调 / 年度变更调查 DLBM, GB/T 21010-2017; yongdi2023 = 国土空间用地用海分类). "
            "The two number 0702 differently, so lifecircle does not guess.")
    rows = table[(table["system"] == system) & (table["home"] != "")]
    return rows.reset_index(drop=True)


def normalise_code(value: object) -> str:
    """A land-use code as text with its leading zero: ``701`` (a number column) → ``0701``, ``70101`` → ``070101``."""
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return "0" + text if text.isdigit() and len(text) % 2 == 1 else text


def homes_from_landuse(layer: gpd.GeoDataFrame, code_column: str, system: str,
                       id_column: str | None = None, metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """The residential parcels of a land-use layer as homes (ids from ``id_column``, else a unique ``id``, ``BSM``
    标识码 or ``TBBH`` 图斑编号 column, else ``h0``, ``h1``...).

    Returns the homes frame of :func:`lifecircle.points.homes.homes_from_layer` (``area_m2`` = land area in m²,
    ``kind`` ``residential_land``) plus ``landuse_code``, ``landuse_name`` and ``home_kind`` (``urban``/``rural``).
    """
    if code_column not in layer.columns:
        usual = [c for c in layer.columns if str(c).upper() in USUAL_CODE_COLUMNS]
        hint = f" Did you mean {usual[0]}?" if usual else ""
        raise LifecircleInputError(
            f"The land-use layer has no code column '{code_column}'; its columns are {list(layer.columns)}.{hint} "
            f"Name the column holding the land-use code with --landuse-code (三调: DLBM).")
    rows = residential_codes(system)
    codes = layer[code_column].map(normalise_code)
    matched = pd.Series("", index=layer.index, dtype=object)
    for code in sorted(rows["code"], key=len, reverse=True):
        hit = codes.str.startswith(code) & (matched == "")
        matched[hit] = code
    keep = (matched != "").to_numpy()
    if not keep.any():
        found = codes.value_counts().head(10)
        raise LifecircleInputError(
            f"No parcel of the land-use layer has a residential code of system '{system}' "
            f"({', '.join(f'{c} {n}' for c, n in zip(rows['code'], rows['name_zh'], strict=True))}) in column '{code_column}'. "
            f"Codes found: {', '.join(f'{c} ({n})' for c, n in found.items())}. Is the system or the column right?")
    polys = layer.loc[keep]
    is_poly = polys.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not is_poly.all():
        raise LifecircleInputError(f"The land-use layer has {int((~is_poly).sum())} residential features that are not polygons; "
                                   "a land-use survey layer holds parcels (polygons).")
    id_col = id_column or next((c for c in _ID_COLUMNS if c in polys.columns and polys[c].astype(str).is_unique), None)
    homes = homes_from_layer(polys.reset_index(drop=True), id_column=id_col, metric_crs=metric_crs)
    by_code = rows.set_index("code")
    chosen = matched[keep].to_numpy()
    homes["kind"] = "residential_land"
    homes["landuse_code"] = codes[keep].to_numpy()
    homes["landuse_name"] = [by_code.at[c, "name_zh"] for c in chosen]
    homes["home_kind"] = [by_code.at[c, "home"] for c in chosen]
    homes.attrs["landuse_system"] = system
    return homes
