"""The facility category catalogue: stable ids with their Chinese and English names (``data/categories.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Category:
    """A facility category: its stable id (``kindergarten``, ``elderly_care``...) and bilingual name."""

    id: str
    name_zh: str
    name_en: str


@lru_cache(maxsize=1)
def category_catalogue() -> dict[str, Category]:
    """Every category of ``data/categories.csv`` by id, in file order."""
    text = resources.files("lifecircle").joinpath("data", "categories.csv").read_text(encoding="utf-8")
    return {r["id"]: Category(r["id"], r["name_zh"], r["name_en"]) for r in csv.DictReader(text.splitlines())}


def known_categories() -> tuple[str, ...]:
    """The stable facility category ids, in file order."""
    return tuple(category_catalogue())
