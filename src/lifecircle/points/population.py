"""Population by age group: census counts by 社区/街道 (or a grid) with age-group columns, spread over the homes.

The 7th census (第七次全国人口普查) and district statistics give people per 社区 with age groups; a facility serves
one of them (kindergarten 3-5, primary school 6-11, middle school 12-14, elderly care 60+ or 65+). Each group column
is spread over the homes exactly as the total is (:func:`lifecircle.points.homes.population_from_grid`: shares by
floor area, or land area for land parcels), into a column :func:`age_column` names (``age_3_5``, ``age_60plus``).

Age-group columns are named by the user (``{"60+": "老年人口"}``) or recognised (:func:`detect_age_columns`):
``age_3_5``, ``pop_6_11``, ``3-5岁``, ``12至14岁``, ``60岁及以上``, ``age_65plus``, ``age65p``...
"""

from __future__ import annotations

import re

import geopandas as gpd

from lifecircle.errors import LifecircleInputError
from lifecircle.points.homes import population_from_grid

#: Age groups (years) a population layer may give, as the profiles name them.
AGE_GROUPS = ("0-2", "3-5", "6-11", "12-14", "60+", "65+")
_RANGE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:-|_|~|至|到|—)\s*(\d{1,2})(?!\d)")
_PLUS = re.compile(r"(?<!\d)(60|65)\s*(?:\+|p(?![a-z])|plus|岁及以上|岁以上|及以上|以上|_?over)", re.IGNORECASE)


def age_column(group: str) -> str:
    """The homes column of people in ``group``: ``3-5`` → ``age_3_5``, ``60+`` → ``age_60plus``."""
    if group not in AGE_GROUPS:
        raise LifecircleInputError(f"Unknown age group '{group}'; the groups are {', '.join(AGE_GROUPS)}.")
    return "age_" + group.replace("-", "_").replace("+", "plus")


def parse_age_columns(specs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("60+=老年人口", "3-5=age3to5")`` → ``{"60+": "老年人口", "3-5": "age3to5"}``; a clear error otherwise."""
    out: dict[str, str] = {}
    for spec in specs:
        group, sep, column = str(spec).partition("=")
        group, column = group.strip(), column.strip()
        if not sep or not column or group not in AGE_GROUPS:
            raise LifecircleInputError(
                f"--age-column '{spec}' is not GROUP=COLUMN with GROUP one of {', '.join(AGE_GROUPS)} (e.g. 60+=老年人口).")
        out[group] = column
    return out


def detect_age_columns(columns) -> dict[str, str]:
    """Age-group columns recognised by name (see the module docstring); the first column per group wins."""
    out: dict[str, str] = {}
    for c in columns:
        name = str(c)
        m = _RANGE.search(name)
        group = f"{int(m.group(1))}-{int(m.group(2))}" if m else None
        if group is None:
            p = _PLUS.search(name)
            group = f"{p.group(1)}+" if p else None
        if group in AGE_GROUPS and group not in out:
            out[group] = name
    return out


def spread_age_groups(homes: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, groups: dict[str, str],
                      default_levels: float | None = None) -> gpd.GeoDataFrame:
    """Add one column of people per age group (:func:`age_column`) to ``homes``, each group's counts of ``layer``
    spread as the total is. ``homes["age_groups"]`` is not added; ``attrs["age_groups"]`` lists the groups and
    ``attrs["age_population"]`` the people assigned per group."""
    missing = [c for c in groups.values() if c not in layer.columns]
    if missing:
        raise LifecircleInputError(
            f"The population layer has no column(s) {', '.join(missing)} for the age groups; its columns are {list(layer.columns)}.")
    out = homes.copy()
    assigned: dict[str, float] = {}
    for group, column in groups.items():
        spread = population_from_grid(homes, layer, grid_column=column, default_levels=default_levels)
        out[age_column(group)] = spread["population"].to_numpy()
        assigned[group] = float(spread["population"].sum())
    out.attrs.update(homes.attrs)
    out.attrs["age_groups"] = dict(groups)
    out.attrs["age_population"] = assigned
    return out
