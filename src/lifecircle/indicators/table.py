"""The tables of a run: every indicator of every profile for the whole area and per sub-area, and their gap areas,
with the denominator chosen the same way for runs, scenarios, plans and monitoring.

:class:`IndicatorTable` keeps the table with the arrays it was computed from (:mod:`lifecircle.indicators.home_arrays`):
when a plan changes the engine columns of some categories, :meth:`IndicatorTable.updated` recomputes only the
indicators that read a changed column and copies the other rows, which gives the table a full recomputation gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import LifecircleInputError
from lifecircle.indicators.age import AGE_COLUMNS, AgeValues, age_values
from lifecircle.indicators.coverage import (
    IndicatorValues,
    _check_homes,
    home_arrays,
    indicator_values,
    rows_frame,
)
from lifecircle.indicators.gaps import GAP_INTEGER_COLUMNS, indicator_gaps
from lifecircle.indicators.home_arrays import HomeArrays
from lifecircle.indicators.profiles import DENOMINATORS, Indicator, Profile, indicator_columns, load_profile


def choose_denominator(homes: pd.DataFrame, requested: str | None) -> tuple[str | None, str]:
    """The coverage denominator to use, and a note when it differs from what was asked.

    ``None`` keeps each profile's own (residential land area for the TD/T 1063 health check). Homes given as points
    have no area: the rates then fall back to population, and the note says so (it goes into ``run.json``).
    """
    if requested is not None:
        return requested, ""
    if homes["area_m2"].isna().all():
        return "population", ("homes have no area (points): coverage rates use population as the denominator instead "
                              "of residential land area")
    return None, ""


@dataclass(frozen=True)
class _Block:
    """The rows of one indicator in the table: ``start`` .. ``start`` + number of areas."""

    profile: Profile
    indicator: Indicator
    denominator: str
    reads: frozenset[str]
    start: int


class IndicatorTable:
    """Every indicator of every profile for one homes frame (the rows of ``indicators.csv``), with what it was
    computed from, for updates after a change of walking times.

    Parameters are those of :func:`indicator_table`. :attr:`frame` is the table; :attr:`reads` the engine columns
    (``t_`` seconds, ``d_`` / ``r_`` metres) its indicators read.
    """

    def __init__(self, homes: pd.DataFrame, profiles: Iterable[str | Profile], areas=None,
                 denominator: str | None = None, area_id_column: str = "id"):
        denominator = choose_denominator(homes, denominator)[0]
        self.profiles = [load_profile(p) for p in profiles]
        blocks: list[_Block] = []
        self.arrays: HomeArrays | None = None
        for p in self.profiles:
            denom = denominator or p.denominator
            if denom not in DENOMINATORS:
                raise LifecircleInputError(f"denominator = {denom!r} is not one of {', '.join(DENOMINATORS)}.")
            _check_homes(homes, p, denom, None)
        self.arrays = home_arrays(homes, self.profiles, denominator, areas, area_id_column)
        n_areas = self.arrays.areas.n_areas
        for p in self.profiles:
            for ind in p.indicators:
                blocks.append(_Block(p, ind, denominator or p.denominator, frozenset(indicator_columns(p, ind)),
                                     len(blocks) * n_areas))
        self._blocks = blocks
        self.reads: frozenset[str] = frozenset().union(*(b.reads for b in blocks))
        values = [self._values(self.arrays, b) for b in blocks]
        frame = rows_frame([(b.profile, b.indicator, replace(v[0], note=_notes(*v)))
                            for b, v in zip(blocks, values, strict=True)], self.arrays.areas.names)
        self.frame = _with_age_columns(frame, [(b.start, v[1]) for b, v in zip(blocks, values, strict=True)], n_areas)

    @staticmethod
    def _values(arrays: HomeArrays, block: _Block) -> tuple[IndicatorValues, AgeValues | None]:
        return (indicator_values(arrays, block.profile, block.indicator, block.denominator),
                age_values(arrays, block.indicator))

    def indicators_reading(self, columns: Iterable[str]) -> list[tuple[str, str]]:
        """The (profile id, indicator id) of the indicators that read any of the engine ``columns``."""
        wanted = set(columns)
        return [(b.profile.id, b.indicator.id) for b in self._blocks if b.reads & wanted]

    def updated(self, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The table for the same homes with the engine ``columns`` given (name → one value per home, in the row
        order of the homes the table was made from; seconds or metres, NaN or +inf unreachable) in place of theirs.

        Only the indicators that read a column whose values differ are computed again; the others' rows are copied.
        Columns the indicators do not read are ignored."""
        assert self.arrays is not None
        changed = self.arrays.changed(columns)
        out = self.frame.copy()
        touched = [b for b in self._blocks if b.reads & changed.keys()]
        if not touched:
            return out
        arrays = self.arrays.with_columns(changed)
        k = arrays.areas.n_areas
        numbers = {c: out[c].to_numpy(dtype=np.float64, copy=True) for c in
                   ("value", "numerator", "denominator", "age_value", "age_numerator", "age_denominator")}
        notes = out["note"].tolist()
        for b in touched:
            v, age = self._values(arrays, b)
            rows = slice(b.start, b.start + k)
            numbers["value"][rows], numbers["numerator"][rows], numbers["denominator"][rows] = (
                v.value, v.numerator, v.denominator)
            notes[rows] = _notes(v, age)
            if age is not None:
                numbers["age_value"][rows], numbers["age_numerator"][rows] = age.value, age.numerator
                numbers["age_denominator"][rows] = age.denominator
        for c, values in numbers.items():
            out[c] = values
        out["note"] = pd.Series(notes, index=out.index, dtype=self.frame["note"].dtype)
        return out


def _notes(v: IndicatorValues, age: AgeValues | None) -> list[str]:
    """The notes of an indicator's rows, with its age-group note."""
    if age is None or not age.note:
        return list(v.note)
    return ["; ".join(filter(None, [n, age.note])) for n in v.note]


def _with_age_columns(frame: pd.DataFrame, ages: list[tuple[int, AgeValues | None]], n_areas: int) -> pd.DataFrame:
    """``frame`` with :data:`~lifecircle.indicators.age.AGE_COLUMNS`: the rows of the indicator starting at each
    ``start`` hold its age values (NaN and "" where an indicator serves no particular group)."""
    group = np.full(len(frame), "", dtype=object)
    numbers = {c: np.full(len(frame), np.nan) for c in AGE_COLUMNS[1:]}
    for start, age in ages:
        if age is None:
            continue
        rows = slice(start, start + n_areas)
        group[rows] = age.group
        numbers["age_value"][rows], numbers["age_numerator"][rows] = age.value, age.numerator
        numbers["age_denominator"][rows] = age.denominator
    out = frame.copy()
    out["age_group"] = pd.Series(group.tolist(), index=out.index, dtype=frame["note"].dtype)
    for c, values in numbers.items():
        out[c] = values
    return out


def indicator_table(homes: gpd.GeoDataFrame, profiles: Iterable[str | Profile], areas: str | None,
                    denominator: str | None = None, area_id_column: str = "id") -> pd.DataFrame:
    """Every indicator of every profile for the whole area and per sub-area (the rows of ``indicators.csv``).

    ``denominator`` None takes each profile's own, or population when the homes have no area
    (:func:`choose_denominator`), so runs, scenarios and monitoring compute the same rates. ``area_id_column`` names
    the id column of sub-area polygons (``--areas-id-column``). The age-group columns of
    :func:`lifecircle.indicators.age.age_values` follow the standard's columns.
    """
    return IndicatorTable(homes, profiles, areas, denominator, area_id_column).frame


def gap_table(homes: gpd.GeoDataFrame, profiles: Iterable[str | Profile], denominator: str | None = None) -> gpd.GeoDataFrame:
    """The gap areas of every indicator of every profile (the rows of ``gaps.parquet``), with the denominator
    chosen as for :func:`indicator_table`; column ``profile`` names each row's profile."""
    denominator = choose_denominator(homes, denominator)[0]
    parts = []
    for p in profiles:
        prof = load_profile(p)
        parts.append(indicator_gaps(homes, prof, denominator=denominator).assign(profile=prof.id))
    if not parts:
        return gpd.GeoDataFrame({"profile": []}, geometry=[], crs=homes.crs)
    gaps = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=homes.crs)
    return gaps.astype({c: "int64" for c in GAP_INTEGER_COLUMNS})
