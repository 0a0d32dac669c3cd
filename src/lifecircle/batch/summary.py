"""The cross-area summary of a batch: ``summary.csv`` and ``summary.gpkg`` (one row per area per indicator) and
``report.html`` (per indicator a ranking of the areas with the targets, a choropleth map, links to each area's own
report). Every area is read through :class:`lifecircle.results.ResultsFolder`; only each area's whole-area row
(``area = ALL``) of its ``indicators.csv`` enters the summary.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.atomic import write_atomic, write_text_atomic
from lifecircle.batch.areas import Areas
from lifecircle.batch.halo import Halo
from lifecircle.batch.task import AREAS_DIR, AreaTask
from lifecircle.indicators.areas import ALL_AREAS
from lifecircle.results import ResultsFolder

SUMMARY_CSV = "summary.csv"
SUMMARY_GPKG = "summary.gpkg"
REPORT_HTML = "report.html"
#: Columns of ``summary.csv``, in order.
SUMMARY_COLUMNS = ("area_id", "name", "profile", "indicator", "name_en", "name_zh", "value", "unit", "numerator",
                   "denominator", "threshold", "threshold_kind", "rank", "areas_ranked", "target", "target_direction",
                   "meets_target", "exact", "report")


def summary_table(batch_dir: Path, areas: Areas, finished: Sequence[AreaTask], halo: Halo,
                  targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per finished area per indicator (columns :data:`SUMMARY_COLUMNS`); ``rank`` 1 is the highest value
    among the areas (for Gini, the lowest); ``exact`` is False for indicators no halo makes exact."""
    names = dict(zip(areas.frame["area_id"], areas.frame["name"], strict=True))
    parts = []
    for t in finished:
        table = ResultsFolder(batch_dir / AREAS_DIR / t.area_id).indicators()
        whole = table.loc[table["area"].astype(str) == ALL_AREAS].copy()
        whole.insert(0, "area_id", t.area_id)
        whole.insert(1, "name", names.get(t.area_id, t.area_id))
        whole["report"] = f"{AREAS_DIR}/{t.area_id}/report.html"
        parts.append(whole)
    if not parts:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    inexact = set(halo.inexact)
    out["exact"] = [f"{p}/{i}" not in inexact for p, i in zip(out["profile"], out["indicator"], strict=True)]
    lower_better = out["kind"].astype(str).eq("gini") if "kind" in out else pd.Series(False, index=out.index)
    key = np.where(lower_better, out["value"], -out["value"])
    out["rank"] = pd.Series(key, index=out.index).groupby([out["profile"], out["indicator"]]).rank(method="min").astype("Int64")
    out["areas_ranked"] = out.groupby(["profile", "indicator"])["value"].transform("count")
    out["target"], out["target_direction"] = np.nan, ""
    if targets is not None and len(targets):
        _attach_targets(out, targets)
    meets = np.where(out["target_direction"] == "at_least", out["value"] >= out["target"],
                     np.where(out["target_direction"] == "at_most", out["value"] <= out["target"], False))
    out["meets_target"] = pd.array(np.where(out["target"].notna(), meets, pd.NA), dtype="boolean")
    for c in SUMMARY_COLUMNS:
        if c not in out:
            out[c] = np.nan
    return out[list(SUMMARY_COLUMNS)]


def _attach_targets(out: pd.DataFrame, targets: pd.DataFrame) -> None:
    """The latest target of each (profile, indicator) for the area itself, else for ``ALL``."""
    t = targets.sort_values("due_date") if "due_date" in targets else targets
    latest = t.groupby(["indicator", "area"], sort=False).tail(1)
    for i, row in out.iterrows():
        for area in (row["area_id"], ALL_AREAS):
            hit = latest[(latest["indicator"] == row["indicator"]) & (latest["area"] == area)
                         & (latest["profile"].fillna(row["profile"]).replace("", row["profile"]) == row["profile"])]
            if len(hit):
                out.at[i, "target"] = float(hit["value"].iloc[-1])
                out.at[i, "target_direction"] = str(hit["direction"].iloc[-1])
                break


def write_summary(batch_dir: Path, areas: Areas, finished: Sequence[AreaTask], halo: Halo,
                  targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write ``summary.csv``, ``summary.gpkg`` and ``report.html`` into ``batch_dir`` (each atomically)."""
    table = summary_table(batch_dir, areas, finished, halo, targets)
    write_atomic(batch_dir / SUMMARY_CSV, lambda p: table.to_csv(p, index=False))
    geo = gpd.GeoDataFrame(table.merge(areas.frame[["area_id", "geometry"]], on="area_id", how="left"),
                           geometry="geometry", crs=areas.frame.crs)
    if len(geo):
        geo = geo.assign(meets_target=geo["meets_target"].astype("object"), rank=geo["rank"].astype("float64"))
        write_atomic(batch_dir / SUMMARY_GPKG, lambda p: geo.to_file(p, layer="summary", driver="GPKG"))
    write_text_atomic(report_html(table, areas, halo), batch_dir / REPORT_HTML)
    return table


def _svg_paths(areas: Areas, width: float = 420.0) -> tuple[dict[str, str], float]:
    metric = areas.metric()
    x0, y0, x1, y1 = metric.total_bounds
    scale = width / max(x1 - x0, y1 - y0, 1.0)
    height = (y1 - y0) * scale
    paths = {}
    for aid, geom in zip(metric["area_id"], metric.geometry, strict=True):
        d = []
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                pts = " L".join(f"{(x - x0) * scale:.1f},{(y1 - y) * scale:.1f}" for x, y in xy[:, :2])
                d.append(f"M{pts} Z")
        paths[str(aid)] = " ".join(d)
    return paths, height


def _colour(value: float, lo: float, hi: float) -> str:
    if value is None or not math.isfinite(value):
        return "#dddddd"
    f = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    r, g, b = (int(247 + f * (0 - 247)), int(252 + f * (109 - 252)), int(245 + f * (44 - 245)))
    return f"#{r:02x}{g:02x}{b:02x}"


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.1f} %" if unit == "share" else f"{value:,.3f}"


def report_html(table: pd.DataFrame, areas: Areas, halo: Halo) -> str:
    """The batch report: per indicator a choropleth and a ranking table, self-contained (no network access)."""
    paths, height = _svg_paths(areas)
    e = html.escape
    sections = []
    for (prof, ind), rows in table.groupby(["profile", "indicator"], sort=False):
        rows = rows.sort_values("rank")
        unit = str(rows["unit"].iloc[0])
        vals = rows["value"].astype(float)
        lo, hi = (0.0, 1.0) if unit == "share" else (float(np.nanmin(vals)), float(np.nanmax(vals)))
        by_area = dict(zip(rows["area_id"], vals, strict=True))
        shapes = "".join(
            f'<path d="{d}" fill="{_colour(by_area.get(aid, math.nan), lo, hi)}" stroke="#555" stroke-width="0.6">'
            f"<title>{e(aid)}: {_fmt(by_area.get(aid), unit)}</title></path>" for aid, d in paths.items())
        body = "".join(
            f"<tr><td>{r['rank']}</td><td><a href=\"{e(str(r['report']))}\">{e(str(r['name']))}</a></td>"
            f"<td>{e(str(r['area_id']))}</td><td class=n>{_fmt(r['value'], unit)}</td>"
            f"<td class=n>{_fmt(r['target'], unit) if pd.notna(r['target']) else ''}</td>"
            f"<td>{'' if pd.isna(r['meets_target']) else ('✔' if r['meets_target'] else '✘')}</td></tr>"
            for _, r in rows.iterrows())
        note = "" if bool(rows["exact"].all()) else "<p class=warn>Computed from walking times capped at the halo's limit: not exact across area borders.</p>"
        title = f"{rows['name_zh'].iloc[0]} · {rows['name_en'].iloc[0]}"
        sections.append(
            f"<section><h2>{e(str(title))}</h2><p class=meta>{e(str(prof))} / {e(str(ind))}</p>{note}"
            f"<div class=row><svg viewBox=\"0 0 420 {height:.0f}\" width=420 height={height:.0f}>{shapes}</svg>"
            f"<table><tr><th>Rank</th><th>Area</th><th>Id</th><th>Value</th><th>Target</th><th>Met</th></tr>{body}</table>"
            "</div></section>")
    limits = ", ".join(f"{k} ≤ {v:g}" for k, v in halo.limits.items())
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>lifecircle batch · 批量体检</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}} section{{margin-bottom:2.5em}} .row{{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}}
table{{border-collapse:collapse}} td,th{{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}} .n{{text-align:right}}
.meta{{color:#666;font-size:90%}} .warn{{color:#a50}}</style></head><body>
<h1>15分钟社区生活圈 · cross-area summary</h1>
<p>{len(set(table['area_id']))} of {len(areas.frame)} areas. Each area's homes only; walking times exact up to {e(limits)}
(halo {halo.width_m:,.0f} m). Maps: darker = higher. © OpenStreetMap contributors (ODbL 1.0).</p>
{''.join(sections)}</body></html>"""
