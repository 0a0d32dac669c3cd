"""The indicator table: one row per profile × indicator for the whole study area, formatted in both languages.

Reads ``indicators.csv`` rows (``value`` = numerator / denominator, 0–1 for coverage rates; ``threshold`` in the unit
its ``threshold_kind`` names: ``walk_time_s`` seconds, ``network_distance_m`` or ``straight_radius_m`` metres).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup, escape

from lifecircle.report.i18n import STRINGS
from lifecircle.sources import Source, load_sources

#: The ``area`` value of study-area-wide rows (indicators' contract).
WHOLE_AREA = "ALL"

#: ``unit`` values of indicators.csv read as a share (shown as a percentage).
_SHARE_UNITS = {"share", "ratio", "rate", "fraction", "proportion", "%", "percent", "1"}

#: Confidence marks (and words) per level (the marks of profiles and of lifecircle/data/sources.toml).
_CONFIDENCE_SIGNS = {
    "verified": ("✅", "verified"),
    "probable": ("🟡", "probable"),
    "uncertain": ("🔴", "uncertain"),
}

#: The indicators' note for a category no home reaches (lifecircle.indicators.coverage).
_NO_FACILITY = re.compile(r"no facility of '([^']+)' reachable from any home(?: \(category absent from the data\?\))?")

#: Unit of the numerator and denominator per denominator kind: (zh, en).
_QUANTITY_UNITS = {
    "residential_land_area": ("平方米", "m²"),
    "floor_area": ("平方米", "m²"),
    "population": ("人", "people"),
}


@dataclass(frozen=True)
class IndicatorRow:
    """One formatted line of the indicator table (``*_zh`` / ``*_en`` are the two languages of a cell)."""

    profile: str
    indicator: str
    name_zh: str
    name_en: str
    value: float
    value_text: str
    is_share: bool
    covered_zh: str
    covered_en: str
    threshold_zh: str
    threshold_en: str
    target: float
    target_text: str
    status: str  # "met", "unmet", "no_target" or "no_value"
    source: str
    confidence: str
    confidence_level: str  # "verified", "probable", "uncertain" or "" (unknown mark)
    note_zh: str
    note_en: str
    source_keys: tuple[str, ...] = ()  # keys of the bibliography cited by the source column, in order
    source_note: str = ""  # source text that is not a bibliography key, and the source_text column
    clause: str = ""  # the source_clause column
    denominator_kind: str = ""  # the denominator_kind column: residential_land_area, floor_area, population


def is_share(value: float, unit: object, threshold_kind: object) -> bool:
    """Whether an indicator's value is a share (0–1) to show as a percentage.

    A ``unit`` column decides when present; without it, a value in [0, 1] of an indicator with a threshold kind
    (a coverage rate) is a share.
    """
    if isinstance(unit, str) and unit.strip():
        return unit.strip().lower() in _SHARE_UNITS
    has_kind = isinstance(threshold_kind, str) and bool(threshold_kind.strip())
    return has_kind and (math.isnan(value) or 0.0 <= value <= 1.0)


def confidence_level(mark: object) -> str:
    """The level of a confidence mark: ✅ "verified", 🟡 "probable", 🔴 "uncertain".

    The words themselves are accepted too; anything else gives ``""``.
    """
    text = cell_text(mark).lower()
    for level, signs in _CONFIDENCE_SIGNS.items():
        if any(s in text for s in signs):
            return level
    return ""


def marks_html(text: str) -> Markup:
    """``text`` escaped, with each confidence mark (✅ 🟡 🔴) drawn as a coloured dot that needs no emoji font."""
    out = escape(text)
    for level, signs in _CONFIDENCE_SIGNS.items():
        out = Markup(out.replace(signs[0], Markup(f'<span class="conf-dot conf-{level}" title="{level}"></span>')))
    return Markup(out)


def split_source(text: str, sources: Mapping[str, Source] | None = None) -> tuple[tuple[str, ...], str]:
    """The bibliography keys of a ``source`` cell and the rest of its text.

    ``"tdt1063-2021; tdt1063-indicator-tree"`` → both keys and ``""``. Parts that are not keys (results written
    before the bibliography, a user's free text) are kept as written: ``"District plan 2025, table 2"`` → ``()`` and the
    whole text.
    """
    bib = load_sources() if sources is None else sources
    parts = [p.strip() for p in re.split(r"[;,]", text) if p.strip()]
    keys = tuple(dict.fromkeys(p for p in parts if p in bib))
    if not keys:
        return (), text.strip()
    return keys, "; ".join(p for p in parts if p not in bib)


def bibliography(rows: list[IndicatorRow], extra: list[str] | None = None) -> list[tuple[int, Source]]:
    """The sources the report cites, numbered from 1 in order of first citation (the indicator rows, then the
    keys in ``extra``, e.g. the profiles' own sources)."""
    bib = load_sources()
    keys = [k for r in rows for k in r.source_keys] + [k for k in (extra or []) if k in bib]
    return [(n, bib[k]) for n, k in enumerate(dict.fromkeys(keys), start=1)]


def format_percent(share: float, decimals: int = 1) -> str:
    """``0.6`` → ``"60.0%"``; NaN → ``"—"``."""
    if share is None or math.isnan(share):
        return "—"
    return f"{100.0 * share:.{decimals}f}%"


def value_text(value: float, unit: object, threshold_kind: object) -> str:
    """An indicator's value as every part of the report shows it: a share as a percentage with one decimal
    (:func:`format_percent`), anything else by :func:`format_number`."""
    return format_percent(value) if is_share(value, unit, threshold_kind) else format_number(value)


def format_number(x: float) -> str:
    """A quantity with thousands separators: whole numbers above 100, three significant digits below."""
    if x is None or math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def format_threshold(threshold: float, kind: object) -> tuple[str, str]:
    """A threshold with its kind, in (zh, en): ``(900, "walk_time_s")`` → ``("步行 15 分钟", "15 min walk")``."""
    if threshold is None or (isinstance(threshold, float) and math.isnan(threshold)):
        return "—", "—"
    kind_s = str(kind) if isinstance(kind, str) else ""
    if kind_s == "walk_time_s":
        n = _trim(threshold / 60.0)
    elif kind_s in ("network_distance_m", "straight_radius_m"):
        n = _trim(threshold)
    else:
        plain = f"{_trim(threshold)} ({kind_s})" if kind_s else _trim(threshold)
        return plain, plain
    zh, en = STRINGS[f"kind_{kind_s}"]
    return zh.format(n=n), en.format(n=n)


def format_covered(numerator: float, denominator: float, denominator_kind: object) -> tuple[str, str]:
    """``numerator / denominator`` with the unit of the denominator kind, in (zh, en)."""
    if any(x is None or math.isnan(x) for x in (numerator, denominator)):
        return "—", "—"
    unit_zh, unit_en = _QUANTITY_UNITS.get(str(denominator_kind), ("", ""))
    text = f"{format_number(numerator)} / {format_number(denominator)}"
    return (f"{text} {unit_zh}".rstrip(), f"{text} {unit_en}".rstrip())


def target_status(value: float, target: float) -> str:
    """``"met"`` when value ≥ target, ``"unmet"`` below it, ``"no_target"`` / ``"no_value"`` when one is NaN."""
    if math.isnan(value):
        return "no_value"
    if math.isnan(target):
        return "no_target"
    return "met" if value >= target - 1e-12 else "unmet"


def condense_note(note: str, category_names: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """An indicator's note in (zh, en), the "no facility of 'c' reachable from any home" parts gathered in one
    sentence naming the categories (``category_names``: id → (zh, en)); any other text is kept as written."""
    found = _NO_FACILITY.findall(note)
    if not found:
        return note, note
    rest = "; ".join(p.strip() for p in _NO_FACILITY.sub("", note).split(";") if p.strip())
    ids = list(dict.fromkeys(found))
    zh = "数据中没有可达的设施：" + "、".join(category_names.get(c, (c, c))[0] for c in ids)
    en = "No facility reachable in the data: " + ", ".join(category_names.get(c, (c, c))[1] for c in ids)
    return (f"{zh}。{rest}" if rest else zh + "。"), (f"{en}. {rest}" if rest else en + ".")


def indicator_rows(indicators: pd.DataFrame,
                   category_names: dict[str, tuple[str, str]] | None = None) -> list[IndicatorRow]:
    """The whole-study-area rows of ``indicators.csv``, formatted, in file order.

    ``category_names`` (id → (zh, en)) names the categories in the notes.
    """
    df = indicators[indicators["area"].astype(str) == WHOLE_AREA]
    rows = []
    for r in df.to_dict("records"):
        value = cell_number(r.get("value"))
        share = is_share(value, r.get("unit"), r.get("threshold_kind"))
        target = cell_number(r.get("target"))
        status = target_status(value, target)
        covered = format_covered(cell_number(r.get("numerator")), cell_number(r.get("denominator")), r.get("denominator_kind"))
        threshold = format_threshold(cell_number(r.get("threshold")), r.get("threshold_kind"))
        keys, rest = split_source(cell_text(r.get("source")))
        name_zh = cell_text(r.get("name_zh")) or str(r["indicator"])
        name_en = cell_text(r.get("name_en")) or str(r["indicator"])
        rows.append(IndicatorRow(
            profile=str(r["profile"]),
            indicator=str(r["indicator"]),
            name_zh=name_zh,
            name_en=name_en,
            value=value,
            value_text=value_text(value, r.get("unit"), r.get("threshold_kind")),
            is_share=share,
            covered_zh=covered[0],
            covered_en=covered[1],
            threshold_zh=threshold[0],
            threshold_en=threshold[1],
            target=target,
            target_text=(format_percent(target, 0) if share else format_number(target)) if not math.isnan(target) else "—",
            status=status,
            source=cell_text(r.get("source")),
            confidence=cell_text(r.get("confidence")),
            confidence_level=confidence_level(r.get("confidence")),
            **dict(zip(("note_zh", "note_en"), condense_note(cell_text(r.get("note")), category_names or {}))),
            source_keys=keys,
            source_note="; ".join(t for t in (rest, cell_text(r.get("source_text"))) if t),
            clause=cell_text(r.get("source_clause")),
            denominator_kind=cell_text(r.get("denominator_kind")),
        ))
    return rows


def rows_by_profile(rows: list[IndicatorRow]) -> dict[str, list[IndicatorRow]]:
    """Rows grouped by profile, profiles in order of first appearance."""
    out: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        out.setdefault(row.profile, []).append(row)
    return out


def cell_number(x: object) -> float:
    """A cell of ``indicators.csv`` as a number; NaN when empty or not a number."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def cell_text(x: object) -> str:
    """A cell of ``indicators.csv`` as stripped text; ``""`` when empty."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    return str(x).strip()


def _trim(x: float) -> str:
    """``15.0`` → ``"15"``, ``7.5`` → ``"7.5"``, ``800.0`` → ``"800"``."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{int(x)}"


#: Most indicator columns of one printed per-sub-area table (A4 portrait keeps each readable); a profile with
#: more is printed as several tables.
PRINT_COLUMNS_MAX = 8


@dataclass(frozen=True)
class AreaTable:
    """Per-sub-area values: ``columns`` are (profile, indicator, name_zh, name_en, denominator_kind); ``rows`` are
    (area id, (name zh, name en), [(value text, status), ...]) in the order of the areas layer."""

    columns: list[tuple[str, str, str, str, str]]
    rows: list[tuple[str, tuple[str, str], list[tuple[str, str]]]]

    def shared_denominator(self, columns: list[int]) -> str:
        """The denominator kind all ``columns`` share, or ``""`` when they differ (each header then says its own)."""
        kinds = {self.columns[k][4] for k in columns}
        return kinds.pop() if len(kinds) == 1 else ""

    def print_parts(self, max_columns: int = PRINT_COLUMNS_MAX) -> list[tuple[str, int, int, list[int]]]:
        """The printed tables: (profile, part number from 1, number of parts, column indexes), one profile per
        table and at most ``max_columns`` indicator columns each."""
        by_profile: dict[str, list[int]] = {}
        for k, c in enumerate(self.columns):
            by_profile.setdefault(c[0], []).append(k)
        out = []
        for profile, cols in by_profile.items():
            n_parts = math.ceil(len(cols) / max_columns)
            size = math.ceil(len(cols) / n_parts)  # parts of even width
            for part in range(n_parts):
                out.append((profile, part + 1, n_parts, cols[part * size:(part + 1) * size]))
        return out


def area_table(indicators: pd.DataFrame, area_ids: list[str], area_names: list[tuple[str, str]]) -> AreaTable:
    """The per-sub-area rows of ``indicators.csv`` as a table of areas × indicators (empty cells "—");
    ``area_names`` are the areas' (zh, en) names in the order of ``area_ids``."""
    per_area = indicators[indicators["area"].astype(str) != WHOLE_AREA]
    columns: list[tuple[str, str, str, str, str]] = []
    cells: dict[tuple[str, str, str], tuple[str, str]] = {}
    for r in per_area.to_dict("records"):
        key = (str(r["profile"]), str(r["indicator"]))
        if not any(c[:2] == key for c in columns):
            columns.append((*key, cell_text(r.get("name_zh")) or key[1], cell_text(r.get("name_en")) or key[1],
                            cell_text(r.get("denominator_kind"))))
        value, target = cell_number(r.get("value")), cell_number(r.get("target"))
        cells[(str(r["area"]), *key)] = (value_text(value, r.get("unit"), r.get("threshold_kind")),
                                         target_status(value, target))
    rows = [(aid, name, [cells.get((aid, c[0], c[1]), ("—", "no_value")) for c in columns])
            for aid, name in zip(area_ids, area_names)]
    return AreaTable(columns=columns, rows=rows)
