"""Edit the project ledger one project at a time, as the shared workspace does: each change is validated with the
rules of an imported row, checked against the version the editor saw (optimistic concurrency: a stale edit is a
conflict, never a silent overwrite), and written in one transaction with its audit row."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.audit import add_audit_row
from lifecircle.monitor.ledger import (
    LEDGER_COLUMNS,
    LedgerImport,
    _check_inside,
    _parse_row,
    import_ledger,
)
from lifecircle.monitor.status import project_states
from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.tabular import RowProblem, fields

#: Fields of a project that an edit may change (the id, category and responsible unit are fixed by the list).
EDITABLE_FIELDS = ("name", "status", "planned_start", "planned_completion", "actual_completion", "lon", "lat",
                   "address", "capacity", "cost_10k_cny", "note")

_STORED = (*LEDGER_COLUMNS, "version")


class UnknownProjectError(LifecircleInputError):
    """No project of the ledger has the id."""


class ProjectConflictError(LifecircleInputError):
    """The project changed since the editor read it; ``current`` is the project as it is now."""

    def __init__(self, message: str, current: dict[str, Any]):
        super().__init__(message)
        self.current = current


def get_project(store: MonitorStore, project_id: str) -> dict[str, Any] | None:
    """The project ``project_id`` as stored (:data:`LEDGER_COLUMNS` and ``version``), or None."""
    row = store.con.execute(f"SELECT {', '.join(_STORED)} FROM projects WHERE project_id = ?",
                            [project_id]).fetchone()
    if row is None:
        return None
    out = dict(zip(_STORED, row))
    for k in ("lon", "lat", "capacity", "cost_10k_cny"):
        if out[k] is not None and math.isnan(out[k]):
            out[k] = None
    return out


def project_list(store: MonitorStore, as_of: date | None = None) -> pd.DataFrame:
    """Every project with its stored fields, ``version``, and its ``state`` and ``days_late`` at ``as_of``
    (:func:`lifecircle.monitor.status.project_states`)."""
    states = project_states(store, as_of)[["project_id", "state", "days_late"]]
    stored = store.con.execute(f"SELECT {', '.join(_STORED)} FROM projects").df()
    for col in ("planned_start", "planned_completion", "actual_completion"):
        day = pd.to_datetime(stored[col]).dt.date
        stored[col] = day.astype(object).where(day.notna(), None)
    return stored.merge(states, on="project_id", how="left").sort_values("project_id").reset_index(drop=True)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _validated(current: dict[str, Any], changes: dict[str, Any], boundary: BaseGeometry | None) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise LifecircleInputError(f"These fields cannot be edited: {', '.join(unknown)}; editable fields are "
                                   f"{', '.join(EDITABLE_FIELDS)}.")
    cells = {f.name: _cell(current.get(f.name)) for f in fields("projects")}
    cells["coords"] = "wgs84"
    cells.update({k: _cell(v) for k, v in changes.items()})
    problems: list[RowProblem] = []
    row = _parse_row(pd.Series(cells), 0, "wgs84", problems)
    if boundary is not None and not problems and row["lon"] == row["lon"]:
        frame = pd.DataFrame([{**row, "_row": 0}])
        _check_inside(frame, boundary, problems)
    if problems:
        raise LifecircleInputError(
            f"Project '{current['project_id']}' was not changed: "
            + "; ".join(f"{p.field} {p.message}" for p in problems) + ".")
    return {k: (None if isinstance(row[k], float) and math.isnan(row[k]) else row[k]) for k in LEDGER_COLUMNS}


def update_project(store: MonitorStore, project_id: str, changes: dict[str, Any], expected_version: int,
                   user_name: str, *, boundary: BaseGeometry | None = None) -> dict[str, Any]:
    """Change the fields ``changes`` (of :data:`EDITABLE_FIELDS`; dates as ISO text, coordinates WGS-84 degrees)
    of one project, if it is still at ``expected_version``; returns the project after the change.

    The change and its audit row (before and after) are one transaction; ``version`` goes up by one.

    Raises
    ------
    UnknownProjectError
        No such project.
    ProjectConflictError
        Somebody changed the project since ``expected_version`` (its ``current`` state is attached).
    LifecircleInputError
        A field that cannot be edited or a value the ledger refuses (same rules as an imported row; a location
        outside ``boundary``); nothing is written then.
    """
    with store.transaction() as con:
        before = get_project(store, project_id)
        if before is None:
            raise UnknownProjectError(f"There is no project '{project_id}' on the list.")
        if int(before["version"]) != int(expected_version):
            raise ProjectConflictError(
                f"Project '{project_id}' was changed by someone else since you opened it (you edited version "
                f"{expected_version}, it is now at version {before['version']}). Reload it, check the new values "
                "and apply your change again.", before)
        after = _validated(before, changes, boundary)
        after["version"] = int(before["version"]) + 1
        sets = ", ".join(f"{k} = ?" for k in (*EDITABLE_FIELDS, "version"))
        con.execute(f"UPDATE projects SET {sets} WHERE project_id = ?",
                    [*(after[k] for k in EDITABLE_FIELDS), after["version"], project_id])
        add_audit_row(con, user_name, "update", "project", project_id, before, after)
    return after


def import_projects(store: MonitorStore, path: str | Path, user_name: str, *, coords: str = "wgs84",
                    boundary_path: str | Path | None = None, sheet: str | None = None) -> LedgerImport:
    """:func:`lifecircle.monitor.ledger.import_ledger` with one audit row per added or changed project and its
    ``version`` raised, all in one transaction (a bad file changes nothing)."""
    with store.transaction() as con:
        old = {pid: get_project(store, pid) for (pid,) in con.execute("SELECT project_id FROM projects").fetchall()}
        result = import_ledger(store, path, coords=coords, boundary_path=boundary_path, sheet=sheet)
        imported = [r[0] for r in con.execute("SELECT project_id FROM projects WHERE import_id = ?",
                                              [result.import_id]).fetchall()]
        for pid in sorted(imported):
            before = old.get(pid)
            now = get_project(store, pid)
            assert now is not None
            same = before is not None and all(_cell(before[k]) == _cell(now[k]) for k in LEDGER_COLUMNS)
            if same:
                continue
            if before is not None:
                con.execute("UPDATE projects SET version = ? WHERE project_id = ?", [int(before["version"]) + 1, pid])
            after = get_project(store, pid)
            add_audit_row(con, user_name, "import" if before is None else "import_update", "project", pid,
                          before, after)
    return result
