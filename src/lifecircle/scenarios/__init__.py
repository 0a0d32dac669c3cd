"""Planning scenarios: evaluate a plan (added or removed facilities, a new footbridge, elevator or stair link) against
a finished run and report every indicator before and after, recomputing only what the change affects.

>>> res = load_results("results")                                  # doctest: +SKIP
>>> out = evaluate_scenario(res, Scenario(name="new clinic", add_facilities=clinics))  # doctest: +SKIP
>>> out.comparison                                                 # doctest: +SKIP
"""

from lifecircle.scenarios.evaluate import (
    COMPARISON_COLUMNS,
    RECOMPUTE_MODES,
    Scenario,
    ScenarioOutcome,
    compare_indicators,
    evaluate_scenario,
)
from lifecircle.scenarios.links import insert_links, remap_points
from lifecircle.scenarios.loading import Results, load_results

__all__ = [
    "COMPARISON_COLUMNS",
    "RECOMPUTE_MODES",
    "Results",
    "Scenario",
    "ScenarioOutcome",
    "compare_indicators",
    "evaluate_scenario",
    "insert_links",
    "load_results",
    "remap_points",
]
