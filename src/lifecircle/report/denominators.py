"""One quantity, one reading: which indicator each facility category stands for on the map, and the weights
(denominator) its shares use.

An indicator's coverage rate divides by its ``denominator_kind`` (``indicators.csv``): residential land area
(m², ``area_m2``, the TD/T 1063-2021 pattern), residential floor area (m², ``floor_area_m2``) or population
(people). The map's legend, the walking-time charts and the sub-area shading of a category use the denominator
of the category's indicator, so a share read anywhere in the report is the share the indicator table states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecircle.indicators.profiles import DENOMINATORS
from lifecircle.report.i18n import STRINGS
from lifecircle.report.tables import (
    WHOLE_AREA,
    cell_number,
    cell_text,
    format_percent,
    value_text,
)

#: Denominator kind of shares that count homes (no weight column has any value).
HOMES = "homes"


@dataclass(frozen=True)
class LinkedIndicator:
    """The study-area indicator a facility category stands for on the map (``key`` = ``"profile|indicator"``)."""

    key: str
    name_zh: str
    name_en: str
    value_text: str
    denominator_kind: str


def denominator_label(kind: str) -> tuple[str, str]:
    """(zh, en) name of a denominator kind: ``"residential_land_area"`` → ("居住用地面积", "residential land area");
    :data:`HOMES` → homes; unknown kinds as written."""
    if kind == HOMES:
        return STRINGS["denom_homes"]
    return STRINGS.get(f"denom_{kind}", (kind, kind))


def share_of_label(kind: str) -> tuple[str, str]:
    """(zh, en) heading of shares over a denominator: "居住用地面积占比" / "share of residential land area"."""
    zh, en = denominator_label(kind)
    return f"{zh}占比", f"share of {en}"


def by_label(kind: str, share: bool = True) -> tuple[str, str]:
    """(zh, en) note saying what a value divides by: "按居住用地面积计" / "by residential land area"; for a value
    that is not a share (a Gini coefficient) "按人口加权" / "weighted by population"."""
    zh, en = denominator_label(kind)
    return (f"按{zh}计", f"by {en}") if share else (f"按{zh}加权", f"weighted by {en}")


def home_weights(homes: pd.DataFrame, kind: str) -> tuple[np.ndarray, str]:
    """Each home's weight in a share over ``kind`` and the kind actually used.

    The column of ``kind`` (:data:`lifecircle.indicators.profiles.DENOMINATORS`; m² or people, missing values 0);
    when it is absent or sums to 0, population; when that sums to 0 too, 1 per home (:data:`HOMES`).
    """
    for k in (kind, "population"):
        col = DENOMINATORS.get(k)
        if col is not None and col in homes.columns:
            w = pd.to_numeric(homes[col], errors="coerce").fillna(0.0).to_numpy(np.float64)
            if w.sum() > 0:
                return w, k
    return np.ones(len(homes)), HOMES


def main_denominator(indicators: pd.DataFrame) -> str:
    """The denominator kind most of the study-area share indicators use (population when none says)."""
    rows = indicators[indicators["area"].astype(str) == WHOLE_AREA]
    if "denominator_kind" not in rows.columns:
        return "population"
    kinds = rows["denominator_kind"].dropna().astype(str)
    kinds = kinds[kinds.isin(list(DENOMINATORS))]
    return str(kinds.mode().iloc[0]) if len(kinds) else "population"


def linked_indicators(indicators: pd.DataFrame, category_ids: list[str]) -> dict[str, LinkedIndicator]:
    """For each category, the study-area indicator the map shows with it: the first (in file order) of the
    indicators of that category alone, preferring walking-time thresholds; else the first that includes it among
    others (e.g. ``park+plaza``). Categories no indicator names are left out."""
    rows = indicators[indicators["area"].astype(str) == WHOLE_AREA]
    if "categories" not in rows.columns:
        return {}
    records = rows.to_dict("records")

    def rank(r: dict[str, object], cat: str) -> tuple[int, int] | None:
        cats = [c for c in str(r.get("categories") or "").split("+") if c] if isinstance(r.get("categories"), str) else []
        if cat not in cats:
            return None
        return (0 if cats == [cat] else 1, 0 if r.get("threshold_kind") == "walk_time_s" else 1)

    out: dict[str, LinkedIndicator] = {}
    for cat in category_ids:
        ranked = [(rk, n) for n, r in enumerate(records) if (rk := rank(r, cat)) is not None]
        if not ranked:
            continue
        r = records[min(ranked)[1]]
        value = cell_number(r.get("value"))
        kind = r.get("denominator_kind")
        out[cat] = LinkedIndicator(
            key=f"{r['profile']}|{r['indicator']}",
            name_zh=cell_text(r.get("name_zh")) or str(r["indicator"]),
            name_en=cell_text(r.get("name_en")) or str(r["indicator"]),
            value_text=value_text(value, r.get("unit"), r.get("threshold_kind")),
            denominator_kind=str(kind) if isinstance(kind, str) and kind in DENOMINATORS else "population",
        )
    return out


def class_shares(times_s: np.ndarray, weights: np.ndarray, limits_s: tuple[float, ...]) -> list[str]:
    """Formatted shares (as the indicator table rounds them) of the weight in each walking-time class: ≤ limits[0],
    then each next limit, above the last, unreachable (+inf); "—" when the weights sum to 0."""
    t = np.asarray(times_s, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum()
    if total <= 0:
        return ["—"] * (len(limits_s) + 2)
    reach = np.isfinite(t)
    edges = [-math.inf, *limits_s]
    parts = [w[reach & (t > lo) & (t <= hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])]
    parts.append(w[reach & (t > limits_s[-1])].sum())
    parts.append(w[~reach].sum())
    return [format_percent(p / total) for p in parts]

