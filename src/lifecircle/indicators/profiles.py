"""Indicator profiles: standards as data files (TOML), loaded, validated and overridden by the user.

A profile is a TOML file (the built-in ones are in ``src/lifecircle/data/profiles/``) with profile-level keys
(``id``, ``name_zh``, ``name_en``, ``source``, ``denominator``, ``origin``, ``composite_rule``...) and a list of
``[[indicators]]`` tables. Every number in a profile cites its sources by key of the bibliography
``src/lifecircle/data/sources.toml`` (``source = "tdt1063-2021"`` or a list such as
``source = ["gb50180-2018", "pre2018-radii-sydw"]``, the clause or table in ``clause``) and carries its confidence
mark (``confidence = "✅"``, ``"🟡"`` or ``"🔴"``).

Sources
-------
``source`` holds keys only: an unknown key is an error naming the file, the indicator and the key. A reference that is
not in the bibliography (a local plan, a council decision) goes in ``source_text``, free text shown as written; an
indicator needs ``source``, ``source_text`` or both.

Indicator kinds
---------------
``coverage``
    A home is covered when its nearest facility of *any* of ``categories`` is within ``threshold``, measured as
    ``threshold_kind``: walking time in seconds (``walk_time_s``, engine column ``t_<c>``), network distance in metres
    (``network_distance_m``, ``d_<c>``) or straight-line radius in metres (``straight_radius_m``, ``r_<c>``).
``composite``
    Covered when every indicator listed in ``elements`` is satisfied, under a rule: ``each_own_threshold`` (each
    element within its own threshold) or ``all_within_15min`` (every element's categories within
    ``composite_all_within_s`` seconds of walking, 900 s by default). The rule comes from the indicator's own
    ``rule`` key when set, else from the profile's ``composite_rule``, else from the call (which wins over the
    profile's but not over an indicator's own rule).
``f15`` and ``gini``
    Bruno et al. (2024) aggregates over the ``elements`` (each a coverage indicator standing for one service
    category): a home's access time is the mean of its walking times to the elements; ``f15`` is the population
    share whose access time is within ``threshold`` seconds, ``gini`` the population-weighted Gini coefficient of the
    access times. Both are always population-weighted.

User profiles
-------------
A user file may start with ``extends = "cn-health-check"`` (a built-in name, or a path, relative paths read from the
user file's folder first). Its ``id`` defaults to the file's name (so a variant never passes for the built-in); its
other top-level keys replace the base's; each ``[[indicators]]`` table whose ``id`` exists in the base updates only the keys it gives; new ids are
appended; ``drop = ["id", ...]`` removes base indicators.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lifecircle.errors import LifecircleInputError
from lifecircle.points.categories import known_categories
from lifecircle.results.columns import PREFIX_OF_KIND, TIME_PREFIX, time_column
from lifecircle.sources import parse_keys, resolve

#: Threshold kinds and the engine column prefix each reads (seconds or metres).
THRESHOLD_KINDS: dict[str, str] = PREFIX_OF_KIND
#: Denominators of a coverage rate and the ``homes`` column each sums (m², m², people).
DENOMINATORS: dict[str, str] = {
    "residential_land_area": "area_m2",
    "floor_area": "floor_area_m2",
    "population": "population",
}
#: Rules of a composite indicator (which one TD/T 1063-2021 means is 🔴 uncertain; source tdt1063-indicator-tree).
COMPOSITE_RULES = ("each_own_threshold", "all_within_15min")
#: Indicator kinds (see the module docstring).
INDICATOR_KINDS = ("coverage", "composite", "f15", "gini")
#: Confidence marks: verified, probable, uncertain.
CONFIDENCE_MARKS = ("✅", "🟡", "🔴")
#: Walking time (seconds) of the ``all_within_15min`` rule: 15 minutes, the name of the indicator
#: (15分钟社区生活圈覆盖率, sources tdt1063-2021, tdt1063-indicator-tree).
DEFAULT_ALL_WITHIN_S = 900.0

_PROFILE_KEYS = {
    "id", "name_zh", "name_en", "description", "source", "source_text", "clause", "confidence", "denominator",
    "origin", "composite_rule", "composite_all_within_s", "notes", "indicators", "extends", "drop",
}
_INDICATOR_KEYS = {
    "id", "kind", "name_zh", "name_en", "categories", "threshold", "threshold_kind", "elements", "rule", "source",
    "source_text", "clause", "confidence", "origin", "tier", "element_class", "layer", "notes", "n_nearest",
    "age_group",
}
#: Age groups an indicator may serve (people by age in years; ``60+`` = 60 and over).
AGE_GROUPS = ("0-2", "3-5", "6-11", "12-14", "60+", "65+")
_REQUIRED_PROFILE_KEYS = ("id", "name_en", "denominator", "indicators")
_REQUIRED_BY_KIND = {
    "coverage": ("id", "name_en", "categories", "threshold", "threshold_kind", "confidence"),
    "composite": ("id", "name_en", "elements", "confidence"),
    "f15": ("id", "name_en", "elements", "threshold", "confidence"),
    "gini": ("id", "name_en", "elements", "confidence"),
}


@dataclass(frozen=True)
class Indicator:
    """One indicator of a profile.

    Attributes
    ----------
    id
        Short identifier, unique in the profile (e.g. ``"health_15min"``).
    kind
        ``coverage``, ``composite``, ``f15`` or ``gini``.
    name_zh, name_en
        The indicator's name as the standard words it, and in English.
    categories
        Facility category ids (``data/categories.csv``); a coverage indicator is met by the nearest of any of them.
    threshold
        Seconds (``walk_time_s``) or metres (``network_distance_m``, ``straight_radius_m``); NaN for ``gini`` and
        for ``composite`` (whose elements carry the thresholds).
    threshold_kind
        One of :data:`THRESHOLD_KINDS`.
    elements
        Ids of the coverage indicators a composite / f15 / gini indicator combines.
    rule
        A composite's own rule (``""`` = use the profile's or the call's).
    sources
        Keys of the bibliography (``lifecircle.sources.load_sources()``), e.g. ``("tdt1063-2021",)``.
    confidence
        The confidence mark (✅ 🟡 🔴).
    origin, tier, element_class, layer, notes
        Descriptive: origin type (residential parcels, building centroids...), GB 50180 tier (5/10/15 min),
        TD/T 1062 element class (基础保障型 / 品质提升型) and layer, free notes.
    n_nearest
        f15 / gini only: 1 = time to the nearest facility of each category (``t_<c>``); n > 1 = mean time to the n
        nearest (``t<n>_<c>`` columns, which the engine must supply).
    source_text
        A free-text reference outside the bibliography (a user's local plan), shown as written.
    clause
        The clause, table or section of the cited source the number comes from.
    age_group
        The age group the facility serves (:data:`AGE_GROUPS`: ``3-5`` kindergarten, ``6-11`` primary school,
        ``12-14`` middle school, ``60+`` elderly care), ``""`` for everyone: with a population by age, the coverage
        of that group is reported beside the standard's denominator.
    """

    id: str
    kind: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]
    threshold: float
    threshold_kind: str
    elements: tuple[str, ...]
    rule: str
    sources: tuple[str, ...]
    confidence: str
    origin: str = ""
    tier: str = ""
    element_class: str = ""
    layer: str = ""
    notes: str = ""
    n_nearest: int = 1
    source_text: str = ""
    clause: str = ""
    age_group: str = ""

    @property
    def source(self) -> str:
        """The source keys as one text, ``"; "``-separated (the ``source`` column of ``indicators.csv``)."""
        return "; ".join(self.sources)

    @property
    def time_prefix(self) -> str:
        """Engine column prefix of the walking times an f15 / gini indicator reads: ``t_`` (nearest facility) or
        ``t<n>_`` (mean walking time in seconds to the ``n_nearest`` nearest facilities of the category, Bruno et
        al.'s "dual access" with n = 20)."""
        return TIME_PREFIX if self.n_nearest == 1 else f"t{self.n_nearest}_"


@dataclass(frozen=True)
class Profile:
    """A validated indicator profile.

    Attributes
    ----------
    id, name_zh, name_en, description
        Identity of the profile.
    sources, source_text, clause
        Bibliography keys, free-text reference and clause of the profile as a whole (as for :class:`Indicator`).
    confidence
        Confidence mark of the profile as a whole.
    denominator
        Default denominator of coverage rates: ``residential_land_area`` (m², the official TD/T 1063 pattern,
        source hospital-2km-coverage), ``floor_area`` (m²) or ``population`` (people).
    origin
        Origin type the rates assume (residential parcels, building centroids, compound gates...).
    composite_rule
        Default rule of composite indicators (:data:`COMPOSITE_RULES`).
    composite_all_within_s
        Seconds of the ``all_within_15min`` rule.
    indicators
        The indicators, in file order.
    notes
        Free notes: mapping decisions, what is uncertain.
    path
        The file the profile was read from (the user's file for an extended profile).
    """

    id: str
    name_zh: str
    name_en: str
    description: str
    sources: tuple[str, ...]
    confidence: str
    denominator: str
    origin: str
    composite_rule: str
    composite_all_within_s: float
    indicators: tuple[Indicator, ...]
    notes: str = ""
    path: str = ""
    extends: str = ""
    source_text: str = ""
    clause: str = ""

    @property
    def source(self) -> str:
        """The source keys as one text, ``"; "``-separated."""
        return "; ".join(self.sources)

    @property
    def title(self) -> str:
        """Display title: English name and Chinese name."""
        return f"{self.name_en} ({self.name_zh})" if self.name_zh else self.name_en

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with id ``indicator_id``; a clear error names the ids that exist."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise LifecircleInputError(
            f"Profile '{self.id}' has no indicator '{indicator_id}'. Its indicators are: "
            f"{', '.join(i.id for i in self.indicators)}."
        )


# ----------------------------------------------------------------------------------------------------------------
# categories and file lookup


def _profiles_dir() -> Path:
    return Path(str(resources.files("lifecircle").joinpath("data", "profiles")))


def list_profiles() -> list[str]:
    """Names of the built-in profiles (the TOML files of ``src/lifecircle/data/profiles``), sorted."""
    return sorted(p.stem for p in _profiles_dir().glob("*.toml"))


def _resolve(name_or_path: str | Path) -> Path:
    s = str(name_or_path)
    builtin = _profiles_dir() / f"{s}.toml"
    if "/" not in s and "\\" not in s and not s.lower().endswith(".toml") and builtin.is_file():
        return builtin
    path = Path(s).expanduser()
    if path.is_file():
        return path
    raise LifecircleInputError(
        f"Indicator profile '{s}' not found: it is neither a built-in profile ({', '.join(list_profiles())}) nor a "
        f"TOML file. Give a built-in name or the path of your profile file."
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise LifecircleInputError(f"{path}: not valid TOML ({exc}). Fix the syntax of the profile file.") from exc


# ----------------------------------------------------------------------------------------------------------------
# merging (extends / override)


def _merge(base: dict[str, Any], user: dict[str, Any], path: Path) -> dict[str, Any]:
    merged = {k: v for k, v in base.items() if k not in ("indicators", "extends", "drop")}
    for k, v in user.items():
        if k not in ("indicators", "extends", "drop"):
            merged[k] = v
    base_inds = [dict(i) for i in base.get("indicators", [])]
    drop = user.get("drop", [])
    if not isinstance(drop, list):
        raise LifecircleInputError(f"{path}: key 'drop' must be a list of indicator ids, e.g. drop = [\"rail_800m\"].")
    base_ids = {i.get("id") for i in base_inds}
    for d in drop:
        if d not in base_ids:
            raise LifecircleInputError(
                f"{path}: key 'drop' names indicator '{d}', which the base profile does not have "
                f"(it has: {', '.join(str(i) for i in base_ids)})."
            )
    inds = [i for i in base_inds if i.get("id") not in drop]
    by_id = {i.get("id"): i for i in inds}
    for j, ui in enumerate(user.get("indicators", [])):
        if not isinstance(ui, dict) or "id" not in ui:
            raise LifecircleInputError(f"{path}: indicator #{j + 1} is missing required key 'id'.")
        if ui["id"] in by_id:
            by_id[ui["id"]].update(ui)
        else:
            inds.append(dict(ui))
            by_id[ui["id"]] = inds[-1]
    merged["indicators"] = inds
    return merged


def _load_raw(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], str]:
    raw = _read_toml(path)
    extends = raw.get("extends", "")
    if not extends:
        return raw, ""
    if not isinstance(extends, str):
        raise LifecircleInputError(f"{path}: key 'extends' must be a profile name or a file path in quotes.")
    beside = path.parent / extends  # a relative path is read from the extending file's folder first
    base_path = beside if extends.lower().endswith(".toml") and beside.is_file() else _resolve(extends)
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise LifecircleInputError(f"{path}: 'extends = \"{extends}\"' makes a cycle of profiles; remove it.")
    base_raw, _ = _load_raw(base_path, seen + (path.resolve(),))
    merged = _merge(base_raw, raw, path)
    if "id" not in raw:  # a user's variant must not pass for the built-in: name it after its file
        merged["id"] = path.stem
    return merged, str(extends)


# ----------------------------------------------------------------------------------------------------------------
# validation


def _as_str(value: Any, path: Path, where: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LifecircleInputError(f"{path}: {where} key '{key}' must be a text string, got {value!r}.")
    return value


def _as_threshold(value: Any, path: Path, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LifecircleInputError(
            f"{path}: {where} key '{key}' must be a number (seconds or metres), got {value!r}."
        )
    v = float(value)
    if math.isnan(v) or v < 0:
        raise LifecircleInputError(
            f"{path}: {where} key '{key}' = {value!r} is negative or not a number; a threshold is seconds or "
            f"metres ≥ 0. Fix it in the profile file."
        )
    return v


def _sources(raw: dict[str, Any], path: Path, where: str, required: bool = True) -> tuple[str, ...]:
    """The bibliography keys of ``raw['source']`` (a key or a list of keys), each checked to exist."""
    field = f"{path}: {where} key 'source'"
    keys = parse_keys(raw.get("source"), field)
    if required and not keys and not (isinstance(raw.get("source_text"), str) and raw["source_text"].strip()):
        raise LifecircleInputError(
            f"{path}: {where} cites no source: give 'source' (keys of lifecircle/data/sources.toml, e.g. "
            f"source = \"tdt1063-2021\") or 'source_text' (a free-text reference)."
        )
    resolve(keys, where=field)
    return keys


def _validate_indicator(raw: dict[str, Any], j: int, path: Path) -> Indicator:
    where = f"indicator #{j + 1}" + (f" '{raw['id']}'" if isinstance(raw.get("id"), str) else "")
    unknown = set(raw) - _INDICATOR_KEYS
    if unknown:
        raise LifecircleInputError(
            f"{path}: {where} has unknown key(s) {', '.join(sorted(unknown))}; allowed keys are "
            f"{', '.join(sorted(_INDICATOR_KEYS))}."
        )
    kind = raw.get("kind", "coverage")
    if kind not in INDICATOR_KINDS:
        raise LifecircleInputError(
            f"{path}: {where} key 'kind' = {kind!r} is not one of {', '.join(INDICATOR_KINDS)}."
        )
    missing = [k for k in _REQUIRED_BY_KIND[kind] if k not in raw]
    if missing:
        raise LifecircleInputError(
            f"{path}: {where} (kind {kind}) is missing required key(s) {', '.join(repr(m) for m in missing)}."
        )
    cats = raw.get("categories", [])
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise LifecircleInputError(f"{path}: {where} key 'categories' must be a list of category ids.")
    if kind == "coverage" and not cats:
        raise LifecircleInputError(f"{path}: {where} key 'categories' is empty; list at least one category id.")
    known = known_categories()
    for c in cats:
        if c not in known:
            raise LifecircleInputError(
                f"{path}: {where} key 'categories' references unknown category '{c}'. Known category ids "
                f"(src/lifecircle/data/categories.csv): {', '.join(known)}."
            )
    elements = raw.get("elements", [])
    if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
        raise LifecircleInputError(f"{path}: {where} key 'elements' must be a list of indicator ids.")
    if kind != "coverage" and not elements:
        raise LifecircleInputError(f"{path}: {where} key 'elements' is empty; list the indicator ids it combines.")
    if kind == "gini" or kind == "composite":
        threshold = _as_threshold(raw["threshold"], path, where, "threshold") if "threshold" in raw else math.nan
    else:
        threshold = _as_threshold(raw["threshold"], path, where, "threshold")
    tkind = raw.get("threshold_kind", "walk_time_s")
    if tkind not in THRESHOLD_KINDS:
        raise LifecircleInputError(
            f"{path}: {where} key 'threshold_kind' = {tkind!r} is not one of {', '.join(THRESHOLD_KINDS)}."
        )
    if kind in ("f15", "gini", "composite") and tkind != "walk_time_s":
        raise LifecircleInputError(f"{path}: {where} key 'threshold_kind' must be 'walk_time_s' for kind {kind}.")
    rule = raw.get("rule", "")
    if rule and rule not in COMPOSITE_RULES:
        raise LifecircleInputError(f"{path}: {where} key 'rule' = {rule!r} is not one of {', '.join(COMPOSITE_RULES)}.")
    conf = raw.get("confidence")
    if conf not in CONFIDENCE_MARKS:
        raise LifecircleInputError(
            f"{path}: {where} key 'confidence' = {conf!r} is not one of ✅ (verified), 🟡 (probable), 🔴 (uncertain)."
        )
    s = {k: _as_str(raw.get(k), path, where, k) for k in
         ("id", "name_zh", "name_en", "source_text", "clause", "origin", "element_class", "layer", "notes")}
    sources = _sources(raw, path, where)
    if not s["id"]:
        raise LifecircleInputError(f"{path}: {where} key 'id' is empty.")
    tier = raw.get("tier", "")
    n_nearest = raw.get("n_nearest", 1)
    if isinstance(n_nearest, bool) or not isinstance(n_nearest, int) or n_nearest < 1:
        raise LifecircleInputError(f"{path}: {where} key 'n_nearest' = {n_nearest!r} must be a whole number ≥ 1.")
    if n_nearest != 1 and kind not in ("f15", "gini"):
        raise LifecircleInputError(f"{path}: {where} key 'n_nearest' only applies to kinds f15 and gini.")
    age_group = raw.get("age_group", "")
    if age_group and (age_group not in AGE_GROUPS or kind != "coverage"):
        raise LifecircleInputError(f"{path}: {where} key 'age_group' = {age_group!r} must be one of {', '.join(AGE_GROUPS)} "
                                   "and only applies to kind coverage.")
    return Indicator(
        id=s["id"], kind=kind, name_zh=s["name_zh"], name_en=s["name_en"], categories=tuple(cats),
        threshold=threshold, threshold_kind=tkind, elements=tuple(elements), rule=rule, sources=sources,
        confidence=conf, origin=s["origin"], tier=str(tier), element_class=s["element_class"], layer=s["layer"],
        notes=s["notes"], n_nearest=n_nearest, source_text=s["source_text"], clause=s["clause"], age_group=age_group,
    )


def validate_profile(raw: dict[str, Any], path: str | Path = "<profile>", extends: str = "") -> Profile:
    """Check a parsed profile table and build a :class:`Profile`; bad input raises ``LifecircleInputError``.

    The message names the file and the key: unknown category ids, negative thresholds, missing or unknown keys,
    duplicate ids, elements that are not coverage indicators of the profile.
    """
    path = Path(path)
    unknown = set(raw) - _PROFILE_KEYS
    if unknown:
        raise LifecircleInputError(
            f"{path}: unknown profile key(s) {', '.join(sorted(unknown))}; allowed keys are "
            f"{', '.join(sorted(_PROFILE_KEYS))}."
        )
    missing = [k for k in _REQUIRED_PROFILE_KEYS if k not in raw]
    if missing:
        raise LifecircleInputError(f"{path}: missing required profile key(s) {', '.join(repr(m) for m in missing)}.")
    denom = raw["denominator"]
    if denom not in DENOMINATORS:
        raise LifecircleInputError(f"{path}: key 'denominator' = {denom!r} is not one of {', '.join(DENOMINATORS)}.")
    rule = raw.get("composite_rule", "each_own_threshold")
    if rule not in COMPOSITE_RULES:
        raise LifecircleInputError(f"{path}: key 'composite_rule' = {rule!r} is not one of {', '.join(COMPOSITE_RULES)}.")
    all_within = _as_threshold(raw.get("composite_all_within_s", DEFAULT_ALL_WITHIN_S), path, "profile",
                               "composite_all_within_s")
    if not isinstance(raw["indicators"], list) or not raw["indicators"]:
        raise LifecircleInputError(f"{path}: key 'indicators' must hold at least one [[indicators]] table.")
    inds = [_validate_indicator(r, j, path) for j, r in enumerate(raw["indicators"])]
    seen: set[str] = set()
    for ind in inds:
        if ind.id in seen:
            raise LifecircleInputError(f"{path}: indicator id '{ind.id}' appears twice; ids must be unique.")
        seen.add(ind.id)
    coverage_ids = {i.id for i in inds if i.kind == "coverage"}
    for ind in inds:
        for e in ind.elements:
            if e not in coverage_ids:
                raise LifecircleInputError(
                    f"{path}: indicator '{ind.id}' key 'elements' names '{e}', which is not a coverage indicator of "
                    f"this profile (coverage indicators: {', '.join(sorted(coverage_ids))})."
                )
    conf = raw.get("confidence", "🟡")
    if conf not in CONFIDENCE_MARKS:
        raise LifecircleInputError(f"{path}: key 'confidence' = {conf!r} is not one of ✅ 🟡 🔴.")
    s = {k: _as_str(raw.get(k), path, "profile", k) for k in
         ("id", "name_zh", "name_en", "description", "source_text", "clause", "origin", "notes")}
    sources = _sources(raw, path, "profile", required=False)
    return Profile(
        id=s["id"], name_zh=s["name_zh"], name_en=s["name_en"], description=s["description"], sources=sources,
        confidence=conf, denominator=denom, origin=s["origin"], composite_rule=rule,
        composite_all_within_s=all_within, indicators=tuple(inds), notes=s["notes"], path=str(path), extends=extends,
        source_text=s["source_text"], clause=s["clause"],
    )


def load_profile(name_or_path: str | Path | Profile) -> Profile:
    """Load and validate a built-in profile by name (``"cn-health-check"``) or a user TOML file by path.

    A user file may ``extends = "<built-in or path>"`` and override keys (see the module docstring).

    Raises
    ------
    LifecircleInputError
        Unknown profile name, unreadable TOML, unknown category, negative threshold, missing or unknown keys; the
        message names the file and the key.
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    path = _resolve(name_or_path)
    raw, extends = _load_raw(path)
    return validate_profile(raw, path, extends=extends)


# ----------------------------------------------------------------------------------------------------------------
# what the pipeline must compute


def effective_rule(profile: Profile, ind: Indicator, composite_rule: str | None = None) -> str:
    """The composite rule ``ind`` uses: its own ``rule``, else the call's ``composite_rule``, else the profile's."""
    if composite_rule is not None and composite_rule not in COMPOSITE_RULES:
        raise LifecircleInputError(
            f"composite_rule = {composite_rule!r} is not one of {', '.join(COMPOSITE_RULES)}."
        )
    return ind.rule or composite_rule or profile.composite_rule


def indicator_columns(profile: Profile, ind: Indicator, composite_rule: str | None = None) -> list[str]:
    """The per-category engine columns (``t_``/``d_``/``r_``) that indicator ``ind`` reads."""
    if ind.kind == "coverage":
        prefix = THRESHOLD_KINDS[ind.threshold_kind]
        return [f"{prefix}{c}" for c in ind.categories]
    cols: list[str] = []
    for e in ind.elements:
        el = profile.indicator(e)
        if ind.kind == "composite" and effective_rule(profile, ind, composite_rule) == "each_own_threshold":
            cols += indicator_columns(profile, el)
        elif ind.kind == "composite":  # all_within_15min reads walking times to the nearest facility
            cols += [time_column(c) for c in el.categories]
        else:  # f15 and gini read walking times to the nearest (or mean of the n nearest) facilities
            cols += [f"{ind.time_prefix}{c}" for c in el.categories]
    return list(dict.fromkeys(cols))


def required_columns(profile: Profile | str, denominator: str | None = None,
                     composite_rule: str | None = None) -> set[str]:
    """Columns of ``homes`` that :func:`~lifecircle.indicators.compute_indicators` needs for ``profile``.

    ``id``, ``population`` (people, weights and f15/gini), the denominator's column (``area_m2``,
    ``floor_area_m2`` or ``population``) and every ``t_<c>`` (seconds), ``d_<c>`` (metres) or ``r_<c>`` (metres)
    column its indicators read.
    """
    p = load_profile(profile)
    denom = denominator or p.denominator
    if denom not in DENOMINATORS:
        raise LifecircleInputError(f"denominator = {denom!r} is not one of {', '.join(DENOMINATORS)}.")
    cols = {"id", "population", DENOMINATORS[denom]}
    for ind in p.indicators:
        cols.update(indicator_columns(p, ind, composite_rule))
    return cols
