"""The project ledger (一张清单): read a CSV/XLSX project list, validate every row, and import it into the store.

A file is imported whole or not at all: any bad row (missing value, bad date, unknown category or status,
coordinates outside the study area, duplicate id...) refuses the file with one message line per problem and writes
nothing. Importing upserts by ``project_id``: new ids are added, known ids are updated with the file's values, and
projects absent from the file are kept. Each import also stores a snapshot of every row's status and dates in
``project_history`` (the quarterly review trail).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.boundary import boundary_from_wkt, read_boundary
from lifecircle.monitor.store import MonitorStore
from lifecircle.monitor.tabular import (
    RowProblem,
    fields,
    file_sha256,
    map_columns,
    parse_date,
    parse_number,
    raise_problems,
    read_table,
)
from lifecircle.monitor.vocab import statuses, to_coords, to_status
from lifecircle.points.categories import category_choices, to_category
from lifecircle.points.coords import to_wgs84

#: Columns of the validated ledger, in the order of the ``projects`` table.
LEDGER_COLUMNS = (
    "project_id", "name", "category", "lon", "lat", "address", "capacity", "responsible_unit", "planned_start",
    "planned_completion", "actual_completion", "status", "cost_10k_cny", "note",
)


@dataclass(frozen=True)
class LedgerImport:
    """What an import did: ``import_id`` in the ``imports`` table, rows read, projects added and updated."""

    import_id: int
    n_rows: int
    n_added: int
    n_updated: int


def read_ledger(
    path: str | Path,
    *,
    coords: str = "wgs84",
    boundary: BaseGeometry | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read and validate a project list; return one row per project in canonical columns (:data:`LEDGER_COLUMNS`).

    Parameters
    ----------
    path
        CSV (UTF-8 or GBK) or XLSX file with the columns of ``data/ledger_template.csv`` (English) or
        ``data/ledger_template_zh.csv`` (Chinese); ``data/monitor_columns.csv`` lists every accepted header.
    coords
        Coordinate system of lon/lat when a row has no ``coords`` cell: wgs84, gcj02 (Amap/Tencent) or bd09
        (Baidu). Coordinates are stored in WGS-84 degrees.
    boundary
        Study-area polygon in WGS-84; projects with coordinates outside it are refused. None: no check.
    sheet
        XLSX sheet name (default the first sheet with the template's headers).

    Returns
    -------
    pandas.DataFrame
        ``lon``/``lat`` WGS-84 degrees (NaN when only an address is given), ``capacity`` in the facility's unit
        (places, beds), dates as :class:`datetime.date` (None when empty), ``cost_10k_cny`` in 10 000 yuan (万元).

    Raises
    ------
    LifecircleInputError
        Listing every bad row when any row is bad, or naming the missing columns.
    """
    p = Path(path)
    default_coords = to_coords(coords)
    if default_coords is None:
        raise LifecircleInputError(f"--coords '{coords}' is not a coordinate system; use wgs84, gcj02 or bd09.")
    raw = map_columns(read_table(p, "projects", sheet), "projects", p.name)
    problems: list[RowProblem] = []
    rows = [_parse_row(cells, int(row), default_coords, problems) for row, cells in raw.iterrows()]
    _check_duplicates([(r["_row"], r["project_id"]) for r in rows], problems)

    ledger = pd.DataFrame(rows, columns=[*LEDGER_COLUMNS, "_row", "_coords"])
    _convert_coordinates(ledger)
    if boundary is not None:
        _check_inside(ledger, boundary, problems)
    notes = ([f"Facility categories: a Chinese or English name or an id (docs/monitoring.md lists the synonyms): "
              f"{category_choices()}."] if any(q.field == "category" for q in problems) else [])
    raise_problems(problems, p.name, "projects", notes)
    return ledger[list(LEDGER_COLUMNS)].reset_index(drop=True)


def _parse_row(cells: pd.Series, row: int, default_coords: str, problems: list[RowProblem]) -> dict:
    def bad(field: str, message: str) -> None:
        problems.append(RowProblem(row, field, message))

    out: dict = {"_row": row}
    for f in fields("projects"):
        text = cells[f.name]
        if f.required and text == "":
            bad(f.name, "is empty; this column is required")
    for name in ("project_id", "name", "address", "responsible_unit", "note"):
        out[name] = cells[name]

    cat = cells["category"]
    out["category"] = to_category(cat) if cat else None
    if cat and out["category"] is None:
        bad("category", f"'{cat}' is not a facility category (the accepted names are listed below)")

    st = cells["status"]
    out["status"] = to_status(st) if st else None
    if st and out["status"] is None:
        names = ", ".join(f"{s.id} ({s.name_zh})" for s in statuses().values())
        bad("status", f"'{st}' is not a project status; use one of {names}")

    for name in ("planned_start", "planned_completion", "actual_completion"):
        out[name] = None
        if cells[name]:
            try:
                out[name] = parse_date(cells[name])
            except ValueError as exc:
                bad(name, str(exc))
    if out["planned_start"] and out["planned_completion"] and out["planned_start"] > out["planned_completion"]:
        bad("planned_start", f"{out['planned_start']} is after the planned completion {out['planned_completion']}")
    if out["status"] == "completed" and cells["actual_completion"] == "":
        bad("actual_completion", "is empty but the status is completed; give the date it was completed")
    if out["status"] not in (None, "completed") and out["actual_completion"] is not None:
        bad("status", f"is '{st}' but an actual completion date ({out['actual_completion']}) is given; set the "
                      "status to completed or clear the date")

    for name in ("capacity", "cost_10k_cny"):
        out[name] = np.nan
        if cells[name]:
            try:
                out[name] = parse_number(cells[name])
            except ValueError as exc:
                bad(name, str(exc))
                continue
            if out[name] < 0:
                bad(name, f"{cells[name]} is negative; it must be >= 0")

    out["lon"] = out["lat"] = np.nan
    if bool(cells["lon"]) != bool(cells["lat"]):
        bad("lon/lat", "only one of longitude and latitude is given; give both, or neither and an address")
    elif cells["lon"]:
        try:
            out["lon"], out["lat"] = parse_number(cells["lon"]), parse_number(cells["lat"])
        except ValueError as exc:
            bad("lon/lat", str(exc))
        else:
            if not (-180 <= out["lon"] <= 180 and -90 <= out["lat"] <= 90):
                bad("lon/lat", f"({cells['lon']}, {cells['lat']}) is not a longitude/latitude in degrees")
                out["lon"] = out["lat"] = np.nan
    elif not cells["address"]:
        bad("lon/lat", "no location: give lon and lat, or an address")

    out["_coords"] = default_coords
    if cells["coords"]:
        out["_coords"] = to_coords(cells["coords"])
        if out["_coords"] is None:
            bad("coords", f"'{cells['coords']}' is not a coordinate system; use wgs84, gcj02 or bd09")
    return out


def _check_duplicates(ids: list[tuple[int, str]], problems: list[RowProblem]) -> None:
    first: dict[str, int] = {}
    for row, pid in ids:
        if not pid:
            continue
        if pid in first:
            problems.append(RowProblem(row, "project_id",
                                       f"'{pid}' is also the id of row {first[pid]}; ids must be unique"))
        else:
            first[pid] = row


def _convert_coordinates(ledger: pd.DataFrame) -> None:
    for system in ("gcj02", "bd09"):
        sel = (ledger["_coords"] == system) & ledger["lon"].notna()
        if sel.any():
            lon, lat = to_wgs84(ledger.loc[sel, "lon"].to_numpy(float), ledger.loc[sel, "lat"].to_numpy(float), system)
            ledger.loc[sel, "lon"] = lon
            ledger.loc[sel, "lat"] = lat


def _check_inside(ledger: pd.DataFrame, boundary: BaseGeometry, problems: list[RowProblem]) -> None:
    located = ledger[ledger["lon"].notna()]
    if located.empty:
        return
    points = shapely.points(located["lon"].to_numpy(float), located["lat"].to_numpy(float))
    inside = shapely.covers(boundary, points)
    minx, miny, maxx, maxy = boundary.bounds
    for (_, r), ok in zip(located.iterrows(), inside):
        if not ok:
            problems.append(RowProblem(
                int(r["_row"]), "lon/lat",
                f"({r['lon']:.6f}, {r['lat']:.6f}) (WGS-84) is outside the study area (lon {minx:.4f}..{maxx:.4f}, "
                f"lat {miny:.4f}..{maxy:.4f}); check the coordinates, their order and the coords column "
                "(gcj02 for Amap, bd09 for Baidu)",
            ))


def known_boundary(store: MonitorStore, boundary_path: str | Path | None) -> BaseGeometry | None:
    """The boundary to check project coordinates against: ``boundary_path`` when given, else the boundary of the
    latest recorded run that had one, else None (no check)."""
    if boundary_path is not None:
        return read_boundary(boundary_path)
    row = store.con.execute(
        "SELECT boundary_wkt FROM runs WHERE boundary_wkt IS NOT NULL ORDER BY data_date DESC, run_id DESC LIMIT 1"
    ).fetchone()
    return boundary_from_wkt(row[0]) if row else None


def import_ledger(
    store: MonitorStore,
    path: str | Path,
    *,
    coords: str = "wgs84",
    boundary_path: str | Path | None = None,
    sheet: str | None = None,
) -> LedgerImport:
    """Validate the project list ``path`` and upsert it into the store in one transaction.

    Coordinates are checked against ``boundary_path`` (a polygon file) or, when not given, the boundary of the
    latest recorded run. See :func:`read_ledger` for the file format.

    Raises
    ------
    LifecircleInputError
        When any row is bad (every problem listed); the store is then unchanged.
    """
    p = Path(path)
    ledger = read_ledger(p, coords=coords, boundary=known_boundary(store, boundary_path), sheet=sheet)
    sha = file_sha256(p)
    frame = ledger.copy()
    for col in ("planned_start", "planned_completion", "actual_completion"):
        frame[col] = pd.to_datetime(frame[col]).dt.date.astype(object)
        frame[col] = frame[col].where(frame[col].notna(), None)
    with store.transaction() as con:
        existing = {r[0] for r in con.execute("SELECT project_id FROM projects").fetchall()}
        import_id = store.record_import("projects", p.name, sha, len(frame))
        frame["import_id"] = import_id
        con.register("_ledger", frame)
        cols = ", ".join([*LEDGER_COLUMNS, "import_id"])
        con.execute(f"INSERT OR REPLACE INTO projects ({cols}) SELECT {cols} FROM _ledger")
        con.execute(
            "INSERT INTO project_history SELECT import_id, project_id, status, planned_completion, actual_completion "
            "FROM _ledger"
        )
        con.unregister("_ledger")
    n_added = sum(1 for pid in frame["project_id"] if pid not in existing)
    return LedgerImport(import_id, len(frame), n_added, len(frame) - n_added)
