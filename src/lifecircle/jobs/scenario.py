"""The scenario job: evaluate a plan against a finished run and publish a results folder of the situation after it.

The folder is itself a results folder (a further scenario or plan can start from it) with, besides the files of a
run, ``comparison.csv`` (every indicator before and after) and ``scenario.json`` (the plan's inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lifecircle.errors import LifecircleInputError
from lifecircle.progress import Steps
from lifecircle.report import build_report
from lifecircle.results.folder import (
    COMPARISON_FILE,
    FOR_SCENARIO,
    REPORT_FILE,
    SCENARIO_FILE,
    ResultsFolder,
    RunRecord,
)
from lifecircle.results.writer import input_record, write_results
from lifecircle.scenarios import Scenario, ScenarioOutcome, evaluate_scenario, load_results


@dataclass
class ScenarioJob:
    """What ``lifecircle scenario`` asks for.

    Attributes
    ----------
    results_dir
        The run (a results folder) the plan starts from.
    out
        The folder to write.
    scenario
        The plan (:class:`lifecircle.scenarios.Scenario`).
    inputs
        The plan's input files by name (``add``, ``link``), recorded with their SHA-256.
    coords, layer_crs
        How the plan's layers were read (recorded in ``scenario.json``).
    recompute
        ``incremental`` (search again only what the plan affects) or ``full``.
    report
        Also build ``report.html`` of the situation after the plan.
    """

    results_dir: Path
    out: Path
    scenario: Scenario
    inputs: dict[str, Path | None]
    coords: str = "wgs84"
    layer_crs: str | None = None
    recompute: str = "incremental"
    report: bool = False


def run_scenario(job: ScenarioJob, quiet: bool = False) -> ScenarioOutcome:
    """Evaluate the plan and publish ``job.out``; returns the outcome (comparison table, homes after...)."""
    out = Path(job.out)
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"The output '{out}' exists and is not a folder; choose another --out.")
    if out.resolve() == Path(job.results_dir).resolve():
        raise LifecircleInputError("--out must not be the run's own results folder: the scenario would overwrite the run.")
    sc = job.scenario
    if sc.is_empty():
        raise LifecircleInputError("The plan changes nothing: give --add FILE, --remove ID or --link FILE.")
    with Steps(quiet=quiet) as steps:
        with steps.step("Reading the run"):
            base = ResultsFolder(job.results_dir, need=FOR_SCENARIO)
            res = load_results(base)
        with steps.step(f"Recomputing walking times and indicators ({job.recompute})"):
            outcome = evaluate_scenario(res, sc, recompute=job.recompute)
        with steps.step("Writing results"), write_results(out) as writer:
            described = {
                "name": sc.name,
                "created": RunRecord.now(),
                "base_run": str(base.path.resolve()),
                "inputs": input_record({**job.inputs, "base_run.json": base.file("run.json"),
                                        "base_facilities": base.file("facilities.parquet")}),
                "add_category": sc.add_category,
                "removed": list(sc.remove_facilities),
                "added_ids": sorted(set(outcome.facilities["id"]) - set(res.facilities["id"])),
                "coords": job.coords,
                "crs": job.layer_crs,
                "link_snap_m": sc.link_snap_m,
                "recomputed": outcome.recomputed,
            }
            counts = {**res.record.counts, "nodes": outcome.network.n_nodes, "edges": outcome.network.n_edges,
                      "facilities": len(outcome.facilities),
                      "facilities_by_category": outcome.facilities.groupby("category")["id"].nunique().to_dict()}
            record = replace(res.record, created=RunRecord.now(), scenario=described, counts=counts,
                             parameters={**res.record.parameters, "out": str(out)}, timings_s=steps.timings_s,
                             network={k: v for k, v in outcome.network.meta.items() if k != "dropped"})
            writer.outputs(outcome.network, outcome.homes, outcome.facilities, outcome.indicators_after,
                           base.unsnapped(), base.areas(), res.gaps(outcome.homes), record)
            writer.table(outcome.comparison, COMPARISON_FILE)
            writer.json(described, SCENARIO_FILE)
            if job.report:
                build_report(writer.staging, out_path=writer.path(REPORT_FILE))
    return outcome

