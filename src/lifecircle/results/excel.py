"""``indicators.xlsx``: the indicator table as a 城市体检 submission hands it on, ready to print.

One sheet per profile (the whole study area: indicator, value, target, met or not, source) and one sheet per profile
with the sub-areas when the run has them. Target and verdict stay empty where the table has no ``target`` (a run's
table has none; monitoring's targets fill it). Headers are Chinese with English beneath; values are the same numbers as
``indicators.csv`` (a share 0-1 shown as a percentage). Pages print landscape, one page wide, header row repeated.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: (column of indicators.csv or a derived key, Chinese header, English header, width in characters).
SHEET_COLUMNS = (
    ("area", "区域", "Area", 12),
    ("indicator", "指标编号", "Indicator id", 22),
    ("name_zh", "指标名称", "Indicator", 34),
    ("name_en", "英文名称", "Name (English)", 34),
    ("value", "指标值", "Value", 11),
    ("target", "目标值", "Target", 10),
    ("met", "是否达标", "Met", 9),
    ("numerator", "分子", "Numerator", 14),
    ("denominator", "分母", "Denominator", 14),
    ("denominator_kind", "分母口径", "Denominator kind", 20),
    ("threshold", "阈值", "Threshold", 10),
    ("threshold_kind", "阈值类型", "Threshold kind", 16),
    ("age_group", "服务年龄段", "Age group served", 11),
    ("age_value", "年龄段覆盖率", "Age-group coverage", 12),
    ("source", "来源", "Source", 30),
    ("confidence", "可信度", "Confidence", 9),
    ("note", "说明", "Note", 40),
)
_MET = {True: "达标 Met", False: "未达标 Not met"}
_SHARE_FORMAT = "0.0%"
_NUMBER_FORMAT = "#,##0.0"
_THIN = Side(style="thin", color="999999")
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")


def _sheet_name(text: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "sheet"
    name, k = base, 2
    while name in used:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


def _met(row: pd.Series) -> str:
    target = row.get("target")
    value = row.get("value")
    try:
        t, v = float(target), float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(t) or math.isnan(v):
        return ""
    return _MET[v >= t] if row.get("kind") != "gini" else _MET[v <= t]


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _write_sheet(ws: Worksheet, rows: pd.DataFrame, title: str) -> None:
    columns = [c for c in SHEET_COLUMNS if c[0] in rows.columns or c[0] in ("target", "met")]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([c[1] for c in columns])
    ws.append([c[2] for c in columns])
    for col in range(1, len(columns) + 1):
        for r in (2, 3):
            cell = ws.cell(row=r, column=col)
            cell.font = Font(bold=True, size=10 if r == 2 else 9, italic=r == 3)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
    for _, row in rows.iterrows():
        ws.append([_met(row) if key == "met" else _cell_value(row.get(key)) for key, *_ in columns])
    share_rows = rows["unit"].eq("share").to_numpy() if "unit" in rows.columns else [True] * len(rows)
    for i, is_share in enumerate(share_rows, start=4):
        for j, (key, *_rest) in enumerate(columns, start=1):
            cell = ws.cell(row=i, column=j)
            cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
            cell.alignment = Alignment(wrap_text=key in ("name_zh", "name_en", "source", "note"), vertical="top")
            if key in ("value", "target") and is_share or key == "age_value":
                cell.number_format = _SHARE_FORMAT
            elif key in ("numerator", "denominator"):
                cell.number_format = _NUMBER_FORMAT
    for j, (*_keys, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "C4"
    ws.print_title_rows = "2:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&P / &N"


def write_indicator_workbook(indicators: pd.DataFrame, path: str | Path, study_area: str = "") -> Path:
    """Write ``indicators`` (the rows of ``indicators.csv``) to an ``.xlsx`` workbook at ``path``.

    Sheets: per profile, ``<profile>`` (area ``ALL``) and, when the run has sub-areas, ``<profile> 分区`` (every
    sub-area). Returns ``path``.
    """
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    place = f"{study_area} — " if study_area else ""
    profiles = list(dict.fromkeys(indicators["profile"])) if len(indicators) else []
    for profile in profiles:
        rows = indicators[indicators["profile"] == profile]
        whole = rows[rows["area"] == "ALL"]
        parts = rows[rows["area"] != "ALL"]
        _write_sheet(wb.create_sheet(_sheet_name(profile, used)), whole,
                     f"{place}{profile}：全域指标 Whole study area")
        if len(parts):
            _write_sheet(wb.create_sheet(_sheet_name(f"{profile} 分区", used)), parts.sort_values("area", kind="stable"),
                         f"{place}{profile}：分区指标 Sub-areas")
    if not profiles:
        wb.create_sheet("indicators").append(["无指标 No indicators"])
    p = Path(path)
    wb.save(p)
    return p
