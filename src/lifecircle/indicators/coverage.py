"""Coverage rates of a profile's indicators, for the whole study area and per sub-area, and the uncovered homes.

The engine gives, per home, ``t_<c>`` (seconds of walking), ``d_<c>`` (metres of network distance) and ``r_<c>``
(straight-line metres) to the nearest facility of category ``c`` (+inf when unreachable or absent). A home is
*covered* by a coverage indicator when ``min over its categories`` of the column its ``threshold_kind`` names is
``≤ threshold``. The rate is ``Σ weight of covered homes / Σ weight of all homes`` with weight = the denominator
column: residential land area ``area_m2`` (m², the official TD/T 1063 pattern, source hospital-2km-coverage), floor
area ``floor_area_m2`` (m²) or ``population`` (people).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.distribution import weighted_gini
from lifecircle.indicators.home_arrays import HomeArrays
from lifecircle.indicators.profiles import (
    AGE_GROUPS,
    DENOMINATORS,
    THRESHOLD_KINDS,
    Indicator,
    Profile,
    effective_rule,
    indicator_columns,
    load_profile,
    required_columns,
)
from lifecircle.points.population import age_column
from lifecircle.results.columns import time_column

#: Leading columns of the table :func:`compute_indicators` returns, in this order.
RESULT_COLUMNS = (
    "profile", "indicator", "area", "value", "numerator", "denominator", "threshold", "threshold_kind", "source",
    "name_zh", "name_en", "confidence", "denominator_kind", "unit", "kind", "rule", "categories", "note", "origin",
    "tier", "layer", "element_class", "source_clause", "source_text",
)


@dataclass
class _Evaluation:
    """Per-home result of one indicator: covered flags (or access times) and notes."""

    covered: np.ndarray  # bool per home (for gini: unused)
    notes: list[str]
    rule: str = ""
    access_s: np.ndarray | None = None  # f15 / gini: per-home access time, seconds
    element_covered: dict[str, np.ndarray] | None = None  # composite: covered flags per element


@dataclass
class IndicatorValues:
    """The rows of one indicator, one per area (the ``names`` of :class:`~lifecircle.indicators.home_arrays.AreaSplit`).

    ``value`` (share 0–1, or the Gini coefficient 0–1), ``numerator`` and ``denominator`` (m² or people, per
    ``denominator_kind``) and ``note`` per area; ``threshold`` (seconds or metres), ``unit`` and ``rule`` for all."""

    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    note: list[str]
    threshold: float
    denominator_kind: str
    unit: str
    rule: str


def _check_homes(homes: pd.DataFrame, profile: Profile, denominator: str, composite_rule: str | None) -> None:
    if not isinstance(homes, pd.DataFrame):
        raise LifecircleInputError(f"homes must be a (Geo)DataFrame of origins, not {type(homes).__name__}.")
    need = required_columns(profile, denominator, composite_rule)
    missing = sorted(need - set(homes.columns))
    if missing:
        raise LifecircleInputError(
            f"homes lack column(s) {', '.join(missing)} needed by profile '{profile.id}' with denominator "
            f"'{denominator}'. The engine must compute t_/d_/r_ columns for every category the profile uses "
            f"(lifecircle.indicators.required_columns(profile) lists them)."
        )
    for col in ("population", DENOMINATORS[denominator]):
        v = homes[col].to_numpy(dtype=float)
        if np.any(v[~np.isnan(v)] < 0) or np.any(np.isinf(v)):
            raise LifecircleInputError(f"homes column '{col}' has negative or infinite values; it must be ≥ 0.")
        if col != "floor_area_m2" and np.any(np.isnan(v)):
            raise LifecircleInputError(
                f"homes column '{col}' has missing (NaN) values; fill them (0 if none) before computing indicators."
            )


def _absent_notes(homes: HomeArrays, cols: list[str]) -> list[str]:
    notes = []
    for col in cols:
        if homes.absent(col):
            category = col.split("_", 1)[1]
            notes.append(f"no facility of '{category}' reachable from any home (category absent from the data?)")
    return notes


def _coverage(homes: HomeArrays, ind: Indicator) -> _Evaluation:
    prefix = THRESHOLD_KINDS[ind.threshold_kind]
    cols = [f"{prefix}{c}" for c in ind.categories]
    return _Evaluation(covered=homes.nearest(cols) <= ind.threshold, notes=_absent_notes(homes, cols))


def _evaluate(homes: HomeArrays, profile: Profile, ind: Indicator, composite_rule: str | None) -> _Evaluation:
    if ind.kind == "coverage":
        return _coverage(homes, ind)
    elements = [profile.indicator(e) for e in ind.elements]
    if ind.kind == "composite":
        rule = effective_rule(profile, ind, composite_rule)
        covered = np.ones(homes.n, dtype=bool)
        notes: list[str] = []
        per_element: dict[str, np.ndarray] = {}
        for el in elements:
            if rule == "each_own_threshold":
                ev = _coverage(homes, el)
            else:  # all_within_15min: every element's categories within the profile's walking time
                cols = [time_column(c) for c in el.categories]
                ev = _Evaluation(covered=homes.nearest(cols) <= profile.composite_all_within_s,
                                 notes=_absent_notes(homes, cols))
            covered &= ev.covered
            per_element[el.id] = ev.covered
            notes += ev.notes
        return _Evaluation(covered=covered, notes=list(dict.fromkeys(notes)), rule=rule, element_covered=per_element)
    # f15 / gini (Bruno et al. 2024): mean over elements of the walking time to the nearest facility of each
    groups = [[f"{ind.time_prefix}{c}" for c in el.categories] for el in elements]
    access = np.column_stack([homes.nearest(g) for g in groups]).mean(axis=1)
    notes = []
    for g in groups:
        notes += _absent_notes(homes, g)
    covered = access <= ind.threshold if ind.kind == "f15" else np.isfinite(access)
    return _Evaluation(covered=covered, notes=list(dict.fromkeys(notes)), access_s=access)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), math.nan)


def home_arrays(homes: pd.DataFrame, profiles: Iterable[Profile], denominator: str | None = None,
                areas=None, area_id_column: str = "id", composite_rule: str | None = None) -> HomeArrays:
    """The arrays of ``homes`` that the indicators of ``profiles`` read (:class:`HomeArrays`): their engine columns,
    ``population``, the denominators' columns and the age groups, with the sub-area split of ``areas``."""
    engine_cols: list[str] = []
    other = ["population"]
    for p in profiles:
        other.append(DENOMINATORS[denominator or p.denominator])
        for ind in p.indicators:
            engine_cols += indicator_columns(p, ind, composite_rule)
    other += [age_column(g) for g in AGE_GROUPS]
    return HomeArrays.of(homes, engine_cols, other, areas, area_id_column)


def indicator_values(homes: HomeArrays, profile: Profile, ind: Indicator, denominator: str,
                     composite_rule: str | None = None) -> IndicatorValues:
    """The rows of indicator ``ind`` of ``profile`` for every area of ``homes``, with ``denominator`` (a key of
    :data:`DENOMINATORS`) for coverage and composite rates."""
    split = homes.areas
    ev = _evaluate(homes, profile, ind, composite_rule)
    base_note = "; ".join(ev.notes)
    pop = homes.column("population")
    if ind.kind in ("coverage", "composite"):
        weight = homes.column(DENOMINATORS[denominator])
        valid = ~np.isnan(weight)
        weight = np.where(valid, weight, 0.0)
        excluded = split.sums((~valid).astype(float))
        nums = split.sums(np.where(ev.covered, weight, 0.0))
        dens = split.sums(weight)
        thr = ind.threshold
        if ind.kind == "composite" and ev.rule == "all_within_15min":
            thr = profile.composite_all_within_s
        left_out = f" homes without {DENOMINATORS[denominator]} left out"
        notes = [base_note if not excluded[k] else "; ".join(filter(None, [base_note, f"{int(excluded[k])}{left_out}"]))
                 for k in range(split.n_areas)]
        return IndicatorValues(_ratio(nums, dens), nums, dens, notes, thr, denominator, "share", ev.rule)
    if ind.kind == "f15":
        nums = split.sums(np.where(ev.covered, pop, 0.0))
        dens = split.sums(pop)
        return IndicatorValues(_ratio(nums, dens), nums, dens, [base_note] * split.n_areas, ind.threshold,
                               "population", "share", "")
    # gini: one coefficient per area over the homes that reach every category
    assert ev.access_s is not None  # a gini evaluation carries the access times
    values, dens, notes = np.full(split.n_areas, math.nan), np.zeros(split.n_areas), []
    for k, rows in enumerate(split.members):
        reach = ev.covered[rows]
        finite = rows[reach]
        excluded_people = float(pop[rows[~reach]].sum())
        if len(finite):
            values[k] = weighted_gini(ev.access_s[finite], pop[finite])
        dens[k] = float(pop[finite].sum())
        notes.append(base_note if excluded_people <= 0 else "; ".join(filter(None, [
            base_note, f"{excluded_people:g} people who cannot reach every category left out"])))
    return IndicatorValues(values, np.full(split.n_areas, math.nan), dens, notes, ind.threshold, "population", "gini",
                           "")


def indicator_info(profile: Profile, ind: Indicator) -> dict[str, str]:
    """The descriptive columns of an indicator's rows (names, sources, categories...), the same for every area."""
    return {
        "profile": profile.id, "indicator": ind.id, "threshold_kind": ind.threshold_kind, "source": ind.source,
        "name_zh": ind.name_zh, "name_en": ind.name_en, "confidence": ind.confidence, "kind": ind.kind,
        "categories": "+".join(ind.categories) if ind.kind == "coverage" else "+".join(ind.elements),
        "origin": ind.origin or profile.origin, "tier": ind.tier, "layer": ind.layer, "element_class": ind.element_class,
        "source_clause": ind.clause, "source_text": ind.source_text,
    }


def rows_frame(blocks: Sequence[tuple[Profile, Indicator, IndicatorValues]], areas: Sequence[str]) -> pd.DataFrame:
    """The rows of the indicators ``blocks`` (each with its values per area of ``areas``), in that order, with the
    columns :data:`RESULT_COLUMNS`."""
    k = len(areas)
    data: dict[str, list] = {c: [] for c in RESULT_COLUMNS}
    numbers = {"value": [], "numerator": [], "denominator": []}  # type: dict[str, list[np.ndarray]]
    for profile, ind, v in blocks:
        for c, text in indicator_info(profile, ind).items():
            data[c] += [text] * k
        data["area"] += list(areas)
        data["note"] += v.note
        data["threshold"] += [v.threshold] * k
        data["denominator_kind"] += [v.denominator_kind] * k
        data["unit"] += [v.unit] * k
        data["rule"] += [v.rule] * k
        numbers["value"].append(v.value)
        numbers["numerator"].append(v.numerator)
        numbers["denominator"].append(v.denominator)
    columns: dict[str, Any] = dict(data)
    for c, parts in numbers.items():
        columns[c] = np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)
    columns["threshold"] = np.asarray(data["threshold"], dtype=np.float64)
    return pd.DataFrame(columns, columns=list(RESULT_COLUMNS))


def compute_indicators(homes: pd.DataFrame, profile: Profile | str, areas=None, denominator: str | None = None,
                       composite_rule: str | None = None, area_id_column: str = "id") -> pd.DataFrame:
    """Every indicator of ``profile`` for the whole study area (``area = "ALL"``) and per sub-area.

    Parameters
    ----------
    homes
        One row per origin: ``id``, ``population`` (people), ``area_m2`` (residential land, m²), ``floor_area_m2``
        (m², may be NaN: such homes are left out of floor-area rates, with a note), point geometry in a metric CRS,
        and ``t_<c>`` (s), ``d_<c>`` (m), ``r_<c>`` (m) per category (+inf unreachable) as
        :func:`~lifecircle.indicators.required_columns` lists.
    profile
        A :class:`~lifecircle.indicators.profiles.Profile`, a built-in name or a TOML path.
    areas
        ``None`` (whole area only), sub-area polygons (GeoDataFrame or file with an ``area_id_column``),
        ``"h3:<res>"`` or ``"grid:<metres>"`` (see :func:`~lifecircle.indicators.areas.assign_areas`).
    denominator
        ``residential_land_area``, ``floor_area`` or ``population``; default the profile's. F15 and Gini are always
        population-weighted.
    composite_rule
        ``each_own_threshold`` or ``all_within_15min`` for composites without a rule of their own; default the
        profile's.

    Returns
    -------
    DataFrame with the columns :data:`RESULT_COLUMNS`: ``value`` = numerator / denominator (``unit`` "share", 0–1;
    NaN when the denominator is 0; for ``gini`` the coefficient 0–1, ``unit`` "gini"), ``numerator`` and ``denominator`` in the denominator's
    unit (m² or people), ``threshold`` in seconds or metres per ``threshold_kind``, ``note`` (absent categories,
    excluded homes).
    """
    p = load_profile(profile)
    denom = denominator or p.denominator
    if denom not in DENOMINATORS:
        raise LifecircleInputError(f"denominator = {denom!r} is not one of {', '.join(DENOMINATORS)}.")
    if composite_rule is not None:
        effective_rule(p, p.indicators[0], composite_rule)  # validates the name
    _check_homes(homes, p, denom, composite_rule)
    arrays = home_arrays(homes, [p], denom, areas, area_id_column, composite_rule)
    blocks = [(p, ind, indicator_values(arrays, p, ind, denom, composite_rule)) for ind in p.indicators]
    return rows_frame(blocks, arrays.areas.names)


def uncovered_homes(homes: pd.DataFrame, profile: Profile | str, indicator: str, denominator: str | None = None,
                    composite_rule: str | None = None) -> pd.DataFrame:
    """The homes an indicator does not cover, most populous first: the raw material for planning.

    Returns the rows of ``homes`` (all their columns, geometry kept) that are not covered, plus ``nearest`` (for a
    coverage indicator: seconds or metres to the nearest facility of its categories, +inf none; for f15: the access
    time in seconds; for a composite: NaN) and ``missing`` (for a composite: the element ids not met; else the
    indicator id). Sorted by ``population`` descending.
    """
    p = load_profile(profile)
    ind = p.indicator(indicator)
    if ind.kind == "gini":
        raise LifecircleInputError(f"Indicator '{indicator}' is a Gini coefficient: no home is 'uncovered' by it. "
                                   "Ask for a coverage, composite or f15 indicator.")
    denom = denominator or p.denominator
    _check_homes(homes, p, denom, composite_rule)
    arrays = home_arrays(homes, [p], denom, composite_rule=composite_rule)
    ev = _evaluate(arrays, p, ind, composite_rule)
    out = homes.loc[~ev.covered].copy()
    if ind.kind == "coverage":
        prefix = THRESHOLD_KINDS[ind.threshold_kind]
        out["nearest"] = arrays.nearest([f"{prefix}{c}" for c in ind.categories])[~ev.covered]
        out["missing"] = ind.id
    elif ind.kind == "f15":
        assert ev.access_s is not None
        out["nearest"] = ev.access_s[~ev.covered]
        out["missing"] = ind.id
    else:
        out["nearest"] = math.nan
        assert ev.element_covered is not None  # a composite evaluation carries its elements
        idx = np.flatnonzero(~ev.covered)
        missing = ["+".join(e for e in ind.elements if not ev.element_covered[e][i]) for i in idx]
        out["missing"] = missing
    return out.sort_values("population", ascending=False, kind="stable")
