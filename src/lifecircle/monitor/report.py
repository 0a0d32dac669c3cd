"""The monitoring section as one self-contained HTML page (``lifecircle monitor report --out DIR``).

The page uses the main report's style sheet, Leaflet build and bilingual helpers (:mod:`lifecircle.report`), so it
looks like ``report.html`` and works offline the same way: a header link to the latest run's ``report.html``,
indicator histories against targets (inline SVG; runs labelled by data date, targets by year or quarter), a map of
the projects coloured by status over the latest run's walking network (Leaflet, vector layers only, no tiles), a
table per responsible unit of projects done and late with the coverage each delivered (the stored attribution,
:mod:`lifecircle.monitor.attribution`), per indicator the reconciliation of the measured change and the per-project
gains, the "everything on the list built" scenario and the late projects. Chinese and English are
both in the page; the switch in the header flips between them. The file is written under a temporary name and
renamed, so an interrupted build leaves no half-written page.
"""

from __future__ import annotations

import math
import os
from datetime import date, datetime
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from lifecircle.atomic import write_text_atomic
from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.attribution import (
    JOINT_REMAINDER,
    PART_JOINT,
    PART_MEASURED,
    PART_OTHER,
    planned_values,
    project_gains,
    reconciliation,
    stored_attribution,
    unit_gains,
)
from lifecircle.monitor.status import gap_text, late_projects, project_states, target_status, unit_status
from lifecircle.monitor.store import MonitorStore
from lifecircle.points.categories import category_catalogue
from lifecircle.report.assets import leaflet_css, script_json, template_text, vendor_text
from lifecircle.report.build import REPORT_NAME
from lifecircle.report.charts import COLOR_MET, COLOR_NO_TARGET, COLOR_UNMET
from lifecircle.report.i18n import LANGUAGES, bilingual_html, label
from lifecircle.report.mapdata import COORD_SCALE, network_layer
from lifecircle.results.folder import ResultsFolder

#: Name of the page written into ``--out``.
MONITORING_REPORT_NAME = "monitoring.html"

#: Map colours of the project states (ColorBrewer Set1-like, told apart by hue and lightness); keys are the
#: ``state`` of :func:`lifecircle.monitor.status.project_states`.
STATE_COLORS = {"done": "#1a9850", "done_late": "#91cf60", "late": "#d7191c", "in_progress": "#2c7bb6",
                "not_due": "#abd9e9", "cancelled": "#8c8c8c"}

#: Labels of the monitoring page, (zh, en).
STRINGS: dict[str, tuple[str, str]] = {
    "title": ("规划实施监测", "Plan implementation monitoring"),
    "as_of": ("评估基准日", "As of"),
    "runs": ("已记录评估", "Recorded runs"),
    "latest_data": ("最新数据日期", "Latest data"),
    "targets": ("目标完成情况", "Targets"),
    "history": ("指标变化与目标", "Indicator history against targets"),
    "history_note": ("折线：各次评估的全区数值，横轴下方标注各次评估的数据日期；菱形：目标值，上方标注其年度或季度，"
                     "位于其期限日。",
                     "Line: the whole-area value of each recorded run, labelled under the axis with the run's data "
                     "date; diamond: a target at its due date, labelled with its year or quarter."),
    "col_period": ("期限", "Period"),
    "col_latest": ("最新值", "Latest"),
    "col_data_date": ("数据日期", "Data date"),
    "col_gap": ("差距", "Gap"),
    "state_met": ("达标", "met"),
    "state_open": ("未到期", "open"),
    "state_missed": ("未完成", "missed"),
    "state_no data": ("无数据", "no data"),
    "projects_map": ("项目分布（按状态）", "Projects by status"),
    "map_network_note": ("浅灰线：最近一次评估（评估 {r}）的步行网络。", "Light grey lines: the walking network of the "
                         "latest run (run {r})."),
    "s_done": ("已完成", "done"),
    "s_done_late": ("逾期完成", "done late"),
    "s_late": ("逾期未完成", "late"),
    "s_in_progress": ("在建", "under construction"),
    "s_not_due": ("未到期", "not yet due"),
    "s_cancelled": ("已取消", "cancelled"),
    "units": ("责任单位", "Responsible units"),
    "col_unit": ("责任单位", "Responsible unit"),
    "col_projects": ("项目数", "Projects"),
    "col_done": ("已完成", "Done"),
    "col_done_late": ("其中逾期", "of which late"),
    "col_late": ("逾期", "Late"),
    "col_not_due": ("未到期", "Not yet due"),
    "col_cancelled": ("已取消", "Cancelled"),
    "col_delivered": ("贡献的覆盖率", "Coverage delivered"),
    "attribution": ("项目贡献", "What each project delivered"),
    "attribution_note": (
        "在后一次评估的网络上，逐个去掉项目计算覆盖率损失（留一法）；多个项目共同覆盖、无法归于单个项目的部分列为“共同”。"
        "各部分之和等于全部项目带来的变化。单位：百分点。",
        "On the later run's network, each project's gain is the coverage lost without it (leave-one-out); what "
        "overlapping projects cover together and no single one can claim is the joint part. The parts sum to the "
        "change of all of them. Unit: percentage points."),
    "between_runs": ("评估 {a}（{da}）至评估 {b}（{db}）之间完成的项目", "Projects completed between run {a} ({da}) and "
                     "run {b} ({db})"),
    "no_attribution": ("尚未计算：运行 lifecircle monitor attribute。",
                       "Not computed yet: run lifecircle monitor attribute."),
    "no_attribution_one_run": (
        "尚未计算：项目贡献需比较两次评估，目前只记录了 {n} 次。请在清单项目建成后再记录一次评估"
        "（lifecircle monitor record 结果目录 --attribute）。",
        "Not computed yet: attribution compares two recorded runs and {n} is recorded. Record a second run after "
        "projects on the list are completed (lifecircle monitor record RESULTS_DIR --attribute)."),
    "reconciliation": ("实测变化的构成", "What the measured change is made of"),
    "reconciliation_note": (
        "各责任单位项目的贡献 + 共同部分 + 非清单项目引起的变化 = 两次评估之间的实测变化。",
        "Units' projects + joint part + change not due to listed projects = the change measured between the two "
        "runs."),
    "other": ("非清单项目引起的变化（数据中新增或消失的设施、路网与住宅的变化）",
              "Change not due to listed projects (facilities that appeared in or vanished from the data, network and "
              "homes)"),
    "measured_total": ("= 实测变化", "= measured change"),
    "col_part": ("组成", "Part"),
    "col_change": ("变化", "Change"),
    "project_gains": ("各项目的贡献", "Each project's gain"),
    "report_link": ("评估报告", "Assessment report"),
    "runs_section": ("已记录的评估", "Recorded runs"),
    "col_run": ("评估", "Run"),
    "col_folder": ("结果目录", "Results folder"),
    "col_report": ("报告", "Report"),
    "no_report": ("（目录中无 report.html）", "(no report.html in the folder)"),
    "col_project": ("项目", "Project"),
    "col_category": ("类别", "Category"),
    "col_gain": ("贡献", "Gain"),
    "joint": ("共同（重叠部分）", "joint (overlap)"),
    "total": ("合计（全部项目）", "total (all projects)"),
    "planned": ("清单全部建成后", "If everything on the list is built"),
    "planned_note": ("在评估 {r} 上加入清单中尚未建成、未取消的全部项目。",
                     "Run {r} with every project of the list that is not built yet and not cancelled added."),
    "col_now": ("现状", "Now"),
    "col_all_built": ("全部建成", "All built"),
    "late_projects": ("逾期项目", "Late projects"),
    "col_planned": ("计划完成", "Planned completion"),
    "col_days_late": ("逾期天数", "Days late"),
    "none": ("无", "none"),
    "no_targets": ("尚无目标：lifecircle monitor targets import FILE。", "No targets: lifecircle monitor targets "
                   "import FILE."),
    "no_projects": ("尚无项目清单：lifecircle monitor projects import FILE。", "No project list: lifecircle "
                    "monitor projects import FILE."),
    "no_coords": ("{n} 个项目仅有地址，未在地图上显示。", "{n} project(s) with an address only are not on the map."),
}


def _bi(key: str, **fmt: Any) -> Any:
    zh, en = STRINGS[key]
    return bilingual_html(zh.format(**fmt), en.format(**fmt))


def _svg_text(x: float, y: float, zh: str, en: str, cls: str = "", anchor: str = "start") -> str:
    c = f" {cls}" if cls else ""
    return (f'<text class="l-zh{c}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(zh)}</text>'
            f'<text class="l-en{c}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(en)}</text>')


def history_svg(history: pd.DataFrame, targets: pd.DataFrame, name_zh: str, name_en: str, share: bool,
                width: int = 520, height: int = 220) -> str:
    """A line of an indicator's value over the runs' data dates with its targets as diamonds at their due dates.

    Parameters
    ----------
    history
        ``data_date`` and ``value`` (a share 0–1 when ``share``, else the indicator's unit), one row per run.
    targets
        ``due_date``, ``target`` and ``state`` (``met``/``open``/``missed``/``no data``).
    share
        Draw the y axis 0–100 %; else from 0 to the largest value.
    """
    ml, mr, mt, mb = 44, 16, 30, 34
    pw, ph = width - ml - mr, height - mt - mb
    dates = [pd.Timestamp(d) for d in list(history["data_date"]) + list(targets["due_date"])]
    t0, t1 = (min(dates), max(dates)) if dates else (pd.Timestamp("2000-01-01"), pd.Timestamp("2001-01-01"))
    if t1 <= t0:
        t0, t1 = t0 - pd.Timedelta(days=30), t1 + pd.Timedelta(days=30)
    values = [float(v) for v in list(history["value"]) + list(targets["target"]) if pd.notna(v)]
    top = 1.0 if share else (max(values) * 1.1 if values and max(values) > 0 else 1.0)

    def sx(d: Any) -> float:
        return ml + pw * (pd.Timestamp(d) - t0) / (t1 - t0)

    def sy(v: float) -> float:
        return mt + ph * (1.0 - min(max(v / top, 0.0), 1.0))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart history" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img"><title>{escape(name_zh)} / {escape(name_en)}</title>',
           _svg_text(ml - 36, 16, name_zh, name_en, cls="ttl")]
    for k in range(5):
        v = top * k / 4
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" stroke="#d9dee3" '
                   'stroke-width="0.7"/>')
        text = f"{100 * v:.0f}%" if share else f"{v:.3g}"
        out.append(f'<text x="{ml - 4}" y="{sy(v) + 3:.1f}" text-anchor="end" class="tick">{text}</text>')
    for year in range(t0.year, t1.year + 2):
        d = pd.Timestamp(year=year, month=1, day=1)
        if t0 <= d <= t1:  # year lines, labelled at the top of the plot (the run dates take the axis)
            out.append(f'<line x1="{sx(d):.1f}" x2="{sx(d):.1f}" y1="{mt}" y2="{mt + ph}" stroke="#7b8794" '
                       'stroke-width="0.6" stroke-dasharray="3 2"/>')
            out.append(f'<text x="{sx(d) + 3:.1f}" y="{mt + 9}" class="tick year">{year}</text>')
    h = history.dropna(subset=["value"]).sort_values("data_date")
    if len(h):
        pts = " ".join(f"{sx(d):.1f},{sy(float(v)):.1f}" for d, v in zip(h["data_date"], h["value"]))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{COLOR_MET}" stroke-width="2"/>')
        for d, v in zip(h["data_date"], h["value"]):
            text = f"{100 * float(v):.1f}%" if share else f"{float(v):.3g}"
            out.append(f'<circle cx="{sx(d):.1f}" cy="{sy(float(v)):.1f}" r="3.2" fill="{COLOR_MET}">'
                       f'<title>{escape(str(pd.Timestamp(d).date()))}: {text}</title></circle>')
        out.extend(_axis_labels([(sx(d), str(pd.Timestamp(d).date())) for d in h["data_date"]],
                                mt + ph + 13, ml, ml + pw, "run-date", RUN_LABEL_PX))
    for r in targets.itertuples(index=False):
        x, y = sx(r.due_date), sy(float(r.target))
        color = {"met": COLOR_MET, "missed": COLOR_UNMET}.get(r.state, COLOR_NO_TARGET)
        text = f"{100 * float(r.target):.0f}%" if share else f"{float(r.target):.3g}"
        out.append(f'<path d="M{x:.1f},{y - 6:.1f}L{x + 6:.1f},{y:.1f}L{x:.1f},{y + 6:.1f}L{x - 6:.1f},{y:.1f}Z" '
                   f'fill="#fff" stroke="{color}" stroke-width="2"><title>{escape(str(r.period))} ≥ {text}</title>'
                   '</path>')
    out.extend(_target_labels(targets, sx, sy, ml, ml + pw))
    out.append("</svg>")
    return "".join(out)


#: Pixels a run-date label (``2025-09-30``, 10 px font: about 53 px wide) takes on the time axis, with a gap;
#: closer labels are left out.
RUN_LABEL_PX = 60.0
#: Pixels a target-period label (``2025Q3``) takes.
TARGET_LABEL_PX = 40.0


def _spaced(items: list[tuple[float, str]], min_px: float) -> list[tuple[float, str]]:
    """The labels (x, text) that keep ``min_px`` apart, the latest first (it is the one a reader looks for), then
    the earliest, then the others from the left."""
    items = sorted(items)
    if not items:
        return []
    order = [len(items) - 1, 0, *range(1, len(items) - 1)]
    kept: list[tuple[float, str]] = []
    for k in dict.fromkeys(order):
        x, text = items[k]
        if all(abs(x - kx) >= min_px for kx, _ in kept):
            kept.append((x, text))
    return sorted(kept)


def _clamp(x: float, half: float, lo: float, hi: float) -> float:
    return min(max(x, lo + half), hi - half)


def _axis_labels(items: list[tuple[float, str]], y: float, lo: float, hi: float, cls: str,
                 min_px: float) -> list[str]:
    """Date labels under the time axis at their points' x, kept inside the plot, in a first row and, for those that
    would overlap it, a second row 11 px lower; labels that fit in neither are left out (their point's tooltip still
    gives the date)."""
    placed = [(_clamp(x, min_px / 2, lo, hi), text) for x, text in items]
    first = _spaced(placed, min_px)
    second = _spaced([p for p in placed if p not in first], min_px)
    return [f'<text x="{x:.1f}" y="{row_y:.1f}" text-anchor="middle" class="tick {cls}">{escape(text)}</text>'
            for row, row_y in ((first, y), (second, y + 11)) for x, text in row]


def _target_labels(targets: pd.DataFrame, sx: Any, sy: Any, lo: float, hi: float) -> list[str]:
    """Each target's period (``2025``, ``2025Q3``) above its diamond; labels that would overlap are left out."""
    by_x: dict[float, tuple[float, str]] = {}
    for r in targets.itertuples(index=False):
        by_x[sx(r.due_date)] = (sy(float(r.target)), str(r.period))
    placed = {_clamp(x, TARGET_LABEL_PX / 2, lo, hi): (y, text) for x, (y, text) in by_x.items()}
    out = []
    for x, text in _spaced([(x, text) for x, (_, text) in placed.items()], TARGET_LABEL_PX):
        y = placed[x][0]
        ly = y - 9 if y - 9 >= 24 else y + 17  # above the diamond, below it when that would reach the title
        out.append(f'<text x="{x:.1f}" y="{ly:.1f}" text-anchor="middle" class="tick target-period">'
                   f'{escape(text)}</text>')
    return out


def _category_html(category_id: str) -> Any:
    """A category's Chinese and English names (the language switch shows one), or the id when unknown."""
    c = category_catalogue().get(str(category_id))
    return bilingual_html(c.name_zh, c.name_en) if c else category_id


def _is_share(unit: Any) -> bool:
    return isinstance(unit, str) and unit.startswith("share")


def _fmt(v: Any, share: bool) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return "—"
    return f"{100 * float(v):.1f}%" if share else f"{float(v):.3g}"


def _fmt_pts(v: Any, share: bool) -> str:
    if v is None or pd.isna(v):
        return "—"
    return f"{100 * float(v):+.2f}" if share else f"{float(v):+.3g}"


def _names(store: MonitorStore) -> dict[tuple[str, str], dict[str, Any]]:
    rows = store.con.execute(
        "SELECT DISTINCT ON (profile, indicator) profile, indicator, name_zh, name_en, unit FROM indicator_values "
        "ORDER BY profile, indicator").fetchall()
    return {(p, i): {"zh": zh or i, "en": en or i, "share": _is_share(u)} for p, i, zh, en, u in rows}


def _histories(store: MonitorStore, as_of: date, targets: pd.DataFrame,
               names: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """One chart per indicator that has a target (whole area or its sub-area), else per life-circle indicator."""
    iv = store.con.execute(
        "SELECT iv.profile, iv.indicator, iv.area, r.data_date, iv.value FROM indicator_values iv "
        "JOIN runs r USING (run_id) WHERE r.data_date <= ? ORDER BY r.data_date", [as_of]).df()
    keys = list(dict.fromkeys(zip(targets["profile"], targets["indicator"], targets["area"])))
    if not keys:
        keys = [(p, i, "ALL") for (p, i) in names if i.startswith("life_circle")]
    svgs = []
    for profile, indicator, area in keys:
        h = iv[(iv["indicator"] == indicator) & (iv["area"] == area) & ((iv["profile"] == profile) | (profile == ""))]
        t = targets[(targets["indicator"] == indicator) & (targets["area"] == area) & (targets["profile"] == profile)]
        info = names.get((profile, indicator), {"zh": indicator, "en": indicator, "share": True})
        suffix = "" if area == "ALL" else f" · {area}"
        svgs.append(history_svg(h, t, info["zh"] + suffix, info["en"] + suffix, info["share"]))
    return svgs


def _projects_geojson(states: pd.DataFrame) -> dict[str, Any]:
    located = states[states["lon"].notna() & states["lat"].notna()]
    cats = category_catalogue()
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(r.lon), 7),
                                                                              round(float(r.lat), 7)]},
              "properties": {"id": str(r.project_id), "name": str(r.name), "category": str(r.category),
                             "category_zh": cats[r.category].name_zh if r.category in cats else str(r.category),
                             "category_en": cats[r.category].name_en if r.category in cats else str(r.category),
                             "unit": str(r.responsible_unit), "state": str(r.state),
                             "planned": str(r.planned_completion)[:10],
                             "actual": "" if pd.isna(r.actual_completion) else str(r.actual_completion)[:10]}}
             for r in located.itertuples(index=False)]
    return {"type": "FeatureCollection", "features": feats}


def _boundary(store: MonitorStore) -> dict[str, Any] | None:
    row = store.con.execute("SELECT boundary_wkt FROM runs WHERE boundary_wkt IS NOT NULL "
                            "ORDER BY data_date DESC, run_id DESC LIMIT 1").fetchone()
    return mapping(shapely.from_wkt(row[0])) if row else None


def _bounds(states: pd.DataFrame, boundary: dict[str, Any] | None) -> list[list[float]] | None:
    xs, ys = list(states["lon"].dropna().astype(float)), list(states["lat"].dropna().astype(float))
    if boundary is not None:
        minx, miny, maxx, maxy = shapely.geometry.shape(boundary).bounds
        xs += [minx, maxx]
        ys += [miny, maxy]
    if not xs:
        return None
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _merge_bounds(*boxes: list[list[float]] | None) -> list[list[float]] | None:
    """The [[south, west], [north, east]] box around every given box (None when none is given)."""
    given = [b for b in boxes if b is not None]
    if not given:
        return None
    return [[min(b[0][0] for b in given), min(b[0][1] for b in given)],
            [max(b[1][0] for b in given), max(b[1][1] for b in given)]]


def _network_bounds(network: dict[str, Any] | None) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the network base layer (1e-5 degree, delta-encoded lines)."""
    if not network or not network["lines"]:
        return None
    xs: list[float] = []
    ys: list[float] = []
    for line in network["lines"]:
        xy = np.cumsum(np.asarray(line, dtype=np.int64).reshape(-1, 2), axis=0) / COORD_SCALE
        xs += [float(xy[:, 0].min()), float(xy[:, 0].max())]
        ys += [float(xy[:, 1].min()), float(xy[:, 1].max())]
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _attribution(store: MonitorStore, names: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any] | None:
    """Per moved indicator: the reconciliation (units, joint, other changes = measured) and each project's gain."""
    pair = stored_attribution(store)
    if pair is None:
        return None
    before, after = pair
    dates = dict(store.con.execute("SELECT run_id, data_date FROM runs WHERE run_id IN (?, ?)",
                                   [before, after]).fetchall())
    gains = project_gains(store, after)
    rec = reconciliation(store, after)
    blocks = []
    for (profile, indicator), grp in gains.groupby(["profile", "indicator"], sort=True):
        if not (grp["gain"].abs() > 1e-12).any():
            continue
        info = names.get((profile, indicator), {"zh": indicator, "en": indicator, "share": True})
        rows = [{"joint": r.method == JOINT_REMAINDER, "id": r.project_id, "name": r.name or "",
                 "category": r.category or "", "unit": r.responsible_unit or "",
                 "gain": _fmt_pts(r.gain, info["share"])} for r in grp.itertuples(index=False)]
        parts = rec[(rec["profile"] == profile) & (rec["indicator"] == indicator)]
        labels = {PART_JOINT: "joint", PART_OTHER: "other", PART_MEASURED: "measured_total"}
        recon = [{"label": labels.get(r.part), "unit": r.responsible_unit, "n": int(r.n_projects),
                  "measured": r.part == PART_MEASURED, "value": _fmt_pts(r.value, info["share"])}
                 for r in parts.itertuples(index=False)]
        blocks.append({"zh": info["zh"], "en": info["en"], "rows": rows, "recon": recon,
                       "total": _fmt_pts(grp["gain"].sum(), info["share"])})
    return {"before": before, "after": after, "date_before": str(dates.get(before, ""))[:10],
            "date_after": str(dates.get(after, ""))[:10], "blocks": blocks}


def _latest_folder(store: MonitorStore, as_of: date) -> tuple[int, Path] | None:
    """The latest run on or before ``as_of`` and its results folder, when that folder is still there."""
    row = store.con.execute("SELECT run_id, results_dir FROM runs WHERE data_date <= ? "
                            "ORDER BY data_date DESC, run_id DESC LIMIT 1", [as_of]).fetchone()
    if row is None or not Path(row[1]).is_dir():
        return None
    return int(row[0]), Path(row[1])


def _network(latest: tuple[int, Path] | None) -> tuple[dict[str, Any] | None, bool]:
    """The walking network of the latest run as the report's faint base layer (None without a readable one), and
    whether it comes from OpenStreetMap (the run's ``osm`` input: the map then credits it)."""
    if latest is None:
        return None, False
    try:
        folder = ResultsFolder(latest[1])
        if not folder.has("network_edges.parquet"):
            return None, False
        return network_layer(folder.edges()), "osm" in folder.run.inputs
    except LifecircleInputError:
        return None, False  # a damaged or foreign folder: the map is drawn without the network


def _report_href(results_dir: Path, out_dir: Path) -> str | None:
    """The address of a run's report.html relative to the monitoring page's folder (None when there is none)."""
    if not (results_dir / REPORT_NAME).is_file():
        return None
    return Path(os.path.relpath(results_dir / REPORT_NAME, out_dir.resolve())).as_posix()


def _report_link(latest: tuple[int, Path] | None, out_dir: Path) -> dict[str, Any] | None:
    """The latest run's report.html, relative to the monitoring page (None when there is none)."""
    href = None if latest is None else _report_href(latest[1], out_dir)
    return None if href is None or latest is None else {"href": href, "run": latest[0]}


def _runs(store: MonitorStore, as_of: date, out_dir: Path) -> list[dict[str, Any]]:
    """The recorded runs up to ``as_of``, latest first: id, data date, study area and the link to its report."""
    rows = store.con.execute("SELECT run_id, data_date, study_area, results_dir FROM runs WHERE data_date <= ? "
                             "ORDER BY data_date DESC, run_id DESC", [as_of]).fetchall()
    return [{"id": int(r), "date": str(d)[:10], "area": a or "", "folder": Path(f).name,
             "href": _report_href(Path(f), out_dir)} for r, d, a, f in rows]


def _delivered(store: MonitorStore, names: dict[tuple[str, str], dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Per responsible unit: the indicators its completed projects moved, with the summed gain."""
    g = unit_gains(store)
    out: dict[str, list[dict[str, str]]] = {}
    for r in g[g["gain"].abs() > 1e-12].itertuples(index=False):
        if not r.responsible_unit:
            continue
        info = names.get((r.profile, r.indicator), {"zh": r.indicator, "en": r.indicator, "share": True})
        unit = " pts" if info["share"] else ""
        out.setdefault(r.responsible_unit, []).append(
            {"zh": info["zh"], "en": info["en"], "gain": _fmt_pts(r.gain, info["share"]) + unit})
    return out


def _planned(store: MonitorStore, names: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any] | None:
    p = planned_values(store)
    if p.empty:
        return None
    rows = []
    for r in p.itertuples(index=False):
        info = names.get((r.profile, r.indicator), {"zh": r.indicator, "en": r.indicator, "share": True})
        rows.append({"zh": info["zh"], "en": info["en"], "now": _fmt(r.value_without, info["share"]),
                     "all": _fmt(r.value_with, info["share"]), "gain": _fmt_pts(r.gain, info["share"]),
                     "moved": bool(abs(r.gain) > 1e-12) if pd.notna(r.gain) else False})
    return {"run": int(p["run_id"].iloc[0]), "rows": rows}


def render_monitoring_report(store: MonitorStore, as_of: date, lang: str = "zh",
                             out_dir: str | os.PathLike[str] = ".") -> str:
    """The monitoring page's HTML text (see the module docstring); ``out_dir`` is the folder it will be written in
    (links to the runs' reports are relative to it)."""
    if lang not in LANGUAGES:
        raise LifecircleInputError(f"Report language '{lang}' is not available; use one of: {', '.join(LANGUAGES)}.")
    names = _names(store)
    targets = target_status(store, as_of)
    states = project_states(store, as_of)
    boundary = _boundary(store)
    runs = store.con.execute("SELECT count(*), max(data_date) FROM runs WHERE data_date <= ?",
                             [as_of]).fetchone() or (0, None)
    study = store.con.execute("SELECT study_area FROM runs ORDER BY data_date DESC, run_id DESC LIMIT 1").fetchone()
    target_rows = [{
        "zh": (r.name_zh if isinstance(r.name_zh, str) and r.name_zh else r.indicator),
        "en": (r.name_en if isinstance(r.name_en, str) and r.name_en else r.indicator),
        "indicator": r.indicator, "area": r.area, "period": r.period,
        "target": ("≥ " if r.direction == "at_least" else "≤ ") + _fmt(r.target, _is_share(r.unit)),
        "value": _fmt(r.value, _is_share(r.unit)), "date": "—" if pd.isna(r.data_date) else str(r.data_date)[:10],
        "gap_zh": gap_text(r.gap, r.direction, r.unit if isinstance(r.unit, str) else None, "zh"),
        "gap_en": gap_text(r.gap, r.direction, r.unit if isinstance(r.unit, str) else None, "en"),
        "state": r.state,
        "css": {"met": "status-met", "missed": "status-unmet"}.get(r.state, ""),
        "source": r.source_document,
    } for r in targets.itertuples(index=False)]
    latest = _latest_folder(store, as_of)
    network, network_osm = _network(latest)
    data = {
        "network": network,
        "projects": _projects_geojson(states),
        "boundary": boundary,
        "bounds": _merge_bounds(_bounds(states, boundary), _network_bounds(network)),
        "colors": STATE_COLORS,
        "states": {k: {"zh": STRINGS[f"s_{k}"][0], "en": STRINGS[f"s_{k}"][1]} for k in STATE_COLORS},
        "attribution": "© OpenStreetMap contributors (ODbL 1.0)" if boundary or network_osm else "",
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("lifecircle").joinpath("data", "monitor"))),
        autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(t=label, m=_bi, bi=bilingual_html, cat=_category_html)
    context = {
        "lang": lang,
        "as_of": as_of.isoformat(),
        "study_area": (study[0] if study else "") or "",
        "n_runs": runs[0],
        "latest": str(runs[1])[:10] if runs[1] else "—",
        "targets": target_rows,
        "histories": _histories(store, as_of, targets, names),
        "units": unit_status(store, as_of).to_dict("records"),
        "delivered": _delivered(store, names),
        "attribution": _attribution(store, names),
        "n_runs_all": (store.con.execute("SELECT count(*) FROM runs").fetchone() or (0,))[0],
        "network_run": latest[0] if network is not None and latest is not None else None,
        "report_link": _report_link(latest, Path(out_dir)),
        "runs": _runs(store, as_of, Path(out_dir)),
        "planned": _planned(store, names),
        "late": late_projects(store, as_of).to_dict("records"),
        "has_projects": len(states) > 0,
        "n_unlocated": int((states["lon"].isna() | states["lat"].isna()).sum()) if len(states) else 0,
        "state_colors": STATE_COLORS,
        "leaflet_css": leaflet_css(),
        "leaflet_js": vendor_text("leaflet.js"),
        "report_css": template_text("report.css"),
        "monitor_css": resources.files("lifecircle").joinpath("data", "monitor", "monitoring.css").read_text("utf-8"),
        "monitor_js": resources.files("lifecircle").joinpath("data", "monitor", "monitoring.js").read_text("utf-8"),
        "data_json": script_json(data),
        "generated": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
    }
    return env.get_template("monitoring.html.j2").render(**context)


def build_monitoring_report(store: MonitorStore, out_dir: str | os.PathLike[str], *, as_of: date | None = None,
                            lang: str = "zh") -> Path:
    """Write ``<out_dir>/monitoring.html`` (staged: a temporary name, then renamed) and return its path.

    Raises
    ------
    LifecircleInputError
        When ``out_dir`` is a file or ``lang`` is unknown.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise LifecircleInputError(f"--out '{out}' is a file; give a folder for {MONITORING_REPORT_NAME}.")
    html = render_monitoring_report(store, as_of or date.today(), lang, out)
    out.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(html, out / MONITORING_REPORT_NAME)
