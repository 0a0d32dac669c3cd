"""Facilities from the POI exports of Chinese web maps: Amap (高德), Baidu (百度) and Tencent (腾讯).

A district planner's facility data is usually a POI export: one row per point with a name, a type text, often a
type code, lon/lat and an address. :func:`read_poi_export` reads such a file (Excel ``.xlsx``, CSV in UTF-8 or
GB18030, or a GIS layer of points), converts the coordinates the provider implies to WGS-84 (Amap and Tencent:
GCJ-02; Baidu: BD-09; :mod:`lifecircle.points.coords`) and maps every row to a lifecircle category with the rules of
``data/poi_types.csv`` (plus the user's own rules, which come first):

* ``name`` rules: a regular expression on the POI name, for what the type systems lump together (社区卫生服务中心
  filed as a clinic, 养老 / 敬老 / 日间照料 with no class of their own); optional ``requires``: a type prefix the POI
  must have. Tried first, in file order.
* ``type`` rules: the type text by 大类;中类;小类 (Amap ``科教文化服务;学校;小学``, Baidu ``教育培训;小学``, Tencent
  ``教育学校:小学``; ``:`` and ``;`` are the same separator here). The longest matching prefix wins.
* ``code`` rules: a prefix of Amap's 6-digit type code (``141203`` 小学; ``0903`` every 诊所 code). Longest wins.

A rule's category ``-`` says "known, not a life-circle facility" (universities, companies, housing compounds). A
row that no rule maps is *unmapped*: :class:`PoiReport` counts them by type text so the user can extend the table
with a CSV of the same columns (``--poi-map my.csv``). Same-named facilities of one category within a few metres of
each other (one place exported twice, or by two providers) are merged by :func:`merge_duplicates`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.network.crs import metric_crs_for
from lifecircle.points.categories import known_categories
from lifecircle.points.coords import to_wgs84
from lifecircle.points.layers import LAT_NAMES, LOCATION_NAMES, LON_NAMES, _find_column, _numbers, _read_csv_frame

#: Providers and the coordinate system their exports use.
PROVIDER_COORDS = {"amap": "gcj02", "tencent": "gcj02", "baidu": "bd09"}
#: Rule kinds of ``data/poi_types.csv``, in the order they are tried.
RULE_KINDS = ("name", "type", "code")
#: The category of a rule that recognises a POI type as "not a life-circle facility".
NOT_A_FACILITY = "-"
#: Columns of a POI type table.
RULE_COLUMNS = ("provider", "rule", "pattern", "requires", "category", "source", "confidence", "note")
#: Distance (metres) within which two same-named facilities of one category are one place.
DEFAULT_DUPLICATE_M = 30.0

_NAME_COLUMNS = ("名称", "name", "title", "poi名称", "设施名称", "名字")
_TYPE_COLUMNS = {
    "amap": ("type", "类型", "poi类型", "分类", "category", "tag"),
    "baidu": ("tag", "标签", "类型", "行业类型", "type", "分类", "category"),
    "tencent": ("category", "分类", "类型", "type", "tag"),
}
_LEVEL_COLUMNS = (("大类", "中类", "小类"), ("一级分类", "二级分类", "三级分类"), ("第一分类", "第二分类", "第三分类"))
_CODE_COLUMNS = ("typecode", "类型编码", "type_code", "分类编码", "new_type", "类型代码", "typecodes")
_ID_COLUMNS = ("id", "uid", "poi_id", "poiid", "poi编号", "编号")
_ADDRESS_COLUMNS = ("address", "地址", "addr", "详细地址")
_POI_LON_NAMES = LON_NAMES + ("location.lng", "location_lng", "lng_gcj02", "lng_bd09", "gcj_lng", "bd_lng")
_POI_LAT_NAMES = LAT_NAMES + ("location.lat", "location_lat", "lat_gcj02", "lat_bd09", "gcj_lat", "bd_lat")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
_WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class PoiRule:
    """One row of a POI type table."""

    provider: str
    rule: str
    pattern: str
    requires: str
    category: str
    source: str
    confidence: str
    note: str = ""

    @property
    def key(self) -> str:
        """A short label of the rule (``type:科教文化服务;学校;小学``), written with each facility it mapped."""
        return f"{self.rule}:{self.pattern}"


@dataclass
class PoiReport:
    """What reading one POI export found: rows read, per category, not facilities, unmapped types, merged duplicates.

    ``unmapped`` maps each unmapped type text (or code, when the row has no text) to its number of rows, most
    frequent first.
    """

    path: str
    provider: str
    rows: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    not_facilities: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    duplicates_merged: int = 0

    @property
    def unmapped_rows(self) -> int:
        return int(sum(self.unmapped.values()))

    def to_json(self) -> dict[str, object]:
        """The report as ``run.json`` ``counts["poi"]`` holds it."""
        return {"path": self.path, "provider": self.provider, "rows": self.rows, "by_category": self.by_category,
                "not_facilities": self.not_facilities, "unmapped_rows": self.unmapped_rows,
                "unmapped_types": self.unmapped, "duplicates_merged": self.duplicates_merged}


# --------------------------------------------------------------------------------------------------- rules
def _normalise_type(text: str) -> str:
    """Type text with one separator: ``;`` (Tencent's ``:`` and full-width ``；：`` included), no spaces."""
    t = re.sub(r"\s+", "", str(text))
    return re.sub(r"[:：；]", ";", t).strip(";")


def _segments(text: str) -> tuple[str, ...]:
    return tuple(s for s in _normalise_type(text).split(";") if s)


def _check_provider(provider: str) -> str:
    key = str(provider).strip().lower()
    if key not in PROVIDER_COORDS:
        raise LifecircleInputError(f"Unknown POI source '{provider}'. Use amap (高德), baidu (百度) or tencent (腾讯).")
    return key


def _rules_from_rows(rows: list[dict[str, str]], where: str) -> list[PoiRule]:
    known = set(known_categories())
    out = []
    for i, raw in enumerate(rows, start=2):
        r = {k: (raw.get(k) or "").strip() for k in RULE_COLUMNS}
        if r["provider"] not in (*PROVIDER_COORDS, "any"):
            raise LifecircleInputError(f"{where} line {i}: provider '{r['provider']}' is not amap, baidu, tencent or any.")
        if r["rule"] not in RULE_KINDS:
            raise LifecircleInputError(f"{where} line {i}: rule '{r['rule']}' is not one of {', '.join(RULE_KINDS)}.")
        if not r["pattern"]:
            raise LifecircleInputError(f"{where} line {i}: the pattern is empty.")
        if r["category"] != NOT_A_FACILITY and r["category"] not in known:
            raise LifecircleInputError(
                f"{where} line {i}: category '{r['category']}' is not a lifecircle category id "
                f"({', '.join(known_categories())}) nor '-' (not a life-circle facility).")
        if r["rule"] == "name":
            try:
                re.compile(r["pattern"])
            except re.error as exc:
                raise LifecircleInputError(f"{where} line {i}: the name pattern '{r['pattern']}' is not a regular expression: {exc}.") from exc
        if r["rule"] == "code" and not r["pattern"].isdigit():
            raise LifecircleInputError(f"{where} line {i}: a code pattern is digits (a prefix of the 6-digit type code), not '{r['pattern']}'.")
        out.append(PoiRule(**r))
    return out


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[PoiRule, ...]:
    """The rules of ``data/poi_types.csv`` (each with its source and confidence mark)."""
    text = resources.files("lifecircle").joinpath("data", "poi_types.csv").read_text(encoding="utf-8")
    return tuple(_rules_from_rows(list(csv.DictReader(text.splitlines())), "data/poi_types.csv"))


def read_poi_rules(path: str | Path) -> list[PoiRule]:
    """The user's own rules: a CSV with the columns of ``data/poi_types.csv`` (``provider,rule,pattern,requires,
    category,source,confidence,note``; only ``provider``, ``rule``, ``pattern`` and ``category`` are required)."""
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"POI type table '{p}' does not exist. Give a CSV with the columns {', '.join(RULE_COLUMNS)}.")
    frame = _read_csv_frame(p)
    missing = [c for c in ("provider", "rule", "pattern", "category") if c not in frame.columns]
    if missing:
        raise LifecircleInputError(f"{p}: missing column(s) {', '.join(missing)}; a POI type table has the columns {', '.join(RULE_COLUMNS)} "
                                   "(see lifecircle/data/poi_types.csv).")
    return _rules_from_rows(frame.to_dict("records"), str(p))


class PoiClassifier:
    """Maps (name, type text, type code) to a category with an ordered list of rules (user rules before built-in)."""

    def __init__(self, provider: str, rules: list[PoiRule] | tuple[PoiRule, ...]):
        self.provider = _check_provider(provider)
        usable = [r for r in rules if r.provider in (self.provider, "any")]
        self.name_rules = [(re.compile(r.pattern), _segments(r.requires), r) for r in usable if r.rule == "name"]
        self.type_rules = [(_segments(r.pattern), r) for r in usable if r.rule == "type"]
        self.code_rules = [(r.pattern, r) for r in usable if r.rule == "code"]

    def classify(self, name: str, type_text: str, code: str) -> PoiRule | None:
        """The rule that maps this POI, or None when no rule does."""
        types = [_segments(t) for t in str(type_text or "").split("|") if _segments(t)]
        for pattern, requires, rule in self.name_rules:
            if pattern.search(str(name or "")) and (not requires or any(t[:len(requires)] == requires for t in types)):
                return rule
        for t in types:  # the first type of a multi-typed POI that a rule knows
            best = max(((len(seg), -i, rule) for i, (seg, rule) in enumerate(self.type_rules) if t[:len(seg)] == seg),
                       default=None, key=lambda x: (x[0], x[1]))
            if best is not None:
                return best[2]
        for c in (_normalise_code(c) for c in str(code or "").split("|")):
            if not c:
                continue
            best_c = max(((len(p), -i, rule) for i, (p, rule) in enumerate(self.code_rules) if c.startswith(p)),
                         default=None, key=lambda x: (x[0], x[1]))
            if best_c is not None:
                return best_c[2]
        return None


def _normalise_code(code: str) -> str:
    """A type code as 6 digits: Excel drops the leading zero of ``050000`` (→ ``50000``) and may add ``.0``."""
    c = str(code).strip()
    if re.fullmatch(r"\d+\.0+", c):
        c = c.split(".")[0]
    return c.zfill(6) if c.isdigit() and len(c) == 5 else c


# --------------------------------------------------------------------------------------------------- reading
def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES:
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        except Exception as exc:  # openpyxl / xlrd raise many kinds
            raise LifecircleInputError(f"Cannot read {path} as an Excel workbook: {exc}. Save it as .xlsx or as CSV.") from exc
        return frame
    return _read_csv_frame(path)


def _pick(columns, names: tuple[str, ...]) -> str | None:
    return _find_column(columns, names, None, "", Path("."))


def _type_text(frame: pd.DataFrame, provider: str, path: Path) -> pd.Series:
    col = _pick(frame.columns, _TYPE_COLUMNS[provider])
    if provider == "tencent" and col is not None and frame[col].astype(str).str.fullmatch(r"\s*\d*\s*").all():
        col = None  # Tencent's numeric 'type' (0 = ordinary POI) is not a category
    if col is not None:
        return frame[col].astype(str)
    for levels in _LEVEL_COLUMNS:
        cols = [_pick(frame.columns, (name,)) for name in levels]
        if cols[0] is not None:
            parts = [frame[c].astype(str) if c is not None else pd.Series("", index=frame.index) for c in cols]
            return pd.Series([";".join(p for p in row if p and p != "nan") for row in zip(*parts, strict=True)], index=frame.index)
    return pd.Series("", index=frame.index)


def _poi_frame(path: Path, provider: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The export's attribute table and its WGS-84 longitudes and latitudes (degrees)."""
    coords = PROVIDER_COORDS[provider]
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES or suffix in _TABLE_SUFFIXES:
        frame = _read_table(path)
        if frame.empty:
            raise LifecircleInputError(f"{path} has a header but no rows: no POI to read.")
        lon_col = _pick(frame.columns, _POI_LON_NAMES)
        lat_col = _pick(frame.columns, _POI_LAT_NAMES)
        if lon_col is not None and lat_col is not None:
            x, y = _numbers(frame[lon_col], lon_col, path), _numbers(frame[lat_col], lat_col, path)
        else:
            loc = _pick(frame.columns, LOCATION_NAMES)
            if loc is None:
                raise LifecircleInputError(
                    f"{path}: no coordinates found among the columns {list(frame.columns)}. A POI export has lon/lat "
                    "(lng, 经度 / lat, 纬度) columns, or Amap's 'location' column of \"lon,lat\".")
            parts = frame[loc].astype(str).str.split(r"[,;\s]+", n=1, expand=True, regex=True)
            if parts.shape[1] < 2:
                parts[1] = ""
            x, y = _numbers(parts[0], f"{loc} (longitude part)", path), _numbers(parts[1], f"{loc} (latitude part)", path)
        bad = np.flatnonzero((np.abs(x) > 180) | (np.abs(y) > 90))
        if len(bad):
            raise LifecircleInputError(f"{path}: coordinates outside longitude −180..180 / latitude −90..90 in data row(s) "
                                       f"{', '.join(str(int(b) + 1) for b in bad[:10])}. Are longitude and latitude swapped?")
        lon, lat = to_wgs84(x, y, coords)
        return frame, lon, lat
    from lifecircle.points.layers import read_layer

    layer = read_layer(path, coords=coords)
    if not layer.geometry.geom_type.isin(["Point"]).all():
        layer = layer.assign(geometry=layer.geometry.representative_point())
    return pd.DataFrame(layer.drop(columns=layer.geometry.name)), layer.geometry.x.to_numpy(), layer.geometry.y.to_numpy()


def read_poi_export(path: str | Path, provider: str, extra_rules: list[PoiRule] | None = None,
                    duplicate_m: float = DEFAULT_DUPLICATE_M) -> tuple[gpd.GeoDataFrame, PoiReport]:
    """Facilities from a web-map POI export, and the report of what was read.

    Parameters
    ----------
    path
        ``.xlsx`` / ``.csv`` (UTF-8 or GB18030) / GIS layer of points, with a name column (名称, name, title), a type
        text (Amap ``type``/类型, Baidu ``tag``, Tencent ``category``, or 大类/中类/小类 columns), optionally the type
        code (``typecode``/类型编码), coordinates (lon/lat or 经度/纬度, or Amap's ``location`` "lon,lat"), an id
        and an address.
    provider
        ``amap`` (coordinates GCJ-02), ``baidu`` (BD-09) or ``tencent`` (GCJ-02).
    extra_rules
        The user's rules (:func:`read_poi_rules`), tried before the built-in ones.
    duplicate_m
        Same-named facilities of one category closer than this (metres) are one (:func:`merge_duplicates`).

    Returns
    -------
    (GeoDataFrame, PoiReport)
        The facility columns of :func:`lifecircle.points.features.facilities_from_layer` (``id`` prefixed with the
        provider, ``amap:B0FFG...``) plus ``poi_source``, ``poi_type``, ``poi_code``, ``address`` and ``poi_rule``
        (the rule that mapped the row), in WGS-84; rows not mapped to a category are left out and counted.
    """
    from lifecircle.points.features import facilities_from_layer

    provider = _check_provider(provider)
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"POI export '{p}' does not exist. Check the path (it is read relative to {Path.cwd()}).")
    frame, lon, lat = _poi_frame(p, provider)
    name_col = _pick(frame.columns, _NAME_COLUMNS)
    if name_col is None:
        raise LifecircleInputError(f"{p}: no name column (名称, name, title) among {list(frame.columns)}.")
    types = _type_text(frame, provider, p)
    code_col = _pick(frame.columns, _CODE_COLUMNS)
    codes = frame[code_col].astype(str) if code_col else pd.Series("", index=frame.index)
    if not types.str.strip().astype(bool).any() and not codes.str.strip().astype(bool).any():
        raise LifecircleInputError(
            f"{p}: no POI type found. A {provider} export has a type text column ({', '.join(_TYPE_COLUMNS[provider][:3])}, or "
            f"大类/中类/小类) or a type code column (typecode, 类型编码); its columns are {list(frame.columns)}.")
    id_col = _pick(frame.columns, _ID_COLUMNS)
    addr_col = _pick(frame.columns, _ADDRESS_COLUMNS)
    classifier = PoiClassifier(provider, [*(extra_rules or []), *builtin_rules()])
    names = frame[name_col].astype(str).str.strip()
    rules = [classifier.classify(n, t, c) for n, t, c in zip(names, types, codes, strict=True)]
    report = PoiReport(path=str(p), provider=provider, rows=len(frame))
    unmapped: Counter[str] = Counter()
    for r, t, c in zip(rules, types, codes, strict=True):
        if r is None:
            label = _normalise_type(str(t).split("|")[0]) or (f"code {_normalise_code(c)}" if str(c).strip() else "(no type)")
            unmapped[label] += 1
        elif r.category == NOT_A_FACILITY:
            report.not_facilities += 1
    report.unmapped = dict(unmapped.most_common())
    kept = [r for r in rules if r is not None and r.category != NOT_A_FACILITY]
    keep = np.array([r is not None and r.category != NOT_A_FACILITY for r in rules], dtype=bool)
    ids = (frame[id_col].astype(str).str.strip() if id_col else pd.Series([f"r{i + 1}" for i in range(len(frame))], index=frame.index))
    layer = gpd.GeoDataFrame({
        "id": [f"{provider}:{i}" for i in ids[keep]],
        "category": [r.category for r in kept],
        "name": names[keep].to_numpy(),
        "poi_source": provider,
        "poi_type": types[keep].to_numpy(),
        "poi_code": codes[keep].map(_normalise_code).to_numpy(),
        "address": frame[addr_col].astype(str).to_numpy()[keep] if addr_col else "",
        "poi_rule": [r.key for r in kept],
    }, geometry=gpd.points_from_xy(lon[keep], lat[keep]), crs=_WGS84)
    if layer.empty:
        fac = _empty_facilities(layer)
    else:
        if layer["id"].duplicated().any():  # an id repeated in the export (one POI listed twice): number the repeats
            layer["id"] = layer["id"] + layer.groupby("id").cumcount().map(lambda k: "" if k == 0 else f"#{k + 1}")
        fac = facilities_from_layer(layer)
    fac, merged = merge_duplicates(fac, duplicate_m)
    report.duplicates_merged = merged
    report.by_category = {str(k): int(v) for k, v in fac["category"].value_counts().sort_index().items()}
    fac.attrs["source"] = str(p)
    return fac, report


def _empty_facilities(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from lifecircle.points.features import FACILITY_COLUMNS

    cols = [c for c in FACILITY_COLUMNS if c not in ("geometry", "footprint")]
    out = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in cols}, geometry=[], crs=layer.crs)
    out["footprint"] = gpd.GeoSeries([], crs=layer.crs).values
    for c in layer.columns:
        if c not in out.columns and c != layer.geometry.name:
            out[c] = pd.Series(dtype=object)
    return out


# --------------------------------------------------------------------------------------------------- duplicates
def _name_key(name: object) -> str:
    """A name for comparison: no spaces, full-width brackets as ASCII, case folded."""
    text = str(name or "").translate(str.maketrans("（）【】", "()[]"))
    return re.sub(r"\s+", "", text).casefold()


def merge_duplicates(facilities: gpd.GeoDataFrame, within_m: float = DEFAULT_DUPLICATE_M) -> tuple[gpd.GeoDataFrame, int]:
    """Merge facilities of one category with the same name (spaces, bracket width and case ignored) lying within
    ``within_m`` metres of one another: the first row (in frame order) is kept, with the ids of the others in
    ``merged_ids`` (``;``-separated). Returns the frame and the number of rows merged away. Unnamed facilities are
    never merged."""
    if within_m < 0:
        raise LifecircleInputError(f"The duplicate distance must be ≥ 0 metres, got {within_m}.")
    out = facilities.reset_index(drop=True).copy()
    if "merged_ids" not in out.columns:
        out["merged_ids"] = ""
    if len(out) < 2:
        return out, 0
    ll = out.to_crs(_WGS84).geometry
    metric = metric_crs_for(float(np.nanmean(ll.x)), float(np.nanmean(ll.y)))
    pts = out.geometry.to_crs(metric)
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    keys = out["name"].map(_name_key).to_numpy()
    drop = np.zeros(len(out), dtype=bool)
    merged_into: dict[int, list[str]] = {}
    groups = pd.Series(np.arange(len(out))).groupby([out["category"].to_numpy(), keys]).groups
    for (_cat, key), idx in groups.items():
        if not key or len(idx) < 2:
            continue
        idx = sorted(int(i) for i in idx)
        for j, b in enumerate(idx):
            if drop[b]:
                continue
            for a in idx[:j]:
                if not drop[a] and np.hypot(x[a] - x[b], y[a] - y[b]) <= within_m:
                    drop[b] = True
                    merged_into.setdefault(a, []).append(str(out.at[b, "id"]))
                    break
    for a, ids in merged_into.items():
        out.at[a, "merged_ids"] = ";".join(filter(None, [str(out.at[a, "merged_ids"]), *ids]))
    return out.loc[~drop].reset_index(drop=True), int(drop.sum())
