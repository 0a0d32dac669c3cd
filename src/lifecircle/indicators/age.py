"""Coverage of the age group an indicator serves, beside the standard's denominator.

An indicator may name the group it serves (profile key ``age_group``: kindergarten 3-5, primary school 6-11, middle
school 12-14, elderly care 60+). When the homes carry that group's people (column ``age_3_5``, ``age_60plus``... of
:func:`lifecircle.points.population.age_column`), :func:`age_values` gives for each row of the indicator table:

* ``age_group`` — the group served;
* ``age_numerator`` / ``age_denominator`` — people of that group whose home is covered / all people of that group
  (in the row's area);
* ``age_value`` — their ratio (0-1).

Elderly care served by 60+ falls back to 65+ when only 65+ is given (the note says so); where the group is absent
the columns stay empty and the standard's rate (``value``) is the one to read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lifecircle.indicators.home_arrays import HomeArrays
from lifecircle.indicators.profiles import THRESHOLD_KINDS, Indicator
from lifecircle.points.population import age_column as _column

#: Columns the indicator table carries for the age group an indicator serves.
AGE_COLUMNS = ("age_group", "age_value", "age_numerator", "age_denominator")
_FALLBACK = {"60+": "65+", "65+": "60+"}


@dataclass
class AgeValues:
    """The age-group columns of one indicator's rows, one value per area.

    ``group`` is the group counted (the indicator's, or its fallback); ``numerator`` / ``denominator`` people of that
    group covered / in all, ``value`` their ratio (0–1), NaN when the homes do not carry the group; ``note`` is added
    to every row's note ("" for none)."""

    group: str
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    note: str = ""


def age_values(homes: HomeArrays, ind: Indicator) -> AgeValues | None:
    """The age-group columns of indicator ``ind`` (a coverage indicator with an ``age_group``) for every area of
    ``homes``; None when the indicator serves no particular group. People missing (NaN) in a home count as none."""
    if not ind.age_group:
        return None
    group = ind.age_group
    fallback = _FALLBACK.get(group)
    if _column(group) not in homes.columns and fallback and _column(fallback) in homes.columns:
        group = fallback
    k = homes.areas.n_areas
    if _column(group) not in homes.columns:
        empty = np.full(k, math.nan)
        return AgeValues(ind.age_group, empty, empty, empty)
    people = homes.column(_column(group))
    people = np.where(np.isnan(people), 0.0, people)
    prefix = THRESHOLD_KINDS[ind.threshold_kind]
    covered = homes.nearest([f"{prefix}{c}" for c in ind.categories]) <= ind.threshold
    num = homes.areas.sums(np.where(covered, people, 0.0))
    den = homes.areas.sums(people)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1.0), math.nan)
    note = f"age group {ind.age_group} not given: {group} used" if group != ind.age_group else ""
    return AgeValues(group, value, num, den, note)
