"""Read a user's table (CSV or XLSX) with English or Chinese headers into canonical columns, and parse its cells.

The accepted headers of each field are in ``src/lifecircle/data/monitor_columns.csv`` (canonical name, English and
Chinese aliases); they are compared after removing spaces, case and the full-width / half-width difference of
brackets, so ``投资（万元）`` matches ``投资(万元)``. Problems found in rows are collected as
:class:`RowProblem` and reported together by :func:`raise_problems` (one line per bad cell, nothing written).
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from lifecircle.errors import LifecircleInputError

#: At most this many problems are listed in one error message.
_MAX_LISTED = 60
#: Encodings tried for CSV files, in order: UTF-8 (with or without BOM), then GB18030 (a superset of GBK, which
#: Chinese Excel uses for "CSV" exports).
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class Field:
    """One column of a monitoring table (a row of ``monitor_columns.csv``)."""

    table: str
    name: str
    required: bool
    type: str
    aliases: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell or row: ``row`` is the spreadsheet row number (header = 1)."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@cache
def fields(table: str) -> tuple[Field, ...]:
    """The fields of ``table`` ('projects' or 'targets') from ``monitor_columns.csv``, in file order."""
    text = resources.files("lifecircle").joinpath("data", "monitor_columns.csv").read_text(encoding="utf-8")
    out = []
    for r in csv.DictReader(text.splitlines()):
        if r["table"] != table:
            continue
        aliases = [r["field"]] + [a for a in (r["aliases_en"] + "|" + r["aliases_zh"]).split("|") if a]
        out.append(Field(table, r["field"], r["required"] == "yes", r["type"], tuple(aliases), r["description"]))
    if not out:
        raise ValueError(f"monitor_columns.csv has no fields for table '{table}'")
    return tuple(out)


def normalise_header(text: str) -> str:
    """Header text compared case-, width- and space-insensitively (NFKC folds full-width brackets and letters)."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-]+", "", t)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_table(path: str | Path, table: str, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GB18030) or XLSX sheet with every cell as a string ('' when empty).

    Of a workbook, the sheet ``sheet`` is read, by default the first sheet whose top rows hold headers of ``table``.

    The header is the first of the top :data:`_HEADER_SEARCH_ROWS` rows that names the most fields of ``table``, so
    a title row above it (``2025年渝中区生活圈建设项目清单``) is skipped. The index of the result is each row's
    spreadsheet row number (1-based, as Excel/WPS show it), kept through blank rows, which are dropped.

    Raises
    ------
    LifecircleInputError
        When the file is absent, of another format, unreadable, or has no data rows.
    """
    p = Path(path)
    if not p.is_file():
        raise LifecircleInputError(f"The file '{p}' does not exist. Check the path (relative to the current folder).")
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise LifecircleInputError(
            f"'{p.name}' is neither a .csv nor an .xlsx file. Save the list from Excel/WPS as .xlsx or as CSV (UTF-8)."
        )
    if p.stat().st_size == 0:
        raise LifecircleInputError(
            f"'{p.name}' is empty (0 bytes): no header and no rows. Start from the template "
            "('lifecircle monitor templates') and fill in one row per line."
        )
    if suffix == ".csv":
        rows = [[_cell_text(v) for v in r] for r in _csv_rows(p)]
    else:
        rows = _xlsx_rows(p, sheet, table)
    if not any(any(r) for r in rows):
        raise LifecircleInputError(
            f"'{p.name}' holds no text at all: no header and no rows. Start from the template "
            "('lifecircle monitor templates') and fill in one row per line."
        )
    h = _header_row(rows, table)
    header = [c or f"(column {k + 1})" for k, c in enumerate(rows[h] if rows else [])]
    data = {h + 2 + k: (r + [""] * len(header))[: len(header)] for k, r in enumerate(rows[h + 1:]) if any(r)}
    if not data:
        raise LifecircleInputError(f"'{p.name}' has a header but no data rows; fill in at least one row.")
    return pd.DataFrame.from_dict(data, orient="index", columns=header, dtype=object)


#: How many top rows are searched for the header row.
_HEADER_SEARCH_ROWS = 10


def _header_hits(rows: list[list[str]], table: str) -> list[int]:
    """How many cells of each of the top rows name a field of ``table``."""
    lookup = {normalise_header(a) for f in fields(table) for a in f.aliases}
    return [sum(1 for c in r if c and normalise_header(c) in lookup) for r in rows[:_HEADER_SEARCH_ROWS]]


def _header_score(rows: list[list[str]], table: str) -> int:
    """The most field names of ``table`` in one of the top rows (0: no header of that table)."""
    return max(_header_hits(rows, table), default=0)


def _header_row(rows: list[list[str]], table: str) -> int:
    best, best_n = 0, 0
    for k, n in enumerate(_header_hits(rows, table)):
        if n > best_n:
            best, best_n = k, n
    return best


def _csv_rows(p: Path) -> list[list[str]]:
    raw = p.read_bytes()
    for enc in _CSV_ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        try:
            return list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise LifecircleInputError(f"'{p.name}' is not a readable CSV table ({exc}).") from exc
    raise LifecircleInputError(f"'{p.name}' is neither UTF-8 nor GBK/GB18030 text; save it as CSV (UTF-8).")


def _xlsx_rows(p: Path, sheet: str | None, table: str) -> list[list[str]]:
    """The rows of the sheet ``sheet``; by default of the first sheet that names a field of ``table`` in its top
    rows, else of the first sheet that holds anything (a workbook whose first sheet is blank is read from the next)."""
    try:
        import openpyxl
    except ImportError as exc:
        raise LifecircleInputError(
            f"Reading '{p.name}' (.xlsx) needs the openpyxl package: run 'pip install openpyxl', or save the sheet "
            "as CSV (UTF-8) and import that."
        ) from exc
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/xml/KeyError errors for damaged files
        raise LifecircleInputError(f"'{p.name}' cannot be read as an Excel workbook ({exc}).") from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise LifecircleInputError(
                f"'{p.name}' has no sheet '{sheet}'; its sheets are {', '.join(wb.sheetnames)}. Name one with --sheet."
            )
        sheets = {n: [[_cell_text(v) for v in r] for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames}
    finally:
        wb.close()
    filled = [n for n, rows in sheets.items() if any(any(r) for r in rows)]
    if sheet is not None:
        if sheet not in filled:
            where = (f"the sheets that hold data are {', '.join(repr(n) for n in filled)}" if filled
                     else "no sheet holds data")
            raise LifecircleInputError(f"The sheet '{sheet}' of '{p.name}' is blank; {where}. Name the sheet that "
                                       "holds the list with --sheet.")
        return sheets[sheet]
    with_headers = [n for n in filled if _header_score(sheets[n], table) > 0]
    if with_headers:
        return sheets[with_headers[0]]
    first = next(iter(sheets))
    if filled and filled[0] != first:
        raise LifecircleInputError(
            f"The first sheet '{first}' of '{p.name}' is blank and no sheet has the template's headers; the sheets "
            f"that hold data are {', '.join(repr(n) for n in filled)}. Name the one with the list with --sheet, "
            f"e.g. --sheet '{filled[0]}'."
        )
    return sheets[first]


def _cell_text(value: object) -> str:
    """A cell as text: '' for empty/NaN, ISO dates for Excel dates, integers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def map_columns(frame: pd.DataFrame, table: str, file_name: str) -> pd.DataFrame:
    """Rename the columns of ``frame`` to the canonical field names of ``table``; unknown columns are dropped.

    Raises
    ------
    LifecircleInputError
        When a required field has no column, or two columns map to one field.
    """
    wanted = fields(table)
    lookup = {normalise_header(a): f.name for f in wanted for a in f.aliases}
    rename: dict[str, str] = {}
    seen: dict[str, str] = {}
    for col in frame.columns:
        name = lookup.get(normalise_header(col))
        if name is None:
            continue
        if name in seen:
            raise LifecircleInputError(
                f"'{file_name}': the columns '{seen[name]}' and '{col}' both mean '{name}'; keep one of them."
            )
        seen[name] = col
        rename[col] = name
    missing = [f for f in wanted if f.required and f.name not in seen]
    if missing:
        lines = [f"  {f.name}: one of {', '.join(repr(a) for a in f.aliases)}" for f in missing]
        raise LifecircleInputError(
            f"'{file_name}' lacks the required column(s) {', '.join(f.name for f in missing)}; nothing was imported. "
            f"Accepted headers:\n" + "\n".join(lines) + f"\nIts columns are: {', '.join(map(str, frame.columns))}. "
            "Start from the template (docs/monitoring.md)."
        )
    out = frame[list(rename)].rename(columns=rename)
    for f in wanted:
        if f.name not in out.columns:
            out[f.name] = ""
    return out[[f.name for f in wanted]]


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_MONTH_PATTERNS = (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月$"))


def parse_date(text: str) -> date:
    """A date from ``2025-09-30``, ``2025/9/30``, ``2025.09.30``, ``2025年9月30日``; a month (``2025-09``,
    ``2025年9月``) means its last day (a deadline "by September" ends on the 30th).

    Raises
    ------
    ValueError
        With a message saying which forms are accepted.
    """
    t = unicodedata.normalize("NFKC", text).strip()
    for pat in _DATE_PATTERNS:
        m = pat.match(t)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                break
    for pat in _MONTH_PATTERNS:
        m = pat.match(t)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if 1 <= mo <= 12:
                return date(y, mo, calendar.monthrange(y, mo)[1])
    raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD (e.g. 2025-09-30) or YYYY-MM for a month's end")


def parse_number(text: str, *, allow_percent: bool = False) -> float:
    """A finite number from ``1800``, ``1,800``, ``1 800``; with ``allow_percent``, ``95%`` gives 0.95.

    Raises
    ------
    ValueError
        When the text is not a finite number.
    """
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    divisor = 1.0
    if allow_percent and t.endswith("%"):
        t, divisor = t[:-1], 100.0  # 95 / 100 is the double nearest 0.95; 95 * 0.01 is not
    try:
        v = float(t) / divisor
    except ValueError:
        hint = " (or a percentage such as 95%)" if allow_percent else ""
        raise ValueError(f"'{text}' is not a number; write digits such as 0.95{hint}") from None
    if not math.isfinite(v):
        raise ValueError(f"'{text}' is not a finite number")
    return v


def raise_problems(problems: list[RowProblem], file_name: str, what: str, notes: list[str] | None = None) -> None:
    """Raise one :class:`LifecircleInputError` listing every problem (one line each), if there are any, followed by
    ``notes`` (what the accepted values are)."""
    if not problems:
        return
    problems = sorted(problems, key=lambda p: (p.row, p.field))
    listed = [f"  {p}" for p in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        listed.append(f"  ... and {len(problems) - _MAX_LISTED} more")
    raise LifecircleInputError(
        f"'{file_name}' has {len(problems)} problem(s); no {what} were imported (the store is unchanged). "
        f"Fix these rows and import the file again:\n" + "\n".join(listed) + "".join(f"\n{n}" for n in notes or [])
    )
