"""The overview: every target against its latest value, indicator histories, the latest run per sub-area, the
projects per responsible unit with late ones and the coverage each unit's completed projects delivered."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lifecircle.monitor.attribution import unit_gains
from lifecircle.monitor.status import late_projects, target_status, unit_status
from lifecircle.monitor.store import MonitorStore
from lifecircle.serve.deps import Admin, Viewer, WorkspaceDep
from lifecircle.serve.shaping import records

router = APIRouter(tags=["overview"])


def _history(store: MonitorStore) -> list[dict[str, Any]]:
    df = store.con.execute(
        """SELECT iv.profile, iv.indicator, iv.name_zh, iv.name_en, iv.unit, iv.threshold_kind, r.run_id, r.data_date, iv.value
           FROM indicator_values iv JOIN runs r USING (run_id) WHERE iv.area = 'ALL'
           ORDER BY iv.profile, iv.indicator, r.data_date, r.run_id""").df()
    return records(df)


def _latest_areas(store: MonitorStore) -> list[dict[str, Any]]:
    df = store.con.execute(
        """SELECT iv.profile, iv.indicator, iv.area, iv.value, iv.name_zh, iv.name_en, iv.unit, iv.threshold_kind
           FROM indicator_values iv
           WHERE iv.area <> 'ALL' AND iv.run_id = (SELECT run_id FROM runs ORDER BY data_date DESC, run_id DESC
                                                  LIMIT 1)
           ORDER BY iv.area, iv.profile, iv.indicator""").df()
    return records(df)


def overview_payload(ws: WorkspaceDep, store: MonitorStore) -> dict[str, Any]:
    """The overview answer, read from ``store``."""
    runs = records(store.con.execute(
        "SELECT run_id, data_date, study_area, results_dir, recorded_at FROM runs ORDER BY data_date, run_id").df())
    return {
        "runs": runs,
        "targets": records(target_status(store)),
        "history": _history(store),
        "areas": _latest_areas(store),
        "units": records(unit_status(store)),
        "late": records(late_projects(store)),
        "unit_gains": records(unit_gains(store)),
        "served_runs": sorted(ws.runs),
    }


@router.get("/api/overview")
def overview(user: Viewer, ws: WorkspaceDep) -> Response:
    """The overview as JSON, made once per change of the store (every write moves ``ws.generation``)."""
    body: bytes = ws.cached_answer(f"overview:{date.today()}",
                                   lambda store: json.dumps(overview_payload(ws, store), allow_nan=False).encode())
    return Response(body, media_type="application/json")


@router.get("/api/runs")
def served_runs(user: Viewer, ws: WorkspaceDep) -> list[dict[str, Any]]:
    out = []
    for key, run in ws.runs.items():
        record = run.folder.run
        out.append({"key": key, "study_area": record.study_name, "created": record.created,
                    "profiles": list(record.profile_names)})
    return out


@router.post("/api/runs/{key}/record")
def record(key: str, user: Admin, ws: WorkspaceDep, data_date: str | None = None) -> dict[str, Any]:
    """Record a served run in the store (admin): its indicators join the histories and target checks."""
    from lifecircle.monitor.record import record_run

    run = ws.run(key)
    with ws.writing() as store:
        done = record_run(store, run.folder.path, data_date=data_date)
    return {"run_id": done.run_id, "new": done.new}
