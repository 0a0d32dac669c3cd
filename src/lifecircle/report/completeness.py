"""The data-completeness panel at the top of the report: facility categories the indicators need that the data lacks.

A category with no facility makes every indicator built on it read 0 % (or lower than it should) — not because
the area is badly served, but because the input data (OpenStreetMap often lacks clinics, schools, elderly care
in Chinese cities) holds none. The panel names each such category, the indicators it zeroes or lowers, and how to
bring the missing facilities (a POI export). It reads ``indicators.csv`` (its ``categories`` column: ``+``-separated
facility categories, or indicator ids for a composite) and the facilities layer; ``run.json``'s
``facility_sources`` and ``data_warnings`` are shown when present and never needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from lifecircle.report.tables import (
    WHOLE_AREA,
    cell_number,
    cell_text,
    is_share,
    value_text,
)
from lifecircle.results.folder import RunRecord


@dataclass(frozen=True)
class AffectedIndicator:
    """An indicator built on a missing category: ``zeroed`` when its study-area value is 0 (every home fails it);
    ``share`` when the value is a share (a missing category can then only lower it)."""

    profile: str
    indicator: str
    name_zh: str
    name_en: str
    value_text: str
    zeroed: bool
    share: bool = True


@dataclass(frozen=True)
class MissingCategory:
    """A facility category some indicator needs and the data has no facility of (``n_facilities`` is 0)."""

    category: str
    name_zh: str
    name_en: str
    indicators: list[AffectedIndicator]


@dataclass(frozen=True)
class Completeness:
    """What the panel shows.

    Attributes
    ----------
    missing
        Categories the profiles need with no facility in the data, in the order the indicators first use them.
    n_zeroed, n_indicators
        Study-area indicators reading 0 because of a missing category, and all study-area indicators.
    facility_sources
        ``run.json`` ``facility_sources`` as (category id, zh name, en name, origin) — ``osm``, ``user``,
        ``poi:amap``...; empty when the run did not record it.
    warnings
        ``run.json`` ``data_warnings`` (sentences, as written).
    """

    missing: list[MissingCategory]
    n_zeroed: int
    n_indicators: int
    facility_sources: list[tuple[str, str, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether there is anything to show."""
        return bool(self.missing or self.facility_sources or self.warnings)


def facility_counts(facilities: pd.DataFrame, run: RunRecord) -> dict[str, int]:
    """Facilities per category: the facilities layer's ``category`` column, else ``run.json``
    ``counts.facilities_by_category``."""
    if "category" in facilities.columns:
        return {str(k): int(v) for k, v in facilities["category"].astype(str).value_counts().items()}
    by_cat = run.counts.get("facilities_by_category") if isinstance(run.counts, dict) else None
    return {str(k): int(v) for k, v in (by_cat or {}).items()}


def data_completeness(indicators: pd.DataFrame, counts: Mapping[str, int], run: RunRecord,
                      category_names: Mapping[str, tuple[str, str]]) -> Completeness:
    """The panel's content: each facility category named in ``indicators.csv`` with no facility in ``counts``
    (category id → number of facilities), the study-area indicators it affects (composites through the indicators
    they combine), and ``run.json``'s ``facility_sources`` / ``data_warnings``.

    ``category_names`` maps a category id to its (zh, en) name.
    """
    rows = indicators[indicators["area"].astype(str) == WHOLE_AREA]
    parts: dict[tuple[str, str], list[str]] = {}
    records = rows.to_dict("records")
    for r in records:
        cats = r.get("categories")
        parts[(str(r["profile"]), str(r["indicator"]))] = [c for c in str(cats).split("+") if c] \
            if isinstance(cats, str) else []

    def categories_of(profile: str, indicator: str, seen: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
        out: list[str] = []
        for part in parts.get((profile, indicator), []):
            if (profile, part) in parts and (profile, part) not in seen:  # a composite's component indicator
                out += categories_of(profile, part, seen | {(profile, indicator)})
            else:
                out.append(part)
        return list(dict.fromkeys(out))

    missing: dict[str, list[AffectedIndicator]] = {}
    zeroed_keys: set[tuple[str, str]] = set()
    for r in records:
        key = (str(r["profile"]), str(r["indicator"]))
        absent = [c for c in categories_of(*key) if counts.get(c, 0) == 0]
        if not absent:
            continue
        value = cell_number(r.get("value"))
        share = is_share(value, r.get("unit"), r.get("threshold_kind"))
        zeroed = share and value == 0.0
        if zeroed:
            zeroed_keys.add(key)
        affected = AffectedIndicator(
            profile=key[0], indicator=key[1],
            name_zh=cell_text(r.get("name_zh")) or key[1], name_en=cell_text(r.get("name_en")) or key[1],
            value_text=value_text(value, r.get("unit"), r.get("threshold_kind")),
            zeroed=zeroed,
            share=share,
        )
        for c in absent:
            missing.setdefault(c, []).append(affected)
    sources = [(str(c), *category_names.get(str(c), (str(c), str(c))), str(origin))
               for c, origin in (run.facility_sources or {}).items()]
    return Completeness(
        missing=[MissingCategory(c, *category_names.get(c, (c, c)), indicators=ind) for c, ind in missing.items()],
        n_zeroed=len(zeroed_keys),
        n_indicators=len(records),
        facility_sources=sources,
        warnings=[str(w) for w in (run.data_warnings or []) if str(w).strip()],
    )

