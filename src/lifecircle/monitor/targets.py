"""Targets of the plan implementation programme: read a CSV/XLSX target list, validate it, import it into the store.

A target says: indicator ``indicator`` (of profile ``profile``; blank = whichever profile has it) over ``area``
(``ALL`` = the whole study area) shall be at least (``at_least``) or at most (``at_most``) ``value`` by the end of
``period`` (a year ``2025`` or a quarter ``2025Q3``), as set by ``source_document``. Values are in the indicator's
unit: coverage rates are shares 0–1 (``95%`` is read as 0.95).

Importing upserts by (profile, indicator, area, period); a file with any bad row is refused whole, one message line
per problem.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.tabular import (
    RowProblem,
    file_sha256,
    map_columns,
    parse_number,
    raise_problems,
    read_table,
)
from lifecircle.monitor.vocab import to_direction

#: Area id of the whole study area (as in indicators.csv).
ALL_AREAS = "ALL"
#: Columns of a validated target table, in the order of the ``targets`` table.
TARGET_COLUMNS = ("profile", "indicator", "area", "period", "due_date", "value", "direction", "source_document", "note")
#: Indicator kinds whose value is a share 0–1 (coverage rates).
SHARE_KINDS = ("coverage", "composite")

_YEAR = re.compile(r"^(\d{4})年?$")
_QUARTER = re.compile(r"^(\d{4})(?:年)?[-\s]?(?:q|第)([1-4])(?:季度)?$")


@dataclass(frozen=True)
class TargetImport:
    """What an import did: ``import_id`` in the ``imports`` table, rows read, targets added and replaced."""

    import_id: int
    n_rows: int
    n_added: int
    n_replaced: int


def parse_period(text: str) -> tuple[str, date]:
    """The canonical period and its last day: ``2025`` → (``2025``, 2025-12-31); ``2025Q3``, ``2025-Q3``,
    ``2025年第3季度`` → (``2025Q3``, 2025-09-30).

    Raises
    ------
    ValueError
        When the text is neither a year nor a quarter.
    """
    t = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    m = _YEAR.match(t)
    if m:
        y = int(m.group(1))
        return str(y), date(y, 12, 31)
    m = _QUARTER.match(t)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        month = 3 * q
        return f"{y}Q{q}", date(y, month, calendar.monthrange(y, month)[1])
    raise ValueError(f"'{text}' is not a period; write a year (2025) or a quarter (2025Q3, 2025年第3季度)")


@cache
def _builtin_indicators() -> tuple[tuple[tuple[str, str], str], ...]:
    from lifecircle.indicators import list_profiles, load_profile

    return tuple(((name, ind.id), ind.kind) for name in list_profiles() for ind in load_profile(name).indicators)


def known_indicators(store: MonitorStore | None) -> dict[tuple[str, str], str]:
    """(profile, indicator) → kind for the built-in profiles and for every indicator recorded in the store
    (kind ``recorded`` for indicators known only from runs, e.g. of a user's own TOML profile)."""
    out = dict(_builtin_indicators())
    if store is not None:
        for profile, indicator, unit in store.con.execute(
            "SELECT DISTINCT profile, indicator, unit FROM indicator_values"
        ).fetchall():
            kind = "coverage" if str(unit or "").startswith("share") else "recorded"
            out.setdefault((profile, indicator), kind)
    return out


def read_targets(path: str | Path, *, store: MonitorStore | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read and validate a target list; return one row per target in :data:`TARGET_COLUMNS`.

    Parameters
    ----------
    path
        CSV or XLSX with the columns of ``data/targets_template.csv`` (or the Chinese ``targets_template_zh.csv``).
    store
        When given, indicators recorded in it (from custom profiles) are accepted besides the built-in ones.
    sheet
        XLSX sheet name (default the first sheet with the template's headers).

    Raises
    ------
    LifecircleInputError
        Listing every bad row (unknown indicator, bad value or period, share above 1, duplicate target...).
    """
    p = Path(path)
    raw = map_columns(read_table(p, "targets", sheet), "targets", p.name)
    known = known_indicators(store)
    problems: list[RowProblem] = []
    rows = []
    first: dict[tuple, int] = {}
    for row, cells in raw.iterrows():
        r, bad = _parse_row(cells, int(row), known, problems)
        if not bad:
            key = (r["profile"], r["indicator"], r["area"], r["period"])
            if key in first:
                problems.append(RowProblem(row, "period", f"the same target (indicator, profile, area, period) is "
                                                          f"also on row {first[key]}; keep one"))
            first.setdefault(key, row)
            rows.append(r)
    raise_problems(problems, p.name, "targets")
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))


def _parse_row(cells: pd.Series, row: int, known: dict[tuple[str, str], str],
               problems: list[RowProblem]) -> tuple[dict, bool]:
    n_before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(RowProblem(row, field, message))

    for name in ("indicator", "value", "period", "source_document"):
        if cells[name] == "":
            bad(name, "is empty; this column is required")
    out = {
        "profile": cells["profile"],
        "indicator": cells["indicator"],
        "area": cells["area"] or ALL_AREAS,
        "source_document": cells["source_document"],
        "note": cells["note"],
        "direction": "at_least",
        "value": None,
        "period": None,
        "due_date": None,
    }
    kinds = {k: v for (prof, ind), v in known.items() if ind == out["indicator"]
             for k in [prof] if not out["profile"] or prof == out["profile"]}
    if out["indicator"] and not kinds:
        where = f"profile '{out['profile']}'" if out["profile"] else "any built-in profile or recorded run"
        bad("indicator", f"'{out['indicator']}' is not an indicator of {where}; see 'lifecircle profiles' and the "
                         "indicator column of indicators.csv")
    if cells["direction"]:
        out["direction"] = to_direction(cells["direction"])
        if out["direction"] is None:
            bad("direction", f"'{cells['direction']}' is not a direction; use at_least (>=, 不低于) or at_most "
                             "(<=, 不高于)")
    if cells["value"]:
        try:
            out["value"] = parse_number(cells["value"], allow_percent=True)
        except ValueError as exc:
            bad("value", str(exc))
        else:
            is_share = kinds and all(k in SHARE_KINDS for k in kinds.values())
            if is_share and not 0.0 <= out["value"] <= 1.0:
                bad("value", f"{cells['value']} is not a share: '{out['indicator']}' is a coverage rate 0–1; "
                             "write 0.95 or 95%")
    if cells["period"]:
        try:
            out["period"], out["due_date"] = parse_period(cells["period"])
        except ValueError as exc:
            bad("period", str(exc))
    return out, len(problems) > n_before


def import_targets(store: MonitorStore, path: str | Path, *, sheet: str | None = None) -> TargetImport:
    """Validate the target list ``path`` and upsert it into the store in one transaction.

    Raises
    ------
    LifecircleInputError
        When any row is bad (every problem listed); the store is then unchanged.
    """
    p = Path(path)
    frame = read_targets(p, store=store, sheet=sheet)
    if frame.empty:  # pragma: no cover - read_table refuses files without rows
        raise LifecircleInputError(f"'{p.name}' holds no target.")
    sha = file_sha256(p)
    with store.transaction() as con:
        existing = set(con.execute("SELECT profile, indicator, area, period FROM targets").fetchall())
        import_id = store.record_import("targets", p.name, sha, len(frame))
        frame["import_id"] = import_id
        con.register("_targets", frame)
        cols = ", ".join([*TARGET_COLUMNS, "import_id"])
        con.execute(f"INSERT OR REPLACE INTO targets ({cols}) SELECT {cols} FROM _targets")
        con.unregister("_targets")
    keys = zip(frame["profile"], frame["indicator"], frame["area"], frame["period"])
    n_replaced = sum(1 for k in keys if k in existing)
    return TargetImport(import_id, len(frame), len(frame) - n_replaced, n_replaced)
