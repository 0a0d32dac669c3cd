"""The templates a planner fills in: the project list (一张清单) and the targets, as CSV (English and Chinese
headers) and as Excel workbooks with Chinese headers.

The CSV templates are package data (``data/ledger_template*.csv``, ``data/targets_template*.csv``). The workbooks
are made from the Chinese CSV templates when written: the same headers and example rows, dates as Excel dates,
shares as percentages, a drop-down list of the statuses and of the coordinate systems, and a second sheet
``填写说明`` describing each column (``data/monitor_columns.csv``). ``projects import`` / ``targets import`` read them
back as they are.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.tabular import Field, fields, normalise_header, parse_date, parse_number
from lifecircle.monitor.vocab import statuses


@dataclass(frozen=True)
class Template:
    """One template file: its name in ``--out``, the table it is for, and the package CSV it comes from."""

    name: str
    table: str
    source: str


#: The templates ``lifecircle monitor templates`` writes, in order.
TEMPLATES = (
    Template("ledger_template.csv", "projects", "ledger_template.csv"),
    Template("ledger_template_zh.csv", "projects", "ledger_template_zh.csv"),
    Template("targets_template.csv", "targets", "targets_template.csv"),
    Template("targets_template_zh.csv", "targets", "targets_template_zh.csv"),
    Template("项目清单.xlsx", "projects", "ledger_template_zh.csv"),
    Template("目标.xlsx", "targets", "targets_template_zh.csv"),
)

#: Name of the list sheet and of the column-description sheet of the workbooks.
LIST_SHEET = {"projects": "项目清单", "targets": "目标"}
HELP_SHEET = "填写说明"


def _package_text(name: str) -> str:
    return resources.files("lifecircle").joinpath("data", name).read_text(encoding="utf-8")


def _field_of(header: str, table: str) -> Field | None:
    key = normalise_header(header)
    return next((f for f in fields(table) if key in {normalise_header(a) for a in f.aliases}), None)


def _cell(text: str, field: Field | None) -> object:
    """A template cell as Excel keeps it: dates as dates, numbers as numbers, shares as fractions; else text."""
    if not text or field is None:
        return text
    try:
        if field.type == "date":
            return parse_date(text)
        if field.type == "number":
            v = parse_number(text)
            return int(v) if v.is_integer() else v
        if field.type == "share":
            return parse_number(text, allow_percent=True)
    except ValueError:
        return text
    return text


def workbook_bytes(source_csv: str, table: str) -> bytes:
    """The .xlsx bytes of the workbook of the package CSV template ``source_csv`` (Chinese headers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = list(csv.reader(_package_text(source_csv).splitlines()))
    header, body = rows[0], rows[1:]
    flds = [_field_of(h, table) for h in header]
    wb = Workbook()
    ws = wb.active
    ws.title = LIST_SHEET[table]
    ws.append(header)
    for r in body:
        ws.append([_cell(text, f) for text, f in zip(r, flds)])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for k, (h, f) in enumerate(zip(header, flds), start=1):
        c = ws.cell(row=1, column=k)
        c.font, c.fill = bold, fill
        letter = get_column_letter(k)
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(h) + 4))
        fmt = {"date": "yyyy-mm-dd", "share": "0%"}.get(f.type if f else "", None)
        if fmt:
            for row in range(2, len(body) + 2):
                ws.cell(row=row, column=k).number_format = fmt
        choices = _choices(f)
        if choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}1000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(HELP_SHEET)
    notes.append(["列名", "必填", "可用的列名", "含义"])
    for h, f in zip(header, flds):
        if f is not None:
            notes.append([h, "是" if f.required else "否", " | ".join(f.aliases), f.description])
    for k, width in enumerate((16, 6, 48, 90), start=1):
        notes.column_dimensions[get_column_letter(k)].width = width
        notes.cell(row=1, column=k).font = bold
    for row in notes.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _choices(field: Field | None) -> list[str]:
    """The drop-down values of a column: Chinese status names, coordinate systems, directions."""
    if field is None:
        return []
    if field.type == "status":
        return [s.name_zh for s in statuses().values()]
    if field.type == "coords":
        return ["wgs84", "gcj02", "bd09"]
    if field.type == "direction":
        return ["不低于", "不高于"]
    return []


def write_templates(out: Path) -> list[Path]:
    """Write every template of :data:`TEMPLATES` into the folder ``out``; refuse (writing nothing) when any of
    them is already there."""
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"--out '{out}' is a file; give a folder.")
    existing = [t.name for t in TEMPLATES if (out / t.name).exists()]
    if existing:
        raise LifecircleInputError(
            f"{', '.join(existing)} already exist in '{out}'; nothing was written. Choose another --out folder."
        )
    data = resources.files("lifecircle").joinpath("data")
    contents = {t.name: (workbook_bytes(t.source, t.table) if t.name.endswith(".xlsx")
                         else data.joinpath(t.source).read_bytes()) for t in TEMPLATES}
    out.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (out / name).write_bytes(content)
    return [out / t.name for t in TEMPLATES]
