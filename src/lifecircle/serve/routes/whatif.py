"""Live what-if on a served run, and the plans saved from it: save, list, compare two, export the same
``comparison.csv`` and ``report.html`` as ``lifecircle scenario``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from lifecircle.serve.deps import Editor, Viewer, WorkspaceDep
from lifecircle.serve.saved import compare_saved, get_saved, list_saved, save_scenario
from lifecircle.serve.whatif import evaluate, parse_plan

router = APIRouter(tags=["what-if"])


@router.post("/api/runs/{key}/whatif")
def whatif(key: str, plan: dict[str, Any], user: Viewer, ws: WorkspaceDep) -> Response:
    """Evaluate a plan (nothing is written; any signed-in account may try plans). The answer (every indicator of
    every area, the changed homes) is already plain JSON values: it is written out directly, not walked again."""
    run = ws.run(key)
    _, answer = evaluate(run, parse_plan(run, plan))
    return Response(json.dumps(answer, allow_nan=False, ensure_ascii=False).encode(),
                    media_type="application/json")


class SaveBody(BaseModel):
    name: str
    run: str
    plan: dict[str, Any]


@router.post("/api/scenarios")
def save(body: SaveBody, user: Editor, ws: WorkspaceDep) -> dict[str, Any]:
    run = ws.run(body.run)
    _, answer = evaluate(run, parse_plan(run, {**body.plan, "name": body.name}))
    with ws.writing() as store:
        return save_scenario(store, body.name, run.key, body.plan, answer, user.user_name)


@router.get("/api/scenarios")
def saved(user: Viewer, ws: WorkspaceDep) -> list[dict[str, Any]]:
    with ws.reading() as store:
        return list_saved(store)


@router.get("/api/scenarios/compare")
def compare(a: int, b: int, user: Viewer, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.reading() as store:
        return compare_saved(store, a, b)


@router.get("/api/scenarios/{scenario_id}")
def one(scenario_id: int, user: Viewer, ws: WorkspaceDep) -> dict[str, Any]:
    with ws.reading() as store:
        return get_saved(store, scenario_id)


def _exported(ws: WorkspaceDep, scenario_id: int, name: str, media_type: str) -> Response:
    """Run the scenario job on the saved plan into a temporary results folder, as ``lifecircle scenario`` does
    (with ``--report`` for ``report.html``), and answer its file ``name`` as a download."""
    from lifecircle.jobs.scenario import ScenarioJob, run_scenario

    with ws.reading() as store:
        item = get_saved(store, scenario_id)
    run = ws.run(item["results_key"])
    sc = parse_plan(run, {**item["plan"], "name": item["name"]})
    with tempfile.TemporaryDirectory(prefix="lifecircle-scenario-") as tmp:
        out = Path(tmp) / "scenario"
        job = ScenarioJob(results_dir=run.folder.path, out=out, scenario=sc, inputs={}, report=name == "report.html")
        with run.lock:
            run_scenario(job, quiet=True)
        data = (out / name).read_bytes()
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="scenario-{scenario_id}-{name}"'})


@router.get("/api/scenarios/{scenario_id}/comparison.csv")
def export_comparison(scenario_id: int, user: Viewer, ws: WorkspaceDep) -> Response:
    return _exported(ws, scenario_id, "comparison.csv", "text/csv; charset=utf-8")


@router.get("/api/scenarios/{scenario_id}/report.html")
def export_report(scenario_id: int, user: Viewer, ws: WorkspaceDep) -> Response:
    return _exported(ws, scenario_id, "report.html", "text/html; charset=utf-8")
