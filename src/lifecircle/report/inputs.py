"""Read a results folder (schema: ``docs/outputs.md``, issue 5) into the frames the report draws.

Required files: ``run.json``, ``indicators.csv``, ``homes.parquet``, ``facilities.parquet`` and
``network_edges.parquet``. Optional: ``areas.parquet`` (sub-area polygons), ``gaps.parquet`` (gap polygons) and the
plans of ``lifecircle plan`` (``plan*/sites.parquet`` with ``plan.json`` beside it, or ``plan_*.parquet`` site
layers in the folder itself). A missing required file or column raises :class:`~lifecircle.errors.LifecircleInputError` naming it.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lifecircle.errors import LifecircleInputError

#: Files the report cannot do without.
REQUIRED_FILES = ("run.json", "indicators.csv", "homes.parquet", "facilities.parquet", "network_edges.parquet")
#: Files drawn when present.
OPTIONAL_FILES = ("areas.parquet", "gaps.parquet")

#: Columns each required table must have (besides ``geometry`` for the layers).
REQUIRED_COLUMNS = {
    "indicators.csv": ("profile", "indicator", "area", "value", "numerator", "denominator", "threshold",
                       "threshold_kind", "source"),
    "homes.parquet": ("id", "population"),
    "facilities.parquet": ("id", "category"),
    "network_edges.parquet": ("u", "v", "length_m"),
}

#: Prefix of the per-category walking-time columns of ``homes.parquet`` (seconds, +inf when unreachable).
TIME_PREFIX = "t_"


@dataclass(frozen=True)
class Category:
    """A facility category id with its bilingual name (``src/lifecircle/data/categories.csv``)."""

    id: str
    name_zh: str
    name_en: str


@dataclass
class PlanSites:
    """New facility sites proposed by ``lifecircle plan`` (:mod:`lifecircle.planning.plan`).

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
        ``run.json`` as a dict (inputs with SHA-256, parameters, CRS, versions, step timings, attribution).
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
    run: dict[str, Any]
    crs: str
    edges: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    homes: gpd.GeoDataFrame
    indicators: pd.DataFrame
    categories: list[Category]
    areas: gpd.GeoDataFrame | None = None
    gaps: gpd.GeoDataFrame | None = None
    plans: list[PlanSites] = field(default_factory=list)


def known_categories() -> dict[str, Category]:
    """The stable category ids with their Chinese and English names, in file order."""
    text = resources.files("lifecircle").joinpath("data", "categories.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {r["id"]: Category(r["id"], r["name_zh"], r["name_en"]) for r in rows}


def read_results(results_dir: str | Path) -> ReportInputs:
    """Read the results folder ``results_dir`` for the report.

    Raises
    ------
    LifecircleInputError
        When the folder, a required file or a required column is missing, or a layer has no CRS.
    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise LifecircleInputError(
            f"'{folder}' is not a results folder. Give the --out folder of a 'lifecircle assess' or 'lifecircle demo' run."
        )
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise LifecircleInputError(
            f"The results folder '{folder}' has no {', '.join(missing)}: the report needs "
            f"{'it' if len(missing) == 1 else 'them'}. "
            "Run 'lifecircle assess ... --out FOLDER' (or 'lifecircle demo') again to write a complete results folder."
        )
    run = _read_run(folder / "run.json")
    indicators = _read_indicators(folder / "indicators.csv")
    crs_hint = run.get("crs") if isinstance(run.get("crs"), str) else None
    homes = _read_layer(folder / "homes.parquet", crs_hint)
    facilities = _read_layer(folder / "facilities.parquet", crs_hint)
    edges = _read_layer(folder / "network_edges.parquet", crs_hint)
    crs = crs_hint or str(homes.crs)
    areas = _read_layer(folder / "areas.parquet", crs) if (folder / "areas.parquet").is_file() else None
    gaps = _read_layer(folder / "gaps.parquet", crs) if (folder / "gaps.parquet").is_file() else None
    return ReportInputs(
        results_dir=folder,
        run=run,
        crs=crs,
        edges=edges,
        facilities=facilities,
        homes=homes,
        indicators=indicators,
        categories=_time_categories(homes),
        areas=areas,
        gaps=gaps,
        plans=read_plans(folder, crs),
    )


def read_plans(folder: Path, crs: str) -> list[PlanSites]:
    """The plans of ``lifecircle plan`` in a results folder: every ``plan*/sites.parquet`` (its ``plan.json``
    beside it) and every ``plan_*.parquet`` site layer; unreadable ones are skipped (a plan is optional)."""
    found = [(p.parent.name, p, p.parent / "plan.json") for p in sorted(folder.glob("plan*/sites.parquet"))]
    found += [(p.stem, p, None) for p in sorted(folder.glob("plan_*.parquet"))]
    plans = []
    for name, path, info_path in found:
        try:
            sites = _read_layer(path, crs)
            info = json.loads(info_path.read_text(encoding="utf-8")) if info_path and info_path.is_file() else {}
        except (LifecircleInputError, OSError, ValueError):
            continue
        if "newly_covered" not in sites.columns:
            continue
        if "order" not in sites.columns:
            sites = sites.assign(order=range(1, len(sites) + 1))
        plans.append(PlanSites(name=name, sites=sites, info=info if isinstance(info, dict) else {}))
    return plans


def _read_run(path: Path) -> dict[str, Any]:
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LifecircleInputError(f"{path} is not valid JSON ({exc}); rerun the assessment to rewrite it.") from exc
    if not isinstance(run, dict):
        raise LifecircleInputError(f"{path} must hold a JSON object (the run's parameters), not {type(run).__name__}.")
    return run


def _read_indicators(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype={"area": str, "profile": str, "indicator": str})
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise LifecircleInputError(f"{path} is not a readable CSV table ({exc}); rerun the assessment.") from exc
    _require_columns(df, "indicators.csv", path)
    for col in ("value", "numerator", "denominator", "threshold", "target"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def _read_layer(path: Path, crs_hint: str | None) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_parquet(path)
    except (ValueError, OSError) as exc:
        raise LifecircleInputError(
            f"{path} is not a GeoParquet layer ({exc}); rerun the assessment to rewrite the results folder."
        ) from exc
    if gdf.crs is None:
        if crs_hint is None:
            raise LifecircleInputError(f"{path} has no CRS and run.json names none: add \"crs\" to run.json.")
        gdf = gdf.set_crs(crs_hint)
    elif crs_hint is not None and gdf.crs != crs_hint:
        gdf = gdf.to_crs(crs_hint)
    _require_columns(gdf, path.name, path)
    return gdf


def _require_columns(df: pd.DataFrame, name: str, path: Path) -> None:
    needed = REQUIRED_COLUMNS.get(name, ())
    absent = [c for c in needed if c not in df.columns]
    if absent:
        raise LifecircleInputError(
            f"{path} lacks the column(s) {', '.join(absent)} that the report needs "
            f"(schema: docs/outputs.md); rerun the assessment to rewrite it."
        )


def _time_categories(homes: pd.DataFrame) -> list[Category]:
    known = known_categories()
    present = [c[len(TIME_PREFIX):] for c in homes.columns if c.startswith(TIME_PREFIX)]
    order = {cid: i for i, cid in enumerate(known)}
    present.sort(key=lambda cid: (order.get(cid, math.inf), cid))
    return [known.get(cid, Category(cid, cid, cid)) for cid in present]
