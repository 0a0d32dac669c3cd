"""Scenario evaluators for attribution: indicator values of a recorded run with facilities added or removed.

An evaluator is a callable ``evaluator(name, add_facilities, remove_facilities) -> DataFrame`` returning the
indicator values (columns ``profile, indicator, area, value``; the rows of ``indicators.csv``) of the run's results
folder when the facilities ``add_facilities`` (a GeoDataFrame of points with ``id``, ``category``, ``name``,
``capacity``) are built and the facilities whose ids are in ``remove_facilities`` are gone, on the run's own
network, homes and parameters.

Two implementations:

* :class:`WalkingEvaluator`: loads the results folder once (network, snapped homes, snapped facilities), snaps the
  added facilities with the run's snapping distance and recomputes the walking times with
  :func:`lifecircle.pipeline.walking_columns` and the indicators with :func:`lifecircle.pipeline.indicator_table`:
  the same steps as ``assess``, so an empty scenario gives back the run's ``indicators.csv`` values.
* :func:`scenarios_evaluator`: the planning scenario engine (``lifecircle.scenarios``: ``load_results``,
  ``Scenario``, ``evaluate_scenario``), used by :func:`default_evaluator` when that module is installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd

from lifecircle.errors import LifecircleInputError

#: Columns an evaluator returns.
VALUE_COLUMNS = ("profile", "indicator", "area", "value")
#: Files of a results folder the walking evaluator reads (docs/outputs.md).
_NEEDED = ("run.json", "homes.parquet", "facilities.parquet", "network_nodes.parquet", "network_edges.parquet")


class ScenarioEvaluator(Protocol):
    """Indicator values (:data:`VALUE_COLUMNS`) of one run under a facility scenario."""

    def __call__(self, name: str, add_facilities: gpd.GeoDataFrame,
                 remove_facilities: tuple[str, ...]) -> pd.DataFrame: ...


#: Builds the evaluator of one results folder.
EvaluatorFactory = Callable[[Path], ScenarioEvaluator]


def check_results_folder(results_dir: str | Path) -> Path:
    """The results folder, when it still holds what a scenario needs (else a message naming what is missing)."""
    folder = Path(results_dir)
    missing = [n for n in _NEEDED if not (folder / n).is_file()]
    if missing:
        raise LifecircleInputError(
            f"The results folder '{folder}' of this run lacks {', '.join(missing)}: attribution re-evaluates the run "
            "with and without each project, so it needs the whole folder written by 'lifecircle assess'. Restore the "
            "folder (or rerun the assessment and record it again)."
        )
    return folder


class WalkingEvaluator:
    """Re-evaluate a results folder with facilities added or removed (the engine and indicator steps of ``assess``).

    Parameters
    ----------
    results_dir
        A folder written by ``lifecircle assess`` (network, ``homes.parquet`` with the snapped homes,
        ``facilities.parquet`` with the snapped facilities, ``run.json`` naming profiles, sub-areas and the snapping
        distance in metres).
    """

    #: Name stored with an attribution (table ``attributions``, column ``evaluator``).
    label = "walking_columns + indicator_table"

    def __init__(self, results_dir: str | Path) -> None:
        from lifecircle.indicators import load_profile
        from lifecircle.io import load_network
        from lifecircle.network import SnappedPoints

        folder = check_results_folder(results_dir)
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        params = run.get("parameters") if isinstance(run.get("parameters"), dict) else {}
        self.results_dir = folder
        self.profiles = [load_profile(p) for p in (run.get("profiles") or params.get("profiles") or [])]
        if not self.profiles:
            raise LifecircleInputError(f"{folder / 'run.json'} names no indicator profile; rerun the assessment.")
        self.areas = params.get("areas")
        self.snap_max_m = float(params.get("snap_max_m") or 200.0)
        self.net = load_network(folder)
        self._homes = gpd.read_parquet(folder / "homes.parquet")
        self._facilities = gpd.read_parquet(folder / "facilities.parquet")
        self._empty = gpd.GeoDataFrame(geometry=[], crs=self.net.crs)
        self._snapped = SnappedPoints
        self.facility_ids = frozenset(self._facilities["id"].astype(str))

    @property
    def facilities(self) -> gpd.GeoDataFrame:
        """The run's snapped facilities (``facilities.parquet``), in the run's CRS."""
        return self._facilities

    def __call__(self, name: str, add_facilities: gpd.GeoDataFrame | None = None,
                 remove_facilities: tuple[str, ...] = ()) -> pd.DataFrame:
        """Indicator values (:data:`VALUE_COLUMNS`) with ``add_facilities`` built and ``remove_facilities`` gone.

        Raises
        ------
        LifecircleInputError
            When an added facility is farther than the run's snapping distance from the network, or a removed id is
            not a facility of the run.
        """
        from lifecircle.pipeline import indicator_table, walking_columns
        from lifecircle.snapping import snap_points

        unknown = sorted(set(map(str, remove_facilities)) - self.facility_ids)
        if unknown:
            raise LifecircleInputError(f"Scenario '{name}': {', '.join(unknown[:5])} are not facilities of the run "
                                       f"in {self.results_dir}.")
        fac = self._facilities[~self._facilities["id"].astype(str).isin(set(map(str, remove_facilities)))]
        if add_facilities is not None and len(add_facilities):
            snapped = snap_points(self.net, add_facilities, self.snap_max_m)
            if len(snapped.unsnapped):
                ids = ", ".join(snapped.unsnapped["id"].astype(str).head(5))
                raise LifecircleInputError(
                    f"Scenario '{name}': the facilities {ids} are farther than {self.snap_max_m:g} m from the walking "
                    "network of the run; check their coordinates."
                )
            fac = pd.concat([fac, snapped.frame[[c for c in snapped.frame.columns if c in fac.columns]]],
                            ignore_index=True)
            fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=self.net.crs)
        homes = walking_columns(self.net, self._snapped(self._homes, self._empty), self._snapped(fac, self._empty),
                                self.profiles)
        return indicator_table(homes, self.profiles, self.areas)[list(VALUE_COLUMNS)]


def scenarios_evaluator(results_dir: str | Path) -> ScenarioEvaluator:
    """An evaluator on the planning scenario engine ``lifecircle.scenarios`` (``load_results``, ``Scenario``,
    ``evaluate_scenario``; its ``comparison`` has ``profile, indicator, area, before, after, change``)."""
    from lifecircle import scenarios  # type: ignore[attr-defined]

    res = scenarios.load_results(check_results_folder(results_dir))

    def evaluate(name: str, add_facilities: gpd.GeoDataFrame | None = None,
                 remove_facilities: tuple[str, ...] = ()) -> pd.DataFrame:
        add = add_facilities if add_facilities is not None and len(add_facilities) else None
        sc = scenarios.Scenario(name, add_facilities=add, remove_facilities=tuple(remove_facilities))
        cmp = scenarios.evaluate_scenario(res, sc).comparison
        return cmp.rename(columns={"after": "value"})[list(VALUE_COLUMNS)].reset_index(drop=True)

    evaluate.label = "lifecircle.scenarios"  # type: ignore[attr-defined]
    return evaluate


def _scenarios_available() -> bool:
    try:
        from lifecircle import scenarios  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        return False
    return all(hasattr(scenarios, n) for n in ("load_results", "Scenario", "evaluate_scenario"))


def default_evaluator(results_dir: str | Path) -> ScenarioEvaluator:
    """The planning scenario engine when installed (``lifecircle.scenarios``), else :class:`WalkingEvaluator`."""
    if _scenarios_available():
        return scenarios_evaluator(results_dir)
    return WalkingEvaluator(results_dir)
