"""The facility category catalogue: stable ids with their Chinese and English names (``data/categories.csv``),
and what users write for them (``data/category_aliases.csv``).

:func:`to_category` maps what a planner writes in a table to one category id: the id (``fresh_market``), the whole
Chinese or English name (``菜市场/生鲜超市``, ``Fresh market``), each part of a name split at '/'
(``菜市场``, ``生鲜超市``), or a common synonym listed in ``data/category_aliases.csv`` (``农贸市场``, ``托育``,
``养老院``). Text is compared after Unicode NFKC folding (full-width letters and brackets), lower-casing and
removing spaces, '_' and '-'.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources


@dataclass(frozen=True)
class Category:
    """A facility category: its stable id (``kindergarten``, ``elderly_care``...) and bilingual name."""

    id: str
    name_zh: str
    name_en: str


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("lifecircle").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def category_catalogue() -> dict[str, Category]:
    """Every category of ``data/categories.csv`` by id, in file order."""
    return {r["id"]: Category(r["id"], r["name_zh"], r["name_en"]) for r in _data_rows("categories.csv")}


def known_categories() -> tuple[str, ...]:
    """The stable facility category ids, in file order."""
    return tuple(category_catalogue())


def category_key(text: str) -> str:
    """``text`` as compared by :func:`to_category`: NFKC-folded, lower case, without spaces, '_' and '-'."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return t.replace(" ", "").replace("_", "").replace("-", "")


def _names(name: str) -> list[str]:
    """A name and each of its parts split at '/' (``菜市场/生鲜超市`` → itself, ``菜市场``, ``生鲜超市``)."""
    parts = [p.strip() for p in name.split("/")]
    return [name, *(p for p in parts if p)]


@cache
def category_aliases() -> dict[str, tuple[str, ...]]:
    """Category id → the synonyms of ``data/category_aliases.csv`` (beyond the ids and names), in file order."""
    known = category_catalogue()
    out: dict[str, list[str]] = {}
    for r in _data_rows("category_aliases.csv"):
        if r["category"] not in known:
            raise ValueError(f"category_aliases.csv names the unknown category '{r['category']}'")
        out.setdefault(r["category"], []).append(r["alias"])
    return {k: tuple(v) for k, v in out.items()}


@cache
def category_lookup() -> dict[str, str]:
    """Compared text (:func:`category_key`) of every id, name, name part and alias → category id.

    Ids and names come first, so an alias never takes over a name of another category.
    """
    out: dict[str, str] = {}
    cats = category_catalogue().values()
    for c in cats:
        for text in [c.id, *_names(c.name_zh), *_names(c.name_en)]:
            out.setdefault(category_key(text), c.id)
    for cid, aliases in category_aliases().items():
        for text in aliases:
            out.setdefault(category_key(text), cid)
    return out


def to_category(text: str) -> str | None:
    """The category id ``text`` names (an id, a Chinese or English name or part of one, an alias), or None."""
    return category_lookup().get(category_key(text))


def category_choices(lang: str = "both") -> str:
    """The categories as a user may write them, for messages: ``幼儿园 (kindergarten), 小学 (primary_school), ...``
    (``lang='zh'``: Chinese names only; ``'en'``: ids only)."""
    cats = category_catalogue().values()
    if lang == "zh":
        return "、".join(c.name_zh for c in cats)
    if lang == "en":
        return ", ".join(c.id for c in cats)
    return ", ".join(f"{c.name_zh} ({c.id})" for c in cats)
