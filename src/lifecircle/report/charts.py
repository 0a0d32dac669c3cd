"""Inline SVG charts, drawn in Python: walking-time distributions per category and coverage against targets.

Every text is written twice (``class="l-zh"`` and ``class="l-en"``); the page's CSS shows one language. The SVG is
well-formed XML with no external reference, so it prints and opens offline.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from lifecircle.report.tables import IndicatorRow, format_percent

#: Minutes marked on the distribution charts: the 5-, 10- and 15-minute life-circle tiers of GB 50180-2018
#: (clauses 2.0.2–2.0.4, walking times ✅; source gb50180-2018).
TIER_MINUTES = (5, 10, 15)
#: Right end of the distribution charts' time axis (minutes); later arrivals are counted in the "> 30" tail.
AXIS_MAX_MIN = 30

#: Colours (colour-blind-safe, ColorBrewer RdYlBu ends) of met / unmet / no-target bars and of the curves.
COLOR_MET = "#2c7bb6"
COLOR_UNMET = "#e66101"
COLOR_NO_TARGET = "#8c8c8c"
COLOR_CURVE = "#2c7bb6"
_INK = "#1f2933"
_GRID = "#d9dee3"


def share_within(times_s: np.ndarray, weights: np.ndarray, limits_s: np.ndarray) -> np.ndarray:
    """Weighted share of origins whose time is ≤ each limit (0–1).

    Parameters
    ----------
    times_s
        Walking time of each origin (seconds; +inf or NaN when unreachable: never within any limit).
    weights
        Weight of each origin (people); NaN counts as 0.
    limits_s
        Limits (seconds).

    Returns
    -------
    numpy.ndarray
        ``share[k] = Σ w_i [t_i ≤ limits_s[k]] / Σ w_i`` (NaN when ``Σ w_i`` is 0).
    """
    t = np.asarray(times_s, dtype=np.float64)
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    total = w.sum()
    limits = np.asarray(limits_s, dtype=np.float64)
    if total <= 0:
        return np.full(limits.shape, np.nan)
    ok = np.isfinite(t)
    order = np.argsort(t[ok], kind="stable")
    ts = t[ok][order]
    cum = np.concatenate([[0.0], np.cumsum(w[ok][order])])
    return cum[np.searchsorted(ts, limits, side="right")] / total


def _bi(x: float, y: float, zh: str, en: str, cls: str = "", **attrs: object) -> str:
    """Two <text> elements at (x, y), one per language (classes ``l-zh`` / ``l-en`` plus ``cls``)."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    c = f" {cls}" if cls else ""
    return (f'<text class="l-zh{c}" x="{x:.1f}" y="{y:.1f}"{extra}>{escape(zh)}</text>'
            f'<text class="l-en{c}" x="{x:.1f}" y="{y:.1f}"{extra}>{escape(en)}</text>')


def distribution_svg(times_s: np.ndarray, weights: np.ndarray, name_zh: str, name_en: str,
                     width: int = 320, height: int = 180) -> str:
    """One small-multiple panel: cumulative share of ``weights`` (people or m², the category's denominator) reaching
    the category within t minutes.

    The x axis runs 0–:data:`AXIS_MAX_MIN` minutes with dashed lines at :data:`TIER_MINUTES`; the panel states the
    share within 15 minutes and the unreachable share.
    """
    ml, mr, mt, mb = 34, 10, 40, 34
    pw, ph = width - ml - mr, height - mt - mb
    grid_min = np.linspace(0.0, AXIS_MAX_MIN, 4 * AXIS_MAX_MIN + 1)
    shares = share_within(times_s, weights, grid_min * 60.0)
    tiers = share_within(times_s, weights, np.array(TIER_MINUTES, dtype=float) * 60.0)
    t = np.asarray(times_s, dtype=np.float64)
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    unreachable = float(w[~np.isfinite(t)].sum() / w.sum()) if w.sum() > 0 else math.nan

    def sx(m: float) -> float:
        return ml + pw * m / AXIS_MAX_MIN

    def sy(s: float) -> float:
        return mt + ph * (1.0 - s)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart cdf" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img">']
    out.append(f'<title>{escape(name_zh)} / {escape(name_en)}</title>')
    out.append(_bi(ml - 26, 16, name_zh, name_en, cls="ttl"))
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{sy(s):.1f}" y2="{sy(s):.1f}" stroke="{_GRID}" stroke-width="0.7"/>')
        if s in (0.0, 0.5, 1.0):
            out.append(f'<text x="{ml - 4}" y="{sy(s) + 3:.1f}" text-anchor="end" class="tick">{int(s * 100)}%</text>')
    for m in TIER_MINUTES:
        out.append(f'<line x1="{sx(m):.1f}" x2="{sx(m):.1f}" y1="{mt}" y2="{mt + ph}" stroke="#7b8794" '
                   f'stroke-width="0.8" stroke-dasharray="3 2"/>')
    for m in (0, 5, 10, 15, 20, 25, 30):
        out.append(f'<text x="{sx(m):.1f}" y="{mt + ph + 12}" text-anchor="middle" class="tick">{m}</text>')
    out.append(_bi(ml + pw / 2, mt + ph + 27, "步行时间（分钟）", "walking time (min)", text_anchor="middle", cls="tick"))
    if not np.all(np.isnan(shares)):
        step = [f"M{sx(grid_min[0]):.1f},{sy(shares[0]):.1f}"]
        for m, s in zip(grid_min[1:], shares[1:]):
            step.append(f"H{sx(m):.1f}V{sy(s):.1f}")
        line = "".join(step)
        out.append(f'<path d="{line}V{sy(0):.1f}H{sx(0):.1f}Z" fill="{COLOR_CURVE}" fill-opacity="0.12" stroke="none"/>')
        out.append(f'<path d="{line}" fill="none" stroke="{COLOR_CURVE}" stroke-width="2" stroke-linejoin="round"/>')
        for m, s in zip(TIER_MINUTES, tiers):
            if unreachable < 1.0:
                out.append(f'<circle cx="{sx(m):.1f}" cy="{sy(s):.1f}" r="2.6" fill="{_INK}"/>')
        s15 = format_percent(float(tiers[-1]))  # rounded as the indicator table rounds shares
        note_zh = f"15分钟内 {s15}"
        note_en = f"{s15} within 15 min"
        if unreachable >= 1.0:
            note_zh, note_en = "无可达设施（数据中可能没有此类设施）", "no facility reachable (none in the data?)"
        elif unreachable > 0:
            note_zh += f" · 不可达 {format_percent(unreachable)}"
            note_en += f" · {format_percent(unreachable)} unreachable"
        out.append(_bi(ml - 26, 31, note_zh, note_en, cls="sub"))
    out.append("</svg>")
    return "".join(out)


def coverage_bars_svg(rows: list[IndicatorRow], width: int = 1000) -> str:
    """Horizontal bars of each share indicator's study-area value (0–100 %) with a tick at its target.

    Bars are blue when the target is met, orange when not, grey without a target. Indicators whose value is not a
    share (e.g. a Gini coefficient) are left out.
    """
    rows = [r for r in rows if r.is_share and not math.isnan(r.value)]
    ml, mr, row_h, top = 8, 56, 40, 8
    pw = width - ml - mr
    height = top + row_h * len(rows) + 22
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img">']
    for pct in (0, 25, 50, 75, 100):
        x = ml + pw * pct / 100
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 18}" stroke="{_GRID}" stroke-width="0.7"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="tick">{pct}%</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        color = {"met": COLOR_MET, "unmet": COLOR_UNMET}.get(r.status, COLOR_NO_TARGET)
        out.append(_bi(ml, y + 12, r.name_zh, r.name_en, cls="lbl"))
        bw = pw * min(max(r.value, 0.0), 1.0)
        out.append(f'<rect x="{ml}" y="{y + 17}" width="{pw}" height="14" fill="#eef1f4"/>')
        out.append(f'<rect x="{ml}" y="{y + 17}" width="{bw:.1f}" height="14" fill="{color}">'
                   f'<title>{escape(r.value_text)}</title></rect>')
        out.append(f'<text x="{ml + bw + 4:.1f}" y="{y + 28}" class="val">{escape(r.value_text)}</text>')
        if not math.isnan(r.target):
            tx = ml + pw * min(max(r.target, 0.0), 1.0)
            out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y + 13}" y2="{y + 35}" stroke="{_INK}" stroke-width="2.2"/>')
    out.append("</svg>")
    return "".join(out)
