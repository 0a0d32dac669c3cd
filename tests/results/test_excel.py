"""indicators.xlsx holds the numbers of indicators.csv, one sheet per profile and per profile's sub-areas."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from lifecircle.results.excel import SHEET_COLUMNS, write_indicator_workbook


def _rows() -> pd.DataFrame:
    rows = []
    for area in ("ALL", "g1", "g2"):
        rows.append({"profile": "cn-health-check", "indicator": "elderly_care_5min", "area": area, "value": 0.25,
                     "numerator": 250.0, "denominator": 1000.0, "threshold": 300.0, "threshold_kind": "walk_time_s",
                     "source": "TD/T 1063-2021", "name_zh": "社区养老设施步行5分钟覆盖率", "name_en": "Elderly care",
                     "confidence": "✅", "denominator_kind": "residential_land_area", "unit": "share", "kind": "coverage",
                     "note": "", "target": 0.3 if area == "ALL" else math.nan, "age_group": "60+", "age_value": 0.5})
    rows.append({**rows[0], "profile": "bruno-15min", "indicator": "gini", "unit": "gini", "kind": "gini", "value": 0.2,
                 "target": 0.3, "age_group": "", "age_value": math.nan})
    return pd.DataFrame(rows)


def test_workbook_sheets_headers_and_numbers(tmp_path: Path):
    rows = _rows()
    path = write_indicator_workbook(rows, tmp_path / "indicators.xlsx", "渝中区")
    wb = load_workbook(path)
    assert wb.sheetnames == ["cn-health-check", "cn-health-check 分区", "bruno-15min"]
    ws = wb["cn-health-check"]
    zh = [c.value for c in ws[2]]
    en = [c.value for c in ws[3]]
    assert zh[:3] == ["区域", "指标编号", "指标名称"] and "是否达标" in zh and "来源" in zh and "目标值" in zh
    assert en[zh.index("是否达标")] == "Met"
    record = dict(zip(zh, [c.value for c in ws[4]], strict=True))
    assert record["指标值"] == 0.25 and record["目标值"] == 0.3 and record["是否达标"] == "未达标 Not met"
    assert record["分子"] == 250.0 and record["分母"] == 1000.0 and record["来源"] == "TD/T 1063-2021"
    assert record["年龄段覆盖率"] == 0.5 and ws.cell(row=4, column=zh.index("指标值") + 1).number_format == "0.0%"
    assert ws.print_title_rows == "$2:$3" and ws.page_setup.orientation == "landscape"
    parts = wb["cn-health-check 分区"]
    assert [parts.cell(row=r, column=1).value for r in (4, 5)] == ["g1", "g2"]
    assert parts.cell(row=4, column=zh.index("是否达标") + 1).value is None   # no target for a sub-area: no verdict
    gini = dict(zip([c.value for c in wb["bruno-15min"][2]], [c.value for c in wb["bruno-15min"][4]], strict=True))
    assert gini["是否达标"] == "达标 Met"   # a Gini coefficient meets its target from below
    assert len(SHEET_COLUMNS) == len({c[0] for c in SHEET_COLUMNS})
