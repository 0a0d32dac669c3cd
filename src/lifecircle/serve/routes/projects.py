"""The project list (一张清单): filter, edit one project (its unit's editor or an admin; optimistic version check),
import a CSV/XLSX list, export XLSX, the per-unit table with the coverage each unit's completed projects delivered."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.attribution import unit_gains
from lifecircle.monitor.ledger import read_ledger
from lifecircle.monitor.projects import (
    get_project,
    import_projects,
    project_list,
    update_project,
)
from lifecircle.monitor.status import unit_status
from lifecircle.serve.accounts import User
from lifecircle.serve.deps import Editor, Viewer, WorkspaceDep
from lifecircle.serve.shaping import records
from lifecircle.serve.uploads import (
    check_content,
    check_upload_name,
    read_body,
    staged_upload,
)

router = APIRouter(tags=["projects"])

#: Characters that make a spreadsheet cell a formula; such texts are written as plain text in the export.
_FORMULA_START = ("=", "+", "-", "@")


def _filtered(frame: pd.DataFrame, unit: str | None, status: str | None, category: str | None,
              due_before: date | None, late_only: bool) -> pd.DataFrame:
    if unit:
        frame = frame[frame["responsible_unit"] == unit]
    if status:
        frame = frame[frame["status"] == status]
    if category:
        frame = frame[frame["category"] == category]
    if due_before:
        frame = frame[pd.to_datetime(frame["planned_completion"]).dt.date <= due_before]
    if late_only:
        frame = frame[frame["state"] == "late"]
    return frame


@router.get("/api/projects")
def projects(user: Viewer, ws: WorkspaceDep, unit: str | None = None, status: str | None = None,
             category: str | None = None, due_before: date | None = None, late_only: bool = False
             ) -> list[dict[str, Any]]:
    frame = ws.cached_answer(f"projects:{date.today()}", project_list)
    rows = records(_filtered(frame, unit, status, category, due_before, late_only))
    for r in rows:
        r["editable"] = user.may_edit_project(r["responsible_unit"])
    return rows


class ProjectEdit(BaseModel):
    version: int
    changes: dict[str, Any]


@router.patch("/api/projects/{project_id}")
def edit(project_id: str, body: ProjectEdit, user: Editor, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.writing() as store:
        current = get_project(store, project_id)
        if current is not None and not user.may_edit_project(current["responsible_unit"]):
            raise HTTPException(403, f"Project '{project_id}' belongs to {current['responsible_unit']}; "
                                     f"{user.user_name} edits only the projects of {user.unit}.")
        after = update_project(store, project_id, body.changes, body.version, user.user_name,
                               boundary=ws.project_area())
    return {k: records(pd.DataFrame([after]))[0][k] for k in after}


def _check_units(user: User, path: Any) -> None:
    """An editor imports only rows of its own unit."""
    if user.role == "admin":
        return
    units = sorted(set(read_ledger(path)["responsible_unit"]) - {user.unit})
    if units:
        raise HTTPException(403, f"The list has projects of other units ({', '.join(units[:5])}); "
                                 f"{user.user_name} may import only projects of {user.unit}.")


@router.post("/api/projects/import")
async def import_list(request: Request, file_name: str, user: Editor, ws: WorkspaceDep,
                      coords: str = "wgs84") -> dict[str, Any]:
    """Import a project list sent as the request body (the file's bytes); ``file_name`` names it (.csv/.xlsx)."""
    check_upload_name(file_name)
    data = await read_body(request)
    check_content(file_name, data)

    def work() -> dict[str, Any]:
        with staged_upload(file_name, data) as folder:
            path = f"{folder}/{file_name}"
            _check_units(user, path)
            with ws.writing() as store:
                done = import_projects(store, path, user.user_name, coords=coords)
        return {"import_id": done.import_id, "rows": done.n_rows, "added": done.n_added, "updated": done.n_updated}

    return await run_in_threadpool(work)


@router.get("/api/projects/export.xlsx")
def export(user: Viewer, ws: WorkspaceDep) -> Response:
    from openpyxl import Workbook

    with ws.reading() as store:
        frame = project_list(store)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "projects"
    cols = [c for c in frame.columns if c not in ("import_id",)]
    sheet.append(cols)
    for row in records(frame[cols]):
        sheet.append([None if row[c] is None else row[c] for c in cols])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"  # text, never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="projects.xlsx"'})


@router.get("/api/units")
def units(user: Viewer, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.reading() as store:
        return {"units": records(unit_status(store)), "gains": records(unit_gains(store))}


@router.get("/api/projects/{project_id}/history")
def history(project_id: str, user: Viewer, ws: WorkspaceDep) -> list[dict[str, Any]]:
    from lifecircle.monitor.audit import audit_rows

    with ws.reading() as store:
        if get_project(store, project_id) is None:
            raise LifecircleInputError(f"There is no project '{project_id}' on the list.")
        return records(audit_rows(store, object_kind="project", object_id=project_id))
