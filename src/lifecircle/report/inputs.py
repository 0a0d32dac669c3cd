"""The frames the report draws, read from a results folder through :class:`~lifecircle.results.ResultsFolder`.

Required files: ``run.json``, ``indicators.csv``, ``homes.parquet``, ``facilities.parquet`` and
``network_edges.parquet``. Optional: ``areas.parquet`` (sub-area polygons), ``gaps.parquet`` (gap polygons) and the
plans of ``lifecircle plan`` (``plan*/sites.parquet`` with ``plan.json`` beside it, or ``plan_*.parquet`` site
layers in the folder itself).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lifecircle.points.categories import Category, category_catalogue
from lifecircle.results.columns import TIME_PREFIX, categories_in
from lifecircle.results.folder import FOR_REPORT, ResultsFolder, RunRecord


@dataclass
class PlanSites:
    """New facility sites proposed by ``lifecircle plan`` (:mod:`lifecircle.jobs.plan`).

    Attributes
    ----------
    name
        The plan folder's (or file's) name, e.g. ``plan-elderly_care``.
    sites
        The chosen sites in the run's CRS: ``order``, ``newly_covered`` (people) and, when written by
        ``lifecircle plan``, ``site_id``, ``candidate_id``, ``category``.
    info
        ``plan.json`` (problem, objective, bound, gap, method, status...), empty when absent.
    """

    name: str
    sites: gpd.GeoDataFrame
    info: dict[str, Any]


@dataclass
class ReportInputs:
    """The content of one results folder, as the report needs it.

    Attributes
    ----------
    results_dir
        The folder read.
    run
        ``run.json`` (:class:`~lifecircle.results.folder.RunRecord`).
    crs
        The run's metric CRS (``run.json`` ``crs``, else the layers' GeoParquet CRS).
    edges, facilities, homes
        GeoDataFrames in ``crs``. ``homes`` has ``t_<c>`` walking times in seconds (+inf unreachable).
    indicators
        ``indicators.csv`` (one row per profile × indicator × area; ``value`` 0–1 for coverage rates).
    categories
        The categories with a ``t_<c>`` column in ``homes``, in the order of ``categories.csv`` (unknown ids last).
    areas, gaps
        Optional polygon layers, or None.
    plans
        The plans of ``lifecircle plan`` found in the folder (:class:`PlanSites`), in name order.
    """

    results_dir: Path
    run: RunRecord
    crs: str
    edges: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    homes: gpd.GeoDataFrame
    indicators: pd.DataFrame
    categories: list[Category]
    areas: gpd.GeoDataFrame | None = None
    gaps: gpd.GeoDataFrame | None = None
    plans: list[PlanSites] = field(default_factory=list)


def read_results(results_dir: str | Path | ResultsFolder) -> ReportInputs:
    """Read the results folder ``results_dir`` for the report.

    Raises
    ------
    LifecircleInputError
        When the folder, a required file or a required column is missing, a file is damaged, or a layer has no CRS.
    """
    folder = results_dir if isinstance(results_dir, ResultsFolder) else ResultsFolder(results_dir, need=FOR_REPORT)
    homes = folder.homes()
    crs = folder.crs or str(homes.crs)
    return ReportInputs(
        results_dir=folder.path,
        run=folder.run,
        crs=crs,
        edges=folder.edges(),
        facilities=folder.facilities(),
        homes=homes,
        indicators=folder.indicators(),
        categories=_time_categories(homes),
        areas=folder.areas(),
        gaps=folder.gaps(),
        plans=read_plans(folder.path, crs),
    )


def read_plans(folder: Path, crs: str) -> list[PlanSites]:
    """The plans of ``lifecircle plan`` in a results folder: every ``plan*/sites.parquet`` (its ``plan.json``
    beside it) and every ``plan_*.parquet`` site layer; unreadable ones are skipped (a plan is optional)."""
    found: list[tuple[str, Path, Path | None]] = [
        (p.parent.name, p, p.parent / "plan.json") for p in sorted(folder.glob("plan*/sites.parquet"))]
    found += [(p.stem, p, None) for p in sorted(folder.glob("plan_*.parquet"))]
    plans = []
    for name, path, info_path in found:
        try:
            sites = gpd.read_parquet(path)
            sites = sites.set_crs(crs) if sites.crs is None else sites.to_crs(crs)
            info = json.loads(info_path.read_text(encoding="utf-8")) if info_path and info_path.is_file() else {}
        except Exception:  # a damaged or foreign plan is left out: plans are optional
            continue
        if "newly_covered" not in sites.columns:
            continue
        if "order" not in sites.columns:
            sites = sites.assign(order=range(1, len(sites) + 1))
        plans.append(PlanSites(name=name, sites=sites, info=info if isinstance(info, dict) else {}))
    return plans


def _time_categories(homes: pd.DataFrame) -> list[Category]:
    known = category_catalogue()
    present = categories_in(homes.columns, TIME_PREFIX)
    order = {cid: i for i, cid in enumerate(known)}
    present.sort(key=lambda cid: (order.get(cid, math.inf), cid))
    return [known.get(cid, Category(cid, cid, cid)) for cid in present]
