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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.areas import ALL_AREAS, assign_areas
from lifecircle.indicators.distribution import bruno_access_time, group_times, weighted_gini
from lifecircle.indicators.profiles import (
    DENOMINATORS,
    THRESHOLD_KINDS,
    Indicator,
    Profile,
    effective_rule,
    load_profile,
    required_columns,
)
from lifecircle.results.columns import TIME_PREFIX, time_column

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


def _absent_notes(homes: pd.DataFrame, cols: list[str]) -> list[str]:
    notes = []
    for col in cols:
        v = homes[col].to_numpy(dtype=float)
        if len(v) and not np.any(np.isfinite(v)):
            category = col.split("_", 1)[1]
            notes.append(f"no facility of '{category}' reachable from any home (category absent from the data?)")
    return notes


def _coverage(homes: pd.DataFrame, ind: Indicator) -> _Evaluation:
    prefix = THRESHOLD_KINDS[ind.threshold_kind]
    nearest = group_times(homes, ind.categories, prefix)
    notes = _absent_notes(homes, [f"{prefix}{c}" for c in ind.categories])
    return _Evaluation(covered=nearest <= ind.threshold, notes=notes)


def _evaluate(homes: pd.DataFrame, profile: Profile, ind: Indicator, composite_rule: str | None) -> _Evaluation:
    if ind.kind == "coverage":
        return _coverage(homes, ind)
    elements = [profile.indicator(e) for e in ind.elements]
    if ind.kind == "composite":
        rule = effective_rule(profile, ind, composite_rule)
        covered = np.ones(len(homes), dtype=bool)
        notes: list[str] = []
        per_element: dict[str, np.ndarray] = {}
        for el in elements:
            if rule == "each_own_threshold":
                ev = _coverage(homes, el)
            else:  # all_within_15min: every element's categories within the profile's walking time
                t = group_times(homes, el.categories, TIME_PREFIX)
                ev = _Evaluation(covered=t <= profile.composite_all_within_s,
                                 notes=_absent_notes(homes, [time_column(c) for c in el.categories]))
            covered &= ev.covered
            per_element[el.id] = ev.covered
            notes += ev.notes
        return _Evaluation(covered=covered, notes=list(dict.fromkeys(notes)), rule=rule, element_covered=per_element)
    # f15 / gini (Bruno et al. 2024): mean over elements of the walking time to the nearest facility of each
    access = bruno_access_time(homes, [el.categories for el in elements], ind.time_prefix)
    notes = []
    for el in elements:
        notes += _absent_notes(homes, [f"{ind.time_prefix}{c}" for c in el.categories])
    covered = access <= ind.threshold if ind.kind == "f15" else np.isfinite(access)
    return _Evaluation(covered=covered, notes=list(dict.fromkeys(notes)), access_s=access)


def _row(profile: Profile, ind: Indicator, area: str, value: float, num: float, den: float, threshold: float,
         denominator_kind: str, unit: str, rule: str, note: str) -> dict:
    return {
        "profile": profile.id, "indicator": ind.id, "area": area, "value": value, "numerator": num,
        "denominator": den, "threshold": threshold, "threshold_kind": ind.threshold_kind, "source": ind.source,
        "name_zh": ind.name_zh, "name_en": ind.name_en, "confidence": ind.confidence,
        "denominator_kind": denominator_kind, "unit": unit, "kind": ind.kind, "rule": rule,
        "categories": "+".join(ind.categories) if ind.kind == "coverage" else "+".join(ind.elements), "note": note,
        "origin": ind.origin or profile.origin, "tier": ind.tier, "layer": ind.layer, "element_class": ind.element_class,
        "source_clause": ind.clause, "source_text": ind.source_text,
    }


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


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

    # area codes: 0 = the whole study area; 1..k = sub-areas in sorted id order; homes outside every sub-area
    # count only in the whole area. Sums per area are bincounts (fast with thousands of grid cells).
    area_ids = assign_areas(homes, areas, area_id_column)
    names = [ALL_AREAS]
    codes = np.full(len(homes), -1, dtype=np.int64)
    if area_ids is not None:
        labels = area_ids.to_numpy(dtype=object)
        present = np.array([v is not None for v in labels], dtype=bool)
        uniq = sorted({v for v in labels if v is not None})
        index = {v: i + 1 for i, v in enumerate(uniq)}
        codes[present] = [index[v] for v in labels[present]]
        names += uniq
    n_areas = len(names)

    def per_area(values: np.ndarray) -> np.ndarray:
        out = np.bincount(codes[codes >= 0], weights=values[codes >= 0], minlength=n_areas).astype(float)
        out[0] = float(values.sum())
        return out

    weight_all = homes[DENOMINATORS[denom]].to_numpy(dtype=float)
    weight_valid = ~np.isnan(weight_all)
    weight_all = np.where(weight_valid, weight_all, 0.0)
    excluded_homes = per_area((~weight_valid).astype(float))
    pop = homes["population"].to_numpy(dtype=float)

    rows = []
    for ind in p.indicators:
        ev = _evaluate(homes, p, ind, composite_rule)
        base_note = "; ".join(ev.notes)
        if ind.kind in ("coverage", "composite"):
            nums = per_area(np.where(ev.covered, weight_all, 0.0))
            dens = per_area(weight_all)
            thr = ind.threshold
            if ind.kind == "composite" and ev.rule == "all_within_15min":
                thr = p.composite_all_within_s
            for k, area in enumerate(names):
                note = base_note
                if excluded_homes[k]:
                    note = "; ".join(filter(None, [
                        note, f"{int(excluded_homes[k])} homes without {DENOMINATORS[denom]} left out"]))
                rows.append(_row(p, ind, area, _ratio(nums[k], dens[k]), float(nums[k]), float(dens[k]), thr, denom,
                                 "share", ev.rule, note))
        elif ind.kind == "f15":
            nums = per_area(np.where(ev.covered, pop, 0.0))
            dens = per_area(pop)
            for k, area in enumerate(names):
                rows.append(_row(p, ind, area, _ratio(nums[k], dens[k]), float(nums[k]), float(dens[k]),
                                 ind.threshold, "population", "share", "", base_note))
        else:  # gini: one coefficient per area over the homes that reach every category
            for k, area in enumerate(names):
                mask = np.ones(len(homes), dtype=bool) if k == 0 else codes == k
                finite = mask & ev.covered
                excluded = float(pop[mask & ~ev.covered].sum())
                assert ev.access_s is not None  # a gini evaluation carries the access times
                value = weighted_gini(ev.access_s[finite], pop[finite]) if np.any(finite) else math.nan
                note = base_note
                if excluded > 0:
                    note = "; ".join(filter(None, [note, f"{excluded:g} people who cannot reach every category left out"]))
                rows.append(_row(p, ind, area, value, math.nan, float(pop[finite].sum()), ind.threshold,
                                 "population", "gini", "", note))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


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
    ev = _evaluate(homes, p, ind, composite_rule)
    out = homes.loc[~ev.covered].copy()
    if ind.kind == "coverage":
        out["nearest"] = group_times(homes, ind.categories, THRESHOLD_KINDS[ind.threshold_kind])[~ev.covered]
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
