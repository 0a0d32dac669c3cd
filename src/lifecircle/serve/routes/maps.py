"""The map of a served run: network, homes with walking time per category, facilities, gaps and sub-areas — the same
layers as the committee report (:func:`lifecircle.report.build.map_data`), made once per run."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lifecircle.report.assets import script_json
from lifecircle.serve.deps import Viewer, WorkspaceDep

router = APIRouter(tags=["map"])


@router.get("/api/runs/{key}/map")
def run_map(key: str, user: Viewer, ws: WorkspaceDep) -> Response:
    """The map layers as JSON, serialised once per run (the answer is large and the same for everybody)."""
    from lifecircle.report.build import map_data
    from lifecircle.report.inputs import read_results

    run = ws.run(key)

    def make() -> bytes:
        inputs = read_results(run.folder)
        out = map_data(inputs)
        cats = inputs.facilities["category"].astype(str)
        ids = inputs.facilities["id"].astype(str)
        # the ids of each category's facilities, in the order of the facility layer (what-if moves and removals)
        out["facility_ids"] = {c: ids[cats == c].tolist() for c in out["facilities"]}
        out["study_area_bounds"] = list(run.study_area().bounds)
        return script_json(out).encode("utf-8")

    with run.lock:
        body: bytes = run.cached("map_json", make)
    return Response(body, media_type="application/json")
