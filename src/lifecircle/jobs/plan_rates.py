"""The numbers a plan reports about the indicator it improves, computed once so that the terminal, ``plan.json``,
``comparison.csv`` and the report read the same value.

Every rate is a share (0–1) of the plan's weight — the coverage denominator (people, residential land area or floor
area): the weight of the homes within the threshold ÷ the weight of all homes. When the plan improves an indicator of
the run with the same denominator and threshold, the rates *are* that indicator's whole-area row of
``comparison.csv`` (before and after); otherwise they are computed from the same walking times with the plan's own
threshold, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecircle.indicators.areas import ALL_AREAS
from lifecircle.results.columns import value_column


@dataclass
class PlanRates:
    """Coverage before and after a plan, in the plan's weight.

    Attributes
    ----------
    before, after
        Shares (0–1) of the weight within the threshold before and after the plan. With capacities ``after`` is
        what the capacitated assignment achieves: the existing cover plus the weight the new sites serve.
    after_uncapacitated
        Capacitated plans: the share within reach of the new sites with no capacity limit (the indicator's own
        definition, as in ``comparison.csv``); None otherwise.
    source
        Where ``before`` and ``after`` come from: ``comparison.csv <profile>/<indicator>/ALL`` or
        ``the plan's threshold``.
    mean_walk_s_before, mean_walk_s_after
        Weighted mean walking cost to the nearest facility of the category (seconds, or metres for a network
        distance threshold), homes beyond the threshold counted at the threshold — what the p-median minimises.
    """

    before: float | None
    after: float | None
    after_uncapacitated: float | None
    source: str
    mean_walk_s_before: float | None
    mean_walk_s_after: float | None


def nearest_cost(homes: pd.DataFrame, categories: tuple[str, ...], threshold_kind: str) -> np.ndarray | None:
    """Per home, the cost (seconds or metres) to the nearest facility of any of ``categories``; None when the frame
    lacks one of the columns (a network-distance threshold of a profile the run did not compute)."""
    cols = [value_column(c, threshold_kind) for c in categories]
    if not all(c in homes.columns for c in cols):
        return None
    return np.min(np.column_stack([homes[c].to_numpy(np.float64) for c in cols]), axis=1)


def _share(weight: np.ndarray, within: np.ndarray) -> float | None:
    total = float(weight.sum())
    return float(weight[within].sum() / total) if total > 0 else None


def _mean_capped(weight: np.ndarray, cost: np.ndarray, cap: float) -> float | None:
    total = float(weight.sum())
    return float((weight * np.minimum(cost, cap)).sum() / total) if total > 0 else None


def indicator_row(comparison: pd.DataFrame, profile: str | None, indicator: str | None) -> pd.Series | None:
    """The whole-area row of ``indicator`` of ``profile`` in ``comparison``, or None."""
    if profile is None or indicator is None or len(comparison) == 0:
        return None
    rows = comparison[(comparison["profile"].astype(str) == profile)
                      & (comparison["indicator"].astype(str) == indicator)
                      & (comparison["area"].astype(str) == ALL_AREAS)]
    return rows.iloc[0] if len(rows) else None


def plan_rates(weight: np.ndarray, denominator: str, existing_cost: np.ndarray, after_cost: np.ndarray | None,
               threshold: float, comparison: pd.DataFrame, profile: str | None, indicator: str | None,
               threshold_overridden: bool, capacitated_rate: float | None) -> PlanRates:
    """The plan's rates (see :class:`PlanRates`).

    Parameters
    ----------
    weight
        Per home, the plan's weight (people or m²).
    denominator
        Its denominator kind (``population``, ``residential_land_area``, ``floor_area``).
    existing_cost, after_cost
        Per home, the cost to the nearest facility of the category before and after the plan (seconds or metres);
        ``after_cost`` None when it was not recomputed.
    threshold
        The plan's threshold, in the same unit.
    comparison
        ``comparison.csv`` of the plan.
    profile, indicator
        The indicator the threshold comes from (None for none).
    threshold_overridden
        True when ``--threshold-min`` replaced the indicator's threshold (the indicator then measures another
        quantity).
    capacitated_rate
        With capacities, the share the capacitated assignment achieves; None otherwise.
    """
    before = _share(weight, existing_cost <= threshold)
    after = _share(weight, after_cost <= threshold) if after_cost is not None else None
    source = "the plan's threshold"
    row = indicator_row(comparison, profile, indicator)
    if row is not None and not threshold_overridden and str(row["denominator_kind"]) == denominator:
        before, after = float(row["before"]), float(row["after"])
        source = f"comparison.csv {profile}/{indicator}/{ALL_AREAS}"
    after_uncapacitated = None
    if capacitated_rate is not None:
        after_uncapacitated, after = after, capacitated_rate
    return PlanRates(before=before, after=after, after_uncapacitated=after_uncapacitated, source=source,
                     mean_walk_s_before=_mean_capped(weight, existing_cost, threshold),
                     mean_walk_s_after=_mean_capped(weight, after_cost, threshold) if after_cost is not None else None)
