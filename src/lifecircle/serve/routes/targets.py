"""Targets (admin): set one target's value, import a target list; each change audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from lifecircle.monitor.target_edits import import_targets_audited, set_target_value
from lifecircle.serve.deps import Admin, WorkspaceDep
from lifecircle.serve.shaping import plain
from lifecircle.serve.uploads import (
    check_content,
    check_upload_name,
    read_body,
    staged_upload,
)

router = APIRouter(tags=["targets"])


class TargetValue(BaseModel):
    profile: str
    indicator: str
    area: str
    period: str
    value: float
    source_document: str | None = None


@router.put("/api/targets")
def set_value(body: TargetValue, user: Admin, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.writing() as store:
        after = set_target_value(store, body.profile, body.indicator, body.area, body.period, body.value,
                                 user.user_name, source_document=body.source_document)
    return {k: plain(v) for k, v in after.items()}


@router.post("/api/targets/import")
async def import_list(request: Request, file_name: str, user: Admin, ws: WorkspaceDep) -> dict[str, Any]:
    check_upload_name(file_name)
    data = await read_body(request)
    check_content(file_name, data)

    def work() -> dict[str, Any]:
        with staged_upload(file_name, data) as folder, ws.writing() as store:
            done = import_targets_audited(store, f"{folder}/{file_name}", user.user_name)
        return {"import_id": done.import_id, "rows": done.n_rows}

    return await run_in_threadpool(work)
