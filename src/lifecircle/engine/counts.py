"""How many facilities (and how much capacity) of each category every origin reaches within each threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lifecircle.engine.catchment import run_catchments
from lifecircle.engine.graph import Graph, Points, kernel_array
from lifecircle.engine.prepare import check_categories, per_point
from lifecircle.errors import LifecircleInputError

#: Default thresholds: 5, 10 and 15 minutes in seconds — the three tiers of the 15-minute community life circle.
#: SOURCE: GB 50180-2018 《城市居住区规划设计标准》 §2.0.2–2.0.4 (5/10/15-minute life-circle residential areas).
DEFAULT_THRESHOLDS_S = (300.0, 600.0, 900.0)


@dataclass
class CountsResult:
    """``count`` (n_origins, C, T) int32: facilities of category c reachable within ``thresholds[j]`` (inclusive);
    ``capacity`` (n_origins, C, T) float64: the sum of their capacities (None when no capacity was given);
    ``thresholds`` (T,) in the unit of the graph's cost (seconds or metres). Both arrays are views of category-major
    planes (category ``c``'s ``[:, c, :]`` is one contiguous block), as the searches fill them."""

    count: np.ndarray
    capacity: np.ndarray | None
    thresholds: np.ndarray


def check_thresholds(thresholds) -> np.ndarray:
    """Thresholds as a sorted-as-given float64 array of finite values ≥ 0, or a clear error."""
    thr = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if len(thr) == 0 or not np.isfinite(thr).all() or thr.min() < 0:
        raise LifecircleInputError(
            f"thresholds must be a non-empty list of finite costs >= 0 (seconds or metres), got {list(thr)}."
        )
    return kernel_array(thr, np.float64)


def counts_within(g: Graph, origins: Points, facilities: Points, category, n_categories: int,
                  thresholds=DEFAULT_THRESHOLDS_S, capacity=None) -> CountsResult:
    """Count facilities of each category within each walking threshold of every origin (thresholds inclusive).

    One search bounded by the largest threshold from each facility on the reversed graph; the origins reached are
    reduced into the per-origin counters as each search ends. Categories are split between the threads.

    Parameters
    ----------
    g, origins, facilities, category, n_categories
        As for :func:`lifecircle.engine.nearest`.
    thresholds
        Costs in the graph's unit (seconds by default: 300, 600, 900 s; metres on a ``length_m`` graph).
    capacity
        Optional capacity per facility (beds, places, m²...); its sums within each threshold go to ``.capacity``.
    """
    cat = check_categories(category, len(facilities), n_categories)
    thr = check_thresholds(thresholds)
    C = int(n_categories)
    cap = per_point("capacity", capacity, len(facilities), default=1.0)
    got = run_catchments(g, origins, facilities, cat, C, cap, thresholds=thr, with_capacity=capacity is not None)
    assert got.count is not None
    return CountsResult(got.count, got.capacity, thr)
