"""Vocabularies of the monitoring tables: project statuses, coordinate systems, directions.

Each maps what users write (ids, Chinese or English names, common synonyms) to one stable id. The statuses come
from ``data/project_status.csv``; facility categories are those of the catalogue
(:func:`lifecircle.points.categories.to_category`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lifecircle.points.categories import category_key as _key


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("lifecircle").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class ProjectStatus:
    """A project status of ``project_status.csv``; ``done`` is true for completed projects."""

    id: str
    name_en: str
    name_zh: str
    done: bool


@cache
def statuses() -> dict[str, ProjectStatus]:
    """Status id → status, in file order."""
    return {r["id"]: ProjectStatus(r["id"], r["name_en"], r["name_zh"], r["done"] == "yes")
            for r in _data_rows("project_status.csv")}


@cache
def _status_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in _data_rows("project_status.csv"):
        for alias in [r["id"], r["name_en"], r["name_zh"], *r["aliases"].split("|")]:
            out.setdefault(_key(alias), r["id"])
    return out


def to_status(text: str) -> str | None:
    """The status id ``text`` names (planned, under_construction, completed, cancelled), or None."""
    return _status_lookup().get(_key(text))


#: Statuses whose projects are never late (done, or taken off the list).
CLOSED_STATUSES = ("completed", "cancelled")

_COORDS = {
    "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "epsg4326": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02", "高德": "gcj02", "腾讯": "gcj02",
    "火星坐标": "gcj02",
    "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}


def to_coords(text: str) -> str | None:
    """wgs84, gcj02 or bd09 for what ``text`` names (``WGS-84``, ``GCJ-02``, ``高德``, ``百度``...), or None."""
    return _COORDS.get(_key(text).replace(":", ""))


_DIRECTIONS = {
    "atleast": "at_least", ">=": "at_least", "≥": "at_least", "min": "at_least", "不低于": "at_least",
    "不少于": "at_least", "达到": "at_least", "大于等于": "at_least",
    "atmost": "at_most", "<=": "at_most", "≤": "at_most", "max": "at_most", "不高于": "at_most",
    "不超过": "at_most", "不大于": "at_most", "小于等于": "at_most",
}


def to_direction(text: str) -> str | None:
    """at_least or at_most for what ``text`` names (``>=``, ``不低于``, ``<=``, ``不超过``...), or None."""
    return _DIRECTIONS.get(_key(text))
