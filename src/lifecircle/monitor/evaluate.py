"""Scenario evaluators for attribution: indicator values of a recorded run with facilities added or removed.

An evaluator is a callable ``evaluator(name, add_facilities, remove_facilities) -> DataFrame`` returning the
indicator values (columns ``profile, indicator, area, value``; the rows of ``indicators.csv``) of the run's results
folder when the facilities ``add_facilities`` (a GeoDataFrame of points with ``id``, ``category``, ``name``,
``capacity``) are built and the facilities whose ids are in ``remove_facilities`` are gone, on the run's own
network, homes and parameters. :func:`scenarios_evaluator` builds one on the scenario engine
(:mod:`lifecircle.scenarios`), which recomputes only what each change affects.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd

from lifecircle import scenarios
from lifecircle.errors import LifecircleInputError
from lifecircle.results.folder import FOR_SCENARIO, ResultsFolder

#: Columns an evaluator returns.
VALUE_COLUMNS = ("profile", "indicator", "area", "value")


class ScenarioEvaluator(Protocol):
    """Indicator values (:data:`VALUE_COLUMNS`) of one run under a facility scenario."""

    def __call__(self, name: str, add_facilities: gpd.GeoDataFrame,
                 remove_facilities: tuple[str, ...]) -> pd.DataFrame: ...


#: Builds the evaluator of one results folder.
EvaluatorFactory = Callable[[Path], ScenarioEvaluator]


def check_results_folder(results_dir: str | Path) -> ResultsFolder:
    """The results folder, when it still holds what a scenario needs (else a message naming what is missing)."""
    folder = Path(results_dir)
    missing = [n for n in FOR_SCENARIO if not (folder / n).is_file()]
    if missing:
        raise LifecircleInputError(
            f"The results folder '{folder}' of this run lacks {', '.join(missing)}: attribution re-evaluates the run "
            "with and without each project, so it needs the whole folder written by 'lifecircle assess'. Restore the "
            "folder (or rerun the assessment and record it again)."
        )
    return ResultsFolder(folder, need=FOR_SCENARIO)


def scenarios_evaluator(results_dir: str | Path) -> ScenarioEvaluator:
    """An evaluator on the planning scenario engine ``lifecircle.scenarios`` (``load_results``, ``Scenario``,
    ``evaluate_scenario``; its ``comparison`` has ``profile, indicator, area, before, after, change``)."""
    res = scenarios.load_results(check_results_folder(results_dir))

    def evaluate(name: str, add_facilities: gpd.GeoDataFrame | None = None,
                 remove_facilities: tuple[str, ...] = ()) -> pd.DataFrame:
        add = add_facilities if add_facilities is not None and len(add_facilities) else None
        sc = scenarios.Scenario(name, add_facilities=add, remove_facilities=tuple(remove_facilities))
        cmp = scenarios.evaluate_scenario(res, sc).comparison
        return cmp.rename(columns={"after": "value"})[list(VALUE_COLUMNS)].reset_index(drop=True)

    evaluate.label = "lifecircle.scenarios"  # type: ignore[attr-defined]
    return evaluate


#: The evaluator attribution uses unless told otherwise.
default_evaluator: EvaluatorFactory = scenarios_evaluator
