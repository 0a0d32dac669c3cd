"""The tables of a run: every indicator of every profile for the whole area and per sub-area, and their gap areas,
with the denominator chosen the same way for runs, scenarios, plans and monitoring."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from lifecircle.indicators.age import add_age_coverage
from lifecircle.indicators.coverage import compute_indicators
from lifecircle.indicators.gaps import GAP_INTEGER_COLUMNS, indicator_gaps
from lifecircle.indicators.profiles import Profile, load_profile


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


def indicator_table(homes: gpd.GeoDataFrame, profiles: Iterable[str | Profile], areas: str | None,
                    denominator: str | None = None, area_id_column: str = "id") -> pd.DataFrame:
    """Every indicator of every profile for the whole area and per sub-area (the rows of ``indicators.csv``).

    ``denominator`` None takes each profile's own, or population when the homes have no area
    (:func:`choose_denominator`), so runs, scenarios and monitoring compute the same rates. ``area_id_column`` names
    the id column of sub-area polygons (``--areas-id-column``). The age-group columns of
    :func:`lifecircle.indicators.age.add_age_coverage` follow the standard's columns.
    """
    denominator = choose_denominator(homes, denominator)[0]
    loaded = [load_profile(p) for p in profiles]
    table = pd.concat([compute_indicators(homes, p, areas=areas, denominator=denominator, area_id_column=area_id_column)
                       for p in loaded], ignore_index=True)
    return add_age_coverage(table, homes, loaded, areas, area_id_column)


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
